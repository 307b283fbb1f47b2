import Foundation
import GRDB
import SNDSModel
import SNDSStore

/// The engine's third stage: the cohort's valid lines loaded against the candidate events, ready
/// for the join. ``link(progress:)`` consumes it: a pool is linked once (its TEMP tables record
/// what has left it), and the compiler refuses a second call.
public struct LinkagePool: ~Copyable {
    public let events: CandidateEvents
    /// The plan's configurations with their uniqueness profile; the join adds what it made of each.
    private var configurations: [IndirectEngine.ConfigurationResult]

    init(events: consuming CandidateEvents, configurations: [IndirectEngine.ConfigurationResult]) {
        self.events = events
        self.configurations = configurations
    }

    private var rules: IndirectRules { events.rules }
    private var database: SNDSDatabase { events.database }

    /// SQLite's plan for a configuration's join (one line per step), for tests and benchmarks.
    public func queryPlan(_ cfg: LinkagePlan.Configuration) throws -> [String] {
        try database.queue.inDatabase { db in
            try events.createIndex(compared: cfg.kept, db)
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + events.joinSQL(cfg)).map { $0["detail"] as String }
        }
    }

    /// SQLite's plans for every join a configuration makes on the loaded cohort: one per set of
    /// criteria its lines leave empty (see ``joins(_:_:)``), with that set.
    public func queryPlans(_ cfg: LinkagePlan.Configuration) throws -> [(missing: [String], plan: [String])] {
        try database.queue.inDatabase { db in
            try joins(cfg, db).map { join in
                try events.createIndex(compared: join.compared, db)
                let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + events.joinSQL(compared: join.compared, missing: join.missing))
                return (join.missing.map { rules.criteria[$0].column }, plan.map { $0["detail"] as String })
            }
        }
    }

    /// The joins of a configuration: one per set of its criteria that lines still in the pool leave
    /// empty (the empty set first), each on the criteria those lines have (`compared`). A missing value is no
    /// evidence either way; counted as a disagreement it would spend the line's dropped criterion,
    /// and a birth month left empty plus a move would leave the line unlinked.
    ///
    /// Only sets of at most `strategy.max_missing` criteria (default 1) are joined; lines leaving
    /// more empty match nothing in this configuration, as in a plain SQL join. Without that bound a
    /// line giving only its sex would match half the pool, and since a person matched by two lines
    /// goes to neither (uniqueness both ways), it would take from every complete line its unique
    /// person. Criteria marked `keep` are always compared: their empty value matches nothing.
    func joins(_ cfg: LinkagePlan.Configuration, _ db: Database) throws -> [(compared: [Int], missing: [Int])] {
        let limit = rules.strategy.maxMissing
        let skippable = limit > 0 ? cfg.kept.filter { !rules.criteria[$0].keep } : []
        guard !skippable.isEmpty else { return [(cfg.kept, [])] }
        let mask = skippable.enumerated().map { k, i in "((co.\(CandidateEvents.value(i)) IS NULL) << \(k))" }.joined(separator: " | ")
        let masks = try Int.fetchAll(
            db,
            sql: """
                SELECT DISTINCT \(mask) FROM temp.cohort co WHERE NOT EXISTS (SELECT 1 FROM temp.linked l WHERE l.line = co.line)
                """)
        return masks.sorted().compactMap { m in
            let missing = skippable.enumerated().filter { m & (1 << $0.offset) != 0 }.map(\.element)
            let compared = cfg.kept.filter { !missing.contains($0) }
            return missing.count <= limit && !compared.isEmpty ? (compared, missing) : nil
        }
    }

    /// Runs every group and returns one outcome per valid line, in line order, with what each
    /// configuration matched and linked.
    public consuming func link(progress: (String) -> Void = { _ in }) throws -> IndirectEngine.Linkage {
        let plan = events.plan
        var configurations = self.configurations
        var outcomes: [Int: IndirectEngine.Outcome] = [:]
        try database.queue.inDatabase { db in
            for row in try Row.fetchAll(db, sql: "SELECT line, ns FROM temp.cohort ORDER BY line") {
                outcomes[row[0]] = IndirectEngine.Outcome(line: row[0], ns: row[1])
            }
        }
        for group in plan.groups {
            let inGroup = plan.configurations.filter { $0.group == group }
            try database.queue.inDatabase { db in
                for cfg in inGroup {
                    progress("group \(group), configuration \(cfg.id) of \(plan.configurations.count)")
                    for join in try joins(cfg, db) {
                        try events.createIndex(compared: join.compared, db)
                        try db.execute(
                            sql:
                                "INSERT INTO temp.matches (grp, cfg, line, person) SELECT \(group), \(cfg.id), line, person FROM (\(events.joinSQL(compared: join.compared, missing: join.missing)))"
                        )
                    }
                    configurations[cfg.id - 1].linesMatched =
                        try Int.fetchOne(
                            db, sql: "SELECT COUNT(DISTINCT line) FROM temp.matches WHERE grp = ? AND cfg = ?", arguments: [group, cfg.id]) ?? 0
                }
                // Pairs unique on the line's side in a configuration, with how many lines match the person there.
                try db.execute(sql: "DROP TABLE IF EXISTS temp.pairs")
                try db.execute(
                    sql: """
                        CREATE TEMP TABLE pairs AS
                        SELECT m.cfg, m.line, m.person, (SELECT COUNT(*) FROM temp.matches x WHERE x.grp = m.grp AND x.cfg = m.cfg AND x.person = m.person) AS person_lines
                        FROM temp.matches m
                        WHERE m.grp = ? AND (SELECT COUNT(*) FROM temp.matches y WHERE y.grp = m.grp AND y.cfg = m.cfg AND y.line = m.line) = 1
                        """, arguments: [group])
                // Persons uniquely matched by more than one line across the group's configurations.
                let claimed = Set(
                    try String.fetchAll(
                        db, sql: "SELECT person FROM temp.pairs WHERE person_lines = 1 GROUP BY person HAVING COUNT(DISTINCT line) > 1"))
                let perLine = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT line, COUNT(DISTINCT CASE WHEN person_lines = 1 THEN person END), MAX(person_lines > 1),
                               MIN(CASE WHEN person_lines = 1 THEN cfg END), MIN(CASE WHEN person_lines = 1 THEN person END)
                        FROM temp.pairs GROUP BY line
                        """)
                let matchedLines = Set(try Int.fetchAll(db, sql: "SELECT DISTINCT line FROM temp.matches WHERE grp = ?", arguments: [group]))
                var decided = Set<Int>()
                for row in perLine {
                    let line: Int = row[0], persons: Int = row[1], shared: Bool = row[2]
                    decided.insert(line)
                    guard var outcome = outcomes[line] else { continue }
                    if persons >= 2 {
                        outcome.history[group] = .conflicting
                    } else if persons == 1 {
                        let person: String = row[4], cfg: Int = row[3]
                        if claimed.contains(person) {
                            outcome.history[group] = .duplicatePerson
                        } else {
                            outcome.person = person
                            outcome.group = group
                            outcome.configuration = cfg
                            configurations[cfg - 1].linked += 1
                            try db.execute(sql: "INSERT INTO temp.linked VALUES (?, ?, ?, ?)", arguments: [line, person, group, cfg])
                            try db.execute(sql: "INSERT INTO temp.linked_persons VALUES (?)", arguments: [person])
                        }
                    } else {
                        outcome.history[group] = shared ? .duplicatePerson : .multipleCandidates
                    }
                    outcomes[line] = outcome
                }
                for line in matchedLines where !decided.contains(line) { outcomes[line]?.history[group] = .multipleCandidates }
                for (line, o) in outcomes where o.person == nil && o.history[group] == nil { outcomes[line]?.history[group] = .noCandidate }
            }
        }
        let ordered = outcomes.values.sorted { $0.line < $1.line }.map { o in
            var o = o
            // The most telling reason over the groups: a line that was the unique match of a
            // person another line also claimed stays "duplicate person" even if looser groups
            // only saw several candidates.
            if o.person == nil { o.exclusion = o.history.values.max { $0.severity < $1.severity } }
            return o
        }
        return IndirectEngine.Linkage(outcomes: ordered, configurations: configurations)
    }
}
