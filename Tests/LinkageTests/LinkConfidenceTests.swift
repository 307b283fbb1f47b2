import Foundation
import GRDB
import SNDSModel
import TestSupport
import Testing

@testable import Linkage

/// The match model's figures against the truth: on a thin registry (sex, birth year, département,
/// entry date, diagnosis) whose looser groups link strangers, the wrong links each group expects
/// are the wrong links it makes, probabilities rank right links above wrong ones, the guard takes
/// out the wrong ones at little cost in recall, and the weighted group wins back more than it costs.
@Suite(.serialized) struct LinkConfidenceTests {
    /// A thin registry drawn once and linked twice: the CNAM groups alone, every link scored (guard
    /// off, no weighted group); and the defaults (the guard, the weighted group).
    struct Thin: @unchecked Sendable {
        let dataset: GeneratedDataset
        let truth: CohortTruth
        let open: (summary: IndirectSummary, evaluation: Evaluation, run: URL)
        let guarded: (summary: IndirectSummary, evaluation: Evaluation, run: URL)
        /// The open rules and the defaults again, projected to the dataset's own size
        /// (``ProjectionTests``).
        let openAtOwnSize: IndirectSummary
        let guardedAtOwnSize: IndirectSummary
    }

    static let columns = ["NS", "SEXE", "ANNEE_NAISSANCE", "DEPARTEMENT", "DATE_ENTREE", "DIAGNOSTIC"]

    static func thinRules(maxDropped: Int, guardLine: String) -> String {
        """
        version: 1
        events: {source: mco_stays}
        criteria:
          - {column: SEXE, source: IR_BEN_R.BEN_SEX_COD, normalise: sex}
          - {column: ANNEE_NAISSANCE, source: IR_BEN_R.BEN_NAI_ANN, normalise: year}
          - {column: DEPARTEMENT, source: T_MCOaaB.BDI_DEP, normalise: departement}
          - {column: DATE_ENTREE, source: T_MCOaaC.EXE_SOI_DTD, normalise: date, compare: {within_days: 2}}
          - {column: DIAGNOSTIC, source: T_MCOaaB.DGN_PAL, normalise: icd10, compare: {prefix: 3}}
        strategy:
          max_dropped: \(maxDropped)
        \(guardLine)
        """
    }

    static let shared: Result<Thin, any Error> = Result {
        // 20,000 people, as the default dataset: on the suite's 4,000 a registry has too few lines
        // with several candidates for the weighted group to have work.
        let dataset = try GeneratedDataset.shared(size: 20_000)
        let folder = dataset.directory.appendingPathComponent("confidence-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cohort = try IndirectFixture.drawCohort(dataset, size: 2_000, seed: 11)
        // The registry keeps only the thin columns of the drawn stays.
        let rows = cohort.csv.split(separator: "\n").map { $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
        let keep = columns.map { c in rows[0].firstIndex(of: c)! }
        let cohortFile = folder.appendingPathComponent("thin.csv"), truthFile = folder.appendingPathComponent("thin.truth.csv")
        try rows.map { r in keep.map { r[$0] }.joined(separator: ";") }.joined(separator: "\n").appending("\n")
            .write(to: cohortFile, atomically: true, encoding: .utf8)
        try cohort.truth.text.write(to: truthFile, atomically: true, encoding: .utf8)
        func link(_ name: String, guardLine: String, projectTo: Int? = nil) throws -> (IndirectSummary, Evaluation, URL) {
            let rules = try IndirectFixture.rulesFile(thinRules(maxDropped: 3, guardLine: guardLine), in: folder, name: name)
            let run = folder.appendingPathComponent(name)
            let summary = try IndirectFixture.link(cohortFile, rules: rules, dataset: dataset, to: run, projectTo: projectTo)
            return (summary, try Evaluation.evaluate(run: run, truthFile: truthFile, key: dataset.key), run)
        }
        let openRules = "  min_link_probability: 0\n  weighted_group: false"
        return Thin(
            dataset: dataset, truth: cohort.truth, open: try link("open", guardLine: openRules),
            guarded: try link("guarded", guardLine: ""),
            openAtOwnSize: try link("own-size", guardLine: openRules, projectTo: dataset.manifest.standsFor).0,
            guardedAtOwnSize: try link("guarded-own-size", guardLine: "", projectTo: dataset.manifest.standsFor).0)
    }

    var thin: Thin { get throws { try Self.shared.get() } }

    /// results.csv: LINE → (status, reason, probability).
    static func probabilities(_ run: URL) throws -> [Int: (status: String, reason: String, probability: Double?)] {
        var reader = DelimitedReader(bytes: [UInt8](try Data(contentsOf: run.appendingPathComponent(RunFolder.results))))
        let header = try #require(try reader.next()).fields
        #expect(header == IndirectRun.resultColumns)
        let p = header.firstIndex(of: "MATCH_PROBABILITY")!
        var out: [Int: (status: String, reason: String, probability: Double?)] = [:]
        while let r = try reader.next() { out[Int(r.fields[0])!] = (r.fields[2], r.fields[3], Double(r.fields[p])) }
        return out
    }

    /// Within a factor of 1.5 of the actual wrong links, or within 5 of them when they are few:
    /// the tolerance.
    static func close(_ expected: Double, _ actual: Int) -> Bool {
        abs(expected - Double(actual)) <= max(5, 0.5 * Double(actual))
    }

    @Test func eachGroupExpectsTheWrongLinksItMakes() throws {
        let t = try thin
        let confidence = try #require(t.open.summary.confidence)
        #expect(confidence.minLinkProbability == 0 && !confidence.minLinkProbabilityIsDefault)
        #expect(confidence.excludedAsWeak.links == 0)
        var wrongSeen = 0
        for estimate in confidence.groups {
            let group = try #require(estimate.group)
            let actual = t.open.evaluation.byGroup[String(group)]?.wrong ?? 0
            wrongSeen += actual
            #expect(Self.close(estimate.expectedWrong, actual), "group \(group): expected \(estimate.expectedWrong), actual \(actual)")
            // The interval brackets the mean to the nearest whole link (a mean of 0.02 has (0, 0)).
            #expect(Double(estimate.low) <= estimate.expectedWrong.rounded(.up) && estimate.expectedWrong.rounded(.down) <= Double(estimate.high))
            #expect(estimate.links == t.open.summary.groups.first { $0.group == group }?.linked)
        }
        // The thin registry with three criteria dropped links strangers: the check has work to do.
        #expect(wrongSeen >= 5)
        #expect(Self.close(confidence.total.expectedWrong, t.open.evaluation.wrong))
        // evaluate sets the run's own estimate beside the actual count.
        for (g, q) in t.open.evaluation.byGroup {
            let estimate = confidence.groups.first { $0.group == Int(g) }
            #expect(abs((q.expectedWrong ?? -1) - (estimate?.expectedWrong ?? -2)) < 0.05)
        }
    }

    @Test func probabilitiesSeparateRightLinksFromWrongOnes() throws {
        let t = try thin
        let outcomes = try Self.probabilities(t.open.run)
        let wrong = Set(t.open.evaluation.mismatches.filter { $0.actual == Evaluation.foundWrongPerson }.map(\.line))
        let found = outcomes.filter { $0.value.status == LineStatus.found.rawValue }
        #expect(found.allSatisfy { $0.value.probability != nil })
        let sure = found.filter { $0.value.probability! >= 0.99 }
        let doubtful = found.filter { $0.value.probability! < 0.5 }
        #expect(sure.count > found.count * 9 / 10)
        #expect(Double(sure.keys.filter { !wrong.contains($0) }.count) >= 0.995 * Double(sure.count))
        #expect(doubtful.count >= 5)
        #expect(Double(doubtful.keys.filter { wrong.contains($0) }.count) >= 0.8 * Double(doubtful.count))
        // The bands evaluate writes hold every link once.
        let bands = try #require(t.open.evaluation.calibration)
        #expect(bands.reduce(0) { $0 + $1.links } == t.open.evaluation.linked)
    }

    @Test func theDefaultGuardExcludesWeakLinksAndTheWeightedGroupKeepsRecall() throws {
        let t = try thin
        let confidence = try #require(t.guarded.summary.confidence)
        #expect(confidence.minLinkProbabilityIsDefault)
        #expect(confidence.minLinkProbability == IndirectRules.defaultMinLinkProbability)
        let weak = t.guarded.summary.excludedByReason[.weakLink] ?? 0
        #expect(weak > 0 && weak == confidence.excludedAsWeak.links)
        // The weighted group comes last, apart from the CNAM groups, which the guard only thins.
        let weighted = try #require(t.guarded.summary.groups.last)
        #expect(weighted.weighted == true && t.guarded.summary.groups.dropLast().allSatisfy { $0.weighted == nil })
        #expect(t.open.summary.groups.allSatisfy { $0.weighted == nil })
        #expect(t.guarded.summary.counts.found - weighted.linked + weak == t.open.summary.counts.found)
        #expect(t.guarded.summary.configurations.reduce(0) { $0 + $1.linked } == t.guarded.summary.counts.found - weighted.linked)
        let open = try Self.probabilities(t.open.run)
        for (line, o) in try Self.probabilities(t.guarded.run) {
            if o.status == LineStatus.found.rawValue { #expect(o.probability! >= confidence.minLinkProbability) }
            if o.reason == IndirectEngine.Exclusion.weakLink.rawValue { #expect(o.probability! < confidence.minLinkProbability) }
            // A weighted link is a line the groups left with several candidates, a conflict, or a
            // person another line claimed too (a patient the registry holds twice).
            if o.status == LineStatus.found.rawValue, open[line]?.status != LineStatus.found.rawValue {
                #expect(["multiple_candidates", "conflicting", "duplicate_person"].contains(open[line]?.reason ?? ""))
            }
        }
        // The weighted group had lines to weigh — those the CNAM groups left with several
        // candidates — and each is either linked by it (at the guard's probability) or still
        // excluded for its reason. Whether any reaches the guard depends on the data (on some
        // draws none does), so the count of its links is not asserted.
        let guardedOutcomes = try Self.probabilities(t.guarded.run)
        let undecided = open.filter { ["multiple_candidates", "conflicting", "duplicate_person"].contains($0.value.reason) }
        #expect(!undecided.isEmpty)
        for (line, o) in undecided {
            let g = guardedOutcomes[line]
            #expect(g?.status == LineStatus.found.rawValue || g?.reason == o.reason, "line \(line): \(o.reason) → \(String(describing: g))")
        }
        #expect(
            weighted.linked
                == guardedOutcomes.filter { $0.value.status == LineStatus.found.rawValue && open[$0.key]?.status != LineStatus.found.rawValue }.count)
        // A patient the registry holds twice, linked on both lines, is flagged on each, naming the other.
        let results = try Evaluation.readCSV(t.guarded.run.appendingPathComponent(RunFolder.results), expecting: IndirectRun.resultColumns)
        let flagged = results.filter { $0[10].contains("same person as line") }
        #expect(flagged.count >= 2 * t.guarded.summary.people.reachedBySeveralNS)
        #expect(t.guarded.summary.people.reachedBySeveralNS == 0 || !flagged.isEmpty)
        let guarded = t.guarded.evaluation, cnam = t.open.evaluation
        #expect((guarded.precision ?? 0) >= 0.998)
        #expect((cnam.precision ?? 1) < (guarded.precision ?? 0))
        #expect((guarded.recall ?? 0) >= (cnam.recall ?? 1) - 0.005)
        let c = t.guarded.summary.counts
        #expect(c.submitted == c.rejected + c.found + c.excluded)
    }

    @Test func theLinesToReviewListTheirCandidatesAndEvaluateChecksTheGuard() throws {
        let t = try thin
        let run = t.guarded.run
        let reasons = t.guarded.summary.excludedByReason
        let reviewed = ClericalReview.reasons.reduce(0) { $0 + (reasons[$1] ?? 0) }
        let rows = try Evaluation.readCSV(run.appendingPathComponent(ClericalReview.csv), expecting: ClericalReview.columns)
        #expect(Set(rows.map { $0[0] }).count == reviewed)
        #expect(t.guarded.summary.confidence?.reviewLines == reviewed)
        #expect(t.guarded.summary.confidence?.reviewCandidates == rows.count)
        // Each weak link is listed, flagged as the groups' link, once per line.
        let weakLines = Set(rows.filter { $0[2] == "weak_link" }.map { $0[0] })
        #expect(weakLines.count == reasons[.weakLink])
        for line in weakLines { #expect(rows.filter { $0[0] == line && $0[4] == "yes" }.count == 1) }
        // Candidates ranked by probability within a line.
        for line in Set(rows.map { $0[0] }) {
            let p = rows.filter { $0[0] == line }.sorted { Int($0[3])! < Int($1[3])! }.map { Double($0[7])! }
            #expect(p == p.sorted(by: >))
        }
        // A candidate linked to another line says which.
        let found = Dictionary(
            uniqueKeysWithValues: try Self.probabilities(run).filter { $0.value.status == LineStatus.found.rawValue }.map { ($0.key, true) })
        for r in rows where !r[5].isEmpty { #expect(found[Int(r[5])!] == true) }
        // The sealed file names every candidate; review.csv names none.
        let candidates = try ClericalReview.candidates(of: run, key: t.dataset.key)
        #expect(candidates.count == rows.count)
        let csvText = try String(contentsOf: run.appendingPathComponent(ClericalReview.csv), encoding: .utf8)
        #expect(candidates.allSatisfy { !csvText.contains($0.person) })
        // evaluate sets the weak links against the truth: the guard's estimate holds there too.
        let weak = try #require(t.guarded.evaluation.weakLinks)
        #expect(weak.excluded == reasons[.weakLink] && weak.right + weak.wrong == weak.excluded)
        #expect(Self.close(weak.expectedWrong, weak.wrong), "expected \(weak.expectedWrong), actual \(weak.wrong)")
    }

    @Test func aRunWithoutReviewFilesIsNamedNotRead() throws {
        // A direct run (like an indirect one made before review files existed) has none.
        let direct = try DirectFixture.shared.get()
        #expect {
            _ = try ClericalReview.candidates(of: direct.folder, key: direct.dataset.key)
        } throws: { error in
            "\(error)".contains("no review.sealed") && "\(error)".contains("link it again")
        }
    }

    @Test(arguments: [(20, 0.3), (50, 0.05), (7, 0.9)])
    func theIntervalIsTheBinomialOnesWhenChancesAreEqual(n: Int, p: Double) {
        // Exact binomial quantiles, computed term by term.
        var pmf: [Double] = []
        for k in 0...n {
            var c = 1.0
            for i in 0..<k { c = c * Double(n - i) / Double(i + 1) }
            pmf.append(c * pow(p, Double(k)) * pow(1 - p, Double(n - k)))
        }
        var running = 0.0, low = -1, high = n
        for (k, q) in pmf.enumerated() {
            running += q
            if low < 0, running > 0.025 { low = k }
            if running >= 0.975 {
                high = k
                break
            }
        }
        let interval = PoissonBinomial.interval(Array(repeating: p, count: n), level: 0.95)
        #expect(interval.low == low && interval.high == high)
        #expect(PoissonBinomial.interval(Array(repeating: 0, count: n), level: 0.95) == (0, 0))
    }

    @Test func termFrequenciesAreShareOfEventsAndDateWindowsCountNeighbours() throws {
        let rules = try IndirectRules.parse(
            """
            version: 1
            events: {source: mco_stays}
            criteria:
              - {column: DIAGNOSTIC, source: T_MCOaaB.DGN_PAL, normalise: icd10, compare: {prefix: 3}}
              - {column: DATE_ENTREE, source: T_MCOaaC.EXE_SOI_DTD, normalise: date, compare: {within_days: 2}}
            """, path: "r.yml", reference: IndirectFixture.reference)
        let queue = try DatabaseQueue()
        let codes = try queue.write { db in
            try db.execute(sql: "CREATE TABLE e (v0, v1)")
            // 10 events: I21 ×6, C50 ×3, one without a diagnosis; days 100 ×4, 101 ×2, 103, 110 ×3.
            for (d, day) in [
                ("I21", 100), ("I21", 100), ("I21", 100), ("I21", 101), ("I21", 101), ("I21", 103), ("C50", 110), ("C50", 110), ("C50", 110),
                (nil, 100),
            ] as [(String?, Int)] {
                try db.execute(sql: "INSERT INTO e VALUES (?, ?)", arguments: [d, day])
            }
            return try ValueCodes(db, sql: "SELECT v0, v1 FROM e", columns: 2)
        }
        let f = TermFrequencies(codes: codes, rules: rules)
        #expect(f.events == 10)
        #expect(f.u(0, "I21".databaseValue, .exact) == 0.6)
        #expect(abs(f.u(0, "I21".databaseValue, .disagree) - 0.4) < 1e-12)
        // A value no event holds: rarer than the pool can show, not impossible.
        #expect(f.u(0, "Z99".databaseValue, .exact) == 0.05)
        #expect(f.u(1, 100.databaseValue, .exact) == 0.4)
        // Within 2 days of day 101, that day aside: days 100 (4) and 103 (1).
        #expect(abs(f.u(1, 101.databaseValue, .withinTolerance) - 0.5) < 1e-12)
        #expect(abs(f.u(1, 101.databaseValue, .disagree) - 0.3) < 1e-12)
        // Joint counts: the rows holding both codes.
        let i21 = try #require(codes.code(0, "I21".databaseValue)), c50 = try #require(codes.code(0, "C50".databaseValue))
        let d100 = try #require(codes.code(1, 100.databaseValue)), d110 = try #require(codes.code(1, 110.databaseValue))
        #expect(codes.rowCounts(keeping: [0, 1], of: [[i21, d100], [c50, d110], [c50, d100]]) == [3, 3, 0])
    }
}
