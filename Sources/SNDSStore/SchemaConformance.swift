import Foundation
import GRDB
import SNDSModel

/// One way a stored table departs from its schema.
public struct ConformanceViolation: Sendable, Equatable, CustomStringConvertible {
    public let table: String
    public let column: String?
    public let problem: String
    /// Number of rows concerned (0 for problems with the table's structure).
    public let rows: Int

    public var description: String {
        "\(table)\(column.map { "." + $0 } ?? ""): \(problem)" + (rows > 0 ? " (\(rows) rows)" : "")
    }
}

/// Checks that a table stored in SQLite is what its Table Schema describes: the same columns in
/// the same order with the declared types of ``ColumnType``, and values that fit — type, length,
/// range, enumeration, valid dates, and membership of the nomenclature the schema names.
///
/// Every check is an SQL aggregate, so a table is scanned in SQLite's C loop, not row by row in
/// Swift. Values are never quoted in the findings, so the checker can run on any table.
public enum SchemaConformance {
    /// Nomenclatures that are calendars rather than code lists; dates are checked as dates instead.
    public static let calendarNomenclatures: Set<String> = ["IR_DTE_V"]

    /// - Parameter nomenclatures: the nomenclatures' own schemas, to find the column a reference
    ///   without one points to (the one with role `code`: IR_NEM_T's EMT_NUM_RES, IR_GEO_V's
    ///   GEO_COM_COD). Without it, a column of the same name, else the first column.
    public static func check(
        _ db: Database, schema: TableSchema,
        nomenclatures: (String) -> TableSchema? = { _ in nil }
    ) throws -> [ConformanceViolation] {
        var found: [ConformanceViolation] = []
        func violation(_ column: String?, _ problem: String, _ rows: Int = 0) {
            found.append(ConformanceViolation(table: schema.name, column: column, problem: problem, rows: rows))
        }
        guard try db.tableExists(schema.name) else {
            violation(nil, "table is missing")
            return found
        }
        let stored = try Row.fetchAll(db, sql: "PRAGMA table_info(\(ColumnType.quote(schema.name)))")
            .map { (name: $0["name"] as String, type: $0["type"] as String) }
        if stored.map(\.name) != schema.columnNames {
            let missing = Set(schema.columnNames).subtracting(stored.map(\.name)).sorted()
            let extra = Set(stored.map(\.name)).subtracting(schema.columnNames).sorted()
            violation(
                nil,
                "columns differ from the schema"
                    + (missing.isEmpty ? "" : "; missing: " + missing.joined(separator: ", "))
                    + (extra.isEmpty ? "" : "; not in the schema: " + extra.joined(separator: ", "))
                    + (missing.isEmpty && extra.isEmpty ? "; order differs" : ""))
        }
        let storedTypes = Dictionary(stored.map { ($0.name, $0.type) }, uniquingKeysWith: { a, _ in a })
        let table = ColumnType.quote(schema.name)

        for field in schema.fields {
            guard let storedType = storedTypes[field.name] else { continue }
            let expectedType = ColumnType.declaredType(of: field)
            if storedType != expectedType {
                violation(field.name, "declared \(storedType), schema type \(field.type.rawValue) expects \(expectedType)")
            }
            let c = ColumnType.quote(field.name)
            var checks: [(String, String)] = []  // (problem, SQL condition true for a bad non-null value)
            switch field.type {
            case .string:
                checks.append(("value is not text", "typeof(\(c)) <> 'text'"))
                if let max = field.maxLength { checks.append(("longer than \(max) characters", "length(\(c)) > \(max)")) }
                if let min = field.constraints?.minLength { checks.append(("shorter than \(min) characters", "length(\(c)) < \(min)")) }
            case .integer, .boolean:
                checks.append(("value is not an integer", "typeof(\(c)) <> 'integer'"))
                if field.type == .boolean { checks.append(("boolean is not 0 or 1", "\(c) NOT IN (0, 1)")) }
                if let max = field.maxLength, field.type == .integer {
                    checks.append(("more than \(max) digits", "length(abs(\(c))) > \(max)"))
                }
            case .number:
                checks.append(("value is not a number", "typeof(\(c)) NOT IN ('real', 'integer')"))
            case .date where field.format == "%m":
                checks.append(
                    ("not a month 01–12", "typeof(\(c)) <> 'text' OR \(c) NOT IN ('01','02','03','04','05','06','07','08','09','10','11','12')"))
            case .date:
                // date(x) alone accepts 2023-02-30; a '+0 days' shift normalises it, exposing it.
                checks.append(
                    ("not a valid YYYY-MM-DD date", "typeof(\(c)) <> 'text' OR date(\(c), '+0 days') IS NULL OR date(\(c), '+0 days') <> \(c)"))
            case .datetime:
                checks.append(
                    (
                        "not a valid YYYY-MM-DD HH:MM:SS time",
                        "typeof(\(c)) <> 'text' OR datetime(\(c), '+0 days') IS NULL OR datetime(\(c), '+0 days') <> \(c)"
                    ))
            case .year:
                checks.append(("not a YYYY year", "typeof(\(c)) <> 'text' OR \(c) NOT GLOB '[12][0-9][0-9][0-9]'"))
            case .yearmonth:
                checks.append(
                    (
                        "not a YYYYMM month",
                        "typeof(\(c)) <> 'text' OR \(c) NOT GLOB '[12][0-9][0-9][0-9][01][0-9]' OR CAST(substr(\(c), 5, 2) AS INTEGER) NOT BETWEEN 1 AND 12"
                    ))
            }
            if let min = field.constraints?.minimum, field.type != .string {
                // A minimum of 10^(length−1) with a maximum of 10^length − 1 only says "length
                // digits": identifiers such as FINESS (ETA_NUM) or RSA_NUM lose their leading zeros
                // in an integer column, so only "not negative" is enforced for them.
                let digits = field.maxLength.map { Double($0) } ?? 0
                let digitCountOnly =
                    field.type == .integer && digits > 1 && min == pow(10, digits - 1)
                    && field.constraints?.maximum == pow(10, digits) - 1
                let floor = digitCountOnly ? 0 : min
                checks.append(("below the minimum \(format(floor))", "\(c) < \(floor)"))
            }
            if let max = field.constraints?.maximum, field.type != .string {
                checks.append(("above the maximum \(format(max))", "\(c) > \(max)"))
            }
            if let values = field.constraints?.enumValues, !values.isEmpty {
                let list = values.map { field.type == .string ? "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" : $0 }
                checks.append(("not one of the schema's values", "\(c) NOT IN (\(list.joined(separator: ", ")))"))
            }
            if let reference = field.nomenclatureReference, !calendarNomenclatures.contains(reference.table) {
                if try db.tableExists(reference.table) {
                    let columns = try db.columns(in: reference.table).map(\.name)
                    let code = nomenclatures(reference.table)?.fields.first { $0.role == "code" }?.name
                    let target =
                        reference.column.flatMap { columns.contains($0) ? $0 : nil }
                        ?? (columns.contains(field.name) ? field.name : nil)
                        ?? code.flatMap { columns.contains($0) ? $0 : nil }
                        ?? columns.first!
                    checks.append(
                        (
                            "value not in nomenclature \(reference.table).\(target)",
                            "\(c) NOT IN (SELECT \(ColumnType.quote(target)) FROM \(ColumnType.quote(reference.table)) WHERE \(ColumnType.quote(target)) IS NOT NULL)"
                        ))
                } else if try (Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table) WHERE \(c) IS NOT NULL") ?? 0) > 0 {
                    violation(field.name, "its nomenclature \(reference.table) is not loaded in the database")
                }
            }
            guard !checks.isEmpty else { continue }
            let sums = checks.map { "COALESCE(SUM(CASE WHEN \(c) IS NOT NULL AND (\($0.1)) THEN 1 ELSE 0 END), 0)" }
            let row = try Row.fetchOne(db, sql: "SELECT " + sums.joined(separator: ", ") + " FROM \(table)")!
            for (i, check) in checks.enumerated() {
                let bad: Int = row[i]
                if bad > 0 { violation(field.name, check.0, bad) }
            }
        }
        return found
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
