import Foundation
import GRDB
import SNDSModel

/// Brings criterion values to one representation on both sides of an indirect linkage.
///
/// The cohort's values are read here, in Swift, because only here can the many layouts a sponsor
/// writes (`01/03/2023`, `I21.4`, `2A`, `M`) be told from garbage and counted as reformatted or
/// invalid. The SNDS's values are normalised in SQL while the candidate events are built. Both
/// must agree: the SQL expression applied to the Swift canonical form gives the same value, a
/// property the tests check value by value.
public enum CriterionValues {
    /// What became of one cohort value.
    public enum Reading: Equatable, Sendable {
        case missing
        /// The canonical text, and whether it differs from what the file wrote.
        case value(String, reformatted: Bool)
        /// Unreadable for this kind of value: `why` says what is wrong and what is accepted (never the
        /// value). The line is linked without it, as if it were missing.
        case invalid(why: String)
        /// A value the line is rejected for, not merely left out: a NIR where none belongs, a sign
        /// the file is not what the rules describe.
        case refused(why: String)
    }

    /// What registries write for "not known": taken as an empty value, counted missing, not as an
    /// unreadable one (a column of `NC` is a column of unknowns, not a layout to fix).
    public static let unknownMarkers: Set<String> = [
        "NC", "NA", "N/A", "ND", "NR", "NSP", "INCONNU", "INCONNUE", "NON CONNU", "NON RENSEIGNE", "NON RENSEIGNÉ", "?", "-", "--", "NULL",
        "NAN", "#N/A",
    ]

    /// Reads one trimmed cohort value.
    public static func read(_ raw: String, as normalisation: IndirectRules.Normalisation) -> Reading {
        let text = raw.trimmingCharacters(in: .whitespaces)
        // A text criterion keeps its codes: NA, NC, NR are countries' codes too.
        guard !text.isEmpty, normalisation == .text || !unknownMarkers.contains(text.uppercased()) else { return .missing }
        // A NIR in a criterion, of any kind, is never compared nor written back (the export's
        // cohort.csv, the rejects' detail): the line is rejected for that column, its value not
        // repeated. A date-time has as many digits as a NIR: a readable date is none.
        let readsAsDate = [.date, .year, .month].contains(normalisation) && DateLayouts.read(text).readsAsDay
        if SubjectNumber.looksLikeNIR(text), !readsAsDate {
            return .refused(why: "holds a number like a NIR, which is not repeated here")
        }
        let canonical: String?
        switch normalisation {
        case .text:
            // ASCII upper case only, as SQLite's upper(): é stays é on both sides.
            canonical = String(String.UnicodeScalarView(text.unicodeScalars.map { ("a"..."z").contains($0) ? Unicode.Scalar($0.value - 32)! : $0 }))
        case .month where !text.allSatisfy(\.isASCIIDigit) || text.count > 2, .year where !text.allSatisfy(\.isASCIIDigit) || text.count > 4:
            // A whole date where its year or month is asked (a birth date read for both, YYYYMMDD
            // included): its part — of a date at midnight only, as a birth date is read.
            guard case .date(let d) = DateLayouts.read(text, time: .midnight) else { return .invalid(why: "is not \(expected(normalisation))") }
            return .value(String(normalisation == .year ? d.year : d.month), reformatted: true)
        case .integer, .month, .year:
            // A number is written as it is: `03` and `3` are one value, neither reformatted.
            guard text.count <= 9, text.allSatisfy(\.isASCIIDigit), let n = Int(text) else {
                return .invalid(why: "is not \(expected(normalisation))")
            }
            if normalisation == .month, !(1...12).contains(n) { return .invalid(why: "is not \(expected(normalisation))") }
            if normalisation == .year, text.count != 4 || !(1850...2100).contains(n) { return .invalid(why: "is not \(expected(normalisation))") }
            return .value(String(n), reformatted: false)
        case .sex:
            canonical = IdentityFormats.sex(text).map { String($0.code) }
        case .date:
            let reading = DateLayouts.read(text)
            guard case .date(let d) = reading else { return .invalid(why: "is \(reading.problem!)") }
            canonical = d.iso
        case .departement:
            canonical = departement(text.uppercased())
        case .finess, .finessEntity:
            canonical = finess(text.uppercased().replacingOccurrences(of: " ", with: ""))
        case .icd10:
            let code = String(text.uppercased().filter { !".+*- †".contains($0) })
            let chars = Array(code)
            canonical =
                (3...7).contains(chars.count) && chars[0].isASCII && chars[0].isLetter
                    && chars.dropFirst().allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) ? code : nil
        case .scheme:
            let t = text.uppercased()
            if t.count == 1, t.allSatisfy(\.isASCIIDigit) {
                canonical = "0" + t
            } else if t.count >= 2, t.prefix(2).allSatisfy(\.isASCIIDigit) {
                canonical = String(t.prefix(2))
            } else {
                canonical = nil
            }
        }
        guard let canonical else { return .invalid(why: "is not \(expected(normalisation))") }
        return .value(canonical, reformatted: canonical != text)
    }

    /// What a value of this kind looks like, for rejection messages.
    public static func expected(_ normalisation: IndirectRules.Normalisation) -> String {
        switch normalisation {
        case .text: "text"
        case .integer: "a whole number"
        case .month: "a month from 1 to 12 (or a date)"
        case .year: "a year on four digits (or a date)"
        case .sex: "1/2, M/F or H/F"
        case .date: "a date (\(DateLayouts.accepted))"
        case .departement: "a département code (01–95, 2A/2B or 20, 971–976)"
        case .finess, .finessEntity: "a FINESS number of 9 positions"
        case .icd10: "an ICD-10 code (a letter and 2 to 6 characters, dot allowed)"
        case .scheme: "an affiliation scheme code (2 digits, e.g. 01)"
        }
    }

    private static func departement(_ t: String) -> String? {
        if ["2A", "2B", "02A", "02B", "20", "020"].contains(t) { return "20" }
        if t == "97" || (t.count == 3 && (t.hasPrefix("97") || t.hasPrefix("98")) && t.allSatisfy(\.isASCIIDigit)) { return "97" }
        var d = t
        if d.count == 3, d.hasPrefix("0") { d.removeFirst() }
        if d.count == 1 { d = "0" + d }
        guard d.count == 2, d.allSatisfy(\.isASCIIDigit), let n = Int(d), (1...95).contains(n) else { return nil }
        return d
    }

    private static func finess(_ t: String) -> String? {
        var d = t
        if d.hasPrefix("2A") || d.hasPrefix("2B") { d = "20" + d.dropFirst(2) }
        if d.count == 8 { d = "0" + d }
        guard d.count == 9, d.allSatisfy(\.isASCIIDigit) else { return nil }
        return d
    }

    /// The TEMP table ``prepare(_:)`` fills: site FINESS → legal entity FINESS.
    static let entityTable = "finess_entity"

    /// Makes what the SQL expressions need in this connection: the FINESS site → legal entity table
    /// (`finess_entity`), copied from the dataset's establishment referential BE_IDE_R with a key
    /// SQLite can probe (the referential has no index, and the database is opened read-only), empty
    /// when the database has no referential. Idempotent.
    public static func prepare(_ db: Database) throws {
        try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS \(entityTable) (site TEXT PRIMARY KEY, entity TEXT NOT NULL) WITHOUT ROWID")
        guard try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM temp.\(entityTable)") == 0,
            try db.tableExists("BE_IDE_R", in: "main")
        else { return }
        try db.execute(
            sql: """
                INSERT OR IGNORE INTO temp.\(entityTable)
                SELECT IDE_ETA_NUM, IDE_GES_NUM FROM main.BE_IDE_R WHERE IDE_ETA_NUM IS NOT NULL AND IDE_GES_NUM IS NOT NULL
                """)
    }

    /// The SQL expression normalising `x` (an SNDS column, or a canonical cohort value) the way
    /// ``read(_:as:)`` does, then cut to what the comparison looks at.
    public static func sql(_ x: String, _ normalisation: IndirectRules.Normalisation, _ comparison: IndirectRules.Comparison) -> String {
        let t = "upper(trim(CAST(\(x) AS TEXT), ' ' || char(9)))"
        let value: String
        switch normalisation {
        case .text:
            value = "NULLIF(\(t), '')"
        case .integer, .month, .year:
            value = "CASE WHEN \(t) <> '' AND \(t) NOT GLOB '*[^0-9]*' AND length(\(t)) <= 9 THEN CAST(\(t) AS INTEGER) END"
        case .sex:
            value = "CASE \(t) WHEN '1' THEN 1 WHEN '2' THEN 2 WHEN 'M' THEN 1 WHEN 'H' THEN 1 WHEN 'F' THEN 2 END"
        case .date:
            value = "CAST(julianday(substr(\(t), 1, 10)) - 2440587.5 AS INTEGER)"
        case .departement:
            value = """
                CASE WHEN \(t) IN ('2A', '2B', '02A', '02B', '20', '020') THEN '20' \
                WHEN \(t) = '97' OR \(t) GLOB '9[78][0-9]' THEN '97' \
                WHEN length(\(t)) = 3 AND substr(\(t), 1, 1) = '0' THEN substr(\(t), 2) \
                WHEN length(\(t)) = 1 THEN '0' || \(t) ELSE NULLIF(\(t), '') END
                """
        case .finess, .finessEntity:
            let u = "replace(\(t), ' ', '')"
            let v = "(CASE WHEN substr(\(u), 1, 2) IN ('2A', '2B') THEN '20' || substr(\(u), 3) ELSE \(u) END)"
            let site = "CASE WHEN length(\(v)) = 8 THEN '0' || \(v) ELSE NULLIF(\(v), '') END"
            value =
                normalisation == .finess
                ? site
                : "coalesce((SELECT e.entity FROM temp.\(entityTable) e WHERE e.site = (\(site))), \(site))"
        case .icd10:
            value = "NULLIF(replace(replace(replace(replace(replace(\(t), '.', ''), ' ', ''), '+', ''), '*', ''), '-', ''), '')"
        case .scheme:
            value = "CASE WHEN length(\(t)) = 1 THEN '0' || \(t) ELSE NULLIF(substr(\(t), 1, 2), '') END"
        }
        if case .prefix(let k) = comparison { return "substr(\(value), 1, \(k))" }
        return value
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
