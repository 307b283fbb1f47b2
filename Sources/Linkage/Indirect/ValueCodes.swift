import Foundation
import GRDB

/// The candidate events' normalised values as small integer codes, column by column, to measure
/// discriminance and uniqueness in memory.
///
/// SQLite answers "how many events does no other event equal on these columns" with a GROUP BY
/// that sorts every row, once per configuration: at a million beneficiaries that was 70 % of an
/// indirect run. Coded once, each configuration is one pass packing the kept columns' codes into an
/// exact key (no hashing collisions up to 128 bits of codes) and counting in a dictionary. A test
/// checks the counts against SQL's GROUP BY.
struct ValueCodes {
    /// Per column, per row: 0 for NULL, else 1… for each distinct value.
    let codes: [[UInt32]]
    /// Per column: how many rows hold each code (index = code).
    let frequencies: [[Int]]
    let rows: Int

    /// Reads every row of `sql` (which selects the columns to code).
    init(_ db: Database, sql: String, columns: Int) throws {
        var codes = Array(repeating: [UInt32](), count: columns)
        var dictionaries = Array(repeating: [DatabaseValue: UInt32](), count: columns)
        var frequencies = Array(repeating: [0], count: columns)
        let cursor = try Row.fetchCursor(db, sql: sql)
        var rows = 0
        while let row = try cursor.next() {
            for c in 0..<columns {
                let value: DatabaseValue = row[c]
                var code: UInt32 = 0
                if !value.isNull {
                    if let known = dictionaries[c][value] {
                        code = known
                    } else {
                        code = UInt32(dictionaries[c].count + 1)
                        dictionaries[c][value] = code
                        frequencies[c].append(0)
                    }
                }
                codes[c].append(code)
                frequencies[c][Int(code)] += 1
            }
            rows += 1
        }
        self.codes = codes
        self.frequencies = frequencies
        self.rows = rows
    }

    private struct Key128: Hashable { var high: UInt64, low: UInt64 }

    /// Rows whose combination of values on `kept` no other row has (NULL counts as a value, as in GROUP BY).
    func uniqueRows(keeping kept: [Int]) -> Int {
        let widths = kept.map { UInt64.bitWidth - UInt64(frequencies[$0].count).leadingZeroBitCount }
        let total = widths.reduce(0, +)
        func count<K: Hashable>(_ key: (Int) -> K) -> Int {
            var seen = [K: Bool](minimumCapacity: rows)
            for r in 0..<rows {
                let k = key(r)
                if seen[k] == nil { seen[k] = true } else { seen[k] = false }
            }
            return seen.values.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        if total <= 64 {
            return count { r in
                var key: UInt64 = 0
                for (i, c) in kept.enumerated() { key = key << UInt64(widths[i]) | UInt64(codes[c][r]) }
                return key
            }
        }
        if total <= 128 {
            return count { r in
                var key = Key128(high: 0, low: 0)
                for (i, c) in kept.enumerated() {
                    let w = UInt64(widths[i])
                    key.high = key.high << w | key.low >> (64 - w)
                    key.low = key.low << w | UInt64(codes[c][r])
                }
                return key
            }
        }
        // Beyond 128 bits of codes: a 64-bit hash of the codes, with fixed constants so that runs
        // agree (a collision among a few million rows has a probability around 10^-7, and would
        // only shift a share in a report).
        return count { r in
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            for c in kept {
                h = (h ^ UInt64(codes[c][r])) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 31
            }
            return h
        }
    }
}
