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
struct ValueCodes: Sendable {
    /// Per column, per row: 0 for NULL, else 1… for each distinct value.
    let codes: [[UInt32]]
    /// Per column: how many rows hold each code (index = code).
    let frequencies: [[Int]]
    let rows: Int
    /// Per column: the code of each value (to code a cohort line's values the same way).
    private let dictionaries: [[DatabaseValue: UInt32]]

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
        self.dictionaries = dictionaries
    }

    private struct Key128: Hashable { var high: UInt64, low: UInt64 }

    /// The code of `value` in `column`; nil when no row holds it.
    func code(_ column: Int, _ value: DatabaseValue) -> UInt32? { dictionaries[column][value] }

    /// The value of each code of `column` (index 0, NULL, is `.null`).
    func values(_ column: Int) -> [DatabaseValue] {
        var out = Array(repeating: DatabaseValue.null, count: frequencies[column].count)
        for (value, code) in dictionaries[column] { out[Int(code)] = value }
        return out
    }

    /// Every value of `column` with the rows holding it.
    func valueCounts(_ column: Int) -> [(value: DatabaseValue, rows: Int)] {
        dictionaries[column].map { ($0.key, frequencies[column][Int($0.value)]) }
    }

    /// For each of `keys` (codes of the `kept` columns, in that order): the rows holding exactly
    /// those codes — or, with `distinct`, the distinct values of that column among them (the
    /// persons holding them, not their events). One pass over the rows, counting only the keys
    /// asked for.
    func rowCounts(keeping kept: [Int], of keys: [[UInt32]], distinct: Int? = nil) -> [Int] {
        let widths = kept.map { UInt64.bitWidth - UInt64(frequencies[$0].count).leadingZeroBitCount }
        let total = widths.reduce(0, +)
        func tally<K: Hashable>(_ key: (_ code: (Int) -> UInt32) -> K) -> [Int] {
            var slots = [K: Int](minimumCapacity: keys.count)
            let asked = keys.map { k in key { k[$0] } }
            for k in asked where slots[k] == nil { slots[k] = slots.count }
            var counts = Array(repeating: 0, count: slots.count)
            var seen = Set<UInt64>()
            for r in 0..<rows {
                guard let slot = slots[key { codes[kept[$0]][r] }] else { continue }
                if let distinct {
                    guard seen.insert(UInt64(slot) << 32 | UInt64(codes[distinct][r])).inserted else { continue }
                }
                counts[slot] += 1
            }
            return asked.map { counts[slots[$0]!] }
        }
        if total <= 64 {
            return tally { code in
                var key: UInt64 = 0
                for i in kept.indices { key = key << UInt64(widths[i]) | UInt64(code(i)) }
                return key
            }
        }
        if total <= 128 {
            return tally { code in
                var key = Key128(high: 0, low: 0)
                for i in kept.indices {
                    let w = UInt64(widths[i])
                    key.high = key.high << w | key.low >> (64 - w)
                    key.low = key.low << w | UInt64(code(i))
                }
                return key
            }
        }
        return tally { code in
            var h: UInt64 = 0x9E37_79B9_7F4A_7C15
            for i in kept.indices {
                h = (h ^ UInt64(code(i))) &* 0xBF58_476D_1CE4_E5B9
                h ^= h >> 31
            }
            return h
        }
    }

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
