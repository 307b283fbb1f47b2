import Foundation
import GRDB
import GRDBSQLite
import Hardening
import SNDSModel
import SNDSStore

/// The extraction's tables as CSV files (one per table, `;`-separated, spreadsheet-safe, in the
/// run's ``CSVFormat``), for teams whose tools do not read SQLite. Values are SQLite's text of
/// each: dates as the SNDS column holds them (`2024-01-08` for a date, with the time for the PMSI's
/// datetime columns), decimals with the format's mark.
public enum ExtractionCSV {
    public static func write(from database: URL, tables: [String], to folder: URL, format: CSVFormat = .standard) throws {
        do { try export(from: database, tables: tables, to: folder, format: format) } catch let error as OutputError {
            throw error
        } catch {
            throw StoreError.wrap(error, database.path)
        }
    }

    private static func export(from database: URL, tables: [String], to folder: URL, format: CSVFormat) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database.path, configuration: configuration)
        try queue.read { db in
            for table in tables {
                var csv = try CSVOutput(url: folder.appendingPathComponent("\(table).csv"), format: format)
                let info = try db.columns(in: table)
                try csv.write(info.map(\.name))
                // Decimal columns (REAL, as the official schemas' numbers are declared) get the
                // format's mark; integers and codes are never touched.
                let decimal = info.map { $0.type.uppercased() == "REAL" }
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
                        csv.append(
                            field: UnsafeBufferPointer(start: text, count: text == nil ? 0 : length), first: i == 0, decimal: decimal[Int(i)])
                    }
                    try csv.endRecord()
                }
                try csv.finish()
            }
        }
        try queue.close()
    }
}
