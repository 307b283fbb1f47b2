import Foundation
import GRDB

/// What the same registry would give on a larger SNDS (by default the real one, 67 million
/// beneficiaries): the run's own model with the pool scaled.
///
/// A base k times as large as the dataset holds each registry patient once, as the dataset does,
/// but k times as many strangers per value. Under a configuration, a line's strangers there are
/// those the run saw (its candidates, less its patient) plus the (k − 1)·λ new ones the added
/// people bring, Poisson-distributed (λ: its expected chance candidates, ``ChanceCandidates``);
/// where the run did not try the configuration (the line was linked before), all of them are
/// Poisson, less the persons the run had linked in earlier groups. So at k = 1 the projection is
/// the run itself, which the tests check. Each line goes through the groups as the engine takes
/// it, on two branches weighed by its most probable candidate's probability P:
///
/// - **its patient is that candidate** (P): a configuration under which the patient agrees links it
///   when no stranger agrees there too and no other configuration of the group holds a single
///   stranger of its own (a conflict); when strangers crowd every such configuration, one without
///   the patient may still hold exactly one stranger: a wrong link; otherwise the line goes on;
/// - **it is not** (1 − P): that candidate is one more stranger, and the line is linked wrongly
///   when exactly one configuration of a group holds exactly one.
///
/// The guard is applied as in the run: a link is accepted when its probability on the larger base
/// clears `min_link_probability`; the patient's odds r (the run's, alone) become r/k there, a
/// stranger's those of a pair agreeing on the configuration and disagreeing on what it dropped.
/// The weighted group decides as in the run: the first candidate against the others and the new
/// strangers of the loosest configuration, all k times less likely, no other line wanting that
/// person unless all name it as surely. A patient two lines claim stays out of the groups. Counts
/// are sums of per-line probabilities, with 95 % Poisson-binomial intervals; the model's own
/// uncertainty and the chance that two lines claim one new stranger are not in them
/// (docs/link-confidence.md measures the projection against larger datasets).
public enum Projection {
    /// The real SNDS's beneficiaries, what `--project-to` defaults to.
    public static let realSNDS = 67_000_000

    static func project(
        made: IndirectEngine.Linkage, rules: IndirectRules, plan: LinkagePlan, chance: ChanceCandidates, confidence: LinkConfidence,
        population: Int, datasetPopulation: Int, submitted: Int, weightedGroup: Int?
    ) -> ProjectionSummary {
        let k = Double(population) / Double(max(datasetPopulation, 1))
        let model = confidence.model, frequencies = confidence.frequencies
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
        let demand = confidence.demand(made, minimum: guardMinimum)
        let linkedPersons = Set(made.outcomes.compactMap(\.person))
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
            // Strangers are nested: a configuration keeps a subset of group 1's criteria, so it
            // holds every stranger group 1 held. A line group 1 left with a stranger beside its
            // patient, or with two strangers, is stuck (only the weighted group may take it); the
            // rest go on "free", meeting in later groups only the strangers beyond group 1's.
            var base: (patient: Strangers, stranger: Strangers, logOdds: Double, sameDay: Double)?
            var stuckPatient = 0.0, stuckStranger = 0.0
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
                var patientSide = cfgs.indices.map { i -> Strangers in
                    let lambda = entries[cfgs[i].id - 1].expected!
                    guard tried else { return Strangers(seen: 0, new: lambda * (kept + k - 1)) }
                    let seen = chance.observed[o.line]?[cfgs[i].id] ?? 0
                    return Strangers(seen: max(seen - (agrees[i] ? 1 : 0), 0), new: lambda * (k - 1))
                }
                // Where the line's best candidate is not its patient, it is one more stranger.
                var strangerSide = cfgs.indices.map { i -> Strangers in
                    let s = patientSide[i]
                    return Strangers(seen: s.seen + (agrees[i] ? 1 : 0), new: s.new)
                }
                let first = g == plan.groups.first
                if first, cfgs.count == 1 {
                    let c = cfgs[0].id - 1
                    let set = chance.compared[o.line]![c]!
                    // How often a stranger within a date's window has the very day (then it is as
                    // likely as the patient): that day's share of the window's events.
                    let v = chance.values[o.line]!
                    let sameDay = set.filter { isDate[$0].0 && isDate[$0].1 > 0 }.reduce(1.0) {
                        $0 * min(frequencies.u($1, v[$1], .exact) / frequencies.windowShare($1, v[$1]), 1)
                    }
                    base = (patientSide[0], strangerSide[0], strangerLogOdds(o.line, set, entries[c].expected!), sameDay)
                }
                if !first, let base {
                    patientSide = patientSide.map { $0.beyond(base.patient) }
                    strangerSide = strangerSide.map { $0.beyond(base.stranger) }
                }
                let strangerPasses = cfgs.indices.map { i in
                    passes(strangerLogOdds(o.line, chance.compared[o.line]![cfgs[i].id - 1]!, entries[cfgs[i].id - 1].expected!), guardMinimum)
                }
                let loosest = strangerSide.indices.max { strangerSide[$0].mean < strangerSide[$1].mean }!
                last = (
                    strangerSide[loosest], entries[cfgs[loosest].id - 1].expected!,
                    strangerLogOdds(o.line, chance.compared[o.line]![cfgs[loosest].id - 1]!, entries[cfgs[loosest].id - 1].expected!)
                )
                // On the stranger branch, a single stranger the run saw is the line's own first
                // candidate: the guard judges it on its own odds, not a generic stranger's.
                let seenPasses = cfgs.indices.map { i in agrees[i] && strangerSide[i].seen == 1 ? patientAccepted : strangerPasses[i] }
                /// The chance that exactly one configuration among `among` holds a single stranger
                /// (two would be two persons: a conflict, no link), and the share of such links the
                /// guard accepts.
                func stranger(_ among: [Int], _ side: [Strangers], _ accepts: [Bool]) -> (chance: Double, accepted: Double) {
                    let alone = among.map { c in side[c].single * among.reduce(1.0) { $1 == c ? $0 : $0 * (1 - side[$1].single) } }
                    let mass = alone.reduce(0, +)
                    let passing = zip(among, alone).reduce(0.0) { $0 + (accepts[$1.0] ? $1.1 : 0) }
                    return (mass, mass > 0 ? passing / mass : 0)
                }
                let all = Array(cfgs.indices)
                let withPatient = all.filter { agrees[$0] }
                let withoutPatient = all.filter { !agrees[$0] }
                var patientRight = 0.0, patientWrong = (chance: 0.0, accepted: 0.0)
                if withPatient.isEmpty {
                    patientWrong = stranger(all, patientSide, strangerPasses)
                } else {
                    let clean = withPatient.map { patientSide[$0].none }.max()!
                    let other = stranger(withoutPatient, patientSide, strangerPasses)
                    let noStranger = withoutPatient.reduce(1.0) { $0 * (1 - patientSide[$1].single) }
                    patientRight = duplicate ? 0 : clean * noStranger
                    patientWrong = ((1 - clean) * other.chance, other.accepted)
                }
                let strangerOnly = stranger(all, strangerSide, seenPasses)
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
                if first, let base {
                    // Out of group 1: crowded beside the patient, or two strangers or more: stuck.
                    let patientFree = agrees[0] ? 0 : base.patient.none / max(base.patient.none + base.patient.several, 1e-300)
                    let strangerFree = base.stranger.none / max(base.stranger.none + base.stranger.several, 1e-300)
                    stuckPatient += reachPatient * (1 - patientFree)
                    reachPatient *= patientFree
                    stuckStranger += reachStranger * (1 - strangerFree)
                    reachStranger *= strangerFree
                }
            }
            if let w = weightedGroup {
                // Lines still out with several candidates: the weighted group takes the most
                // probable when its probability, against the run's other candidates and the new
                // strangers of the loosest configuration (odds all k times smaller), clears its
                // threshold, and no other line still out wants that person. The same choice on both
                // branches: right where its patient is that candidate, wrong where it is not.
                var r = 0.0, s = 0.0
                let wanting = best.map { demand.wanted[$0.person] ?? 0 } ?? 0
                if let best, let last, wanting <= 1 || wanting == demand.sure[best.person]?.count,
                    !linkedPersons.contains(best.person) || o.person == best.person
                {
                    let threshold = max(guardMinimum, 0.5)
                    let odds = (confidence.candidates[o.line] ?? []).map { exp(model.logOdds($0.pair)) / k }
                    let against = 1 + odds.reduce(0, +) + (k - 1) * last.lambda * exp(last.logOdds) / k
                    // The model's own probability of the link on the larger base: a weighted link is
                    // wrong 1 − P' of the time even on the patient's branch (a new stranger may be
                    // the one picked), as the run itself would count it.
                    var sure = odds[0] / against
                    if sure >= threshold {
                        r = reachPatient
                        s = reachStranger * last.strangers.several
                    }
                    // A stuck patient has beside it the strangers that crowded group 1, agreeing on
                    // everything: those the run saw are among its candidates already; each new one
                    // is as likely as the patient when it has its very days (no weighted link then),
                    // less when its dates are only near. Summed over their number (at least one
                    // when the run saw none).
                    var accepted = odds[0] / against >= threshold ? 1.0 : 0
                    if let base, base.patient.several + base.patient.single > 0 {
                        let rival = exp(base.logOdds) / k
                        let fewest = base.patient.seen == 0 ? 1 : 0
                        let total = fewest == 1 ? 1 - base.patient.none : 1
                        accepted = 0
                        var weighed = 0.0
                        for m in fewest...8 where odds[0] / (against + Double(m) * rival) >= threshold {
                            let share = Strangers(seen: 0, new: base.patient.new).count(m) / max(total, 1e-300) * pow(1 - base.sameDay, Double(m))
                            accepted += share
                            weighed += share * odds[0] / (against + Double(m) * rival)
                        }
                        if stuckPatient + stuckStranger > reachPatient + reachStranger, accepted > 0 { sure = weighed / accepted }
                    }
                    // The same choice on the stranger branch: a line stuck among strangers alone
                    // goes to its first candidate, wrongly, as often.
                    r += stuckPatient * accepted
                    s += stuckStranger * accepted
                    let doubt = r * (1 - min(sure, 1))
                    r -= doubt
                    s += doubt
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
        // The weighted group is the least certain part of the projection (docs/link-confidence.md:
        // at ten times the pool it was projected up to twice what was measured), so the rate is
        // given as a range: the CNAM groups alone, then with it; a verdict only when both agree.
        let groupsOnly = plan.groups.reduce(0.0) { t, g in t + zip(right[g]!, wrong[g]!).reduce(0.0) { $0 + $1.0 + $1.1 } } / n
        let verdicts = Set([Verdict(foundRate: groupsOnly, threshold: threshold), Verdict(foundRate: foundTotal / n, threshold: threshold)])
        let verdict: ProjectionSummary.ProjectedVerdict =
            verdicts.count > 1 ? .uncertain : verdicts.first == .success ? .success : .failure
        let (foundLow, foundHigh) = PoissonBinomial.interval(found, level: 0.95)
        let allWrong = groups.flatMap { wrong[$0]! }
        let (low, high) = PoissonBinomial.interval(allWrong, level: 0.95)
        return ProjectionSummary(
            population: population, datasetPopulation: datasetPopulation, factor: k.rounded(toPlaces: 2), submitted: submitted,
            found: foundTotal.rounded(toPlaces: 1), foundLow: foundLow, foundHigh: foundHigh, foundRate: (foundTotal / n).rounded(toPlaces: 4),
            foundRateGroupsOnly: groupsOnly.rounded(toPlaces: 4), verdict: verdict,
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
    /// The strangers beyond those of `base`, a configuration keeping more criteria (whose
    /// strangers this one holds too).
    func beyond(_ base: Strangers) -> Strangers { Strangers(seen: max(seen - base.seen, 0), new: max(new - base.new, 0)) }
    /// The chance of exactly `n` strangers.
    func count(_ n: Int) -> Double {
        guard n >= seen else { return 0 }
        let extra = n - seen
        return exp(-new + Double(extra) * log(max(new, 1e-300)) - lgamma(Double(extra) + 1))
    }
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
        "the run's match model, every line's strangers scaled by population / datasetPopulation (docs/link-confidence.md)"
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
    /// The rate the CNAM groups alone would reach: the low end of the projection, `foundRate` (with
    /// the weighted group, which the projection overstates) its high end.
    public var foundRateGroupsOnly: Double
    /// The rules' threshold applied to both ends of the range.
    public enum ProjectedVerdict: String, Codable, Sendable {
        case success, failure
        /// The two ends fall on either side of the threshold: the weighted group decides.
        case uncertain

        public var shouted: String { rawValue.uppercased() }
    }

    public var verdict: ProjectedVerdict
    /// The sizes the projection was validated across (docs/link-confidence.md): beyond 50 times the
    /// dataset, an extrapolation, its interval without the model's own uncertainty.
    public var beyondValidated: Bool { Double(population) > 50 * Double(datasetPopulation) }
    public var groups: [Group]
    /// Expected wrong links among the accepted ones, with their 95 % interval.
    public var expectedWrong: Double
    public var low: Int
    public var high: Int
    /// Links the guard would exclude as weak.
    public var excludedAsWeak: Double
}
