import Foundation
import GRDB
import GRDBSQLite
import Hardening
import SNDSModel
import SNDSStore

/// The extraction's tables as CSV files (one per table, `;`-separated UTF-8, spreadsheet-safe),
/// for teams whose tools do not read SQLite.
public enum ExtractionCSV {
    public static func write(from database: URL, tables: [String], to folder: URL) throws {
        do { try export(from: database, tables: tables, to: folder) } catch let error as OutputError {
            throw error
        } catch {
            throw StoreError.wrap(error, database.path)
        }
    }

    private static func export(from database: URL, tables: [String], to folder: URL) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database.path, configuration: configuration)
        try queue.read { db in
            for table in tables {
                var csv = try CSVOutput(url: folder.appendingPathComponent("\(table).csv"))
                let columns = try db.columns(in: table).map(\.name)
                try csv.write(columns)
                // Straight from sqlite3's text of each value: numbers as SQLite prints them, NULL as
                // an empty field; no Row or String per value on this hot path.
                let statement = try db.makeStatement(sql: "SELECT * FROM \(Extraction.quote(table)) ORDER BY rowid")
                let raw = statement.sqliteStatement
                let count = sqlite3_column_count(raw)
                while true {
                    let step = sqlite3_step(raw)
                    if step == SQLITE_DONE { break }
                    guard step == SQLITE_ROW else { throw DatabaseError(resultCode: ResultCode(rawValue: step), message: "reading \(table)") }
                    for i in 0..<count {
                        let text = sqlite3_column_text(raw, i)
                        let length = Int(sqlite3_column_bytes(raw, i))
                        csv.append(field: UnsafeBufferPointer(start: text, count: text == nil ? 0 : length), first: i == 0)
                    }
                    try csv.endRecord()
                }
                try csv.finish()
            }
        }
        try queue.close()
    }
}
