import SNDSModel

/// The code lists of the shipped nomenclatures the care model draws from, and the check that every
/// code the model names exists in them — so a typo in care-model.yml fails at load time with its
/// place, not as an unexplained conformance failure after a long generation.
struct CareCodes {
    let diagnoses: Set<String>  // MS_CIM_V (PMSI diagnoses)
    let causes: Set<String>  // IR_CIM_V (CépiDC causes)
    let acts: Set<String>  // IR_CCAM_V63
    let natures: Set<String>  // IR_NAT_V
    let specialties: Set<String>  // IR_SPE_V
    let activities: Set<String>  // IR_ACT_V
    let places: Set<String>  // DS_LIE_V
    let homeCareModes: Set<String>  // IR_HAD_PEC_PAL (HAD modes of care)
    /// ATC code → label (openmedic_ATC5).
    let atc: [String: String]
    /// CCAM code → its group (CAM_PRS_RGT: ADC, ADI, ATM…).
    let actGroups: [String: String]
    /// CCAM group → the open IR_NAT_V nature with that short code (ADI → 1351).
    let natureOfActGroup: [String: Int]
    let longTermConditions: Set<String>  // IR_ALD_V
    /// NABM code → coefficient of the key letter B (IR_BIO_R, acts not withdrawn).
    let biologyCoefficients: [Int: Double]

    init(reference: ReferenceData) throws {
        func column(_ table: String, _ name: String) throws -> [String] {
            let (_, csv) = try reference.nomenclature(named: table)
            let data = try ReferenceData.readTable(at: csv, name: table + ".csv")
            let i = try data.column(name, in: table + ".csv")
            return data.rows.map { $0[i] }
        }
        diagnoses = Set(try column("MS_CIM_V", "CIM_COD"))
        causes = Set(try column("IR_CIM_V", "CIM_COD"))
        acts = Set(try column("IR_CCAM_V63", "CAM_PRS_IDE_COD"))
        natures = Set(try column("IR_NAT_V", "PRS_NAT"))
        specialties = Set(try column("IR_SPE_V", "PFS_SPE_COD"))
        activities = Set(try column("IR_ACT_V", "PFS_ACT_NAT"))
        places = Set(try column("DS_LIE_V", "DCD_LIE_COD"))
        homeCareModes = Set(try column("IR_HAD_PEC_PAL", "PEC_PAL_COD"))
        longTermConditions = Set(try column("IR_ALD_V", "ALD_030_COD"))
        let codes = try column("openmedic_ATC5", "ATC5"), labels = try column("openmedic_ATC5", "Libellé ATC5")
        atc = Dictionary(zip(codes, labels), uniquingKeysWith: { a, _ in a })
        actGroups = Dictionary(
            zip(try column("IR_CCAM_V63", "CAM_PRS_IDE_COD"), try column("IR_CCAM_V63", "CAM_PRS_RGT")), uniquingKeysWith: { a, _ in a })
        var natureOfActGroup: [String: Int] = [:]
        for (nature, (short, note)) in zip(
            try column("IR_NAT_V", "PRS_NAT"), zip(try column("IR_NAT_V", "PRS_NAT_CB2"), try column("IR_NAT_V", "PRS_NAT_OBS")))
        where !note.lowercased().contains("fermé") && short.count == 3 {
            if let code = Int(nature), natureOfActGroup[short] == nil { natureOfActGroup[short] = code }
        }
        self.natureOfActGroup = natureOfActGroup
        var coefficients: [Int: Double] = [:]
        for (code, (withdrawn, coefficient)) in zip(
            try column("IR_BIO_R", "BIO_PRS_IDE"), zip(try column("IR_BIO_R", "BIO_SUP_DAT"), try column("IR_BIO_R", "BIO_TAR_COF")))
        where withdrawn.isEmpty {
            if let code = Int(code), let coefficient = Double(coefficient), coefficient > 0 { coefficients[code] = coefficient }
        }
        biologyCoefficients = coefficients
    }

    /// Every code of the model, checked; the first unknown one is reported with where it is.
    func validate(_ model: CareModel) throws {
        func check(_ code: String, in set: Set<String>, _ list: String, _ at: String) throws {
            guard set.contains(code) else {
                throw ReferenceDataError.malformed(CareModel.file, line: 0, "\(at): \(code) is not in \(list)")
            }
        }
        for s in model.services {
            if let spe = s.specialty { try check(String(spe), in: specialties, "IR_SPE_V", "services.\(s.id).specialty") }
            if let act = s.activity { try check(String(act), in: activities, "IR_ACT_V", "services.\(s.id).activity") }
            if let act = s.act { try check(act.code, in: acts, "IR_CCAM_V63", "services.\(s.id).act") }
            for act in s.acts ?? [] { try check(act.code, in: acts, "IR_CCAM_V63", "services.\(s.id).acts") }
            if let nature = s.nature { try check(String(nature), in: natures, "IR_NAT_V", "services.\(s.id).nature") }
            if let drug = s.drug { try check(drug, in: Set(atc.keys), "openmedic_ATC5", "services.\(s.id).drug") }
        }
        let atcCodes = Set(atc.keys)
        for d in model.acuteDrugs.drugs { try check(d.atc, in: atcCodes, "openmedic_ATC5", "acute_drugs") }
        for nature in model.drugs.natures.values { try check(String(nature), in: natures, "IR_NAT_V", "drugs.natures") }
        let nabm = Set(biologyCoefficients.keys.map(String.init))
        for act in model.biology.acts { try check(String(act.code), in: nabm, "IR_BIO_R (acts in force)", "biology.acts") }
        let sharing = model.costSharing
        for charge in [sharing.participation, sharing.paramedical, sharing.drugs, sharing.transport] {
            for nature in [charge.nature, charge.thirdPartyNature] { try check(String(nature), in: natures, "IR_NAT_V", "cost_sharing") }
        }
        for c in model.conditions {
            if let number = c.ald { try check(String(number), in: longTermConditions, "IR_ALD_V", "conditions.\(c.id).ald") }
            for act in c.biologyActs ?? [] { try check(String(act), in: nabm, "IR_BIO_R (acts in force)", "conditions.\(c.id).biology_acts") }
            try check(c.icd10, in: diagnoses, "MS_CIM_V", "conditions.\(c.id).icd10")
            if let cause = c.causeOfDeath { try check(cause, in: causes, "IR_CIM_V", "conditions.\(c.id).cause_of_death") }
            for d in c.drugs ?? [] { try check(d.atc, in: atcCodes, "openmedic_ATC5", "conditions.\(c.id).drugs") }
        }
        for e in model.hospitalEvents {
            for (code, choice) in e.dp {
                try check(code, in: diagnoses, "MS_CIM_V", "hospital_events.\(e.id).dp")
                if let act = choice.act { try check(act, in: acts, "IR_CCAM_V63", "hospital_events.\(e.id).dp.\(code).act") }
            }
            if let spe = e.operatorSpecialty {
                try check(String(spe), in: specialties, "IR_SPE_V", "hospital_events.\(e.id).operator_specialty")
            }
            for code in (e.das ?? [:]).keys { try check(code, in: diagnoses, "MS_CIM_V", "hospital_events.\(e.id).das") }
            for act in e.acts ?? [] { try check(act.code, in: acts, "IR_CCAM_V63", "hospital_events.\(e.id).acts") }
            for act in (e.procedure ?? [:]).keys { try check(act, in: acts, "IR_CCAM_V63", "hospital_events.\(e.id).procedure") }
            for next in e.dischargeTo ?? [] {
                let at = "hospital_events.\(e.id).discharge_to"
                // SSR codes its diagnoses in IR_CIM_V (T_SSRaaB's nomenclature), HAD in MS_CIM_V.
                let list = next.to == .ssr ? causes : diagnoses
                try check(next.diagnosis, in: list, next.to == .ssr ? "IR_CIM_V" : "MS_CIM_V", at)
                if let etiology = next.etiology { try check(etiology, in: list, next.to == .ssr ? "IR_CIM_V" : "MS_CIM_V", at) }
                if next.to == .ssr {
                    try check(next.purpose, in: causes, "IR_CIM_V", at)
                } else {
                    try check(next.purpose, in: homeCareModes, "IR_HAD_PEC_PAL", at)
                }
            }
            for d in e.followUp?.drugs ?? [] { try check(d.atc, in: atcCodes, "openmedic_ATC5", "hospital_events.\(e.id).follow_up") }
            if let spe = e.followUp?.prescriberSpecialty {
                try check(String(spe), in: specialties, "IR_SPE_V", "hospital_events.\(e.id).follow_up.prescriber_specialty")
            }
        }
        let births = model.births
        for dp in [births.vaginal.dp, births.vaginal.twinsDp, births.caesarean.planned.dp, births.caesarean.emergency.dp, births.caesarean.twinsDp] {
            try check(dp, in: diagnoses, "MS_CIM_V", "births (delivery diagnoses)")
        }
        let va = births.vaginal.acts
        for act in [va.primipara, va.multipara, va.twinsPrimipara, va.twinsMultipara]
            + Array(births.caesarean.planned.acts.keys) + Array(births.caesarean.emergency.acts.keys)
        {
            try check(act, in: acts, "IR_CCAM_V63", "births (delivery acts)")
        }
        try check(model.births.twinsDas, in: diagnoses, "MS_CIM_V", "births.twins_das")
        try check(model.births.newborn.dp, in: diagnoses, "MS_CIM_V", "births.newborn.dp")
        try check(model.births.newborn.twinsDp, in: diagnoses, "MS_CIM_V", "births.newborn.twins_dp")
        // Causes of death are also the principal diagnosis of terminal stays (external causes
        // excepted), so they must be PMSI diagnoses too.
        let conditionCauses = model.conditions.compactMap(\.causeOfDeath)
        for group in model.causesOfDeath.byAge {
            for code in group.causes.keys { try check(code, in: causes, "IR_CIM_V", "causes_of_death.by_age") }
        }
        for code in model.causesOfDeath.byAge.flatMap(\.causes.keys) + conditionCauses where !CareModel.isExternalCause(code) {
            try check(code, in: diagnoses, "MS_CIM_V", "causes_of_death (as a terminal stay's diagnosis)")
        }
        for code in model.causesOfDeath.byAge.flatMap(\.causes.keys) + conditionCauses where CareModel.isExternalCause(code) {
            guard let dp = model.externalCauseDiagnosis(code) else {
                throw ReferenceDataError.malformed(
                    CareModel.file, line: 0, "end_of_life.external_cause_dp: no diagnosis for the external cause \(code)")
            }
            try check(dp, in: diagnoses, "MS_CIM_V", "end_of_life.external_cause_dp")
        }
        for code in model.endOfLife.dp.keys { try check(code, in: diagnoses, "MS_CIM_V", "end_of_life.dp") }
        try check(model.endOfLife.palliativeDas, in: diagnoses, "MS_CIM_V", "end_of_life.palliative_das")
        let homeCare = model.endOfLife.palliativeHomeCare
        try check(homeCare.purpose, in: homeCareModes, "IR_HAD_PEC_PAL", "end_of_life.palliative_home_care.purpose")
        for id in homeCare.conditions where !model.conditions.contains(where: { $0.id == id }) {
            throw ReferenceDataError.malformed(CareModel.file, line: 0, "end_of_life.palliative_home_care: unknown condition \(id)")
        }
        for code in model.causesOfDeath.contributing.keys { try check(code, in: causes, "IR_CIM_V", "causes_of_death.contributing") }
        for place in model.endOfLife.placeOutsideHospital.keys {
            try check(String(place), in: places, "DS_LIE_V", "end_of_life.place_outside_hospital")
        }
    }
}
