import GRDB
import SNDSModel
import SNDSStore

/// Writes hospital-at-home stays as PMSI HAD does, one set of tables per year of discharge:
/// T_HADaaC (the chaining: NIR_ANO_17, dates, quality codes, birth rank), T_HADaaB (the stay's
/// sub-sequence — one here: principal diagnosis, main mode of care PEC_PAL, Karnofsky score,
/// entry and exit modes), T_HADaaS (its summary) and T_HADaaD (associated diagnoses), joined on
/// ETA_NUM_EPMSI + RHAD_NUM.
///
/// A stay either follows an MCO stay (ENT_MOD 7, ENT_PRV 1) or is the palliative care of a patient
/// dying at home (exit mode 9): PEC_PAL 04.
final class HADWriter {
    static let cColumns =
        [
            "ETA_NUM_EPMSI", "RHAD_NUM", "NIR_ANO_17", "SEJ_NUM", "ENT_DAT", "SOR_DAT", "EXE_SOI_DTD", "EXE_SOI_DTF",
            "EXE_SOI_AMD", "EXE_SOI_AMF", "ENT_MOI", "ENT_ANN", "SOR_MOI", "SOR_ANN", "RNG_NAI",
        ] + PMSIChaining.qualityCodes
    static let bColumns = [
        "ETA_NUM_EPMSI", "RHAD_NUM", "SEQ_NUM", "SSEQ_NUM", "DGN_PAL", "PEC_PAL", "PEC_ASS", "AGE_ANN", "COD_SEX", "BDI_COD",
        "BDI_DEP", "ENT_MOD", "ENT_PRV", "SOR_MOD", "SOR_DES", "SEJ_NBJ", "SEQ_NBJ", "SSEQ_NBJ", "NBR_DGN", "NBR_ACT",
        "SOR_ANN", "SOR_MOI", "DEP_COT", "PAT_TYP_DOM",
    ]
    static let sColumns = [
        "ETA_NUM_EPMSI", "RHAD_NUM", "COD_SEX", "SEJ_NBJ", "SEJ_FINI", "ENT_MOD", "ENT_PRV", "SOR_MOD", "SOR_DES", "SOR_ANN",
        "SOR_MOI",
    ]
    static let dColumns = ["ETA_NUM_EPMSI", "RHAD_NUM", "SEQ_NUM", "SSEQ_NUM", "DGN_ASS"]

    private let tables: PMSIYearTables
    private let days: DayStrings
    private let chaining: StayChaining

    /// Rows written per table.
    var rows: [String: Int] { tables.rows }

    init(_ db: Database, schemas: [String: TableSchema], years: ClosedRange<Int>, days: DayStrings, chaining: CareModel.Chaining) throws {
        tables = try PMSIYearTables(
            db, schemas: schemas, years: years,
            columns: [("T_HADaaC", Self.cColumns), ("T_HADaaB", Self.bColumns), ("T_HADaaS", Self.sColumns), ("T_HADaaD", Self.dColumns)])
        self.days = days
        self.chaining = try StayChaining(rules: chaining, table: "T_HADaaC")
    }

    func write(_ stay: Stay, number: Int, person: Person, beneficiaries: inout Beneficiaries, rng: inout SeededGenerator) throws {
        let exitDate = CalendarDate(daysSinceEpoch: stay.exit), entryDate = CalendarDate(daysSinceEpoch: stay.entry)
        let year = exitDate.year
        guard tables.has(year) else { return }
        let finess = stay.establishment.finess
        let rhadText = String(tables.nextStayNumber(establishment: finess, year: year))
        let row = beneficiaries.row(of: person.id, on: stay.entry, using: &rng)
        beneficiaries.record(row: row, processingDay: nil)
        let (nirAno, failed) = chaining.draw(row: row, newborn: false, beneficiaries: beneficiaries, rng: &rng)
        try tables.insert(0, year: year) { f in
            f.add(finess); f.add(rhadText); f.add(nirAno); f.add(String(number))
            f.add(days.date(stay.entry)); f.add(days.date(stay.exit)); f.add(days.date(stay.entry)); f.add(days.date(stay.exit))
            f.add(days.yearMonth(stay.entry)); f.add(days.yearMonth(stay.exit))
            f.add(pad(entryDate.month, 2)); f.add(pad(entryDate.year, 4)); f.add(pad(exitDate.month, 2)); f.add(pad(exitDate.year, 4))
            f.add(String(beneficiaries.rank(row)))
            for code in PMSIChaining.qualityCodes { f.add(code == failed ? 1 : 0) }
        }
        // Days of care: the entry day counts, as in HAD's billing by day.
        let careDays = max(1, stay.exit - stay.entry)
        let home = person.residence(on: entryDate)
        let departement = home.departement.isOverseas ? "97" : home.departement.code
        // Karnofsky index in tens (100 = normal activity): low at the end of life.
        let karnofsky = stay.exitMode == "9" ? 20 + 10 * rng.uniform(2) : 40 + 10 * rng.uniform(3)
        try tables.insert(1, year: year) { f in
            f.add(finess); f.add(rhadText); f.add("1"); f.add("1"); f.add(stay.dp); f.add(stay.purpose); f.add("00")
            f.add(person.birthDate.age(on: entryDate)); f.add(String(person.sex.code))
            f.add(departement + home.commune); f.add(departement)
            f.add(stay.entryMode); f.add(stay.origin); f.add(stay.exitMode); f.add(stay.destination)
            f.add(careDays); f.add(careDays); f.add(careDays); f.add(stay.das.count); f.add(0)
            f.add(pad(exitDate.year, 4)); f.add(pad(exitDate.month, 2)); f.add(pad(karnofsky, 3)); f.add("1")
        }
        try tables.insert(2, year: year) { f in
            f.add(finess); f.add(rhadText); f.add(String(person.sex.code)); f.add(careDays); f.add("1")
            f.add(stay.entryMode); f.add(stay.origin); f.add(stay.exitMode); f.add(stay.destination)
            f.add(pad(exitDate.year, 4)); f.add(pad(exitDate.month, 2))
        }
        for code in stay.das {
            try tables.insert(3, year: year) { f in
                f.add(finess); f.add(rhadText); f.add("1"); f.add("1"); f.add(code)
            }
        }
    }
}
