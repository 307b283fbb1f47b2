import GRDB
import SNDSModel
import SNDSStore

/// One PMSI field's tables for every generated year (T_MCO23C, T_SSR24B…), the rows written to
/// each, and the stay numbers establishments give: RSA_NUM, RHA_NUM and RHAD_NUM restart every
/// year for every establishment. Shared by the MCO, SSR and HAD writers, which differ only in
/// what a stay writes.
final class PMSIYearTables {
    /// Templates in order; the first is the field's stay table (one row per stay).
    private let templates: [String]
    private let tables: [Int: [CareTable]]
    private var counts: [Int: [Int]]
    private var numbers: [String: Int] = [:]

    /// `columns`: each template (`T_SSRaaC`) with the columns its writer fills, the stay table first.
    init(_ db: Database, schemas: [String: TableSchema], years: ClosedRange<Int>, columns: [(template: String, columns: [String])]) throws {
        templates = columns.map(\.template)
        var tables: [Int: [CareTable]] = [:]
        for year in years {
            tables[year] = try columns.map { try CareTable(db, schema: schemas[$0.template]!.forYear(year), columns: $0.columns) }
        }
        self.tables = tables
        counts = tables.mapValues { _ in [Int](repeating: 0, count: columns.count) }
    }

    /// Whether `year` is generated (a stay discharged in another year is not written).
    func has(_ year: Int) -> Bool { tables[year] != nil }

    /// Inserts one row of `template` (its index in `columns`) for `year`.
    func insert(_ template: Int, year: Int, _ fill: (inout RowFiller) -> Void) throws {
        try tables[year]![template].insert(fill)
        counts[year]![template] += 1
    }

    /// The next stay number of an establishment in a year, from 1.
    func nextStayNumber(establishment finess: String, year: Int) -> Int {
        let key = "\(finess)-\(year)"
        let number = (numbers[key] ?? 0) + 1
        numbers[key] = number
        return number
    }

    /// Rows written per table, for the years with stays.
    var rows: [String: Int] {
        var rows: [String: Int] = [:]
        for (year, written) in counts where written[0] > 0 {
            for (i, template) in templates.enumerated() { rows[PMSIWriter.tableName(template, year: year)] = written[i] }
        }
        return rows
    }
}
