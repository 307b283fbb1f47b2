import SNDSModel

/// How a Table Schema field is stored in SQLite.
///
/// SQLite decides a column's *affinity* from words in its declared type, and a NUMERIC affinity
/// (which `DATE` or `DECIMAL` would give) silently turns the text `05` into the integer 5. So every
/// textual SNDS type is declared with `CHAR`/`VARCHAR` (TEXT affinity) and carries its length:
///
/// | schema type | declared type | stored as |
/// |---|---|---|
/// | string (length n) | `VARCHAR(n)` | text of at most n characters |
/// | integer, boolean | `INTEGER` | integer (boolean: 0 or 1) |
/// | number (p,s) | `REAL` | floating point |
/// | date | `CHAR(10)` | `YYYY-MM-DD` (so SQLite's date functions work on it) |
/// | date with format `%m` | `CHAR(2)` | month `01`…`12` |
/// | datetime | `CHAR(19)` | `YYYY-MM-DD HH:MM:SS` |
/// | year | `CHAR(4)` | `YYYY` |
/// | yearmonth | `CHAR(6)` | `YYYYMM` |
///
/// The schemas give dates a length of 8: that is the SAS/Oracle display width of a date, not a
/// text length; dates are checked as valid days instead (see ``SchemaConformance``).
public enum ColumnType {
    public static func declaredType(of field: TableSchema.Field) -> String {
        switch field.type {
        case .string:
            if let n = field.maxLength { return "VARCHAR(\(n))" }
            return "TEXT"
        case .integer, .boolean: return "INTEGER"
        case .number: return "REAL"
        case .date: return field.format == "%m" ? "CHAR(2)" : "CHAR(10)"
        case .datetime: return "CHAR(19)"
        case .year: return "CHAR(4)"
        case .yearmonth: return "CHAR(6)"
        }
    }

    /// `CREATE TABLE` for a schema; the primary key, when the schema gives one, is not enforced
    /// as a constraint because SNDS's own keys are not unique in practice (see IR_BEN_R's note on
    /// twins) — uniqueness is a property the tests check instead.
    public static func createTableSQL(_ schema: TableSchema) -> String {
        let columns = schema.fields.map { "    \(quote($0.name)) \(declaredType(of: $0))" }
        return "CREATE TABLE \(quote(schema.name)) (\n" + columns.joined(separator: ",\n") + "\n)"
    }

    /// Quotes an SQL identifier.
    public static func quote(_ identifier: String) -> String {
        "\"" + identifier.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
