import Foundation
import GRDB
import SNDSModel
import SNDSStore

/// The engine's first stage: the SNDS's candidate events of the rules' source, one row per event
/// in the TEMP table `candidates` of the dataset's connection, each criterion's discriminance
/// measured on them, and the plan (configurations per group, drop order) made from it.
///
/// It is `~Copyable` and ``load(_:profile:)`` consumes it: the TEMP tables a pool links in are
/// this value's, so one set of events feeds one pool, and a second load (which would replace the
/// tables under the first pool) does not compile.
public struct CandidateEvents: ~Copyable {
    /// What was measured on the events, kept by the run's summary once the events are gone.
    public struct Measurement: Sendable {
        public let rules: IndirectRules
        public let years: [Int]
        /// Events built.
        public let count: Int
        /// How well each criterion tells events apart, in the rules' order.
        public let discriminance: [IndirectEngine.Discriminance]
        public let plan: LinkagePlan
    }

    public let measured: Measurement
    public let database: SNDSDatabase
    /// The candidates' values as codes, kept for the uniqueness profile.
    let codes: ValueCodes

    public var rules: IndirectRules { measured.rules }
    public var years: [Int] { measured.years }
    public var count: Int { measured.count }
    public var discriminance: [IndirectEngine.Discriminance] { measured.discriminance }
    public var plan: LinkagePlan { measured.plan }

    /// Builds the candidate events and measures each criterion's discriminance.
    public init(rules: IndirectRules, database: SNDSDatabase, years: [Int]) throws {
        self.database = database
        let criteria = rules.criteria
        let coded: ValueCodes = try database.queue.inDatabase { db in
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            try CriterionValues.prepare(db)
            try db.execute(sql: "DROP TABLE IF EXISTS temp.candidates")
            try db.execute(
                sql: """
                    CREATE TEMP TABLE candidates (event INTEGER PRIMARY KEY, person TEXT NOT NULL, psa TEXT NOT NULL,
                    rank INTEGER NOT NULL\(criteria.indices.map { ", \(Self.value($0))" }.joined()))
                    """)
            let values = criteria.map { c in
                CriterionValues.sql("\(rules.events.alias(of: c.source.table)).\(c.source.column)", c.normalisation, c.comparison)
            }
            for select in try Self.eventSelects(rules, years: years, values: values, db) {
                try db.execute(
                    sql: "INSERT INTO temp.candidates (person, psa, rank\(criteria.indices.map { ", \(Self.value($0))" }.joined())) " + select)
            }
            // The person last: chance candidates are persons, and a person can hold many events
            // with the same values (a patient's sessions).
            return try ValueCodes(
                db, sql: "SELECT \(criteria.indices.map(Self.value).joined(separator: ", ")), person FROM temp.candidates",
                columns: criteria.count + 1)
        }
        codes = coded
        var measured: [IndirectEngine.Discriminance] = []
        let total = Double(max(coded.rows, 1))
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
            measured.append(
                IndirectEngine.Discriminance(
                    column: c.column, entropyBits: entropy.rounded(toPlaces: 3),
                    effectiveBits: effective.rounded(toPlaces: 3), distinctValues: counts.count - 1,
                    uniqueShare: (Double(unique) / total).rounded(toPlaces: 4),
                    missingShare: (Double(counts[0]) / total).rounded(toPlaces: 4)))
        }
        self.measured = Measurement(
            rules: rules, years: years, count: coded.rows, discriminance: measured,
            plan: LinkagePlan(rules: rules, entropy: measured.map(\.effectiveBits)))
    }

    /// The name of criterion `i`'s normalised value in the TEMP tables.
    static func value(_ i: Int) -> String { "v\(i)" }

    /// The SELECTs of the rules' events, one per year of the dataset whose tables are present,
    /// giving `person`, `psa`, `rank` then `values` (SQL over the event source's aliases), with the
    /// rules' filters applied. The engine's candidates and ``ComparisonExport`` both read these.
    static func eventSelects(_ rules: IndirectRules, years: [Int], values: [String], _ db: Database) throws -> [String] {
        let present = Set(try String.fetchAll(db, sql: "SELECT name FROM main.sqlite_master WHERE type = 'table'"))
        let conditions = rules.filters.map { f in
            let column = "upper(CAST(\(rules.events.alias(of: f.source.table)).\(f.source.column) AS TEXT))"
            return "("
                + f.prefixes.map { "substr(\(column), 1, \($0.count)) = '\($0.replacingOccurrences(of: "'", with: "''"))'" }
                .joined(separator: " OR ") + ")"
        }
        return years.compactMap { year in
            func real(_ table: String) -> String { table.replacingOccurrences(of: "aa", with: pad(year % 100, 2)) }
            guard rules.events.tables.allSatisfy({ present.contains(real($0)) }) else { return nil }
            return rules.events.select(year: year, values: values, conditions: conditions)
        }
    }

    /// The engine's second stage: every configuration of the plan with the share of events unique
    /// on it (the uniqueness profile), ready to record what the join makes of it.
    public func profile() -> UniquenessProfile {
        let total = Double(max(count, 1))
        return UniquenessProfile(
            configurations: plan.configurations.map { cfg in
                IndirectEngine.ConfigurationResult(
                    id: cfg.id, group: cfg.group, kept: cfg.kept.map { rules.criteria[$0].column },
                    dropped: cfg.dropped.map { rules.criteria[$0].column },
                    uniqueShare: (Double(codes.uniqueRows(keeping: cfg.kept)) / total).rounded(toPlaces: 4),
                    index: indexColumns(compared: cfg.kept).map { rules.criteria[$0].column })
            })
    }

    /// The engine's third stage: the cohort's valid lines loaded and normalised by the same SQL as
    /// the events, against these events, whose `profile` the pool records the join's counts in.
    public consuming func load(_ cohort: IndirectCohort, profile: UniquenessProfile) throws -> LinkagePool {
        let criteria = rules.criteria
        try database.queue.inDatabase { db in
            try CriterionValues.prepare(db)
            for table in ["cohort_raw", "cohort", "matches", "linked", "linked_persons"] {
                try db.execute(sql: "DROP TABLE IF EXISTS temp.\(table)")
            }
            try db.execute(
                sql: "CREATE TEMP TABLE cohort_raw (line INTEGER PRIMARY KEY, ns TEXT NOT NULL\(criteria.indices.map { ", r\($0) TEXT" }.joined()))")
            let insert = try db.makeStatement(sql: "INSERT INTO temp.cohort_raw VALUES (?, ?\(String(repeating: ", ?", count: criteria.count)))")
            for s in cohort.subjects {
                let values: [DatabaseValue] = [s.line.databaseValue, s.ns.databaseValue] + s.values.map { $0?.databaseValue ?? .null }
                try insert.execute(arguments: StatementArguments(values))
            }
            // Value columns without a declared type, like the candidates': a typed column (as
            // CREATE TABLE … AS SELECT CAST(…) would make) compares with numeric affinity, and an
            // index on an untyped column cannot serve that comparison — the join would scan.
            try db.execute(
                sql: "CREATE TEMP TABLE cohort (line INTEGER PRIMARY KEY, ns TEXT NOT NULL\(criteria.indices.map { ", \(Self.value($0))" }.joined()))"
            )
            try db.execute(
                sql: """
                    INSERT INTO temp.cohort SELECT line, ns\(criteria.enumerated().map { i, c in
                    ", \(CriterionValues.sql("r\(i)", c.normalisation, c.comparison))" }.joined())
                    FROM temp.cohort_raw ORDER BY line
                    """)
            try db.execute(
                sql: """
                    CREATE TEMP TABLE matches (grp INTEGER NOT NULL, cfg INTEGER NOT NULL, line INTEGER NOT NULL, person TEXT NOT NULL);
                    CREATE INDEX temp.matches_line ON matches (grp, cfg, line);
                    CREATE INDEX temp.matches_person ON matches (grp, cfg, person);
                    CREATE TEMP TABLE linked (line INTEGER PRIMARY KEY, person TEXT NOT NULL, grp INTEGER NOT NULL, cfg INTEGER NOT NULL);
                    CREATE TEMP TABLE linked_persons (person TEXT PRIMARY KEY);
                    """)
        }
        return LinkagePool(events: self, configurations: profile.configurations)
    }

    /// Events unique on a configuration, counted by SQL's GROUP BY (the reference the in-memory
    /// count is tested against).
    func uniqueEventsBySQL(_ cfg: LinkagePlan.Configuration) throws -> Int {
        try database.queue.inDatabase { db in
            let columns = cfg.kept.map(Self.value).joined(separator: ", ")
            return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM temp.candidates GROUP BY \(columns) HAVING COUNT(*) = 1)") ?? 0
        }
    }

    /// Events unique on a configuration, counted in memory.
    func uniqueEvents(_ cfg: LinkagePlan.Configuration) -> Int { codes.uniqueRows(keeping: cfg.kept) }

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

    func indexName(_ columns: [Int]) -> String { "candidates_" + columns.map(String.init).joined(separator: "_") }

    /// The join of one configuration (matches of the pool's lines with the pool's persons).
    public func joinSQL(_ cfg: LinkagePlan.Configuration) -> String { joinSQL(compared: cfg.kept, missing: []) }

    /// The join of the pool's lines that leave exactly `missing` of a configuration's criteria
    /// empty, on the others (`compared`), probing the index on the most discriminant of those.
    func joinSQL(compared: [Int], missing: [Int]) -> String {
        let conditions = compared.map { i -> String in
            let v = Self.value(i)
            if case .withinDays(let d) = rules.criteria[i].comparison {
                return "ca.\(v) BETWEEN co.\(v) - \(d) AND co.\(v) + \(d)"
            }
            return "ca.\(v) = co.\(v)"
        }
        return """
            SELECT DISTINCT co.line, ca.person
            FROM temp.cohort co CROSS JOIN temp.candidates AS ca INDEXED BY \(indexName(indexColumns(compared: compared)))
            WHERE \((conditions + missing.map { "co.\(Self.value($0)) IS NULL" }).joined(separator: " AND "))
              AND NOT EXISTS (SELECT 1 FROM temp.linked l WHERE l.line = co.line)
              AND NOT EXISTS (SELECT 1 FROM temp.linked_persons p WHERE p.person = ca.person)
            """
    }

    func createIndex(compared: [Int], _ db: Database) throws {
        let columns = indexColumns(compared: compared)
        try db.execute(
            sql: "CREATE INDEX IF NOT EXISTS temp.\(indexName(columns)) ON candidates (\(columns.map(Self.value).joined(separator: ", ")))")
    }

    /// Every pseudonym (BEN_NIR_PSA, BEN_RNG_GEM) of the linked persons, in IR_BEN_R.
    public static func pseudonyms(of persons: Set<String>, in database: SNDSDatabase) throws -> [String: [(psa: String, rank: Int)]] {
        try database.queue.inDatabase { db in
            var out: [String: [(psa: String, rank: Int)]] = [:]
            let statement = try db.makeStatement(
                sql: "SELECT BEN_NIR_PSA, BEN_RNG_GEM FROM main.IR_BEN_R WHERE BEN_IDT_ANO = ? ORDER BY BEN_NIR_PSA, BEN_RNG_GEM")
            for person in persons.sorted() {
                for row in try Row.fetchAll(statement, arguments: [person]) {
                    out[person, default: []].append((row[0], row[1]))
                }
            }
            return out
        }
    }
}

/// The uniqueness profile of a plan's configurations: made only by ``CandidateEvents/profile()``, so
/// a pool is always given the configurations of its own plan, in its order (a configuration's id is
/// its place in it).
public struct UniquenessProfile: Sendable {
    /// The plan's configurations, each with the share of events unique on it.
    public let configurations: [IndirectEngine.ConfigurationResult]

    fileprivate init(configurations: [IndirectEngine.ConfigurationResult]) { self.configurations = configurations }
}
