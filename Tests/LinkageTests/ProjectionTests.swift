import Foundation
import SNDSModel
import TestSupport
import Testing

@testable import Linkage

/// The chance candidates of each line and configuration, and the projection to a larger SNDS, on
/// the thin registry of ``LinkConfidenceTests``: candidates.csv reconciles with what the joins did;
/// projected to the dataset's own size the model gives back what the run measured; a larger base
/// finds fewer and links more strangers.
@Suite(.serialized) struct ProjectionTests {
    var thin: LinkConfidenceTests.Thin { get throws { try LinkConfidenceTests.shared.get() } }

    /// candidates.csv: (line, configuration) → (group, candidates, expected by chance).
    static func candidates(_ run: URL) throws -> [Pair: (group: Int, observed: Int, expected: Double)] {
        let rows = try Evaluation.readCSV(run.appendingPathComponent(ChanceCandidates.file), expecting: ChanceCandidates.columns)
        var out: [Pair: (group: Int, observed: Int, expected: Double)] = [:]
        for r in rows {
            let key = Pair(line: Int(r[0])!, configuration: Int(r[3])!)
            #expect(out[key] == nil, "line \(key.line), configuration \(key.configuration) listed twice")
            out[key] = (Int(r[2])!, Int(r[4])!, Double(r[5])!)
        }
        return out
    }

    struct Pair: Hashable {
        let line: Int
        let configuration: Int
    }

    @Test func theCandidatesFileReconcilesWithTheJoins() throws {
        let t = try thin
        let run = t.open.run, summary = t.open.summary
        let rows = try Self.candidates(run)
        let estimates = try #require(summary.confidence?.configurations)
        #expect(estimates.map(\.configuration) == summary.configurations.map(\.id))
        for e in estimates {
            let mine = rows.filter { $0.key.configuration == e.configuration }
            #expect(mine.count == e.linesTried)
            #expect(mine.values.reduce(0) { $0 + $1.observed } == e.candidates)
            #expect(abs(mine.values.reduce(0) { $0 + $1.expected } - e.expectedByChance) <= 0.01 + 1e-3 * e.expectedByChance)
            #expect(mine.values.allSatisfy { $0.group == e.group && $0.expected > 0 })
            // Lines with a candidate: the join's own count.
            #expect(mine.values.filter { $0.observed > 0 }.count == summary.configurations[e.configuration - 1].linesMatched)
            #expect(e.links == summary.configurations[e.configuration - 1].linked)
        }
        // Every line tried in group 1; a line linked in a group is not tried after it; a line
        // without a candidate anywhere is the `no_candidate` exclusion.
        let outcomes = try LinkConfidenceTests.probabilities(run)
        let results = try Evaluation.readCSV(run.appendingPathComponent(RunFolder.results), expecting: IndirectRun.resultColumns)
        let groupOf = Dictionary(uniqueKeysWithValues: results.compactMap { r in Int(r[4]).map { (Int(r[0])!, $0) } })
        let configurationOf = Dictionary(uniqueKeysWithValues: results.compactMap { r in Int(r[5]).map { (Int(r[0])!, $0) } })
        for (line, o) in outcomes {
            let mine = rows.filter { $0.key.line == line }
            #expect(mine.contains { $0.value.group == 1 })
            if let g = groupOf[line] { #expect(mine.allSatisfy { $0.value.group <= g }) }
            if let c = configurationOf[line] { #expect((mine[Pair(line: line, configuration: c)]?.observed ?? 0) >= 1) }
            #expect((o.reason == IndirectEngine.Exclusion.noCandidate.rawValue) == mine.values.allSatisfy { $0.observed == 0 })
        }
    }

    @Test func droppingACriterionNeverMakesChanceAgreementRarer() throws {
        let t = try thin
        let rows = try Self.candidates(t.open.run)
        let configurations = t.open.summary.configurations
        var compared = 0
        for (key, row) in rows {
            let kept = Set(configurations[key.configuration - 1].kept)
            for (other, looser) in rows where other.line == key.line && Set(configurations[other.configuration - 1].kept).isStrictSubset(of: kept) {
                // Less one event for the patient itself, whom the stricter configuration may not count.
                #expect(looser.expected >= row.expected - 1, "line \(key.line): \(looser.expected) < \(row.expected)")
                compared += 1
            }
        }
        #expect(compared > 100)
    }

    @Test func projectedToItsOwnSizeTheModelGivesBackWhatTheRunMeasured() throws {
        let t = try thin
        let measured = t.open.summary, evaluation = t.open.evaluation
        let p = try #require(t.openAtOwnSize.projection)
        #expect(p.population == t.dataset.manifest.standsFor && p.datasetPopulation == p.population && p.factor == 1)
        #expect(p.submitted == measured.counts.submitted)
        #expect(abs(p.foundRate - measured.counts.foundRate) <= 0.01, "projected \(p.foundRate), measured \(measured.counts.foundRate)")
        for g in measured.groups {
            let projected = try #require(p.groups.first { $0.group == g.group })
            #expect(
                abs(projected.links - Double(g.linked)) <= max(5, 0.05 * Double(g.linked)),
                "group \(g.group): projected \(p.groups), measured \(measured.groups.map(\.linked))")
        }
        // The wrong links it projects are the wrong links the run made (the tolerance).
        #expect(evaluation.wrong >= 5)
        #expect(LinkConfidenceTests.close(p.expectedWrong, evaluation.wrong), "projected \(p.expectedWrong), actual \(evaluation.wrong)")
        #expect(Double(p.low) <= p.expectedWrong && p.expectedWrong <= Double(p.high))
    }

    @Test func withTheGuardTooTheProjectionAtItsOwnSizeIsTheRun() throws {
        let t = try thin
        let run = t.guarded.summary, p = try #require(t.guardedAtOwnSize.projection)
        let confidence = try #require(run.confidence)
        #expect(abs(p.foundRate - run.counts.foundRate) <= 0.005, "projected \(p.foundRate), measured \(run.counts.foundRate)")
        for g in run.groups {
            let projected = try #require(p.groups.first { $0.group == g.group })
            let expected = try #require(confidence.groups.first { $0.group == g.group })
            #expect(abs(projected.links - Double(g.linked)) <= max(3, 0.03 * Double(g.linked)), "group \(g.group)")
            // The wrong links the run expects of its accepted links, the guard judging each
            // stranger on its own odds.
            #expect(abs(projected.expectedWrong - expected.expectedWrong) <= max(0.5, 0.25 * expected.expectedWrong), "group \(g.group)")
        }
        #expect(abs(p.excludedAsWeak - Double(confidence.excludedAsWeak.links)) <= max(2, 0.1 * Double(confidence.excludedAsWeak.links)))
    }

    @Test func aLargerBaseFindsFewerAndLinksMoreStrangers() throws {
        let t = try thin
        // The default: the real SNDS, scaled from what the manifest says the dataset stands for.
        let real = try #require(t.open.summary.projection)
        let own = try #require(t.openAtOwnSize.projection)
        #expect(real.population == Projection.realSNDS && real.datasetPopulation == 20_000 && real.factor == 3_350)
        #expect(real.foundRate <= own.foundRate)
        #expect(real.expectedWrong > own.expectedWrong)
        // Group 1 loses the lines a stranger now shares their values with; the looser groups,
        // where chance agreement was already common, turn it into wrong links.
        #expect(real.groups[0].links < own.groups[0].links)
        // With the guard, the stranger links are taken out as weak, so far fewer are expected wrong.
        let guarded = try #require(t.guarded.summary.projection)
        #expect(guarded.expectedWrong < real.expectedWrong / 2 && guarded.excludedAsWeak > 0)
        // A verdict only when both ends of the range, the CNAM groups alone and with the weighted
        // group, fall on the same side of the threshold.
        let threshold = t.guarded.summary.threshold
        let ends = Set([
            Verdict(foundRate: guarded.foundRateGroupsOnly, threshold: threshold), Verdict(foundRate: guarded.foundRate, threshold: threshold),
        ])
        #expect(guarded.verdict.rawValue == (ends.count == 1 ? ends.first!.rawValue : "uncertain"))
        #expect(guarded.beyondValidated)
        // The weighted group's links are not all right: the model's own doubt on the larger base.
        #expect((guarded.groups.last?.expectedWrong ?? 0) > 0)
        #expect(guarded.foundRateGroupsOnly <= guarded.foundRate)
        let cnam = guarded.groups.filter { $0.weighted == nil }.reduce(0) { $0 + $1.links }
        #expect(abs(cnam / Double(t.guarded.summary.counts.submitted) - guarded.foundRateGroupsOnly) < 1e-3)
        #expect(guarded.groups.last?.weighted == true)
        let c = t.guarded.summary.counts
        #expect(abs(guarded.found / Double(c.submitted) - guarded.foundRate) < 1e-4)
    }
}
