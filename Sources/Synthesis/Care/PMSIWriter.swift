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

    /// A year's four tables, with what every stay of the year writes precomputed: the year as
    /// text and the row counters.
    private final class YearTables {
        let c: CareTable, b: CareTable, d: CareTable, a: CareTable
        let year: String, aa: String
        var stays = 0, diagnoses = 0, acts = 0
        init(c: CareTable, b: CareTable, d: CareTable, a: CareTable, year: Int) {
            self.c = c; self.b = b; self.d = d; self.a = a
            self.year = pad(year, 4)
            aa = pad(year % 100, 2)
        }
    }
    private struct RSAKey: Hashable { let finess: String, year: Int }
    private static let months = (1...12).map { pad($0, 2) }
    private let tables: [Int: YearTables]
    private let days: DayStrings
    private let chaining: StayChaining
    /// Next RSA_NUM per establishment and year.
    private var rsa: [RSAKey: Int] = [:]
    /// Rows written per table.
    var rows: [String: Int] {
        var rows: [String: Int] = [:]
        for t in tables.values where t.stays > 0 {
            rows["T_MCO\(t.aa)C"] = t.stays
            rows["T_MCO\(t.aa)B"] = t.stays
            rows["T_MCO\(t.aa)D"] = t.diagnoses
            rows["T_MCO\(t.aa)A"] = t.acts
        }
        return rows
    }

    /// Table names for a year, e.g. T_MCO23C.
    static func tableName(_ template: String, year: Int) -> String {
        template.replacingOccurrences(of: "aa", with: pad(year % 100, 2))
    }

    init(_ db: Database, schemas: [String: TableSchema], years: ClosedRange<Int>, days: DayStrings, chaining: CareModel.Chaining) throws {
        var tables: [Int: YearTables] = [:]
        for year in years {
            func table(_ template: String, _ columns: [String]) throws -> CareTable {
                try CareTable(db, schema: schemas[template]!.forYear(year), columns: columns)
            }
            tables[year] = YearTables(
                c: try table("T_MCOaaC", Self.cColumns), b: try table("T_MCOaaB", Self.bColumns),
                d: try table("T_MCOaaD", Self.dColumns), a: try table("T_MCOaaA", Self.aColumns),
                year: year)
        }
        self.tables = tables
        self.days = days
        self.chaining = try StayChaining(rules: chaining, table: "T_MCOaaC")
    }

    func write(_ stay: Stay, number: Int, person: Person, beneficiaries: inout Beneficiaries, rng: inout SeededGenerator) throws {
        let exitDate = CalendarDate(daysSinceEpoch: stay.exit)
        guard let t = tables[exitDate.year] else { return }
        let site = stay.establishment
        let key = RSAKey(finess: site.finess, year: exitDate.year)
        let rsaNumber = (rsa[key] ?? 0) + 1
        rsa[key] = rsaNumber
        let rsaText = String(rsaNumber)
        let row = beneficiaries.row(of: person.id, on: stay.entry, using: &rng)
        beneficiaries.record(row: row, processingDay: nil)
        let (nirAno, failed) = chaining.draw(row: row, newborn: stay.birthWeight != nil, beneficiaries: beneficiaries, rng: &rng)
        let etaInteger = Int(site.finess)!
        let entryDate = CalendarDate(daysSinceEpoch: stay.entry)
        let home = person.residence(on: entryDate)
        let age = person.birthDate.age(on: entryDate)

        try t.c.insert { f in
            f.add(nirAno); f.add(etaInteger); f.add(rsaNumber); f.add(number)
            f.add(days.dateTime(stay.entry)); f.add(days.dateTime(stay.exit))
            f.add(days.date(stay.entry)); f.add(days.date(stay.exit))
            f.add(t.year); f.add(Self.months[exitDate.month - 1])
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
        try t.b.insert { f in
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
            f.add(t.year); f.add(Self.months[exitDate.month - 1])
            f.add(stay.birthWeight); f.add(stay.gestationalAge); f.add(0)
        }
        for (i, code) in stay.das.enumerated() {
            try t.d.insert { f in
                f.add(site.finess); f.add(rsaText); f.add(code); f.add(i + 1)
            }
        }
        for act in stay.acts {
            try t.a.insert { f in
                f.add(site.finess); f.add(rsaText); f.add(act.code); f.add("1"); f.add(1); f.add(act.offset)
            }
        }
        t.stays += 1
        t.diagnoses += stay.das.count
        t.acts += stay.acts.count
    }
}
