import Foundation
import GRDB

/// For each valid line and each configuration: how many SNDS persons would agree with the line by
/// chance under that configuration, next to the candidates the join observed.
///
/// The expected count is the pool times the chance agreement of the line's own values: the persons
/// holding the line's values on every exact criterion the configuration compares, counted jointly
/// on the events (a FINESS fixes its département; see ``CandidatePairs``), times the share of
/// events within each compared date's tolerance; the product of every criterion's term frequency
/// (independence) where that count is smaller, since a pattern no event holds is not impossible,
/// only rarer than the pool can show. The line's own patient is not chance: when its most probable
/// candidate agrees under the configuration, that candidate's event is taken off the count,
/// weighed by its probability.
///
/// These counts are what a larger SNDS changes: the same line meets k times as many strangers in a
/// pool k times as large (``Projection``).
struct ChanceCandidates {
    /// One line under one configuration.
    struct Entry {
        /// Expected chance persons; nil when the line cannot be joined in the configuration (more
        /// empty values than `max_missing`, or an empty criterion marked `keep`).
        let expected: Double?
        /// Whether the line's most probable candidate agrees under the configuration.
        let bestAgrees: Bool
    }

    /// Per valid line: one entry per configuration, in plan order.
    let entries: [Int: [Entry]]
    /// Persons the join matched, per line and configuration id (only where the line was in the pool).
    let observed: [Int: [Int: Int]]
    /// Per line: the criteria each configuration compares for it (its kept criteria with a value).
    let compared: [Int: [[Int]?]]
    /// The cohort's normalised values, per line.
    let values: [Int: [DatabaseValue]]
    /// Distinct persons holding a candidate event: the pool of strangers.
    let persons: Int

    init(
        _ db: Database, rules: IndirectRules, plan: LinkagePlan, codes: ValueCodes, confidence: LinkConfidence
    ) throws {
        let frequencies = confidence.frequencies
        let n = rules.criteria.count
        var values: [Int: [DatabaseValue]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT line\((0..<n).map { ", \(CandidateEvents.value($0))" }.joined()) FROM temp.cohort") {
            values[row[0]] = (0..<n).map { row[1 + $0] as DatabaseValue }
        }
        var observed: [Int: [Int: Int]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT line, cfg, COUNT(DISTINCT person) FROM temp.matches GROUP BY line, cfg") {
            observed[row[0], default: [:]][row[1]] = row[2]
        }
        let isDate = rules.criteria.map { if case .withinDays = $0.comparison { true } else { false } }

        // The criteria each configuration compares for each line, as the join does (LinkagePool.joins).
        var compared: [Int: [[Int]?]] = [:]
        for (line, v) in values {
            compared[line] = plan.configurations.map { cfg in
                let empty = cfg.kept.filter { v[$0].isNull }
                guard !empty.contains(where: { rules.criteria[$0].keep }), empty.count <= rules.strategy.maxMissing else { return nil }
                let kept = cfg.kept.filter { !v[$0].isNull }
                return kept.isEmpty ? nil : kept
            }
        }

        // Joint counts of the exact criteria's values, events and persons, one pass over the events
        // per set of them.
        var joint: [[Int]: [Int: (events: Int, persons: Int)]] = [:]
        var asked: [[Int]: [(line: Int, key: [UInt32])]] = [:]
        for (line, sets) in compared {
            var seen = Set<[Int]>()
            for set in sets.compactMap({ $0 }) {
                let exact = set.filter { !isDate[$0] }
                guard !exact.isEmpty, seen.insert(exact).inserted else { continue }
                let coded = exact.map { codes.code($0, values[line]![$0]) }
                if coded.contains(where: { $0 == nil }) {
                    joint[exact, default: [:]][line] = (0, 0)
                } else {
                    asked[exact, default: []].append((line, coded.map { $0! }))
                }
            }
        }
        for (exact, lines) in asked {
            let keys = lines.map(\.key)
            let events = codes.rowCounts(keeping: exact, of: keys), persons = codes.rowCounts(keeping: exact, of: keys, distinct: n)
            for (i, l) in lines.enumerated() { joint[exact, default: [:]][l.line] = (events[i], persons[i]) }
        }

        let events = Double(frequencies.events)
        let persons = codes.frequencies[n].count - 1
        var entries: [Int: [Entry]] = [:]
        for (line, sets) in compared {
            let v = values[line]!
            let best = confidence.candidates[line]?.first
            entries[line] = sets.map { set in
                guard let set else { return Entry(expected: nil, bestAgrees: false) }
                let agrees = best.map { b in set.allSatisfy { b.pair.levels[$0] == .exact || b.pair.levels[$0] == .withinTolerance } } ?? false
                let exact = set.filter { !isDate[$0] }
                var dates = 1.0
                for k in set where isDate[k] {
                    if let i = frequencies.firstDate, k != i, set.contains(i),
                        let share = frequencies.windowShare(later: k, v[k], first: v[i])
                    {
                        dates *= share
                    } else {
                        dates *= frequencies.windowShare(k, v[k])
                    }
                }
                let count = exact.isEmpty ? (events: Int(events), persons: persons) : joint[exact]?[line] ?? (0, 0)
                let own = agrees ? best!.probability : 0
                // Persons, not events: a patient's fifty sessions are one chance candidate. Within
                // a date's window a person rarely holds two of them, so events there count persons.
                let others = max(Double(count.persons) - own, 0)
                let chance = set.contains(where: { isDate[$0] }) ? min(max(Double(count.events) - own, 0) * dates, others) : others
                // Independence is the floor, never above the persons counted: half a person where
                // none is (a count of zero in this pool, not an impossibility).
                let independent = exact.reduce(events * dates) { $0 * frequencies.u($1, v[$1], .exact) }
                return Entry(expected: max(chance, min(independent, max(others, 0.5))), bestAgrees: agrees)
            }
        }
        self.entries = entries
        self.observed = observed
        self.compared = compared
        self.values = values
        self.persons = persons
    }

    /// The configurations a line was tried in: those of the groups up to the one that linked it
    /// (all groups when none did) where its values let it be joined.
    func tried(_ outcome: IndirectEngine.Outcome, plan: LinkagePlan) -> [LinkagePlan.Configuration] {
        let entries = self.entries[outcome.line] ?? []
        return plan.configurations.filter { cfg in
            (outcome.group.map { cfg.group <= $0 } ?? true) && entries.indices.contains(cfg.id - 1) && entries[cfg.id - 1].expected != nil
        }
    }

    /// Per configuration: candidates observed and expected by chance over the lines `made` tried in
    /// it (the join's own outcomes, before the guard), and the expected wrong among the links
    /// `accepted` keeps.
    func estimates(
        made: IndirectEngine.Linkage, accepted: IndirectEngine.Linkage, plan: LinkagePlan, confidence: LinkConfidence
    )
        -> [ConfigurationEstimate]
    {
        var lines = Array(repeating: 0, count: plan.configurations.count)
        var observedTotal = lines
        var expectedTotal = Array(repeating: 0.0, count: plan.configurations.count)
        for o in made.outcomes {
            for cfg in tried(o, plan: plan) {
                lines[cfg.id - 1] += 1
                observedTotal[cfg.id - 1] += observed[o.line]?[cfg.id] ?? 0
                expectedTotal[cfg.id - 1] += entries[o.line]![cfg.id - 1].expected!
            }
        }
        return plan.configurations.map { cfg in
            let wrong = accepted.outcomes.filter { $0.configuration == cfg.id }.map { o in
                1 - (o.person.flatMap { confidence.score(line: o.line, person: $0)?.probability } ?? 0)
            }
            let (low, high) = PoissonBinomial.interval(wrong, level: 0.95)
            return ConfigurationEstimate(
                configuration: cfg.id, group: cfg.group, linesTried: lines[cfg.id - 1], candidates: observedTotal[cfg.id - 1],
                expectedByChance: expectedTotal[cfg.id - 1].rounded(toPlaces: 2), links: wrong.count,
                expectedWrong: wrong.reduce(0, +).rounded(toPlaces: 2), low: low, high: high)
        }
    }

    /// candidates.csv: one row per line and configuration it was tried in — the persons the join
    /// matched, and the persons expected to agree by chance.
    static let file = "candidates.csv"
    static let columns = ["LINE", "NS", "GROUP", "CONFIGURATION", "CANDIDATES", "EXPECTED_BY_CHANCE"]

    func write(to url: URL, made: IndirectEngine.Linkage, plan: LinkagePlan, format: CSVFormat) throws {
        var csv = try CSVOutput(url: url, format: format)
        try csv.write(Self.columns)
        for o in made.outcomes {
            for cfg in tried(o, plan: plan) {
                try csv.write([
                    String(o.line), o.ns, String(cfg.group), String(cfg.id), String(observed[o.line]?[cfg.id] ?? 0),
                    csv.number(Self.expectedText(entries[o.line]![cfg.id - 1].expected!)),
                ])
            }
        }
        try csv.finish()
    }

    /// Four significant digits: a chance count spans 10⁻⁹ to thousands.
    static func expectedText(_ x: Double) -> String { x >= 1000 ? String(format: "%.0f", x) : String(format: "%.4g", x) }
}
