import GRDB
import SNDSModel
import SNDSStore

/// A table the care writers fill: its schema-checked columns and a bulk inserter on them.
///
/// Writers name the columns they fill once, in the order they bind them; the names are checked
/// against the shipped schema so a typo fails at start, and rows are then bound by position (no
/// per-value lookup on a path that writes millions of rows). Columns not named stay NULL.
struct CareTable {
    let name: String
    let columns: [String]
    let inserter: BulkInserter

    init(_ db: Database, schema: TableSchema, columns: [String]) throws {
        let known = Set(schema.columnNames)
        for column in columns where !known.contains(column) {
            throw StoreError.schemaMismatch(schema.name, "the shipped schema has no column \(column)")
        }
        name = schema.name
        self.columns = columns
        inserter = try BulkInserter(db, table: schema.name, columns: columns)
    }

    /// Inserts one row whose values `fill` adds in column order.
    func insert(_ fill: (inout RowFiller) -> Void) throws {
        try inserter.insert { binder in
            var filler = RowFiller(binder: binder)
            fill(&filler)
            assert(filler.position == columns.count, "\(name): \(filler.position) values for \(columns.count) columns")
            binder = filler.binder
        }
    }
}

/// Binds the values of one row in column order.
struct RowFiller {
    var binder: BulkInserter.RowBinder
    var position = 0

    mutating func add(_ value: String?) { binder.bind(value, at: position); position += 1 }
    mutating func add(_ value: Int?) { binder.bind(value, at: position); position += 1 }
    mutating func add(_ value: Int64) { binder.bind(value, at: position); position += 1 }
    mutating func add(_ value: Double) { binder.bind((value * 100).rounded() / 100, at: position); position += 1 }
}

/// ISO strings of the days around the period, computed once: dates are written millions of times.
struct DayStrings {
    private let first: Int
    private let iso: [String]
    private let months: [String]
    private let nextMonths: [String]

    init(from: Int, through: Int) {
        first = from
        var iso: [String] = [], months: [String] = [], nextMonths: [String] = []
        iso.reserveCapacity(through - from + 1)
        for day in from...through {
            let date = CalendarDate(daysSinceEpoch: day)
            iso.append(date.iso)
            months.append(pad(date.year, 4) + pad(date.month, 2))
            let next =
                date.month == 12
                ? CalendarDate(year: date.year + 1, month: 1, day: 1)! : CalendarDate(year: date.year, month: date.month + 1, day: 1)!
            nextMonths.append(next.iso)
        }
        self.iso = iso
        self.months = months
        self.nextMonths = nextMonths
    }

    /// `YYYY-MM-DD`.
    func date(_ day: Int) -> String { iso[day - first] }
    /// `YYYYMM`.
    func yearMonth(_ day: Int) -> String { months[day - first] }
    /// The first day of the following month, `YYYY-MM-01`.
    func firstOfNextMonth(_ day: Int) -> String { nextMonths[day - first] }
    /// `YYYY-MM-DD 00:00:00`.
    func dateTime(_ day: Int) -> String { iso[day - first] + " 00:00:00" }
}
