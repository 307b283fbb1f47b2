import GRDB
import SNDSModel
import SNDSStore

/// Writes outpatient care as DCIR does: ER_PRS_F, the central claims table, one row per
/// prestation line, and its detail tables ER_PHA_F (drugs), ER_CAM_F (CCAM acts) and ER_ETE_F
/// (establishments), each detail row carrying the nine keys of its ER_PRS_F line.
///
/// The keys: FLX_DIS_DTD (month the flow was made available), FLX_TRT_DTD (processing day),
/// FLX_EMT_TYP / FLX_EMT_NUM (emitting scheme and centre), FLX_EMT_ORD (order in the flow),
/// ORG_CLE_NUM (liquidating body), DCT_ORD_NUM (the décompte, one per visit), PRS_ORD_NUM (the line
/// in the décompte) and REM_TYP_AFF. Together the nine keys identify a line. As in SNDS,
/// DCT_ORD_NUM alone is not an identifier: it restarts for each emitter and processing day, so
/// joins must use all nine keys.
final class DCIRWriter {
    static let prsColumns = [
        "BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_SEX_COD", "BEN_NAI_ANN", "BEN_RES_DPT", "BEN_RES_COM", "BEN_CDI_NIR",
        "ORG_AFF_BEN", "EXE_SOI_DTD", "EXE_SOI_DTF", "EXE_SOI_AMD", "EXE_SOI_AMF", "PRE_PRE_DTD", "PRE_PRE_AMD",
        "PRS_NAT_REF", "BSE_PRS_NAT", "PRS_ACT_QTE", "PRS_PAI_MNT", "BSE_REM_BSE", "BSE_REM_MNT", "BSE_REM_PRU",
        "BSE_REM_SGN", "RGO_REM_TAU", "EXO_MTF", "RGM_GRG_COD", "RGM_COD", "PSE_SPE_COD", "PSE_ACT_NAT",
        "PSP_SPE_COD", "PFS_EXE_NUM", "PFS_PRE_NUM", "ETB_PRE_FIN", "ORG_CLE_NEW",
        "FLX_DIS_DTD", "FLX_TRT_DTD", "FLX_EMT_TYP", "FLX_EMT_NUM", "FLX_EMT_ORD", "ORG_CLE_NUM",
        "DCT_ORD_NUM", "PRS_ORD_NUM", "REM_TYP_AFF",
    ]
    static let keyColumns = DCIRKeys.columns

    /// An SQL join condition on the nine keys between two aliases.
    static func joinOnKeys(_ a: String, _ b: String) -> String { DCIRKeys.join(a, b) }
    static let phaColumns =
        [
            "PHA_PRS_C13", "PHA_PRS_IDE", "PHA_ACT_QSN", "PHA_ACT_PRU", "PHA_ORD_NUM", "PHA_SEQ_RNV",
            "ORG_CLE_NEW",
        ] + keyColumns
    static let camColumns = ["CAM_PRS_IDE", "CAM_ACT_COD", "CAM_ORD_NUM", "CAM_ACT_PRU", "CAM_REM_BSE", "ORG_CLE_NEW"] + keyColumns
    static let eteColumns = ["ETB_EXE_FIN", "ETE_CAT_COD", "ETE_TYP_COD", "MDT_COD", "ORG_CLE_NEW"] + keyColumns
    static let bioColumns = ["BIO_PRS_IDE", "BIO_ACT_QSN", "BIO_ORD_NUM", "ORG_CLE_NEW"] + keyColumns
    static let trsColumns =
        [
            "ITR_ORD_NUM", "TRS_DEP_CDP", "TRS_ARR_CDP", "TRS_TRP_HRD", "TRS_TRP_HRA", "TRS_DTD_DTE", "TRS_DTD_AME", "TRS_DTF_DTE",
            "TRS_DTF_AME", "ORG_CLE_NEW",
        ] + keyColumns

    private let prs: CareTable, pha: CareTable, cam: CareTable, ete: CareTable, bio: CareTable, trs: CareTable
    private let days: DayStrings
    private let model: CareModel
    private let acts: ActCatalogue
    private let biologyCoefficients: [Int: Double]
    private let delay: CareModel.Duration
    /// Next DCT_ORD_NUM per emitter (type, number) and processing day.
    private var decomptes: [Int: Int] = [:]
    private var prsRows = 0, phaRows = 0, camRows = 0, eteRows = 0, bioRows = 0, trsRows = 0
    var rows: [String: Int] {
        ["ER_PRS_F": prsRows, "ER_PHA_F": phaRows, "ER_CAM_F": camRows, "ER_ETE_F": eteRows, "ER_BIO_F": bioRows, "ER_TRS_F": trsRows]
    }

    init(
        _ db: Database, schemas: [String: TableSchema], days: DayStrings, model: CareModel, acts: ActCatalogue,
        biologyCoefficients: [Int: Double]
    ) throws {
        prs = try CareTable(db, schema: schemas["ER_PRS_F"]!, columns: Self.prsColumns)
        pha = try CareTable(db, schema: schemas["ER_PHA_F"]!, columns: Self.phaColumns)
        cam = try CareTable(db, schema: schemas["ER_CAM_F"]!, columns: Self.camColumns)
        ete = try CareTable(db, schema: schemas["ER_ETE_F"]!, columns: Self.eteColumns)
        bio = try CareTable(db, schema: schemas["ER_BIO_F"]!, columns: Self.bioColumns)
        trs = try CareTable(db, schema: schemas["ER_TRS_F"]!, columns: Self.trsColumns)
        self.days = days
        self.model = model
        self.acts = acts
        self.biologyCoefficients = biologyCoefficients
        delay = model.claims.processingDelay
    }

    /// What every line of one décompte shares.
    private struct Decompte {
        let row: Int
        let person: Person
        let day: Int
        let processing: Int
        let scheme: SchemeCodes
        let affiliation: String
        let home: Residence
        let number: Int
    }

    private func open(
        person: Person, row: Int, day: Int, beneficiaries: inout Beneficiaries,
        rng: inout SeededGenerator
    ) -> Decompte {
        let processing = day + min(delay.max, max(delay.min, Int(rng.normal(mean: delay.mean, sd: delay.sd).rounded())))
        let affiliation = beneficiaries.affiliation(row)
        let home = person.residence(on: CalendarDate(daysSinceEpoch: day))
        let scheme = SchemeCodes(affiliation: affiliation, departement: home.departement)
        let emitter = (scheme.emitterType * 100 + scheme.emitterNumber) * 1_000_000 + processing
        let number = (decomptes[emitter] ?? 0) + 1
        decomptes[emitter] = number
        beneficiaries.record(row: row, processingDay: processing)
        return Decompte(
            row: row, person: person, day: day, processing: processing, scheme: scheme,
            affiliation: affiliation, home: home, number: number)
    }

    private func addKeys(_ f: inout RowFiller, _ d: Decompte, line: Int) {
        f.add(days.firstOfNextMonth(d.processing))
        f.add(days.date(d.processing))
        f.add(d.scheme.emitterType)
        f.add(d.scheme.emitterNumber)
        f.add(d.number / 1_000 + 1)  // the day's flows carry a thousand décomptes each
        f.add(d.affiliation)
        f.add(d.number)
        f.add(line)
        f.add(1)
    }

    /// One ER_PRS_F line.
    private func line(
        _ d: Decompte, line: Int, beneficiaries: Beneficiaries, day: Int, nature: Int, quantity: Int,
        unitPrice: Double, paid: Double, rate: Int, fullRate: Bool, executorSpecialty: Int?, executorActivity: Int?,
        prescriberSpecialty: Int?, executor: String?, prescriber: String?, prescribingEstablishment: String?,
        prescriptionDay: Int?, base given: Double? = nil, reimbursed: Double? = nil, sign: Int = 1, lastDay: Int? = nil
    ) throws {
        // The reimbursement base: unit price × quantity, or the sum of a grouped line's items (a
        // pharmacy line of several drugs, whose unit price is only their average).
        let base = given ?? unitPrice * Double(quantity)
        let home = d.home
        try prs.insert { f in
            f.add(beneficiaries.psa(d.row))
            f.add(beneficiaries.rank(d.row))
            f.add(d.person.sex.code)
            f.add(pad(d.person.birthDate.year, 4))
            f.add(home.departement.referentialCode)
            f.add(home.commune)
            f.add("00")
            f.add(d.affiliation)
            f.add(days.date(day))
            f.add(days.date(lastDay ?? day))
            f.add(days.yearMonth(day))
            f.add(days.yearMonth(lastDay ?? day))
            f.add(prescriptionDay.map { days.date($0) })
            f.add(prescriptionDay.map { days.yearMonth($0) })
            f.add(nature)
            f.add(nature)
            f.add(quantity)
            f.add(paid)
            f.add(base)
            f.add(reimbursed ?? base * Double(rate) / 100)
            f.add(unitPrice)
            f.add(sign)
            f.add(rate)
            f.add(fullRate ? 42 : 0)
            f.add(d.scheme.grandRegime)
            f.add(d.scheme.regime)
            f.add(executorSpecialty)
            f.add(executorActivity)
            f.add(prescriberSpecialty)
            f.add(executor)
            f.add(prescriber)
            f.add(prescribingEstablishment)
            f.add(d.affiliation)
            addKeys(&f, d, line: line)
        }
        prsRows += 1
    }

    /// A participation forfaitaire or franchise line closing a décompte: its own nature, the
    /// amount taken back from the reimbursement with a negative sign (BSE_REM_SGN 2), nothing
    /// paid. Nothing is written when the person is exempt or has reached the year's cap.
    private func deduction(
        _ d: Decompte, line: Int, beneficiaries: Beneficiaries, day: Int, kind: CostSharingLedger.Kind, units: Int,
        thirdParty: Bool, ledger: inout CostSharingLedger
    ) throws {
        let amount = ledger.due(kind, units: units, onDay: day)
        guard amount > 0 else { return }
        let charge = ledger.charge(kind)
        try self.line(
            d, line: line, beneficiaries: beneficiaries, day: day, nature: thirdParty ? charge.thirdPartyNature : charge.nature,
            quantity: units, unitPrice: charge.amount(onDay: day), paid: 0, rate: 0, fullRate: false, executorSpecialty: nil,
            executorActivity: nil, prescriberSpecialty: nil, executor: nil, prescriber: nil, prescribingEstablishment: nil,
            prescriptionDay: nil, base: 0, reimbursed: amount, sign: 2)
    }

    /// A consultation, laboratory visit, imaging or dental act, nursing act…: one décompte, the
    /// service line (the act itself for a service billing acts; the NABM acts' total for a
    /// laboratory, with one ER_BIO_F row per act), a CCAM act line when one was done beside a
    /// consultation, and the participation forfaitaire or franchise due; a hospital outpatient
    /// visit adds its ER_ETE_F row.
    func write(
        _ c: Contact, person: Person, beneficiaries: inout Beneficiaries, ledger: inout CostSharingLedger,
        rng: inout SeededGenerator
    ) throws {
        let s = model.services[c.service]
        let row = beneficiaries.row(of: person.id, on: c.day, using: &rng)
        let d = open(person: person, row: row, day: c.day, beneficiaries: &beneficiaries, rng: &rng)
        let rate = c.fullRate ? 100 : s.reimbursement
        let billsAct = s.acts != nil
        var nature = s.nature ?? 0, quantity = 1, price = s.tariff(onDay: c.day), base: Double?
        if billsAct, let act = c.act {
            nature = acts.nature(act)
            price = acts.tariff(act, onDay: c.day)
        } else if !c.biologyActs.isEmpty {
            let letter = model.biology.keyLetter.amount(onDay: c.day)
            let total = c.biologyActs.reduce(0.0) { $0 + (biologyCoefficients[$1] ?? 0) * letter }
            quantity = c.biologyActs.count
            price = (total / Double(quantity) * 100).rounded() / 100
            base = total
        } else if let spread = s.tariffSpread, spread > 0 {
            price = (price * (1 - spread + 2 * spread * rng.unit()) * 100).rounded() / 100
        }
        // A laboratory line's base is its acts' total (its unit price only their average).
        let lineBase = base ?? price
        let overbilled = s.specialty.map { $0 != 1 } ?? false && c.establishment == nil && rng.chance(0.25)
        try line(
            d, line: 1, beneficiaries: beneficiaries, day: c.day, nature: nature, quantity: quantity, unitPrice: price,
            paid: lineBase + (overbilled ? 20 : 0), rate: rate, fullRate: c.fullRate, executorSpecialty: s.specialty,
            executorActivity: s.activity, prescriberSpecialty: c.prescriber == nil ? nil : 1, executor: c.executor,
            prescriber: c.prescriber, prescribingEstablishment: nil, prescriptionDay: c.prescriber == nil ? nil : c.day, base: lineBase)
        var next = 2
        if let act = c.act {
            // The act is the service line itself, or a line of its own beside the consultation.
            var actLine = 1
            let actPrice = acts.tariff(act, onDay: c.day)
            if !billsAct {
                actLine = next
                next += 1
                try line(
                    d, line: actLine, beneficiaries: beneficiaries, day: c.day, nature: acts.nature(act), quantity: 1,
                    unitPrice: actPrice, paid: actPrice, rate: rate, fullRate: c.fullRate, executorSpecialty: s.specialty,
                    executorActivity: nil, prescriberSpecialty: nil, executor: c.executor, prescriber: nil,
                    prescribingEstablishment: nil, prescriptionDay: nil)
            }
            try cam.insert { f in
                f.add(act); f.add("1"); f.add(1); f.add(actPrice); f.add(actPrice); f.add(d.affiliation)
                addKeys(&f, d, line: actLine)
            }
            camRows += 1
        }
        for (order, act) in c.biologyActs.enumerated() {
            try bio.insert { f in
                f.add(act); f.add(1); f.add(order + 1); f.add(d.affiliation)
                addKeys(&f, d, line: 1)
            }
            bioRows += 1
        }
        if let site = c.establishment {
            try ete.insert { f in
                f.add(site.finess8); f.add(site.category); f.add(site.type); f.add(7); f.add(d.affiliation)
                addKeys(&f, d, line: 1)
            }
            eteRows += 1
        }
        if let product = c.product {
            try pha.insert { f in
                f.add(product.cip13); f.add(product.cip7); f.add(1); f.add(price); f.add(1); f.add(0); f.add(d.affiliation)
                addKeys(&f, d, line: 1)
            }
            phaRows += 1
        }
        switch s.costShare(onDay: c.day) {
        case .participation:
            // Paid back by the patient who paid the doctor; under tiers payant (long-term
            // conditions) taken from later reimbursements.
            try deduction(
                d, line: next, beneficiaries: beneficiaries, day: c.day, kind: .participation, units: 1,
                thirdParty: c.fullRate, ledger: &ledger)
        case .paramedical:
            try deduction(
                d, line: next, beneficiaries: beneficiaries, day: c.day, kind: .paramedical, units: 1, thirdParty: true,
                ledger: &ledger)
        case nil:
            break
        }
    }

    /// A visit to the pharmacy: one décompte; one ER_PRS_F line per reimbursement rate (PH7 65 %,
    /// PH4 30 %, PH2 15 %, PH1 100 %) holding the boxes of every drug at that rate, and one ER_PHA_F
    /// row per drug under its line's nine keys — so a line joins several drug rows, as in DCIR
    /// (summing ER_PRS_F amounts after that join counts them twice).
    func write(
        _ dispensation: Dispensation, person: Person, beneficiaries: inout Beneficiaries,
        ledger: inout CostSharingLedger, rng: inout SeededGenerator
    ) throws {
        let row = beneficiaries.row(of: person.id, on: dispensation.day, using: &rng)
        let d = open(person: person, row: row, day: dispensation.day, beneficiaries: &beneficiaries, rng: &rng)
        // Lines by the product's nature (its own rate) and the exoneration: a long-term condition
        // (ALD) reimburses a PH7 drug at 100 % under EXO_MTF 42, it does not make it PH1.
        struct Group: Equatable { let productRate: Int, fullRate: Bool }
        var groups: [Group] = []
        for drug in dispensation.lines {
            let group = Group(productRate: drug.presentation.rate, fullRate: drug.fullRate)
            if !groups.contains(group) { groups.append(group) }
        }
        for (i, group) in groups.enumerated() {
            let drugs = dispensation.lines.filter { Group(productRate: $0.presentation.rate, fullRate: $0.fullRate) == group }
            let boxes = drugs.reduce(0) { $0 + $1.boxes }
            let total = drugs.reduce(0.0) { $0 + $1.presentation.price * Double($1.boxes) }
            try line(
                d, line: i + 1, beneficiaries: beneficiaries, day: dispensation.day, nature: model.drugs.natures[group.productRate]!,
                quantity: boxes, unitPrice: (total / Double(boxes) * 100).rounded() / 100, paid: total,
                rate: group.fullRate ? 100 : group.productRate, fullRate: group.fullRate, executorSpecialty: nil,
                executorActivity: 50, prescriberSpecialty: dispensation.prescriberSpecialty, executor: dispensation.pharmacy,
                prescriber: dispensation.prescriber, prescribingEstablishment: dispensation.prescribingEstablishment?.finess8,
                prescriptionDay: dispensation.prescriptionDay, base: total)
            for (order, drug) in drugs.enumerated() {
                let p = drug.presentation
                try pha.insert { f in
                    f.add(p.cip13); f.add(p.cip7); f.add(drug.boxes); f.add(p.price); f.add(order + 1)
                    f.add(dispensation.prescriptionDay == dispensation.day ? 0 : 1); f.add(d.affiliation)
                    addKeys(&f, d, line: i + 1)
                }
                phaRows += 1
            }
        }
        // The franchise on drugs: per box, taken under tiers payant (the pharmacy was paid).
        let boxes = dispensation.lines.reduce(0) { $0 + $1.boxes }
        try deduction(
            d, line: groups.count + 1, beneficiaries: beneficiaries, day: dispensation.day, kind: .drugs, units: boxes,
            thirdParty: true, ledger: &ledger)
    }

    /// A transport for hospital care, billed by the transporter after the trip: its line (the
    /// mode's nature, the hospital as prescribing establishment), one ER_TRS_F row per leg with
    /// its places (INSEE commune codes, as BDI_COD carries) and hours, and the transport franchise.
    func write(
        _ trip: Trip, person: Person, beneficiaries: inout Beneficiaries, ledger: inout CostSharingLedger,
        transporter: String, rng: inout SeededGenerator
    ) throws {
        let rules = model.transport
        let mode = rules.modes[trip.mode]
        let row = beneficiaries.row(of: person.id, on: trip.day, using: &rng)
        let d = open(person: person, row: row, day: trip.day, beneficiaries: &beneficiaries, rng: &rng)
        let legs = trip.roundTrip ? 2 : 1
        let fare = (mode.tariff * (1 - rules.tariffSpread + 2 * rules.tariffSpread * rng.unit()) * 100).rounded() / 100
        try line(
            d, line: 1, beneficiaries: beneficiaries, day: trip.day, nature: mode.nature, quantity: legs, unitPrice: fare,
            paid: fare * Double(legs), rate: trip.fullRate ? 100 : rules.reimbursement, fullRate: trip.fullRate, executorSpecialty: nil,
            executorActivity: mode.activity, prescriberSpecialty: nil, executor: transporter, prescriber: nil,
            prescribingEstablishment: trip.establishment.finess8, prescriptionDay: trip.day)
        // Places as INSEE commune codes on five positions (overseas: 97 and the commune's three
        // digits): the real columns hold postal codes, which the synthetic geography does not have.
        func place(_ departement: Departement, _ commune: String) -> String { (departement.isOverseas ? "97" : departement.code) + commune }
        let home = place(d.home.departement, d.home.commune)
        let hospital = place(trip.establishment.departement, trip.establishment.commune)
        // A morning appointment and its return, or a discharge in the afternoon; times in minutes
        // since midnight, written HHMM.
        var departure = (trip.roundTrip ? 7 * 60 + rng.uniform(3) * 60 : 13 * 60 + rng.uniform(5) * 60) + rng.uniform(4) * 15
        for leg in 0..<legs {
            let arrival = departure + 20 + rng.uniform(7) * 10
            let (from, to) = trip.roundTrip && leg == 0 ? (home, hospital) : (hospital, home)
            let hhmm = { (minutes: Int) in (minutes / 60) * 100 + minutes % 60 }
            try trs.insert { f in
                f.add(leg + 1); f.add(from); f.add(to); f.add(hhmm(departure)); f.add(hhmm(arrival))
                f.add(days.date(trip.day)); f.add(days.yearMonth(trip.day)); f.add(days.date(trip.day)); f.add(days.yearMonth(trip.day))
                f.add(d.affiliation)
                addKeys(&f, d, line: 1)
            }
            trsRows += 1
            // The return after the session (two to four hours), before the evening.
            departure = min(22 * 60, arrival + 120 + rng.uniform(3) * 60)
        }
        try deduction(
            d, line: 2, beneficiaries: beneficiaries, day: trip.day, kind: .transport, units: legs, thirdParty: true, ledger: &ledger)
    }

    /// A paid sick leave, as the fund pays it: one décompte per period of up to `paymentDays`
    /// days, processed after the period, whose line covers its days (EXE_SOI_DTD to EXE_SOI_DTF,
    /// the days as quantity, the daily allowance as unit price) — nature 6111 for the leave's
    /// first three months, 6112 beyond — prescribed by the person's doctor.
    func write(_ leave: SickLeaveSpell, person: Person, beneficiaries: inout Beneficiaries, rng: inout SeededGenerator) throws {
        let rules = model.sickLeave
        let leaveStart = leave.firstPaidDay - rules.waitingDays
        var from = leave.firstPaidDay
        while from <= leave.lastDay {
            // A period ends at 30 days, at the leave's end, or where the three months end.
            let threeMonths = leaveStart + 90
            var to = min(leave.lastDay, from + Self.paymentDays - 1)
            if from < threeMonths, to >= threeMonths { to = threeMonths - 1 }
            let row = beneficiaries.row(of: person.id, on: from, using: &rng)
            let d = open(person: person, row: row, day: to, beneficiaries: &beneficiaries, rng: &rng)
            let paidDays = to - from + 1
            let amount = leave.dailyAllowance * Double(paidDays)
            try line(
                d, line: 1, beneficiaries: beneficiaries, day: from, nature: from >= threeMonths ? rules.longNature : rules.nature,
                quantity: paidDays, unitPrice: leave.dailyAllowance, paid: amount, rate: 100, fullRate: false,
                executorSpecialty: nil, executorActivity: nil, prescriberSpecialty: 1, executor: nil, prescriber: leave.prescriber,
                prescribingEstablishment: nil, prescriptionDay: leaveStart, base: amount, lastDay: to)
            from = to + 1
        }
    }

    /// Days of allowance a payment covers at most.
    static let paymentDays = 30

    /// A stay in a private clinic, billed to the Assurance Maladie: the stay's fee (nature 2111,
    /// the GHS) and, for each CCAM act, the doctor's fee with its ER_CAM_F row; every line has its
    /// ER_ETE_F row naming the clinic. Public hospital stays are paid by budget and appear in PMSI
    /// only, as in SNDS.
    func writeClinicStay(_ stay: Stay, person: Person, beneficiaries: inout Beneficiaries, rng: inout SeededGenerator) throws {
        guard stay.establishment.sector == .private else { return }
        // Billed after discharge: the décompte is processed after the stay's last act.
        let row = beneficiaries.row(of: person.id, on: stay.entry, using: &rng)
        let d = open(person: person, row: row, day: stay.exit, beneficiaries: &beneficiaries, rng: &rng)
        let site = stay.establishment
        let mode = stay.lengthOfStay == 0 ? 23 : 3
        func addEstablishment(line: Int) throws {
            try ete.insert { f in
                f.add(site.finess8); f.add(site.category); f.add(site.type); f.add(mode); f.add(d.affiliation)
                addKeys(&f, d, line: line)
            }
            eteRows += 1
        }
        // A GHS is a flat price per stay with supplements for long stays; the official schema
        // holds BSE_REM_* to 9,999, so a very long stay's price stops there.
        let ghs = min(9_999, (700 + 450 * Double(stay.lengthOfStay) + Double(rng.uniform(400))).rounded())
        try line(
            d, line: 1, beneficiaries: beneficiaries, day: stay.entry, nature: 2111, quantity: 1, unitPrice: ghs,
            paid: ghs, rate: 100, fullRate: false, executorSpecialty: nil, executorActivity: nil, prescriberSpecialty: nil,
            executor: nil, prescriber: nil, prescribingEstablishment: nil, prescriptionDay: nil)
        try addEstablishment(line: 1)
        guard let doctor = stay.operatingDoctor else { return }
        for (i, act) in stay.acts.enumerated() {
            let day = stay.entry + act.offset
            let price = acts.tariff(act.code, onDay: day)
            try line(
                d, line: i + 2, beneficiaries: beneficiaries, day: day, nature: acts.nature(act.code), quantity: 1,
                unitPrice: price, paid: price + (rng.chance(0.4) ? 120 : 0), rate: 100, fullRate: false,
                executorSpecialty: stay.operatorSpecialty ?? 4, executorActivity: nil, prescriberSpecialty: nil,
                executor: doctor, prescriber: nil, prescribingEstablishment: nil, prescriptionDay: nil)
            try cam.insert { f in
                f.add(act.code); f.add("1"); f.add(1); f.add(price); f.add(price); f.add(d.affiliation)
                addKeys(&f, d, line: i + 2)
            }
            camRows += 1
            try addEstablishment(line: i + 2)
        }
    }
}
