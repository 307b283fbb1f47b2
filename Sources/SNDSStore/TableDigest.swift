import CLibCrypto
import Foundation
import GRDB
import GRDBSQLite

/// A fingerprint of a table's contents that does not depend on row order.
///
/// Each row is encoded canonically (type tag and value of every column) and hashed with SHA-256;
/// the row hashes are added lane-wise as four 64-bit words. Two tables with the same multiset of
/// rows give the same digest, however they were inserted — which is what "same seed and key give
/// identical tables" means — and the digest is computed in one pass without sorting.
public enum TableDigest {
    public static func compute(_ db: Database, table: String) throws -> String {
        guard let connection = db.sqliteConnection else { throw DatabaseError(message: "database is closed") }
        var statement: OpaquePointer?
        let sql = "SELECT * FROM \(ColumnType.quote(table))"
        guard sqlite3_prepare_v2(connection, sql, -1, &statement, nil) == SQLITE_OK else {
            throw DatabaseError(message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        defer { sqlite3_finalize(statement) }
        let columns = sqlite3_column_count(statement)
        var lanes = [UInt64](repeating: 0, count: 4)
        var encoded: [UInt8] = []
        var digest = [UInt8](repeating: 0, count: 32)
        var rows: UInt64 = 0
        while true {
            let code = sqlite3_step(statement)
            if code == SQLITE_DONE { break }
            guard code == SQLITE_ROW else { throw DatabaseError(message: String(cString: sqlite3_errmsg(connection))) }
            encoded.removeAll(keepingCapacity: true)
            for column in 0..<columns {
                let type = sqlite3_column_type(statement, column)
                encoded.append(UInt8(type))
                switch type {
                case SQLITE_INTEGER:
                    let v = UInt64(bitPattern: sqlite3_column_int64(statement, column))
                    for shift in stride(from: 56, through: 0, by: -8) { encoded.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
                case SQLITE_FLOAT:
                    let v = sqlite3_column_double(statement, column).bitPattern
                    for shift in stride(from: 56, through: 0, by: -8) { encoded.append(UInt8(truncatingIfNeeded: v >> UInt64(shift))) }
                case SQLITE_NULL:
                    break
                default:
                    // Length first, so that "ab","c" and "a","bc" encode differently.
                    let count = Int(sqlite3_column_bytes(statement, column))
                    for shift in stride(from: 56, through: 0, by: -8) { encoded.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift))) }
                    if let bytes = sqlite3_column_blob(statement, column) {
                        encoded.append(contentsOf: UnsafeRawBufferPointer(start: bytes, count: count))
                    }
                }
            }
            var size: UInt32 = 0
            encoded.withUnsafeBytes { input in
                _ = EVP_Digest(input.baseAddress, input.count, &digest, &size, EVP_sha256(), nil)
            }
            for lane in 0..<4 {
                var word: UInt64 = 0
                for byte in 0..<8 { word = word << 8 | UInt64(digest[lane * 8 + byte]) }
                lanes[lane] &+= word
            }
            rows += 1
        }
        return lanes.map { hex64($0) }.joined()
    }

    /// SHA-256 of the database's structure: every table, index, trigger and view as SQLite
    /// records it (`sqlite_master`), so a renamed column or an added trigger is noticed even when
    /// every row is unchanged.
    public static func schema(_ db: Database) throws -> String {
        let rows = try Row.fetchAll(db, sql: "SELECT type, name, tbl_name, COALESCE(sql, '') FROM sqlite_master ORDER BY type, name")
        var text = ""
        for row in rows {
            text += (row[0] as String) + "\u{1}" + (row[1] as String) + "\u{1}" + (row[2] as String) + "\u{1}" + (row[3] as String) + "\u{2}"
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let bytes = Array(text.utf8)
        _ = EVP_Digest(bytes, bytes.count, &digest, &size, EVP_sha256(), nil)
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    private static func hex64(_ value: UInt64) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
