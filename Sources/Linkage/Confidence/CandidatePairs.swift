import Foundation
import GRDB

/// Every (line, person) pair the engine's joins matched in any configuration, with its comparison
/// vector on every criterion and the expected number of chance events that would compare with the
/// line the same way: what the match model learns from and scores.
///
/// A person can hold several events agreeing with a line (two stays); the pair is compared on the
/// event agreeing best, as the person is what gets linked.
///
/// **Why a joint count, not a product of frequencies.** Fellegi–Sunter multiplies each criterion's
/// u, as if a chance event agreed on each independently. Here the criteria that agree exactly are
/// not independent: a hospital's FINESS fixes most of its patients' département, chemotherapy
/// sessions (Z51) fill a few hospitals, a patient's sessions repeat the same values fifty times.
/// The product then says a chance agreement on (département, FINESS, diagnosis) is a thousand times
/// rarer than it is. So the chance intensity of a pair is counted on the events themselves where
/// they can tell: the *other* events (the candidate's own left out) holding the line's values on
/// every exact criterion the pair agrees on, times the term-frequency u of the rest (dates,
/// disagreements), taken as independent of those — and the product of every criterion's u where
/// that count is smaller (no other event holds the pattern: the count says nothing). Counting the
/// candidate in instead (at least one chance event per pattern) read a registry whose dates were
/// shifted on a fifth of its lines as a fifth of its patients absent (docs/link-confidence.md).
struct CandidatePairs {
    struct Pair {
        let line: Int
        let person: String
        /// One level per criterion, in the rules' order.
        let levels: [ComparisonLevel]
        /// ln u of each criterion's level for this line's value, on its own (0 where missing):
        /// the per-criterion weights users read.
        let logU: [Double]
        /// ln of the expected chance events comparing with the line as this pair does, from the
        /// joint count (see the type's documentation).
        var logChance: Double
    }

    /// Pairs grouped by line, lines in order.
    let byLine: [(line: Int, pairs: [Pair])]

    /// Reads the pairs of `temp.matches` from the connection the pool was linked in.
    init(_ db: Database, rules: IndirectRules, frequencies: TermFrequencies, codes: ValueCodes) throws {
        let n = rules.criteria.count
        let windows: [Int64?] = rules.criteria.map { if case .withinDays(let d) = $0.comparison { Int64(d) } else { nil } }
        // The criteria counted jointly: those compared on the exact value (dates keep their u).
        let joint = (0..<n).filter { windows[$0] == nil }
        try db.execute(sql: "CREATE INDEX IF NOT EXISTS temp.candidates_person ON candidates (person)")
        let columns = (0..<n).map { "co.\(CandidateEvents.value($0))" } + (0..<n).map { "ca.\(CandidateEvents.value($0))" }
        let cursor = try Row.fetchCursor(
            db,
            sql: """
                SELECT p.line, p.person, \(columns.joined(separator: ", "))
                FROM (SELECT DISTINCT line, person FROM temp.matches) p
                JOIN temp.cohort co ON co.line = p.line
                JOIN temp.candidates ca INDEXED BY candidates_person ON ca.person = p.person
                ORDER BY p.line, p.person
                """)

        func levels(_ mine: [DatabaseValue], _ theirs: [DatabaseValue]) -> [ComparisonLevel] {
            (0..<n).map { k in
                if mine[k].isNull || theirs[k].isNull { return .missing }
                if mine[k] == theirs[k] { return .exact }
                if let d = windows[k], let a = Int64.fromDatabaseValue(mine[k]), let b = Int64.fromDatabaseValue(theirs[k]), abs(a - b) <= d {
                    return .withinTolerance
                }
                return .disagree
            }
        }

        // Pairs with, for the joint count: the set of exact criteria agreeing, the line's values
        // there, and ln u of the other criteria.
        var pending: [(pair: Pair, agreeing: [Int], key: [DatabaseValue], own: Int, logRest: Double, logIndependent: Double)] = []
        var current: (line: Int, person: String, mine: [DatabaseValue], events: [[DatabaseValue]])?
        func flush() {
            guard let c = current else { return }
            var best: [ComparisonLevel] = [], bestEvent: [DatabaseValue] = []
            var bestAgreement = Int.min
            for theirs in c.events {
                let l = levels(c.mine, theirs)
                let agreement = l.reduce(0) { $0 + $1.agreement }
                if agreement > bestAgreement {
                    best = l
                    bestEvent = theirs
                    bestAgreement = agreement
                }
            }
            // A later date is weighed given the first date when that one is near (see
            // TermFrequencies): the event's first date lies `offset` days from the line's.
            var offset: Int64?
            if let i = frequencies.firstDate, best[i] == .exact || best[i] == .withinTolerance,
                let a = Int64.fromDatabaseValue(bestEvent[i]), let b = Int64.fromDatabaseValue(c.mine[i])
            {
                offset = a - b
            }
            let logU = (0..<n).map { k -> Double in
                guard best[k] != .missing else { return 0 }
                if let offset, let i = frequencies.firstDate, k != i,
                    let u = frequencies.u(k, c.mine[k], best[k], first: c.mine[i], offset: offset)
                {
                    return log(u)
                }
                return log(frequencies.u(k, c.mine[k], best[k]))
            }
            let agreeing = joint.filter { best[$0] == .exact }
            let key = agreeing.map { c.mine[$0] }
            let logRest = (0..<n).filter { !agreeing.contains($0) }.reduce(0.0) { $0 + logU[$1] }
            let own = c.events.filter { e in agreeing.allSatisfy { e[$0] == c.mine[$0] } }.count
            let logIndependent = log(Double(frequencies.events)) + logU.reduce(0, +)
            pending.append(
                (Pair(line: c.line, person: c.person, levels: best, logU: logU, logChance: 0), agreeing, key, own, logRest, logIndependent))
            current = nil
        }
        while let row = try cursor.next() {
            let line: Int = row[0], person: String = row[1]
            if let c = current, c.line != line || c.person != person { flush() }
            let theirs = (0..<n).map { row[2 + n + $0] as DatabaseValue }
            if current == nil { current = (line, person, (0..<n).map { row[2 + $0] as DatabaseValue }, []) }
            current!.events.append(theirs)
        }
        flush()

        // Joint counts: one pass over the coded events per set of agreeing criteria, counting the
        // lines' values only (a value no event holds counts 0).
        var totals = Array(repeating: 0, count: pending.count)
        for (agreeing, members) in Dictionary(grouping: pending.indices, by: { pending[$0].agreeing }) {
            guard !agreeing.isEmpty else {
                for i in members { totals[i] = frequencies.events }
                continue
            }
            var keys: [[UInt32]] = [], owners: [Int] = []
            for i in members {
                let coded = zip(agreeing, pending[i].key).map { codes.code($0, $1) }
                guard coded.allSatisfy({ $0 != nil }) else { continue }
                keys.append(coded.map { $0! })
                owners.append(i)
            }
            for (i, n) in zip(owners, codes.rowCounts(keeping: agreeing, of: keys)) { totals[i] = n }
        }
        var byLine: [(line: Int, pairs: [Pair])] = []
        for (p, total) in zip(pending, totals) {
            var pair = p.pair
            pair.logChance = max(log(Double(max(total - p.own, 0))) + p.logRest, p.logIndependent)
            if byLine.last?.line == pair.line { byLine[byLine.count - 1].pairs.append(pair) } else { byLine.append((pair.line, [pair])) }
        }
        self.byLine = byLine
    }
}
