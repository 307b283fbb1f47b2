import Foundation
import GRDB
import Hardening
import SNDSModel

/// A synthetic SNDS database file: SNDS tables made from their schemas, the nomenclatures they
/// use, and a small metadata table tying the file to its manifest.
public final class SNDSDatabase: @unchecked Sendable {
    /// Version of this database layout; raise it when tables or conventions change.
    public static let layoutVersion = 3
    static let metadataTable = "appariement_metadata"

    public let url: URL
    public let queue: DatabaseQueue

    private init(url: URL, queue: DatabaseQueue) {
        self.url = url
        self.queue = queue
    }

    /// Creates a new, empty database for generation.
    ///
    /// Durability is switched off (no journal, no fsync per transaction) because the file is a
    /// temporary one that becomes the real database only by an atomic rename once complete; a crash
    /// leaves a temporary file to discard, never a half-written database under the final name.
    public static func createForGeneration(at url: URL) throws(StoreError) -> SNDSDatabase {
        if FileManager.default.fileExists(atPath: url.path) {
            try? FileManager.default.removeItem(at: url)
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(
                sql: """
                    PRAGMA page_size = 8192;
                    PRAGMA journal_mode = OFF;
                    PRAGMA synchronous = OFF;
                    PRAGMA locking_mode = EXCLUSIVE;
                    PRAGMA temp_store = MEMORY;
                    PRAGMA cache_size = -262144;
                    """)
        }
        do {
            let queue = try DatabaseQueue(path: url.path, configuration: configuration)
            try queue.write { db in
                try db.execute(sql: "CREATE TABLE \(metadataTable) (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL)")
                try db.execute(
                    sql: "INSERT INTO \(metadataTable) VALUES ('layout_version', ?)",
                    arguments: [String(layoutVersion)])
            }
            return SNDSDatabase(url: url, queue: queue)
        } catch {
            throw .cannotCreate(url.path, "\(error)")
        }
    }

    /// Opens an existing synthetic SNDS, read-only, after checking it is one.
    public static func openReadOnly(at url: URL) throws(StoreError) -> SNDSDatabase {
        let handle = try openFile(url)
        let magic = (try? handle.read(upToCount: 16)) ?? Data()
        try? handle.close()
        guard magic == Data("SQLite format 3\0".utf8) else { throw .notSQLite(url.path) }
        var configuration = Configuration()
        configuration.readonly = true
        let queue: DatabaseQueue
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
        } catch {
            if let journal = leftoverJournal(of: url) { throw .leftoverJournal(url.path, journal: journal) }
            throw .notSQLite(url.path)
        }
        let database = SNDSDatabase(url: url, queue: queue)
        let found: String?
        do { found = try database.metadata("layout_version") } catch {
            if let journal = leftoverJournal(of: url) { throw .leftoverJournal(url.path, journal: journal) }
            throw error
        }
        guard let version = found else { throw .notSynthetic(url.path) }
        guard Int(version) == layoutVersion else {
            throw .wrongLayout(url.path, found: version, expected: layoutVersion)
        }
        return database
    }

    /// The name of a non-empty rollback journal or write-ahead log left beside the database: a
    /// write into it (not appariement's: generation writes without a journal and renames) was
    /// interrupted, and SQLite will not read the file read-only until it is rolled back.
    static func leftoverJournal(of url: URL) -> String? {
        for suffix in ["-journal", "-wal"] {
            let path = url.path + suffix
            if let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? Int, size > 0 {
                return url.lastPathComponent + suffix
            }
        }
        return nil
    }

    /// Refuses, from its metadata, a database path that is not a regular file — a directory, a
    /// device, a named pipe (which would block SQLite's open forever) — before anything opens it.
    public static func requireFile(_ url: URL) throws(StoreError) {
        do { try InputFile.requireRegular(url) } catch { throw refusal(error, url) }
    }

    /// The database file opened for reading its first bytes, once known to be a regular file.
    private static func openFile(_ url: URL) throws(StoreError) -> FileHandle {
        do { return try InputFile.openForReading(url) } catch { throw refusal(error, url) }
    }

    private static func refusal(_ problem: InputFile.Problem, _ url: URL) -> StoreError {
        switch problem {
        case .missing: .missing(url.path)
        case .directory: .refused(url.path, "is a directory, not a database file")
        case .notRegular: .refused(url.path, "is not a regular file (a device or a pipe): give a database file")
        case .tooLarge, .unreadable: .unreadable(url.path)
        }
    }

    public func createTable(_ schema: TableSchema) throws(StoreError) {
        try write { db in try db.execute(sql: ColumnType.createTableSQL(schema)) }
    }

    /// Creates an index; names are derived from the table and columns.
    public func createIndex(on table: String, columns: [String], unique: Bool = false) throws(StoreError) {
        let name = "idx_\(table)_" + columns.joined(separator: "_")
        let sql =
            "CREATE \(unique ? "UNIQUE " : "")INDEX \(ColumnType.quote(name)) ON \(ColumnType.quote(table)) ("
            + columns.map(ColumnType.quote).joined(separator: ", ") + ")"
        try write { db in try db.execute(sql: sql) }
    }

    /// Gathers the statistics the query planner needs to choose indexes for joins.
    public func analyze() throws(StoreError) {
        try write { db in try db.execute(sql: "ANALYZE") }
    }

    public func setMetadata(_ key: String, _ value: String) throws(StoreError) {
        try write { db in
            try db.execute(
                sql: "INSERT OR REPLACE INTO \(Self.metadataTable) (key, value) VALUES (?, ?)",
                arguments: [key, value])
        }
    }

    public func metadata(_ key: String) throws(StoreError) -> String? {
        try read { db in
            guard try db.tableExists(Self.metadataTable) else { return nil }
            return try String.fetchOne(db, sql: "SELECT value FROM \(Self.metadataTable) WHERE key = ?", arguments: [key])
        }
    }

    public func rowCount(_ table: String) throws(StoreError) -> Int {
        try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(ColumnType.quote(table))") ?? 0 }
    }

    /// Names of the SNDS and nomenclature tables (the metadata table excluded), sorted.
    public func tableNames() throws(StoreError) -> [String] {
        try read { db in
            try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
                    AND name <> '\(Self.metadataTable)' ORDER BY name
                    """)
        }
    }

    /// Creates a nomenclature table from its schema and loads its CSV; returns the row count.
    public func loadNomenclature(schema: TableSchema, csv: URL) throws -> Int {
        try createTable(schema)
        let table = try ReferenceData.readTable(at: csv, name: csv.lastPathComponent)
        let positions = try schema.fields.map { field throws -> Int in
            guard let i = table.header.firstIndex(of: field.name) else {
                throw StoreError.schemaMismatch(schema.name, "the CSV has no column \(field.name)")
            }
            return i
        }
        try transaction { db in
            let inserter = try BulkInserter(db, table: schema.name, columns: schema.columnNames)
            for row in table.rows {
                try inserter.insert { binder in
                    for (column, field) in schema.fields.enumerated() {
                        let text = row[positions[column]]
                        if text.isEmpty {
                            binder.bindNull(column)
                        } else if field.type == .integer || field.type == .boolean, let value = Int64(text) {
                            binder.bind(value, at: column)
                        } else if field.type == .number, let value = Double(text) {
                            binder.bind(value, at: column)
                        } else {
                            binder.bind(text, at: column)
                        }
                    }
                }
            }
        }
        return table.rows.count
    }

    /// Closes the connection (before renaming the file into place).
    public func close() throws(StoreError) {
        do { try queue.close() } catch { throw .io(url.path, "\(error)") }
    }

    public func read<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try queue.read(body) } catch { throw StoreError.wrap(error, url.path) }
    }

    public func write<T>(_ body: (Database) throws -> T) throws(StoreError) -> T {
        do { return try queue.write(body) } catch { throw StoreError.wrap(error, url.path) }
    }

    /// Runs `body` in one transaction (committed when it returns), for bulk loads.
    public func transaction(_ body: (Database) throws -> Void) throws(StoreError) {
        do {
            try queue.inTransaction { db in
                try body(db)
                return .commit
            }
        } catch {
            throw StoreError.wrap(error, url.path)
        }
    }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    case unreadable(String)
    case notSQLite(String)
    case notSynthetic(String)
    /// A file that cannot be used as input: not a regular file (a directory, a device, a pipe),
    /// refused before it is opened, or unreadable.
    case refused(String, String)
    case wrongLayout(String, found: String, expected: Int)
    case cannotCreate(String, String)
    case schemaMismatch(String, String)
    case sql(String, String)
    case io(String, String)
    /// A dataset file exists but the dataset is not complete.
    case incomplete(String, String)
    /// A dataset file differs from what its manifest records.
    case altered(String, String)
    /// SQLite found the file damaged.
    case corrupt(String)
    /// Writing failed for a reason of the disk or the file system.
    case writeFailed(String, String)
    /// A rollback journal or write-ahead log beside the database, from an interrupted write.
    case leftoverJournal(String, journal: String)

    /// Maps an SQLite failure to what it means for the user: the disk (an output problem), a
    /// damaged file (integrity), or something unexpected.
    /// Never repeats the SQL statement (GRDB's description does): it says nothing to a user and
    /// could hold values. A path inside staged outputs is named by its final path.
    public static func wrap(_ error: any Error, _ path: String) -> StoreError {
        if let store = error as? StoreError { return store }
        let path = StagedOutputs.finalPath(of: URL(fileURLWithPath: path))
        if let db = error as? DatabaseError {
            switch db.resultCode {
            case .SQLITE_NOTADB: return .notSQLite(path)
            case .SQLITE_CORRUPT: return .corrupt(path)
            case .SQLITE_FULL: return .writeFailed(path, "the disk is full")
            case .SQLITE_IOERR:
                return .writeFailed(path, "\(db.message ?? "input/output error") (is the disk full, or a file size limit — ulimit -f — reached?)")
            case .SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_PERM:
                return .writeFailed(path, db.message ?? "input/output error")
            default: return .sql(path, db.message ?? "SQLite error \(db.resultCode.rawValue)")
            }
        }
        if let output = error as? OutputError { return .io(path, output.description) }
        return .io(path, OutputError.reason(of: error))
    }

    public var description: String {
        switch self {
        case .missing(let path): "database \(path) does not exist (create one with `appariement generate`)"
        case .unreadable(let path): "database \(path) cannot be read"
        case .notSQLite(let path): "\(path) is not an SQLite database"
        case .refused(let path, let why): "\(path): \(why)"
        case .notSynthetic(let path): "\(path) is an SQLite database but not a synthetic SNDS made by appariement"
        case .wrongLayout(let path, let found, let expected):
            "\(path) has database layout version \(found); this version of appariement reads version \(expected): generate it again"
        case .cannotCreate(let path, let why): "cannot create database \(path): \(why)"
        case .schemaMismatch(let table, let why): "table \(table) does not match its schema: \(why)"
        case .sql(let path, let why): "database \(path): \(why)"
        case .io(let path, let why): "\(path): \(why)"
        case .incomplete(let path, let why): "\(path): \(why): the dataset is incomplete (interrupted generation?); generate it again"
        case .altered(let path, let why): "\(path): \(why); generate the dataset again"
        case .corrupt(let path): "database \(path) is damaged (SQLite reports a malformed file); generate it again"
        case .writeFailed(let path, let why): "cannot write \(path): \(why)"
        case .leftoverJournal(let path, let journal):
            "database \(path) cannot be read: \(journal) beside it holds a write into it that was interrupted and never undone — open the database once with sqlite3 (`sqlite3 FILE 'PRAGMA integrity_check'`), which rolls the write back, then run `appariement check-dataset`; do not delete the journal (the database would stay half-written)"
        }
    }
}

extension StoreError: ExitStatusProviding {
    public var exitStatus: ExitStatus {
        switch self {
        case .cannotCreate, .io, .writeFailed: .output
        case .missing, .unreadable, .refused, .notSQLite, .notSynthetic, .wrongLayout, .schemaMismatch: .badInput
        case .incomplete, .altered, .corrupt, .leftoverJournal: .integrity
        // SQL that fails on a dataset that passed its checks: a bug.
        case .sql: .unexpected
        }
    }
}
