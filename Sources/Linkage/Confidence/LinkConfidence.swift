import Foundation
import GRDB

/// How sure each link of an indirect run is, and how many of a group's links are expected wrong,
/// without a truth: the ``MatchModel`` fitted on the run's own candidate pairs.
///
/// Each link gets its match weight (Σ log2 m/u over the criteria compared, on the linked person's
/// best-agreeing event) and its posterior probability; a group's expected wrong links are
/// Σ (1 − P) over its links, with the 95 % interval of that sum (the links taken as independent
/// trials: the model's own uncertainty is not in it).
public struct LinkConfidence: Sendable {
    /// What one link is worth.
    public struct Score: Sendable, Equatable {
        public let weight: Double
        public let probability: Double
        /// Each criterion's part of the weight: `SEXE = +1.0, DATE_ENTREE ~ +3.1, DEPARTEMENT ≠ −4.8`
        /// (= agrees, ~ within tolerance, ≠ disagrees; criteria missing on either side left out).
        public let detail: String
    }

    /// Scores of the links the engine made, by cohort line (weak ones included).
    public let scores: [Int: Score]

    /// One candidate person of a line: its probability, and the pair its score is made from when
    /// asked (formatting every pair's detail, tens of thousands, for the few read is wasted work).
    struct Candidate {
        let person: String
        let probability: Double
        let pair: CandidatePairs.Pair
    }

    /// Every line's candidates, most probable first.
    let candidates: [Int: [Candidate]]
    let model: MatchModel
    /// The events' term frequencies the model's u come from.
    let frequencies: TermFrequencies
    private let rules: IndirectRules

    /// The score of one candidate.
    func score(of candidate: Candidate) -> Score { Self.score(candidate.pair, candidate.probability, model, rules) }

    /// The score of `line`'s link to `person`, whoever made it (the groups or the weighted group).
    func score(line: Int, person: String) -> Score? { candidates[line]?.first { $0.person == person }.map(score(of:)) }
    private let pairCount: Int

    /// Fits the model on the pairs the pool's joins left in `temp.matches` and scores the links.
    init(_ db: Database, rules: IndirectRules, linkage: IndirectEngine.Linkage, codes: ValueCodes) throws {
        let frequencies = TermFrequencies(codes: codes, rules: rules)
        let pairs = try CandidatePairs(db, rules: rules, frequencies: frequencies, codes: codes)
        let model = MatchModel(
            rules: rules, pairs: pairs, validLines: linkage.outcomes.count, events: frequencies.events, firstDate: frequencies.firstDate)
        self.model = model
        self.frequencies = frequencies
        self.rules = rules
        pairCount = pairs.byLine.reduce(0) { $0 + $1.pairs.count }
        var scores: [Int: Score] = [:]
        var candidates: [Int: [Candidate]] = [:]
        let linkedPerson = Dictionary(uniqueKeysWithValues: linkage.outcomes.compactMap { o in o.person.map { (o.line, $0) } })
        for (line, linePairs) in pairs.byLine {
            let p = model.posteriors(linePairs)
            let ranked = linePairs.indices.map { i in Candidate(person: linePairs[i].person, probability: p[i], pair: linePairs[i]) }
                .sorted { ($0.probability, $1.person) > ($1.probability, $0.person) }
            candidates[line] = ranked
            if let person = linkedPerson[line], let mine = ranked.first(where: { $0.person == person }) {
                scores[line] = Self.score(mine.pair, mine.probability, model, rules)
            }
        }
        self.candidates = candidates
        self.scores = scores
    }

    /// A pair's weight, probability and the parts of its weight.
    private static func score(_ pair: CandidatePairs.Pair, _ probability: Double, _ model: MatchModel, _ rules: IndirectRules) -> Score {
        let parts = model.contributions(pair)
        let detail =
            (parts.criteria.map { c -> String in
                let sign: String
                switch c.level {
                case .exact: sign = "="
                case .withinTolerance: sign = "~"
                case .disagree, .missing: sign = "≠"
                }
                return "\(rules.criteria[c.criterion].column) \(sign) \(String(format: "%+.1f", c.bits))"
            } + ["dependence \(String(format: "%+.1f", parts.dependence))"]).joined(separator: ", ")
        return Score(weight: model.weight(pair), probability: probability, detail: detail)
    }

    /// Who wants whom among the lines `linkage` leaves out: how many have each person among their
    /// candidates, and, per person, the lines the weighted group could give it to (excluded for a
    /// reason it reconsiders, that person first, at `minimum` and 0.5 or more). The weighted
    /// group, and its projection, give a person only when every line wanting it is among those.
    func demand(_ linkage: IndirectEngine.Linkage, minimum: Double) -> (wanted: [String: Int], sure: [String: [Int]]) {
        let threshold = max(minimum, 0.5)
        var wanted: [String: Int] = [:], sure: [String: [Int]] = [:]
        for o in linkage.outcomes where o.person == nil {
            for c in candidates[o.line] ?? [] { wanted[c.person, default: 0] += 1 }
            if Self.weighable.contains(o.exclusion), let best = candidates[o.line]?.first, best.probability >= threshold {
                sure[best.person, default: []].append(o.line)
            }
        }
        return (wanted, sure)
    }

    /// The exclusions the weighted group reconsiders: several candidates, a conflict between
    /// configurations, a person several lines claim.
    static let weighable: Set<IndirectEngine.Exclusion?> = [.multipleCandidates, .conflicting, .duplicatePerson]

    /// The linkage with the guard applied: links whose probability is below `minimum` become
    /// exclusions of their own (`weak_link`), and leave their configuration's count of links.
    func guarded(_ linkage: IndirectEngine.Linkage, minimum: Double) -> IndirectEngine.Linkage {
        var configurations = linkage.configurations
        let outcomes = linkage.outcomes.map { o -> IndirectEngine.Outcome in
            guard let group = o.group, let cfg = o.configuration, (scores[o.line]?.probability ?? 0) < minimum else { return o }
            var o = o
            o.person = nil
            o.group = nil
            o.configuration = nil
            o.history[group] = .weakLink
            o.exclusion = .weakLink
            configurations[cfg - 1].linked -= 1
            return o
        }
        return IndirectEngine.Linkage(outcomes: outcomes, configurations: configurations)
    }

    /// The linkage with the `weighted` group added as group `group`: each line excluded as
    /// `multiple_candidates`, `conflicting` or `duplicate_person` goes to its most probable
    /// candidate when that one's probability is at least `minimum` (and 0.5), the person is linked
    /// to no line yet, and every other line still out that has the person among its candidates
    /// also has it as its most probable candidate, as sure: then they are one patient the registry
    /// holds under several NS, and all are linked to it (the summary counts the people reached by
    /// several NS, as a direct linkage does). A person another line could also be, less surely or
    /// as a second choice, is not given. The probability already weighs the rivals: at 0.9 the
    /// first candidate's odds are at least nine times those of all the others together.
    func weighted(_ linkage: IndirectEngine.Linkage, minimum: Double, group: Int) -> IndirectEngine.Linkage {
        let linked = Set(linkage.outcomes.compactMap(\.person))
        let demand = demand(linkage, minimum: minimum)
        var picks: [Int: String] = [:]
        for (person, lines) in demand.sure where !linked.contains(person) && demand.wanted[person] == lines.count {
            for line in lines { picks[line] = person }
        }
        let outcomes = linkage.outcomes.map { o -> IndirectEngine.Outcome in
            guard let person = picks[o.line] else { return o }
            var o = o
            o.person = person
            o.group = group
            o.configuration = nil
            o.exclusion = nil
            return o
        }
        return IndirectEngine.Linkage(outcomes: outcomes, configurations: linkage.configurations)
    }

    /// The model and the expected wrong links of `accepted` (the linkage after the guard), with
    /// what the guard took out of `made` (before it).
    func summary(
        rules: IndirectRules, made: IndirectEngine.Linkage, accepted: IndirectEngine.Linkage, groups: [Int]
    ) -> ConfidenceSummary {
        let personOf = Dictionary(uniqueKeysWithValues: accepted.outcomes.compactMap { o in o.person.map { (o.line, $0) } })
        func probability(_ line: Int) -> Double {
            if let p = personOf[line], let s = score(line: line, person: p) { return s.probability }
            return scores[line]?.probability ?? 0
        }
        func estimate(_ lines: [Int], group: Int?) -> ConfidenceSummary.Estimate {
            let wrong = lines.map { 1 - probability($0) }
            let (low, high) = PoissonBinomial.interval(wrong, level: 0.95)
            return .init(group: group, links: lines.count, expectedWrong: wrong.reduce(0, +).rounded(toPlaces: 2), low: low, high: high)
        }
        // Both in line order, one outcome per valid line.
        let weak = zip(made.outcomes, accepted.outcomes).filter { $0.0.person != nil && $0.1.exclusion == .weakLink }.map(\.0.line)
        return ConfidenceSummary(
            events: model.events, presentShare: model.rho.rounded(toPlaces: 4), iterations: model.iterations, pairs: pairCount,
            criteria: rules.criteria.enumerated().map { k, c in
                let levels = ComparisonLevel.levels(for: c.comparison)
                func row(_ parentLevel: ComparisonLevel) -> [String: Double] {
                    Dictionary(uniqueKeysWithValues: levels.map { ($0.label, model.m(k, $0, parentLevel: parentLevel).rounded(toPlaces: 4)) })
                }
                guard let parent = model.parent[k] else { return .init(column: c.column, m: row(.exact)) }
                let parentLevels = ComparisonLevel.levels(for: rules.criteria[parent].comparison)
                return .init(
                    column: c.column, m: row(.exact), given: rules.criteria[parent].column,
                    mGiven: Dictionary(uniqueKeysWithValues: parentLevels.map { ($0.label, row($0)) }))
            },
            minLinkProbability: rules.strategy.minLinkProbability,
            minLinkProbabilityIsDefault: !rules.strategy.minLinkProbabilityGiven,
            groups: groups.map { g in estimate(accepted.outcomes.filter { $0.group == g }.map(\.line), group: g) },
            total: estimate(accepted.outcomes.filter { $0.person != nil }.map(\.line), group: nil),
            excludedAsWeak: estimate(weak, group: nil))
    }
}

/// The model and the expected wrong links, as summary.json records them.
public struct ConfidenceSummary: Codable, Sendable, Equatable {
    public struct Criterion: Codable, Sendable, Equatable {
        public var column: String
        /// m-probability per comparison level (for a later date: given the first date agrees).
        public var m: [String: Double]
        /// A later date's m depends on the first date's level: that date's column, and m per level
        /// of it.
        public var given: String?
        public var mGiven: [String: [String: Double]]?
    }

    public struct Estimate: Codable, Sendable, Equatable {
        /// nil: all groups.
        public var group: Int?
        public var links: Int
        /// Σ (1 − P) over the links.
        public var expectedWrong: Double
        /// 95 % interval of the number wrong.
        public var low: Int
        public var high: Int

        public init(group: Int?, links: Int, expectedWrong: Double, low: Int, high: Int) {
            self.group = group
            self.links = links
            self.expectedWrong = expectedWrong
            self.low = low
            self.high = high
        }

        /// "about 17 (9–27)".
        public var phrase: String {
            let about = expectedWrong < 10 ? String(format: "%.1f", expectedWrong) : String(Int(expectedWrong.rounded()))
            return "about \(about) (\(low)–\(high))"
        }
    }

    public var method = "Fellegi-Sunter: m by EM on the candidate pairs, u from the events' term frequencies"
    public var events: Int
    /// ρ: share of valid lines whose true event is among their candidates, as the model fits it.
    public var presentShare: Double
    public var iterations: Int
    public var pairs: Int
    public var criteria: [Criterion]
    /// The guard applied, and whether it is the default (the rules file set none).
    public var minLinkProbability: Double
    public var minLinkProbabilityIsDefault: Bool
    /// Accepted links, per group and in all.
    public var groups: [Estimate]
    public var total: Estimate
    /// Links the guard excluded as `weak_link`, with how many of them the model expected wrong
    /// (the rest is the recall the guard cost).
    public var excludedAsWeak: Estimate
    /// Per configuration: the candidates its joins observed and the persons expected to agree by
    /// chance, over the lines tried in it, with its accepted links' expected wrong
    /// (``ChanceCandidates``; absent from runs made before it existed).
    public var configurations: [ConfigurationEstimate]?
    /// Lines excluded as multiple_candidates, conflicting, duplicate_person or weak_link, and their candidates, in
    /// review.csv (``ClericalReview``).
    public var reviewLines: Int?
    public var reviewCandidates: Int?
}

/// One configuration's candidates, observed and expected by chance, and its links' expected wrong.
public struct ConfigurationEstimate: Codable, Sendable, Equatable {
    public var configuration: Int
    public var group: Int
    /// Lines in the pool when it ran, whose values let them be joined in it.
    public var linesTried: Int
    /// Persons its joins matched, summed over those lines.
    public var candidates: Int
    /// Persons expected to agree with those lines by chance, summed.
    public var expectedByChance: Double
    /// Its accepted links, and how many of them are expected wrong (Σ 1 − P, 95 % interval).
    public var links: Int
    public var expectedWrong: Double
    public var low: Int
    public var high: Int
}

/// The distribution of a count of independent trials with unequal chances.
enum PoissonBinomial {
    /// The central interval holding `level` of the count's probability.
    static func interval(_ chances: [Double], level: Double) -> (low: Int, high: Int) {
        // A chance is within [0, 1]; anything else (a NaN from a degenerate model) counts as none.
        let relevant = chances.filter { $0.isFinite && $0 > 1e-9 }.map { min($0, 1) }
        let mean = relevant.reduce(0, +)
        let sd = relevant.reduce(0) { $0 + $1 * (1 - $1) }.squareRoot()
        let cap = Int((mean + 10 * sd + 10).rounded(.up))
        guard cap <= 5_000 else {
            // Large counts: the normal approximation is as good as the exact sum and far cheaper.
            return (max(0, Int((mean - 1.96 * sd).rounded(.down))), Int((mean + 1.96 * sd).rounded(.up)))
        }
        var distribution = [1.0] + Array(repeating: 0.0, count: cap)
        var reach = 0
        for p in relevant {
            reach = min(reach + 1, cap)
            for k in stride(from: reach, through: 1, by: -1) {
                distribution[k] = distribution[k] * (1 - p) + distribution[k - 1] * p
            }
            distribution[0] *= 1 - p
        }
        let tail = (1 - level) / 2
        var running = 0.0, low = 0, high = cap
        var foundLow = false
        for (k, q) in distribution.enumerated() {
            running += q
            if !foundLow, running > tail {
                low = k
                foundLow = true
            }
            if running >= 1 - tail {
                high = k
                break
            }
        }
        return (low, high)
    }
}
