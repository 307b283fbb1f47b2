import Foundation
import GRDB

/// What the same registry would give on a larger SNDS (by default the real one, 67 million
/// beneficiaries): the run's own model with the pool scaled.
///
/// A base k times as large as the dataset holds each registry patient once, as the dataset does,
/// but k times as many strangers per value: a line's expected chance events under a configuration
/// (``ChanceCandidates``) become μ = k·λ, Poisson-distributed. Each line then goes through the
/// groups as the engine takes it, on two branches weighed by its most probable candidate's
/// probability P:
///
/// - **its patient is that candidate** (P): a configuration under which the patient agrees links it
///   when no stranger agrees there too (e^{−μ}) and no other configuration of the group has a
///   single stranger of its own (a conflict); when strangers crowd every such configuration, a
///   configuration without the patient may still hold exactly one stranger (μe^{−μ}): a wrong link;
///   otherwise the line goes on to the next group;
/// - **it is not** (1 − P): only strangers, linked wrongly when a configuration holds exactly one.
///
/// The guard is applied as in the run: a link is accepted when its probability on the larger base
/// clears `min_link_probability`; the patient's odds r (the run's, alone) become r/k there, a
/// stranger's those of a pair agreeing on the configuration and disagreeing on what it dropped.
/// The weighted group takes the lines still out with their patient among strangers when its
/// probability against them clears its threshold. A patient the registry holds under two NS goes to
/// neither, as in the run. Persons linked in earlier groups leave the pool, as in the run (their
/// share of it shrinks k times on the larger base). Counts are sums of per-line probabilities, with 95 % Poisson-binomial
/// intervals; the model's own uncertainty and the chance that two lines claim one stranger are
/// not in them (docs/link-confidence.md measures the projection against larger datasets).
enum Projection {
    /// The real SNDS's beneficiaries, what `--project-to` defaults to.
    static let realSNDS = 67_000_000

    static func project(
        made: IndirectEngine.Linkage, rules: IndirectRules, plan: LinkagePlan, chance: ChanceCandidates, confidence: LinkConfidence,
        frequencies: TermFrequencies, population: Int, datasetPopulation: Int, submitted: Int, weightedGroup: Int?
    ) -> ProjectionSummary {
        let k = Double(population) / Double(max(datasetPopulation, 1))
        let model = confidence.model
        let guardMinimum = rules.strategy.minLinkProbability
        let isDate = rules.criteria.map { c -> (Bool, Int) in if case .withinDays(let d) = c.comparison { (true, d) } else { (false, 0) } }
        func passes(_ logOdds: Double, _ minimum: Double) -> Bool {
            guard minimum > 0 else { return true }
            let r = exp(logOdds) / k
            return r / (1 + r) >= minimum
        }
        /// ln r of a stranger agreeing on the criteria `set` compares and on no other.
        func strangerLogOdds(_ line: Int, _ set: [Int], _ expected: Double) -> Double {
            let v = chance.values[line]!
            let levels = v.indices.map { i -> ComparisonLevel in
                if v[i].isNull { return .missing }
                guard set.contains(i) else { return .disagree }
                return isDate[i].0 && isDate[i].1 > 0 ? .withinTolerance : .exact
            }
            let logU = v.indices.map { i in levels[i] == .missing ? 0 : log(frequencies.u(i, v[i], levels[i])) }
            return model.logOdds(CandidatePairs.Pair(line: line, person: "", levels: levels, logU: logU, logChance: log(max(expected, 1e-300))))
        }

        // A patient claimed as most probable by two lines (a registry duplicate) goes to neither
        // in the groups; the weighted group gives it to both when both are sure of it.
        var claims: [String: Int] = [:]
        for o in made.outcomes { if let b = confidence.candidates[o.line]?.first, b.probability > 0.5 { claims[b.person, default: 0] += 1 } }

        let groups = plan.groups + (weightedGroup.map { [$0] } ?? [])
        // For the weighted group, as the run decides it: persons other lines still want or hold.
        var wanted: [String: Int] = [:]
        for o in made.outcomes where o.person == nil { for c in confidence.candidates[o.line] ?? [] { wanted[c.person, default: 0] += 1 } }
        let linkedPersons = Set(made.outcomes.compactMap(\.person))
        var sureClaims: [String: Int] = [:]
        for o in made.outcomes where o.person == nil && LinkConfidence.weighable.contains(o.exclusion) {
            if let b = confidence.candidates[o.line]?.first, b.probability >= max(guardMinimum, 0.5) { sureClaims[b.person, default: 0] += 1 }
        }
        let linkedBefore = Dictionary(uniqueKeysWithValues: plan.groups.map { g in (g, made.outcomes.filter { ($0.group ?? .max) < g }.count) })
        var right = Dictionary(uniqueKeysWithValues: groups.map { ($0, [Double]()) })
        var wrong = right
        var found: [Double] = []
        var weak = 0.0
        for o in made.outcomes {
            let entries = chance.entries[o.line] ?? []
            let best = confidence.candidates[o.line]?.first
            let p = best?.probability ?? 0
            let duplicate = best.map { claims[$0.person, default: 0] > 1 && $0.probability > 0.5 } ?? false
            var reachPatient = p
            var reachStranger = 1 - p
            let patientLogOdds = best.map { model.logOdds($0.pair) } ?? -.infinity
            let patientAccepted = passes(patientLogOdds, guardMinimum)
            var lineFound = 0.0
            var last: (strangers: Strangers, lambda: Double, logOdds: Double)?
            for g in plan.groups {
                let cfgs = plan.configurations.filter { $0.group == g && entries.indices.contains($0.id - 1) && entries[$0.id - 1].expected != nil }
                guard !cfgs.isEmpty else {
                    right[g]!.append(0)
                    wrong[g]!.append(0)
                    continue
                }
                // Strangers per configuration on the larger base: those the run saw where it tried
                // the line, and the (k − 1)·λ the added people bring, Poisson. Where the run did not
                // try it (the line was linked before), the run's own share is Poisson too, less the
                // persons linked in earlier groups, who had left its pool.
                let tried = o.group.map { g <= $0 } ?? true
                let kept = 1 - min(Double(linkedBefore[g] ?? 0) / Double(max(chance.persons, 1)), 1)
                let agrees = cfgs.map { entries[$0.id - 1].bestAgrees }
                let patientSide = cfgs.indices.map { i -> Strangers in
                    let lambda = entries[cfgs[i].id - 1].expected!
                    guard tried else { return Strangers(seen: 0, new: lambda * (kept + k - 1)) }
                    let seen = chance.observed[o.line]?[cfgs[i].id] ?? 0
                    return Strangers(seen: max(seen - (agrees[i] ? 1 : 0), 0), new: lambda * (k - 1))
                }
                // Where the line's best candidate is not its patient, it is one more stranger.
                let strangerSide = cfgs.indices.map { i -> Strangers in
                    let s = patientSide[i]
                    return Strangers(seen: s.seen + (agrees[i] ? 1 : 0), new: s.new)
                }
                let strangerPasses = cfgs.indices.map { i in
                    passes(strangerLogOdds(o.line, chance.compared[o.line]![cfgs[i].id - 1]!, entries[cfgs[i].id - 1].expected!), guardMinimum)
                }
                let loosest = strangerSide.indices.max { strangerSide[$0].mean < strangerSide[$1].mean }!
                last = (
                    strangerSide[loosest], entries[cfgs[loosest].id - 1].expected!,
                    strangerLogOdds(o.line, chance.compared[o.line]![cfgs[loosest].id - 1]!, entries[cfgs[loosest].id - 1].expected!)
                )
                /// The chance that exactly one configuration among `among` holds a single stranger
                /// (two would be two persons: a conflict, no link), and the share of such links the
                /// guard accepts.
                func stranger(_ among: [Int], _ side: [Strangers]) -> (chance: Double, accepted: Double) {
                    let alone = among.map { c in side[c].single * among.reduce(1.0) { $1 == c ? $0 : $0 * (1 - side[$1].single) } }
                    let mass = alone.reduce(0, +)
                    let passing = zip(among, alone).reduce(0.0) { $0 + (strangerPasses[$1.0] ? $1.1 : 0) }
                    return (mass, mass > 0 ? passing / mass : 0)
                }
                let all = Array(cfgs.indices)
                let withPatient = all.filter { agrees[$0] }
                let withoutPatient = all.filter { !agrees[$0] }
                var patientRight = 0.0, patientWrong = (chance: 0.0, accepted: 0.0)
                if withPatient.isEmpty {
                    patientWrong = stranger(all, patientSide)
                } else {
                    let clean = withPatient.map { patientSide[$0].none }.max()!
                    let other = stranger(withoutPatient, patientSide)
                    let noStranger = withoutPatient.reduce(1.0) { $0 * (1 - patientSide[$1].single) }
                    patientRight = duplicate ? 0 : clean * noStranger
                    patientWrong = ((1 - clean) * other.chance, other.accepted)
                }
                let strangerOnly = stranger(all, strangerSide)
                let linkedRight = reachPatient * patientRight
                let linkedWrong =
                    reachPatient * patientWrong.chance * patientWrong.accepted + reachStranger * strangerOnly.chance * strangerOnly.accepted
                right[g]!.append(patientAccepted ? linkedRight : 0)
                wrong[g]!.append(linkedWrong)
                weak +=
                    (patientAccepted ? 0 : linkedRight) + reachPatient * patientWrong.chance * (1 - patientWrong.accepted) + reachStranger
                    * strangerOnly.chance * (1 - strangerOnly.accepted)
                lineFound += (patientAccepted ? linkedRight : 0) + linkedWrong
                reachPatient *= 1 - patientRight - patientWrong.chance
                reachStranger *= 1 - strangerOnly.chance
            }
            if let w = weightedGroup {
                // Lines still out with several candidates: the weighted group takes the most
                // probable when its probability, against the run's other candidates and the new
                // strangers of the loosest configuration (odds all k times smaller), clears its
                // threshold, and no other line still out wants that person. The same choice on both
                // branches: right where its patient is that candidate, wrong where it is not.
                var r = 0.0, s = 0.0
                let wanting = best.map { wanted[$0.person] ?? 0 } ?? 0
                if let best, let last, wanting <= 1 || wanting == sureClaims[best.person],
                    !linkedPersons.contains(best.person) || o.person == best.person
                {
                    let odds = (confidence.candidates[o.line] ?? []).map { exp(model.logOdds($0.pair)) / k }
                    let newRivals = (k - 1) * last.lambda * exp(last.logOdds) / k
                    if odds[0] / (1 + odds.reduce(0, +) + newRivals) >= max(guardMinimum, 0.5) {
                        r = reachPatient
                        s = reachStranger * last.strangers.several
                    }
                }
                right[w]!.append(r)
                wrong[w]!.append(s)
                lineFound += r + s
            }
            found.append(lineFound)
        }
        let threshold = rules.strategy.successThreshold
        let n = Double(max(submitted, 1))
        let foundTotal = found.reduce(0, +)
        let (foundLow, foundHigh) = PoissonBinomial.interval(found, level: 0.95)
        let allWrong = groups.flatMap { wrong[$0]! }
        let (low, high) = PoissonBinomial.interval(allWrong, level: 0.95)
        return ProjectionSummary(
            population: population, datasetPopulation: datasetPopulation, factor: k.rounded(toPlaces: 2), submitted: submitted,
            found: foundTotal.rounded(toPlaces: 1), foundLow: foundLow, foundHigh: foundHigh, foundRate: (foundTotal / n).rounded(toPlaces: 4),
            verdict: Verdict(foundRate: foundTotal / n, threshold: threshold),
            groups: groups.map { g in
                let links = zip(right[g]!, wrong[g]!).reduce(0.0) { $0 + $1.0 + $1.1 }
                let (l, h) = PoissonBinomial.interval(wrong[g]!, level: 0.95)
                return .init(
                    group: g, weighted: g == weightedGroup ? true : nil, links: links.rounded(toPlaces: 1), rate: (links / n).rounded(toPlaces: 4),
                    expectedWrong: wrong[g]!.reduce(0, +).rounded(toPlaces: 1), low: l, high: h)
            },
            expectedWrong: allWrong.reduce(0, +).rounded(toPlaces: 1), low: low, high: high, excludedAsWeak: weak.rounded(toPlaces: 1))
    }
}

/// The strangers agreeing with a line under a configuration: a count already seen, plus a Poisson
/// number of new ones.
private struct Strangers {
    let seen: Int
    let new: Double
    var none: Double { seen == 0 ? exp(-new) : 0 }
    var single: Double { seen == 0 ? new * exp(-new) : seen == 1 ? exp(-new) : 0 }
    var mean: Double { Double(seen) + new }
    /// Two or more: the line is left with several candidates.
    var several: Double { seen >= 2 ? 1 : seen == 1 ? 1 - exp(-new) : 1 - exp(-new) * (1 + new) }
}

/// The projection as summary.json records it (``Projection``).
public struct ProjectionSummary: Codable, Sendable, Equatable {
    public struct Group: Codable, Sendable, Equatable {
        public var group: Int
        /// The weighted group; absent for the CNAM groups.
        public var weighted: Bool?
        /// Expected links, and their share of the lines submitted.
        public var links: Double
        public var rate: Double
        public var expectedWrong: Double
        public var low: Int
        public var high: Int
    }

    public var method =
        "the run's match model with every line's expected chance events scaled by population / datasetPopulation (docs/link-confidence.md)"
    /// The base projected to, and what the dataset stands for (its people on 1 January, from its manifest).
    public var population: Int
    public var datasetPopulation: Int
    public var factor: Double
    public var submitted: Int
    /// Expected lines found, with their 95 % interval, and their share of the lines submitted.
    public var found: Double
    public var foundLow: Int
    public var foundHigh: Int
    public var foundRate: Double
    /// The rules' threshold applied to the projected rate.
    public var verdict: Verdict
    public var groups: [Group]
    /// Expected wrong links among the accepted ones, with their 95 % interval.
    public var expectedWrong: Double
    public var low: Int
    public var high: Int
    /// Links the guard would exclude as weak.
    public var excludedAsWeak: Double
}
