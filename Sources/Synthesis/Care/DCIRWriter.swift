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

    private let prs: CareTable, pha: CareTable, cam: CareTable, ete: CareTable
    private let days: DayStrings
    private let model: CareModel
    private let delay: CareModel.Duration
    /// Next DCT_ORD_NUM per emitter (type, number) and processing day.
    private var decomptes: [Int: Int] = [:]
    private var prsRows = 0, phaRows = 0, camRows = 0, eteRows = 0
    var rows: [String: Int] { ["ER_PRS_F": prsRows, "ER_PHA_F": phaRows, "ER_CAM_F": camRows, "ER_ETE_F": eteRows] }

    init(_ db: Database, schemas: [String: TableSchema], days: DayStrings, model: CareModel) throws {
        prs = try CareTable(db, schema: schemas["ER_PRS_F"]!, columns: Self.prsColumns)
        pha = try CareTable(db, schema: schemas["ER_PHA_F"]!, columns: Self.phaColumns)
        cam = try CareTable(db, schema: schemas["ER_CAM_F"]!, columns: Self.camColumns)
        ete = try CareTable(db, schema: schemas["ER_ETE_F"]!, columns: Self.eteColumns)
        self.days = days
        self.model = model
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
        prescriptionDay: Int?, base given: Double? = nil
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
            f.add(days.date(day))
            f.add(days.yearMonth(day))
            f.add(days.yearMonth(day))
            f.add(prescriptionDay.map { days.date($0) })
            f.add(prescriptionDay.map { days.yearMonth($0) })
            f.add(nature)
            f.add(nature)
            f.add(quantity)
            f.add(paid)
            f.add(base)
            f.add(base * Double(rate) / 100)
            f.add(unitPrice)
            f.add(1)
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

    /// A consultation, laboratory visit, nursing act…: one décompte, the service line, and a CCAM
    /// act line when one was done; a hospital outpatient visit adds its ER_ETE_F row.
    func write(_ c: Contact, person: Person, beneficiaries: inout Beneficiaries, rng: inout SeededGenerator) throws {
        let s = model.services[c.service]
        let row = beneficiaries.row(of: person.id, on: c.day, using: &rng)
        let d = open(person: person, row: row, day: c.day, beneficiaries: &beneficiaries, rng: &rng)
        let spread = s.tariffSpread ?? 0
        let tariff = s.tariff(onDay: c.day)
        let price = spread > 0 ? (tariff * (1 - spread + 2 * spread * rng.unit()) * 100).rounded() / 100 : tariff
        let overbilled = s.specialty.map { $0 != 1 } ?? false && c.establishment == nil && rng.chance(0.25)
        let rate = c.fullRate ? 100 : s.reimbursement
        try line(
            d, line: 1, beneficiaries: beneficiaries, day: c.day, nature: s.nature, quantity: 1, unitPrice: price,
            paid: price + (overbilled ? 20 : 0), rate: rate, fullRate: c.fullRate, executorSpecialty: s.specialty,
            executorActivity: s.activity, prescriberSpecialty: c.prescriber == nil ? nil : 1, executor: c.executor,
            prescriber: c.prescriber, prescribingEstablishment: nil, prescriptionDay: c.prescriber == nil ? nil : c.day)
        if let act = c.act {
            let actPrice = 14.26
            try line(
                d, line: 2, beneficiaries: beneficiaries, day: c.day, nature: 1352, quantity: 1, unitPrice: actPrice,
                paid: actPrice, rate: rate, fullRate: c.fullRate, executorSpecialty: s.specialty, executorActivity: nil,
                prescriberSpecialty: nil, executor: c.executor, prescriber: nil, prescribingEstablishment: nil,
                prescriptionDay: nil)
            try cam.insert { f in
                f.add(act); f.add("1"); f.add(1); f.add(actPrice); f.add(actPrice); f.add(d.affiliation)
                addKeys(&f, d, line: 2)
            }
            camRows += 1
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
    }

    /// A visit to the pharmacy: one décompte; one ER_PRS_F line per reimbursement rate (PH7 65 %,
    /// PH4 30 %, PH2 15 %, PH1 100 %) holding the boxes of every drug at that rate, and one ER_PHA_F
    /// row per drug under its line's nine keys — so a line joins several drug rows, as in DCIR
    /// (summing ER_PRS_F amounts after that join counts them twice).
    func write(
        _ dispensation: Dispensation, person: Person, beneficiaries: inout Beneficiaries,
        rng: inout SeededGenerator
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
    }

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
        let obstetric = stay.dp.hasPrefix("O")
        for (i, act) in stay.acts.enumerated() {
            let price = (150 + Double(rng.uniform(450))).rounded()
            let day = stay.entry + act.offset
            try line(
                d, line: i + 2, beneficiaries: beneficiaries, day: day, nature: obstetric ? 1322 : 1321, quantity: 1,
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
