import Foundation
import GRDB
import SNDSModel
import SNDSStore
import Synthesis
import TestSupport
import Testing

@testable import Linkage

/// Indirect linkage on generated registry cohorts whose truth comes from the stays they were drawn
/// from: the ≥ 90 % rule and the precision targets on the default scenario, every exclusion reason,
/// group 1 untouched by later groups, identical results across runs, and joins that probe indexes.
@Suite struct IndirectLinkageTests {
    let f: IndirectFixture
    init() throws { f = try IndirectFixture.shared.get() }

    @Test func theDefaultScenarioMeetsTheTargets() throws {
        let e = f.evaluation
        #expect(e.lines == 800)
        #expect(f.summary.counts.foundRate >= 0.90, "found \(f.summary.counts.foundRate)")
        #expect(f.summary.verdict == .success)
        #expect((e.precision ?? 0) >= 0.98, "precision \(e.precision ?? 0)")
        let group1 = try #require(e.byGroup["1"])
        #expect(group1.linked > 500)
        #expect((group1.precision ?? 0) >= 0.995, "group 1 precision \(group1.precision ?? 0)")
        // Defects that dropping a criterion absorbs are found in group 2; the weighted group
        // comes after the CNAM groups.
        #expect(f.summary.groups.count == 3)
        #expect(f.summary.groups[1].linked > 0)
        #expect(f.summary.groups[2].weighted == true && f.summary.groups.prefix(2).allSatisfy { $0.weighted == nil })
    }

    @Test func countsReconcileAndRatesAddUp() {
        let c = f.summary.counts
        #expect(c.submitted == c.rejected + c.found + c.excluded)
        #expect(c.found == f.summary.groups.map(\.linked).reduce(0, +))
        #expect(f.summary.groups.last?.cumulative == c.found)
        #expect(f.summary.excludedByReason.values.reduce(0, +) == c.excluded)
        // The weighted group's links have no configuration.
        let weighted = f.summary.groups.filter { $0.weighted == true }.map(\.linked).reduce(0, +)
        #expect(f.summary.configurations.map(\.linked).reduce(0, +) == c.found - weighted)
    }

    @Test func theLeastDiscriminantCriterionIsDroppedFirst() throws {
        let entropy = Dictionary(uniqueKeysWithValues: f.summary.discriminance.map { ($0.column, $0.effectiveBits) })
        let order = f.summary.dropOrder
        #expect(order.count == 9)
        for (a, b) in zip(order, order.dropFirst()) { #expect(entropy[a]! <= entropy[b]!, "\(a) before \(b)") }
        // Sex (about 1 bit) tells events apart less than the entry date (about 9 bits, less the
        // log2(5) bits its ±2-day tolerance blurs).
        #expect(entropy["SEXE"]! < 1.1)
        let date = try #require(f.summary.discriminance.first { $0.column == "DATE_ENTREE" })
        #expect(date.entropyBits > 7)
        #expect(abs(date.effectiveBits - (date.entropyBits - log2(5))) < 0.01)
        let group2 = f.summary.configurations.filter { $0.group == 2 }
        #expect(group2.first?.dropped == [order[0]])
        #expect(f.summary.configurations.allSatisfy { (0...1).contains($0.uniqueShare) })
    }

    @Test func resultsAreIdenticalAcrossRuns() throws {
        let again = f.folder.deletingLastPathComponent().appendingPathComponent("again")
        try IndirectFixture.link(f.cohortFile, rules: IndirectFixture.defaultRules, dataset: f.dataset, to: again)
        for name in ["results.csv", "rejects.csv"] {
            #expect(try Data(contentsOf: again.appendingPathComponent(name)) == Data(contentsOf: f.folder.appendingPathComponent(name)))
        }
        let first = try RunCorrespondence.read(in: f.folder, key: f.dataset.key).map { "\($0.ns) \($0.benNirPsa) \($0.rank)" }
        let second = try RunCorrespondence.read(in: again, key: f.dataset.key).map { "\($0.ns) \($0.benNirPsa) \($0.rank)" }
        #expect(first == second)
        #expect(!first.isEmpty)
    }

    /// Later groups only add links: a line linked in group 1 with every criterion (or in group 2
    /// with one dropped) is linked to the same person whether or not more criteria may be dropped
    /// afterwards.
    @Test func droppingCriteriaNeverChangesAnEarlierLink() throws {
        let folder = f.folder.deletingLastPathComponent()
        func run(maxDropped: Int) throws -> [Int: (status: String, reason: String, group: Int?, person: String?)] {
            let text = try IndirectFixture.defaultRulesText(maxDropped: maxDropped)
            let rules = try IndirectFixture.rulesFile(text, in: folder, name: "max\(maxDropped)")
            let summary = try IndirectFixture.link(
                f.cohortFile, rules: rules, dataset: f.dataset, to: folder.appendingPathComponent("max\(maxDropped)-run"))
            #expect(summary.groups.filter { $0.weighted == nil }.count == maxDropped + 1)
            return try IndirectFixture.outcomes(of: folder.appendingPathComponent("max\(maxDropped)-run"), key: f.dataset.key)
        }
        let none = try run(maxDropped: 0), one = try IndirectFixture.outcomes(of: f.folder, key: f.dataset.key), two = try run(maxDropped: 2)
        let truth = Dictionary(uniqueKeysWithValues: f.truth.entries.map { ($0.line, $0.benIdtAno) })
        var rightInGroup1 = 0
        // The CNAM groups' links (the weighted group, last, may take more lines in one run than in
        // another: it comes after different groups).
        for (line, o) in none where o.status == "found" && o.group == 1 {
            #expect(one[line]?.group == 1 && one[line]?.person == o.person)
            #expect(two[line]?.group == 1 && two[line]?.person == o.person)
            if o.person == truth[line] ?? nil { rightInGroup1 += 1 }
        }
        #expect(rightInGroup1 > 500)
        for (line, o) in one where o.group == 2 {
            #expect(two[line]?.group == 2 && two[line]?.person == o.person)
        }
        // Group 3 at work, whatever the data: lines linked in group 1, given two wrong criteria (the
        // sex and the scheme, the first two of the drop order), are found in group 3 — to the same
        // person — and nothing linked before moves.
        let text = try String(contentsOf: f.cohortFile, encoding: .utf8)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0].split(separator: ";").map(String.init)
        let sex = try #require(header.firstIndex(of: "SEXE")), scheme = try #require(header.firstIndex(of: "REGIME"))
        let flipped = ["M": "F", "F": "M", "H": "F", "1": "2", "2": "1"]
        var damaged: [Int] = []
        for (line, o) in one.sorted(by: { $0.key < $1.key }) where o.group == 1 && damaged.count < 5 {
            var cells = lines[line - 1].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
            guard cells.count == header.count, let other = flipped[cells[sex]] else { continue }
            cells[sex] = other
            cells[scheme] = cells[scheme] == "01" ? "02" : "01"
            lines[line - 1] = cells.joined(separator: ";")
            damaged.append(line)
        }
        #expect(damaged.count == 5)
        let crafted = folder.appendingPathComponent("two-wrong-criteria.csv")
        try lines.joined(separator: "\n").write(to: crafted, atomically: true, encoding: .utf8)
        let rules = try IndirectFixture.rulesFile(try IndirectFixture.defaultRulesText(maxDropped: 2), in: folder, name: "max2-crafted")
        try IndirectFixture.link(crafted, rules: rules, dataset: f.dataset, to: folder.appendingPathComponent("crafted-run"))
        let three = try IndirectFixture.outcomes(of: folder.appendingPathComponent("crafted-run"), key: f.dataset.key)
        for line in damaged {
            #expect(three[line]?.group == 3 && three[line]?.person == one[line]?.person, "line \(line): \(String(describing: three[line]))")
        }
    }

    @Test func theTruthSaysWhereEachDefectLands() {
        // Clean lines and lines whose defects a tolerance or a dropped criterion absorbs are found.
        for defect in ["none", "date_shift", "icd_other_level", "icd_neighbour", "birth_month_missing", "moved", "legal_finess"] {
            let outcomes = f.evaluation.byDefect[defect] ?? [:]
            let total = outcomes.values.reduce(0, +)
            #expect(total > 0, "\(defect) not exercised")
            #expect(Double(outcomes["found"] ?? 0) >= 0.85 * Double(total), "\(defect): \(outcomes)")
        }
        // People the SNDS does not cover are excluded (no candidate), never found as themselves.
        let absent = f.evaluation.byDefect["absent_from_snds"] ?? [:]
        #expect(absent.values.reduce(0, +) > 0)
        #expect((absent["excluded"] ?? 0) >= absent.values.reduce(0, +) - 1)
    }

    /// Every join is an index probe on the candidate events, never a scan of them.
    @Test func everyConfigurationProbesAnIndex() throws {
        let database = try f.dataset.open()
        defer { try? database.close() }
        // Two criteria may be dropped: every configuration of three groups.
        let rules = try IndirectRules.parse(
            IndirectFixture.defaultRulesText(maxDropped: 2), path: "max2.yml",
            reference: IndirectFixture.reference)
        let events = try CandidateEvents(rules: rules, database: database, years: f.dataset.manifest.years)
        let cohort = try IndirectCohort(file: CohortFile(url: f.cohortFile, columns: rules.cohortColumns), rules: rules)
        let plan = events.plan
        let profile = events.profile()
        let pool = try events.load(cohort, profile: profile)
        #expect(plan.configurations.count == 46)
        var patterns = 0
        for cfg in plan.configurations {
            let steps = try pool.queryPlan(cfg)
            #expect(steps.contains { $0.hasPrefix("SEARCH ca USING INDEX candidates_") }, "configuration \(cfg.id): \(steps)")
            #expect(!steps.contains { $0.hasPrefix("SCAN ca") }, "configuration \(cfg.id): \(steps)")
            // The joins of lines leaving a criterion empty probe an index on what they compare.
            for (missing, steps) in try pool.queryPlans(cfg) {
                if !missing.isEmpty { patterns += 1 }
                #expect(steps.contains { $0.hasPrefix("SEARCH ca USING INDEX candidates_") }, "configuration \(cfg.id), \(missing) empty: \(steps)")
                #expect(!steps.contains { $0.hasPrefix("SCAN ca") }, "configuration \(cfg.id), \(missing) empty: \(steps)")
            }
        }
        // The cohort has lines without a birth month: their joins were checked too.
        #expect(patterns > 0)
    }

    /// An empty birth month is not a disagreement: lines whose only defect is that empty month are
    /// found, nine in ten or more in group 1 on the eight other criteria (results.csv says so), all
    /// to the right person;
    /// with `max_missing: 0` they wait for the configuration that drops the month.
    @Test func anEmptyValueIsNotComparedUnlessTheRulesSaySo() throws {
        let monthOnly = Set(f.truth.entries.filter { $0.defect == "birth_month_missing" }.map(\.line))
        #expect(monthOnly.count >= 10)
        let truth = Dictionary(uniqueKeysWithValues: f.truth.entries.map { ($0.line, $0.benIdtAno) })
        let outcomes = try IndirectFixture.outcomes(of: f.folder, key: f.dataset.key)
        var reader = DelimitedReader(bytes: [UInt8](try Data(contentsOf: f.folder.appendingPathComponent("results.csv"))))
        _ = try reader.next()
        var criteria: [Int: String] = [:]
        while let r = try reader.next() { criteria[Int(r.fields[0])!] = r.fields[6] }
        let found = monthOnly.filter { outcomes[$0]?.status == "found" }
        #expect(Double(found.count) >= 0.9 * Double(monthOnly.count), "\(found.count) of \(monthOnly.count)")
        // Every one goes to its own person; nine in ten or more in group 1, on the eight other
        // criteria (a line whose eight values another person shares waits for a later group).
        let inFirstGroup = found.filter { outcomes[$0]?.group == 1 }
        #expect(Double(inFirstGroup.count) >= 0.9 * Double(found.count), "\(inFirstGroup.count) of \(found.count) in group 1")
        for line in found { #expect(outcomes[line]?.person == truth[line] ?? nil) }
        for line in inFirstGroup {
            #expect(criteria[line]?.contains("MOIS_NAISSANCE") == false)
            #expect(criteria[line]?.split(separator: "+").count == 8, "\(criteria[line] ?? "")")
        }
        let folder = f.folder.deletingLastPathComponent()
        let text = try String(contentsOf: IndirectFixture.defaultRules, encoding: .utf8)
            .replacingOccurrences(of: "success_threshold: 0.90", with: "success_threshold: 0.90\n  max_missing: 0")
        let strictRun = folder.appendingPathComponent("no-match-run")
        try IndirectFixture.link(
            f.cohortFile, rules: IndirectFixture.rulesFile(text, in: folder, name: "no-match"), dataset: f.dataset, to: strictRun)
        let strict = try IndirectFixture.outcomes(of: strictRun, key: f.dataset.key)
        #expect(!monthOnly.contains { strict[$0]?.group == 1 })
        // Not comparing empty values never changes a link: a line linked in group 1 of the strict
        // run goes to the same person (in group 1, or later when an incomplete line that also
        // matches that person made it ambiguous there: a person matched by two lines goes to
        // neither).
        for (line, o) in strict where o.group == 1 {
            #expect(outcomes[line]?.status == "found" && outcomes[line]?.person == o.person, "line \(line)")
        }
    }

    /// Lines giving almost nothing (only a sex, only a birth year) leave more criteria empty than
    /// `max_missing` allows: they match nobody, and every other line ends exactly as without them.
    /// (Compared on their one value, they would match half the pool and, a person matched by two
    /// lines going to neither, take from the complete lines their unique person.)
    @Test func nearlyEmptyLinesTakeNothingFromTheOthers() throws {
        let folder = f.folder.deletingLastPathComponent()
        let text = try String(contentsOf: f.cohortFile, encoding: .utf8)
        let header = try #require(text.split(separator: "\n").first).split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        func line(_ ns: String, _ values: [String: String]) -> String {
            header.map { $0 == "NS" ? ns : values[$0] ?? "" }.joined(separator: ";")
        }
        let extra = [
            line("SPARSE_SEX", ["SEXE": "1"]), line("SPARSE_YEAR", ["ANNEE_NAISSANCE": "1950"]),
            line("SPARSE_TWO", ["SEXE": "2", "ANNEE_NAISSANCE": "1960"]),
        ]
        let cohort = folder.appendingPathComponent("sparse.csv")
        try (text + (text.hasSuffix("\n") ? "" : "\n") + extra.joined(separator: "\n") + "\n").write(to: cohort, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("sparse-run")
        try IndirectFixture.link(cohort, rules: IndirectFixture.defaultRules, dataset: f.dataset, to: run)
        let with = try IndirectFixture.outcomes(of: run, key: f.dataset.key)
        let without = try IndirectFixture.outcomes(of: f.folder, key: f.dataset.key)
        for (line, o) in without {
            #expect(with[line]?.status == o.status && with[line]?.group == o.group && with[line]?.person == o.person, "line \(line)")
        }
        let lines = text.split(separator: "\n").count  // the header and the cohort's lines
        for line in lines + 1...lines + 3 {
            #expect(with[line]?.status == "excluded")
            #expect(with[line]?.reason == "no_candidate")
        }
    }
}

/// Every normalisation and comparison, an exact date included, gives a join that probes an index
/// (a typed cohort column once made SQLite compare with affinity and scan the whole index).
@Suite struct IndirectPlanTests {
    static let rules = """
        version: 1
        events: {source: mco_stays}
        criteria:
          - {column: SEXE, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}
          - {column: ANNEE, source: IR_BEN_R.BEN_NAI_ANN, normalise: year}
          - {column: MOIS, source: IR_BEN_R.BEN_NAI_MOI, normalise: month}
          - {column: DEP, source: T_MCOaaB.BDI_DEP, normalise: departement}
          - {column: FINESS, source: T_MCOaaC.ETA_NUM, normalise: finess}
          - {column: ENTREE, source: T_MCOaaC.EXE_SOI_DTD, normalise: date}
          - {column: SORTIE, source: T_MCOaaC.EXE_SOI_DTF, normalise: date, compare: {within_days: 1}}
          - {column: DP, source: T_MCOaaB.DGN_PAL, normalise: icd10, compare: {prefix: 3}}
          - {column: REGIME, source: IR_BEN_R.ORG_AFF_BEN, normalise: scheme}
          - {column: GHM, source: T_MCOaaB.GRG_GHM, normalise: text}
          - {column: DUREE, source: T_MCOaaB.SEJ_NBJ, normalise: integer}
        strategy: {max_dropped: 1}
        """

    @Test func everyKindOfCriterionProbesAnIndexAndMatches() throws {
        let dataset = try GeneratedDataset.shared()
        let folder = dataset.directory.appendingPathComponent("plan-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rules = try IndirectRules.parse(Self.rules, path: "all.yml", reference: IndirectFixture.reference)
        let database = try dataset.open()
        defer { try? database.close() }
        // One line describing a real stay, values written as a registry would.
        let stay = try #require(
            try database.queue.inDatabase { db in
                try Row.fetchOne(
                    db,
                    sql: """
                        SELECT r.BEN_SEX_COD, r.BEN_NAI_ANN, r.BEN_NAI_MOI, b.BDI_DEP, c.ETA_NUM, substr(c.EXE_SOI_DTD, 1, 10),
                               substr(c.EXE_SOI_DTF, 1, 10), b.DGN_PAL, r.ORG_AFF_BEN, b.GRG_GHM, b.SEJ_NBJ, r.BEN_IDT_ANO
                        FROM T_MCO23C c JOIN T_MCO23B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM
                        JOIN IR_BEN_R r ON r.BEN_NIR_PSA = c.NIR_ANO_17
                        WHERE c.NIR_RET = 0 AND b.DGN_PAL LIKE 'I%' ORDER BY c.ETA_NUM, c.RSA_NUM LIMIT 1
                        """)
            })
        let values = (0..<11).map { i -> String in
            let v: DatabaseValue = stay[i]
            return v.isNull ? "" : "\(v.storage.value.map { "\($0)" } ?? "")"
        }
        let csv = "NS;SEXE;ANNEE;MOIS;DEP;FINESS;ENTREE;SORTIE;DP;REGIME;GHM;DUREE\nS1;" + values.joined(separator: ";") + "\n"
        let file = folder.appendingPathComponent("all.csv")
        try csv.write(to: file, atomically: true, encoding: .utf8)
        let events = try CandidateEvents(rules: rules, database: database, years: dataset.manifest.years)
        let plan = events.plan
        let profile = events.profile()
        let pool = try events.load(
            IndirectCohort(file: CohortFile(url: file, columns: rules.cohortColumns), rules: rules),
            profile: profile)
        #expect(plan.configurations.count == 12)
        for cfg in plan.configurations {
            let steps = try pool.queryPlan(cfg)
            #expect(steps.contains { $0.hasPrefix("SEARCH ca USING INDEX candidates_") }, "configuration \(cfg.id): \(steps)")
            #expect(!steps.contains { $0.hasPrefix("SCAN ca") }, "configuration \(cfg.id): \(steps)")
        }
        // And the line finds its stay's person with every criterion.
        let outcomes = try pool.link().outcomes
        #expect(outcomes.first?.group == 1)
        #expect(outcomes.first?.person == (stay[11] as String))
    }
}

/// The uniqueness profile is counted in memory on coded values; SQL's GROUP BY is the reference.
@Suite struct UniquenessProfileTests {
    @Test func theInMemoryCountsAreSQLsCounts() throws {
        let f = try IndirectFixture.shared.get()
        let database = try f.dataset.open()
        defer { try? database.close() }
        let rules = try IndirectRules.parse(
            IndirectFixture.defaultRulesText(maxDropped: 2), path: "max2.yml",
            reference: IndirectFixture.reference)
        let events = try CandidateEvents(rules: rules, database: database, years: f.dataset.manifest.years)
        let plan = events.plan
        var nonTrivial = 0
        for cfg in plan.configurations {
            let sql = try events.uniqueEventsBySQL(cfg)
            #expect(events.uniqueEvents(cfg) == sql, "configuration \(cfg.id)")
            if sql > 0 && sql < events.count { nonTrivial += 1 }
        }
        #expect(nonTrivial > 10)
    }

    /// Keys of up to 64 bits, up to 128, and beyond (hashed) all count like GROUP BY.
    @Test(arguments: [4, 8, 12])
    func wideKeysCountLikeGroupBy(columns: Int) throws {
        let db = try DatabaseQueue()
        let names = (0..<12).map { "c\($0)" }
        var rng = SystemRandomNumberGenerator()
        try db.write { db in
            try db.execute(sql: "CREATE TABLE t (\(names.joined(separator: ", ")))")
            var rows: [[Int?]] = []
            for _ in 0..<3_000 { rows.append((0..<12).map { _ in Int.random(in: 0..<2_500, using: &rng) }) }
            // Duplicates differing only beyond the kept columns, exact duplicates, and NULLs.
            for i in 0..<300 { var r = rows[i]; r[11] = (r[11] ?? 0) + 1; rows.append(r) }
            for i in 300..<400 { rows.append(rows[i]) }
            for i in 400..<500 { rows[i][2] = nil; rows.append(rows[i]) }
            for r in rows {
                try db.execute(
                    sql: "INSERT INTO t VALUES (\(Array(repeating: "?", count: 12).joined(separator: ", ")))",
                    arguments: StatementArguments(r.map { $0?.databaseValue ?? .null }))
            }
        }
        let kept = Array(0..<columns)
        try db.read { db in
            let codes = try ValueCodes(db, sql: "SELECT \(names.joined(separator: ", ")) FROM t", columns: 12)
            let sql = try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM (SELECT 1 FROM t GROUP BY \(kept.map { names[$0] }.joined(separator: ", ")) HAVING COUNT(*) = 1)")
            #expect(codes.uniqueRows(keeping: kept) == sql)
            #expect((sql ?? 0) > 1_000)
        }
    }
}

/// Each reason the CNAM procedure excludes a line for, provoked with lines built from the dataset's
/// own stays under small rules (FINESS and entry date, one may be dropped). The guard is off here: a
/// model fitted on seven crafted lines says little, and `weak_link` is provoked on a registry of its
/// own (LinkConfidenceTests).
@Suite struct IndirectExclusionTests {
    static let rules = """
        version: 1
        name: two-criteria
        events: {source: mco_stays}
        criteria:
          - {column: FINESS, source: T_MCOaaC.ETA_NUM, normalise: finess}
          - {column: DATE_ENTREE, source: T_MCOaaC.EXE_SOI_DTD, normalise: date}
        strategy: {drop_order: [FINESS, DATE_ENTREE], max_dropped: 1, min_link_probability: 0}
        """

    @Test func everyExclusionReasonIsExercised() throws {
        let dataset = try GeneratedDataset.shared()
        let folder = dataset.directory.appendingPathComponent("exclusions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rulesURL = try IndirectFixture.rulesFile(Self.rules, in: folder)
        let rules = try IndirectRules.load(rulesURL, reference: IndirectFixture.reference)
        let database = try dataset.open()
        _ = try CandidateEvents(rules: rules, database: database, years: dataset.manifest.years)
        // Values held by exactly one person, or by several, read from the candidate events (v0 FINESS, v1 day).
        let (a, b, c, busy, d, e) = try database.queue.inDatabase { db in
            let soleFiness = try Row.fetchAll(
                db, sql: "SELECT v0, MIN(person) FROM temp.candidates GROUP BY v0 HAVING COUNT(DISTINCT person) = 1 ORDER BY v0")
            let soleDay = try Row.fetchAll(
                db, sql: "SELECT v1, MIN(person) FROM temp.candidates GROUP BY v1 HAVING COUNT(DISTINCT person) = 1 ORDER BY v1")
            let solePair = try Row.fetchAll(
                db,
                sql: """
                    SELECT v0, v1, MIN(person) FROM temp.candidates GROUP BY v0, v1 HAVING COUNT(DISTINCT person) = 1 ORDER BY v0, v1
                    """)
            let crowded = try Row.fetchOne(
                db,
                sql: """
                    SELECT v0, v1 FROM temp.candidates GROUP BY v0, v1 HAVING COUNT(DISTINCT person) > 1 ORDER BY v0, v1
                    """)
            let finess = try #require(soleFiness.first)
            let day = try #require(soleDay.first { ($0[1] as String) != (finess[1] as String) })
            let pair = try #require(solePair.first { ($0[2] as String) != (finess[1] as String) && ($0[2] as String) != (day[1] as String) })
            let others = Set([finess[1] as String, day[1] as String, pair[2] as String])
            // A line is linked only if its person matches no other line in the configuration: the
            // fourth patient has no stay where the other lines' hospitals are.
            let elsewhere = Set(
                try String.fetchAll(
                    db, sql: "SELECT DISTINCT person FROM temp.candidates WHERE v0 IN (?, ?)",
                    arguments: [pair[0] as String, crowded?[0] as String? ?? ""]))
            let alone = soleFiness.filter { !others.contains($0[1] as String) && !elsewhere.contains($0[1] as String) }
            let another = try #require(alone.first)
            let third = try #require(alone.first { ($0[1] as String) != (another[1] as String) })
            return (
                (finess[0] as String, finess[1] as String), (day[0] as Int, day[1] as String),
                (pair[0] as String, pair[1] as Int), try #require(crowded), (another[0] as String, another[1] as String),
                (third[0] as String, third[1] as String)
            )
        }
        try database.close()
        func iso(_ day: Int) -> String { CalendarDate(daysSinceEpoch: day).iso }
        let csv = """
            NS;FINESS;DATE_ENTREE
            S1;\(a.0);\(iso(b.0))
            S2;\(c.0);\(iso(c.1))
            S3;\(c.0);\(iso(c.1))
            S4;\(busy[0] as String);\(iso(busy[1] as Int))
            S5;990000000;1990-01-01
            S6;\(d.0);
            S7;not a FINESS;31/02/2024
            S8;\(e.0);31/02/2024

            """
        let cohort = folder.appendingPathComponent("crafted.csv")
        try csv.write(to: cohort, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("run")
        let summary = try IndirectFixture.link(cohort, rules: rulesURL, dataset: dataset, to: run)
        let outcomes = try IndirectFixture.outcomes(of: run, key: dataset.key)
        // S1: the FINESS alone says one person, the date alone another: conflicting.
        #expect(outcomes[2]?.reason == "conflicting")
        // S2 and S3: one stay described twice: the person is claimed by two lines.
        #expect(outcomes[3]?.reason == "duplicate_person")
        #expect(outcomes[4]?.reason == "duplicate_person")
        // S4: a hospital and a day shared by several patients.
        #expect(outcomes[5]?.reason == "multiple_candidates")
        // S5: nothing anywhere.
        #expect(outcomes[6]?.reason == "no_candidate")
        // S6: the date is missing, so it is not compared: the FINESS alone finds its only patient
        // in group 1 (no other line matches that patient), and results.csv says what was compared.
        let results = try String(contentsOf: run.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(outcomes[7]?.status == "found", "\(results)")
        #expect(outcomes[7]?.group == 1)
        #expect(outcomes[7]?.person == d.1)
        #expect(results.contains("7;S6;found;;1;1;FINESS;"), "\(results)")
        // With `max_missing: 0` an empty value matches nothing: S6 waits for group 2,
        // where the date is dropped; every other line ends as before.
        let strictURL = try IndirectFixture.rulesFile(
            Self.rules.replacingOccurrences(of: "max_dropped: 1,", with: "max_dropped: 1, max_missing: 0,"),
            in: folder, name: "strict")
        let strictRun = folder.appendingPathComponent("strict-run")
        try IndirectFixture.link(cohort, rules: strictURL, dataset: dataset, to: strictRun)
        let strict = try IndirectFixture.outcomes(of: strictRun, key: dataset.key)
        #expect(strict[7]?.status == "found")
        #expect(strict[7]?.group == 2)
        #expect(strict[7]?.person == d.1)
        for line in 2...6 { #expect(strict[line]?.reason == outcomes[line]?.reason) }
        // S7: nothing readable left to compare: rejected, counted, with its line and both columns.
        let rejects = try String(contentsOf: run.appendingPathComponent("rejects.csv"), encoding: .utf8)
        let both = "FINESS is not a FINESS number of 9 positions; DATE_ENTREE is not a day of the calendar"
        #expect(rejects.contains("8;S7;invalid_value;\"\(both)"), "\(rejects)")
        // S8: a date that is no date is left out, not the line: the FINESS alone finds its patient,
        // and results.csv says the date was not compared.
        #expect(outcomes[9]?.status == "found", "\(results)")
        #expect(outcomes[9]?.person == e.1)
        #expect(results.contains("9;S8;found;;1;1;FINESS;"), "\(results)")
        #expect(results.contains("unreadable, compared as missing: DATE_ENTREE"), "\(results)")
        #expect(summary.quality["DATE_ENTREE"]?.invalid == 2)
        #expect(summary.quality["DATE_ENTREE"]?.rejected == 0)
        #expect(summary.quality["FINESS"]?.rejected == 1)
        #expect(summary.counts.submitted == 8)
        #expect(summary.counts.submitted == summary.counts.found + summary.counts.excluded + summary.counts.rejected)
        #expect(Set(summary.excludedByReason.keys) == Set(IndirectEngine.Exclusion.allCases).subtracting([.weakLink]))
    }
}
