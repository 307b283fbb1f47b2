import Foundation
import GRDB
import SNDSModel
import SNDSStore

/// The indirect-linkage engine: joins the cohort with the SNDS's candidate events in SQL, group by
/// group, and keeps only links unique both ways.
///
/// Everything runs in the read-only connection to the dataset, in TEMP tables (in memory):
/// `candidates` (one row per event: person, pseudonym, rank, one normalised value per criterion),
/// `cohort` (one row per valid line, normalised by the same SQL), `matches` (pairs line × person
/// per configuration), `linked` and `linked_persons` (what has left the pool). Each configuration
/// is one INSERT … SELECT that walks the cohort and probes `candidates` through an index on that
/// configuration's most discriminant columns (forced with INDEXED BY, so a plan can never fall
/// back to scanning the events).
public final class IndirectEngine {
    /// Why a line was not linked.
    public enum Exclusion: String, Sendable, Codable, CaseIterable {
        /// No event matches the line in any configuration tried.
        case noCandidate = "no_candidate"
        /// Events of several persons match in every configuration where any matches.
        case multipleCandidates = "multiple_candidates"
        /// Unique matches to different persons under two configurations of one group.
        case conflicting
        /// The line's unique person is also matched by another line.
        case duplicatePerson = "duplicate_person"

        /// Which reason names a line's exclusion when groups disagree: a conflict or a person claimed
        /// twice says more than several candidates, which says more than none.
        public var severity: Int {
            switch self {
            case .noCandidate: 0
            case .multipleCandidates: 1
            case .duplicatePerson: 2
            case .conflicting: 3
            }
        }
    }

    /// How well a criterion tells events apart, measured on the SNDS side.
    public struct Discriminance: Sendable, Codable, Equatable {
        public let column: String
        /// Shannon entropy of its normalised values over the events, in bits.
        public let entropyBits: Double
        /// The entropy left once the comparison's tolerance is counted: a date compared within ±d
        /// days cannot tell apart about 2d + 1 neighbouring days, so log2(2d + 1) bits are taken
        /// off (a prefix comparison is already measured on the prefix). `auto` orders by this.
        public let effectiveBits: Double
        public let distinctValues: Int
        /// Share of events whose value no other event has.
        public let uniqueShare: Double
        /// Share of events without a value.
        public let missingShare: Double
    }

    public struct ConfigurationResult: Sendable, Codable, Equatable {
        public let id: Int
        public let group: Int
        public let kept: [String]
        public let dropped: [String]
        /// Share of SNDS events unique on this combination of values (exact values, tolerances aside).
        public var uniqueShare: Double
        /// The index the join probes.
        public let index: [String]
        /// Lines with at least one match, and links first made under this configuration.
        public var linesMatched = 0
        public var linked = 0
    }

    public struct Outcome: Sendable {
        public let line: Int
        public let ns: String
        /// The person linked (BEN_IDT_ANO), with the group and configuration of the link.
        public var person: String?
        public var group: Int?
        public var configuration: Int?
        /// Why not linked: the most telling reason over the groups tried (see ``Exclusion/severity``).
        public var exclusion: Exclusion?
        /// Per group tried: the reason the line stayed out.
        public var history: [Int: Exclusion] = [:]
    }

    public let rules: IndirectRules
    public let database: SNDSDatabase
    public let years: [Int]
    public private(set) var candidateCount = 0
    public private(set) var discriminance: [Discriminance] = []
    public private(set) var plan: LinkagePlan?
    public private(set) var configurations: [ConfigurationResult] = []
    /// The candidates' values as codes, kept for the uniqueness profile.
    private var codes: ValueCodes?

    public init(rules: IndirectRules, database: SNDSDatabase, years: [Int]) {
        self.rules = rules
        self.database = database
        self.years = years
    }

    private func value(_ i: Int) -> String { "v\(i)" }

    /// Builds the candidate events and measures each criterion's discriminance.
    public func prepareCandidates() throws {
        let criteria = rules.criteria
        try database.queue.inDatabase { db in
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try CriterionValues.prepare(db)
            try db.execute(sql: "DROP TABLE IF EXISTS temp.candidates")
            try db.execute(sql: """
                CREATE TEMP TABLE candidates (event INTEGER PRIMARY KEY, person TEXT NOT NULL, psa TEXT NOT NULL,
                rank INTEGER NOT NULL\(criteria.indices.map { ", \(value($0))" }.joined()))
                """)
            let values = criteria.map { c in
                CriterionValues.sql("\(rules.events.alias(of: c.source.table)).\(c.source.column)", c.normalisation, c.comparison)
            }
            for select in try Self.eventSelects(rules, years: years, values: values, db) {
                try db.execute(sql: "INSERT INTO temp.candidates (person, psa, rank\(criteria.indices.map { ", \(value($0))" }.joined())) " + select)
            }
            let coded = try ValueCodes(db, sql: "SELECT \(criteria.indices.map(value).joined(separator: ", ")) FROM temp.candidates",
                                       columns: criteria.count)
            codes = coded
            candidateCount = coded.rows
            var measured: [Discriminance] = []
            let total = Double(max(candidateCount, 1))
            for (i, c) in criteria.enumerated() {
                let counts = coded.frequencies[i]
                var entropy = 0.0, unique = 0
                for n in counts.dropFirst() where n > 0 {
                    if n == 1 { unique += 1 }
                    let p = Double(n) / total
                    entropy -= p * log2(p)
                }
                var effective = entropy
                if case .withinDays(let d) = c.comparison { effective = max(0, entropy - log2(Double(2 * d + 1))) }
                measured.append(Discriminance(column: c.column, entropyBits: entropy.rounded(toPlaces: 3),
                                              effectiveBits: effective.rounded(toPlaces: 3), distinctValues: counts.count - 1,
                                              uniqueShare: (Double(unique) / total).rounded(toPlaces: 4),
                                              missingShare: (Double(counts[0]) / total).rounded(toPlaces: 4)))
            }
            discriminance = measured
        }
        let plan = LinkagePlan(rules: rules, entropy: discriminance.map(\.effectiveBits))
        self.plan = plan
        configurations = plan.configurations.map { cfg in
            ConfigurationResult(id: cfg.id, group: cfg.group, kept: cfg.kept.map { criteria[$0].column },
                                dropped: cfg.dropped.map { criteria[$0].column }, uniqueShare: 0,
                                index: indexColumns(cfg).map { criteria[$0].column })
        }
    }

    /// The SELECTs of the rules' events, one per year of the dataset whose tables are present,
    /// giving `person`, `psa`, `rank` then `values` (SQL over the event source's aliases), with the
    /// rules' filters applied. The engine's candidates and ``ComparisonExport`` both read these.
    static func eventSelects(_ rules: IndirectRules, years: [Int], values: [String], _ db: Database) throws -> [String] {
        let present = Set(try String.fetchAll(db, sql: "SELECT name FROM main.sqlite_master WHERE type = 'table'"))
        let conditions = rules.filters.map { f in
            let column = "upper(CAST(\(rules.events.alias(of: f.source.table)).\(f.source.column) AS TEXT))"
            return "(" + f.prefixes.map { "substr(\(column), 1, \($0.count)) = '\($0.replacingOccurrences(of: "'", with: "''"))'" }
                .joined(separator: " OR ") + ")"
        }
        return years.compactMap { year in
            func real(_ table: String) -> String { table.replacingOccurrences(of: "aa", with: pad(year % 100, 2)) }
            guard rules.events.tables.allSatisfy({ present.contains(real($0)) }) else { return nil }
            return rules.events.select(year: year, values: values, conditions: conditions)
        }
    }

    /// The uniqueness profile: for each configuration, the share of events unique on it.
    public func profileConfigurations() throws {
        guard let plan, let codes else { return }
        let total = Double(max(candidateCount, 1))
        for (k, cfg) in plan.configurations.enumerated() {
            configurations[k].uniqueShare = (Double(codes.uniqueRows(keeping: cfg.kept)) / total).rounded(toPlaces: 4)
        }
    }

    /// Events unique on a configuration, counted by SQL's GROUP BY (the reference the in-memory
    /// count is tested against).
    func uniqueEventsBySQL(_ cfg: LinkagePlan.Configuration) throws -> Int {
        try database.queue.inDatabase { db in
            let columns = cfg.kept.map(value).joined(separator: ", ")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM temp.candidates GROUP BY \(columns) HAVING COUNT(*) = 1)") ?? 0
        }
    }

    /// Events unique on a configuration, counted in memory.
    func uniqueEvents(_ cfg: LinkagePlan.Configuration) -> Int { codes?.uniqueRows(keeping: cfg.kept) ?? 0 }

    /// The columns of the index a configuration's join probes: its two most discriminant exact
    /// criteria, then its most discriminant date tolerance (a range scan on the last column), or a
    /// third exact criterion.
    func indexColumns(_ cfg: LinkagePlan.Configuration) -> [Int] { indexColumns(compared: cfg.kept) }

    func indexColumns(compared: [Int]) -> [Int] {
        let entropy = discriminance.map(\.effectiveBits)
        func byEntropy(_ a: Int, _ b: Int) -> Bool { (entropy[a], b) > (entropy[b], a) }
        let exact = compared.filter { if case .withinDays = rules.criteria[$0].comparison { false } else { true } }.sorted(by: byEntropy)
        let ranges = compared.filter { if case .withinDays = rules.criteria[$0].comparison { true } else { false } }.sorted(by: byEntropy)
        var columns = Array(exact.prefix(2))
        if let r = ranges.first { columns.append(r) } else if exact.count > 2 { columns.append(exact[2]) }
        return columns
    }

    private func indexName(_ columns: [Int]) -> String { "candidates_" + columns.map(String.init).joined(separator: "_") }

    /// The join of one configuration (matches of the pool's lines with the pool's persons).
    public func joinSQL(_ cfg: LinkagePlan.Configuration) -> String { joinSQL(compared: cfg.kept, missing: []) }

    /// The join of the pool's lines that leave exactly `missing` of a configuration's criteria
    /// empty, on the others (`compared`), probing the index on the most discriminant of those.
    func joinSQL(compared: [Int], missing: [Int]) -> String {
        let conditions = compared.map { i -> String in
            let v = value(i)
            if case .withinDays(let d) = rules.criteria[i].comparison {
                return "ca.\(v) BETWEEN co.\(v) - \(d) AND co.\(v) + \(d)"
            }
            return "ca.\(v) = co.\(v)"
        }
        return """
            SELECT DISTINCT co.line, ca.person
            FROM temp.cohort co CROSS JOIN temp.candidates AS ca INDEXED BY \(indexName(indexColumns(compared: compared)))
            WHERE \((conditions + missing.map { "co.\(value($0)) IS NULL" }).joined(separator: " AND "))
              AND NOT EXISTS (SELECT 1 FROM temp.linked l WHERE l.line = co.line)
              AND NOT EXISTS (SELECT 1 FROM temp.linked_persons p WHERE p.person = ca.person)
            """
    }

    /// SQLite's plan for a configuration's join (one line per step), for tests and benchmarks.
    public func queryPlan(_ cfg: LinkagePlan.Configuration) throws -> [String] {
        try database.queue.inDatabase { db in
            try createIndex(cfg, db)
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + joinSQL(cfg)).map { $0["detail"] as String }
        }
    }

    /// SQLite's plans for every join a configuration makes on the loaded cohort: one per set of
    /// criteria its lines leave empty (see ``joins(_:_:)``), with that set.
    public func queryPlans(_ cfg: LinkagePlan.Configuration) throws -> [(missing: [String], plan: [String])] {
        try database.queue.inDatabase { db in
            try joins(cfg, db).map { join in
                try createIndex(compared: join.compared, db)
                let plan = try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + joinSQL(compared: join.compared, missing: join.missing))
                return (join.missing.map { rules.criteria[$0].column }, plan.map { $0["detail"] as String })
            }
        }
    }

    private func createIndex(_ cfg: LinkagePlan.Configuration, _ db: Database) throws { try createIndex(compared: cfg.kept, db) }

    private func createIndex(compared: [Int], _ db: Database) throws {
        let columns = indexColumns(compared: compared)
        try db.execute(sql: "CREATE INDEX IF NOT EXISTS temp.\(indexName(columns)) ON candidates (\(columns.map(value).joined(separator: ", ")))")
    }

    /// Loads the cohort's valid lines, normalised by the same SQL as the events.
    public func loadCohort(_ cohort: IndirectCohort) throws {
        let criteria = rules.criteria
        try database.queue.inDatabase { db in
            try CriterionValues.prepare(db)
            for table in ["cohort_raw", "cohort", "matches", "linked", "linked_persons"] {
                try db.execute(sql: "DROP TABLE IF EXISTS temp.\(table)")
            }
            try db.execute(sql: "CREATE TEMP TABLE cohort_raw (line INTEGER PRIMARY KEY, ns TEXT NOT NULL\(criteria.indices.map { ", r\($0) TEXT" }.joined()))")
            let insert = try db.makeStatement(sql: "INSERT INTO temp.cohort_raw VALUES (?, ?\(String(repeating: ", ?", count: criteria.count)))")
            for s in cohort.subjects {
                let values: [DatabaseValue] = [s.line.databaseValue, s.ns.databaseValue] + s.values.map { $0?.databaseValue ?? .null }
                try insert.execute(arguments: StatementArguments(values))
            }
            // Value columns without a declared type, like the candidates': a typed column (as
            // CREATE TABLE … AS SELECT CAST(…) would make) compares with numeric affinity, and an
            // index on an untyped column cannot serve that comparison — the join would scan.
            try db.execute(sql: "CREATE TEMP TABLE cohort (line INTEGER PRIMARY KEY, ns TEXT NOT NULL\(criteria.indices.map { ", \(value($0))" }.joined()))")
            try db.execute(sql: """
                INSERT INTO temp.cohort SELECT line, ns\(criteria.enumerated().map { i, c in
                    ", \(CriterionValues.sql("r\(i)", c.normalisation, c.comparison))" }.joined())
                FROM temp.cohort_raw ORDER BY line
                """)
            try db.execute(sql: """
                CREATE TEMP TABLE matches (grp INTEGER NOT NULL, cfg INTEGER NOT NULL, line INTEGER NOT NULL, person TEXT NOT NULL);
                CREATE INDEX temp.matches_line ON matches (grp, cfg, line);
                CREATE INDEX temp.matches_person ON matches (grp, cfg, person);
                CREATE TEMP TABLE linked (line INTEGER PRIMARY KEY, person TEXT NOT NULL, grp INTEGER NOT NULL, cfg INTEGER NOT NULL);
                CREATE TEMP TABLE linked_persons (person TEXT PRIMARY KEY);
                """)
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
        let mask = skippable.enumerated().map { k, i in "((co.\(value(i)) IS NULL) << \(k))" }.joined(separator: " | ")
        let masks = try Int.fetchAll(db, sql: """
            SELECT DISTINCT \(mask) FROM temp.cohort co WHERE NOT EXISTS (SELECT 1 FROM temp.linked l WHERE l.line = co.line)
            """)
        return masks.sorted().compactMap { m in
            let missing = skippable.enumerated().filter { m & (1 << $0.offset) != 0 }.map(\.element)
            let compared = cfg.kept.filter { !missing.contains($0) }
            return missing.count <= limit && !compared.isEmpty ? (compared, missing) : nil
        }
    }

    /// Runs every group and returns one outcome per valid line, in line order.
    public func link(progress: (String) -> Void = { _ in }) throws -> [Outcome] {
        guard let plan else { return [] }
        var outcomes: [Int: Outcome] = [:]
        try database.queue.inDatabase { db in
            for row in try Row.fetchAll(db, sql: "SELECT line, ns FROM temp.cohort ORDER BY line") {
                outcomes[row[0]] = Outcome(line: row[0], ns: row[1])
            }
        }
        for group in plan.groups {
            let inGroup = plan.configurations.filter { $0.group == group }
            try database.queue.inDatabase { db in
                for cfg in inGroup {
                    progress("group \(group), configuration \(cfg.id) of \(plan.configurations.count)")
                    for join in try joins(cfg, db) {
                        try createIndex(compared: join.compared, db)
                        try db.execute(sql: "INSERT INTO temp.matches (grp, cfg, line, person) SELECT \(group), \(cfg.id), line, person FROM (\(joinSQL(compared: join.compared, missing: join.missing)))")
                    }
                    configurations[cfg.id - 1].linesMatched = try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT line) FROM temp.matches WHERE grp = ? AND cfg = ?", arguments: [group, cfg.id]) ?? 0
                }
                // Pairs unique on the line's side in a configuration, with how many lines match the person there.
                try db.execute(sql: "DROP TABLE IF EXISTS temp.pairs")
                try db.execute(sql: """
                    CREATE TEMP TABLE pairs AS
                    SELECT m.cfg, m.line, m.person, (SELECT COUNT(*) FROM temp.matches x WHERE x.grp = m.grp AND x.cfg = m.cfg AND x.person = m.person) AS person_lines
                    FROM temp.matches m
                    WHERE m.grp = ? AND (SELECT COUNT(*) FROM temp.matches y WHERE y.grp = m.grp AND y.cfg = m.cfg AND y.line = m.line) = 1
                    """, arguments: [group])
                // Persons uniquely matched by more than one line across the group's configurations.
                let claimed = Set(try String.fetchAll(db, sql: "SELECT person FROM temp.pairs WHERE person_lines = 1 GROUP BY person HAVING COUNT(DISTINCT line) > 1"))
                let perLine = try Row.fetchAll(db, sql: """
                    SELECT line, COUNT(DISTINCT CASE WHEN person_lines = 1 THEN person END), MAX(person_lines > 1),
                           MIN(CASE WHEN person_lines = 1 THEN cfg END), MIN(CASE WHEN person_lines = 1 THEN person END)
                    FROM temp.pairs GROUP BY line
                    """)
                let matchedLines = Set(try Int.fetchAll(db, sql: "SELECT DISTINCT line FROM temp.matches WHERE grp = ?", arguments: [group]))
                var decided = Set<Int>()
                for row in perLine {
                    let line: Int = row[0], persons: Int = row[1], shared: Bool = row[2]
                    decided.insert(line)
                    if persons >= 2 {
                        outcomes[line]!.history[group] = .conflicting
                    } else if persons == 1 {
                        let person: String = row[4], cfg: Int = row[3]
                        if claimed.contains(person) {
                            outcomes[line]!.history[group] = .duplicatePerson
                        } else {
                            outcomes[line]!.person = person
                            outcomes[line]!.group = group
                            outcomes[line]!.configuration = cfg
                            configurations[cfg - 1].linked += 1
                            try db.execute(sql: "INSERT INTO temp.linked VALUES (?, ?, ?, ?)", arguments: [line, person, group, cfg])
                            try db.execute(sql: "INSERT INTO temp.linked_persons VALUES (?)", arguments: [person])
                        }
                    } else {
                        outcomes[line]!.history[group] = shared ? .duplicatePerson : .multipleCandidates
                    }
                }
                for line in matchedLines where !decided.contains(line) { outcomes[line]!.history[group] = .multipleCandidates }
                for (line, o) in outcomes where o.person == nil && o.history[group] == nil { outcomes[line]!.history[group] = .noCandidate }
            }
        }
        return outcomes.values.sorted { $0.line < $1.line }.map { o in
            var o = o
            // The most telling reason over the groups: a line that was the unique match of a
            // person another line also claimed stays "duplicate person" even if looser groups
            // only saw several candidates.
            if o.person == nil { o.exclusion = o.history.values.max { $0.severity < $1.severity } }
            return o
        }
    }

    /// Every pseudonym (BEN_NIR_PSA, BEN_RNG_GEM) of the linked persons.
    public func pseudonyms(of persons: Set<String>) throws -> [String: [(psa: String, rank: Int)]] {
        try database.queue.inDatabase { db in
            var out: [String: [(psa: String, rank: Int)]] = [:]
            let statement = try db.makeStatement(sql: "SELECT BEN_NIR_PSA, BEN_RNG_GEM FROM main.IR_BEN_R WHERE BEN_IDT_ANO = ? ORDER BY BEN_NIR_PSA, BEN_RNG_GEM")
            for person in persons.sorted() {
                for row in try Row.fetchAll(statement, arguments: [person]) {
                    out[person, default: []].append((row[0], row[1]))
                }
            }
            return out
        }
    }
}
