import GRDB
import SNDSModel
import SNDSStore

/// Writes hospital stays as PMSI MCO does, one set of tables per year of discharge (`aa` = the
/// year's two digits): T_MCOaaC (the chaining: NIR_ANO_17, dates, quality codes), T_MCOaaB (the
/// stay: diagnoses, GHM, length, modes), T_MCOaaD (associated diagnoses) and T_MCOaaA (CCAM acts),
/// joined on ETA_NUM + RSA_NUM.
///
/// NIR_ANO_17 is the BEN_NIR_PSA the stay was billed under. For a small share of stays the
/// chaining failed (one of the *_RET codes is 1, as in SNDS): their NIR_ANO_17 leads nowhere.
final class PMSIWriter {
    static let cColumns = [
        "NIR_ANO_17", "ETA_NUM", "RSA_NUM", "SEJ_NUM", "EXE_SOI_DTD", "EXE_SOI_DTF", "ENT_DAT", "SOR_DAT", "SOR_ANN",
        "SOR_MOI", "EXE_SOI_AMD", "EXE_SOI_AMF", "ENT_AM", "SOR_AM", "NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET",
        "FHO_RET", "PMS_RET", "DAT_RET", "COH_NAI_RET", "COH_SEX_RET", "RNG_NAI",
    ]
    static let bColumns = [
        "ETA_NUM", "RSA_NUM", "DGN_PAL", "DGN_REL", "GRG_GHM", "SEJ_NBJ", "NBR_DGN", "NBR_ACT", "NBR_RUM", "BDI_DEP",
        "BDI_COD", "COD_SEX", "AGE_ANN", "AGE_JOU", "ENT_MOD", "ENT_PRV", "SOR_MOD", "SOR_DES", "SOR_ANN", "SOR_MOI",
        "POI_NAI", "AGE_GES", "TYP_GEN_RSA",
    ]
    static let dColumns = ["ETA_NUM", "RSA_NUM", "ASS_DGN", "DGN_ASS_NUM"]
    static let aColumns = ["ETA_NUM", "RSA_NUM", "CDC_ACT", "ACV_ACT", "NBR_EXE_ACT", "ENT_DAT_DEL"]
    static let qualityCodes = PMSIChaining.qualityCodes

    private static let months = (1...12).map { pad($0, 2) }
    private let tables: PMSIYearTables
    private let days: DayStrings
    private let chaining: StayChaining
    /// Rows written per table.
    var rows: [String: Int] { tables.rows }

    /// Table names for a year, e.g. T_MCO23C.
    static func tableName(_ template: String, year: Int) -> String {
        template.replacingOccurrences(of: "aa", with: pad(year % 100, 2))
    }

    init(_ db: Database, schemas: [String: TableSchema], years: ClosedRange<Int>, days: DayStrings, chaining: CareModel.Chaining) throws {
        tables = try PMSIYearTables(
            db, schemas: schemas, years: years,
            columns: [("T_MCOaaC", Self.cColumns), ("T_MCOaaB", Self.bColumns), ("T_MCOaaD", Self.dColumns), ("T_MCOaaA", Self.aColumns)])
        self.days = days
        self.chaining = try StayChaining(rules: chaining, table: "T_MCOaaC")
    }

    func write(_ stay: Stay, number: Int, person: Person, beneficiaries: inout Beneficiaries, rng: inout SeededGenerator) throws {
        let exitDate = CalendarDate(daysSinceEpoch: stay.exit)
        let year = exitDate.year
        guard tables.has(year) else { return }
        let site = stay.establishment
        let rsaNumber = tables.nextStayNumber(establishment: site.finess, year: year)
        let rsaText = String(rsaNumber)
        let yearText = pad(year, 4)
        let row = beneficiaries.row(of: person.id, on: stay.entry, using: &rng)
        beneficiaries.record(row: row, processingDay: nil)
        let (nirAno, failed) = chaining.draw(row: row, newborn: stay.birthWeight != nil, beneficiaries: beneficiaries, rng: &rng)
        let etaInteger = Int(site.finess)!
        let entryDate = CalendarDate(daysSinceEpoch: stay.entry)
        let home = person.residence(on: entryDate)
        let age = person.birthDate.age(on: entryDate)

        try tables.insert(0, year: year) { f in
            f.add(nirAno); f.add(etaInteger); f.add(rsaNumber); f.add(number)
            f.add(days.dateTime(stay.entry)); f.add(days.dateTime(stay.exit))
            f.add(days.date(stay.entry)); f.add(days.date(stay.exit))
            f.add(yearText); f.add(Self.months[exitDate.month - 1])
            f.add(days.yearMonth(stay.entry)); f.add(days.yearMonth(stay.exit))
            f.add(days.yearMonth(stay.entry)); f.add(days.yearMonth(stay.exit))
            for code in Self.qualityCodes {
                let value = code == failed ? 1 : 0
                if code == "NAI_RET" || code == "DAT_RET" { f.add(String(value)) } else { f.add(value) }
            }
            // The birth rank tells same-sex twins apart under their shared pseudonym (BEN_RNG_GEM
            // of IR_BEN_R): without it their stays could not be told apart.
            f.add(beneficiaries.rank(row))
        }
        let pmsiDepartement = home.departement.isOverseas ? "97" : home.departement.code
        try tables.insert(1, year: year) { f in
            f.add(etaInteger); f.add(rsaNumber); f.add(stay.dp); f.add(stay.dr); f.add(stay.ghm)
            f.add(stay.lengthOfStay); f.add(stay.das.count); f.add(stay.acts.count); f.add(stay.units)
            f.add(pmsiDepartement)
            // PMSI's residence code is a postal code; the INSEE commune code stands in for it.
            f.add(pmsiDepartement + home.commune)
            // Under one year, the age is given in days (AGE_JOU) and not in years: the official
            // schema holds AGE_ANN to 1–120 (issue 21 took the empty AGE_ANN for a defect; it is not).
            f.add(String(person.sex.code)); f.add(age == 0 ? nil : age)
            f.add(age == 0 ? person.birthDate.days(until: entryDate) : nil)
            f.add(stay.entryMode); f.add(stay.origin); f.add(stay.exitMode); f.add(stay.destination)
            f.add(yearText); f.add(Self.months[exitDate.month - 1])
            f.add(stay.birthWeight); f.add(stay.gestationalAge); f.add(0)
        }
        for (i, code) in stay.das.enumerated() {
            try tables.insert(2, year: year) { f in
                f.add(site.finess); f.add(rsaText); f.add(code); f.add(i + 1)
            }
        }
        for act in stay.acts {
            try tables.insert(3, year: year) { f in
                f.add(site.finess); f.add(rsaText); f.add(act.code); f.add("1"); f.add(1); f.add(act.offset)
            }
        }
    }
}
