import Foundation

/// The Fellegi–Sunter model of a run, fitted without a truth: m-probabilities by EM on the
/// candidate pairs, u-probabilities from the events' term frequencies, and the share of lines whose
/// true event is among the candidates.
///
/// The posterior follows the engine's own question — which of a line's candidates, if any, is its
/// patient — rather than scoring pairs one by one. A line's patient is present with its event
/// among the candidates with probability ρ; the other candidates are chance agreements, a Poisson
/// process whose intensity for a comparison vector γ is N·u(γ) (N events in the pool, u(γ) counted
/// jointly on them, see ``CandidatePairs``). Candidate i
/// being the patient then has odds, against "none is", of
///
///     rᵢ = ρ / (1 − ρ) × m(γᵢ) / (N · u(γᵢ)),   and   P(i) = rᵢ / (1 + Σⱼ rⱼ).
///
/// So a unique candidate agreeing on values that many events hold is doubtful, and a candidate
/// with a close rival is too. EM alternates these posteriors with m (the share of the posterior
/// mass at each level, criterion by criterion) and ρ (posterior mass per valid line) until they
/// settle. m treats criteria as independent given a true match, as in Fellegi–Sunter; u does not.
struct MatchModel {
    /// Per criterion, per row, per level (``ComparisonLevel/rawValue``): m. A criterion has one row,
    /// except a date after the rules' first one: one row per level of the first date, since a true
    /// match's dates move together (a registry that shifts an entry date shifts the exit date too).
    private(set) var m: [[[Double]]]
    /// Share of valid lines whose true event is among their candidates.
    private(set) var rho: Double
    let events: Int
    private(set) var iterations = 0
    /// The fit's log-likelihood (see ``measuredLogLikelihood(_:validLines:)``), to choose among starts.
    private(set) var logLikelihood = -Double.infinity

    private let levels: [[ComparisonLevel]]
    /// For each criterion, the criterion its m is conditioned on (the first date), if any.
    let parent: [Int?]

    init(rules: IndirectRules, pairs: CandidatePairs, validLines: Int, events: Int, firstDate: Int?) {
        self.events = max(events, 1)
        levels = rules.criteria.map { ComparisonLevel.levels(for: $0.comparison) }
        let parent = rules.criteria.indices.map { k -> Int? in
            if let f = firstDate, k != f, case .withinDays = rules.criteria[k].comparison { return f }
            return nil
        }
        self.parent = parent
        m = []
        rho = 0.5
        let levels = self.levels
        // EM finds a local optimum, which may depend on where it starts (a criterion often wrong in a
        // registry read as patients absent). So it runs from two starts, disagreements rare and
        // disagreements common, and keeps the fit the data make likelier. On the scenarios measured
        // (docs/link-confidence.md) both end at the same fit: a safeguard, not a fix.
        var best: MatchModel?
        for (disagree, rho) in [(0.05, 0.5), (0.3, 0.9)] {
            var candidate = self
            let start = levels.map { lv in
                var row = [0.0, 0.0, 0.0]
                let near = lv.contains(.withinTolerance) ? 0.05 : 0
                row[ComparisonLevel.withinTolerance.rawValue] = near
                row[ComparisonLevel.disagree.rawValue] = disagree
                row[ComparisonLevel.exact.rawValue] = 1 - disagree - near
                return row
            }
            candidate.m = start.indices.map { k in Array(repeating: start[k], count: parent[k] == nil ? 1 : ComparisonLevel.allCases.count) }
            candidate.rho = rho
            candidate.fit(pairs, validLines: max(validLines, 1))
            candidate.logLikelihood = candidate.measuredLogLikelihood(pairs, validLines: max(validLines, 1))
            if best == nil || candidate.logLikelihood > best!.logLikelihood { best = candidate }
        }
        m = best!.m
        rho = best!.rho
        iterations = best!.iterations
        logLikelihood = best!.logLikelihood
    }

    /// ln of the likelihood of the candidates the lines have, up to a constant (the chance
    /// process's own factors): a line with candidates i contributes ln[(1 − ρ) + ρ Σ m(γᵢ)/λ(γᵢ)],
    /// a line without any ln(1 − ρ).
    private func measuredLogLikelihood(_ pairs: CandidatePairs, validLines: Int) -> Double {
        var total = 0.0
        let logPrior = log(rho) - log(1 - rho)
        for (_, linePairs) in pairs.byLine {
            let logR = linePairs.map { logPrior + logLikelihoodRatio($0) }
            let top = max(0, logR.max() ?? 0)
            total += log(1 - rho) + top + log(exp(-top) + logR.reduce(0) { $0 + exp($1 - top) })
        }
        return total + Double(max(validLines - pairs.byLine.count, 0)) * log(1 - rho)
    }

    /// The row of criterion `k`'s m that applies to `pair`.
    private func row(_ k: Int, _ pair: CandidatePairs.Pair) -> Int { parent[k].map { pair.levels[$0].rawValue } ?? 0 }

    private mutating func fit(_ pairs: CandidatePairs, validLines: Int) {
        let criteria = m.count
        for iteration in 1...500 {
            iterations = iteration
            var mass = m.map { rows in rows.map { _ in [0.0, 0.0, 0.0] } }
            var compared = m.map { rows in rows.map { _ in 0.0 } }
            var total = 0.0
            for (_, linePairs) in pairs.byLine {
                let p = posteriors(linePairs)
                for (pair, pi) in zip(linePairs, p) where pi > 0 {
                    total += pi
                    for k in 0..<criteria where pair.levels[k] != .missing {
                        let r = row(k, pair)
                        mass[k][r][pair.levels[k].rawValue] += pi
                        compared[k][r] += pi
                    }
                }
            }
            var change = 0.0
            for k in 0..<criteria {
                for r in m[k].indices {
                    // A small pseudo-count keeps every level possible (a level no pair showed yet).
                    let prior = 0.5
                    let denominator = compared[k][r] + prior * Double(levels[k].count)
                    for level in levels[k] {
                        let updated = (mass[k][r][level.rawValue] + prior) / denominator
                        change = max(change, abs(updated - m[k][r][level.rawValue]))
                        m[k][r][level.rawValue] = updated
                    }
                }
            }
            let updatedRho = min(max(total / Double(validLines), 1e-6), 1 - 1e-6)
            change = max(change, abs(updatedRho - rho))
            rho = updatedRho
            if change < 1e-7 { break }
        }
    }

    /// m of `pair`'s level on criterion `k`.
    private func m(_ k: Int, _ pair: CandidatePairs.Pair) -> Double { m[k][row(k, pair)][pair.levels[k].rawValue] }

    /// ln m(γ) / (N u(γ)) of a pair, the prior aside: N u(γ) is the pair's chance intensity,
    /// counted jointly (``CandidatePairs``).
    private func logLikelihoodRatio(_ pair: CandidatePairs.Pair) -> Double {
        var s = -pair.logChance
        for k in pair.levels.indices where pair.levels[k] != .missing {
            s += log(m(k, pair))
        }
        return s
    }

    /// ln r of a pair: its odds of being the line's patient against "none of the candidates is",
    /// as if it were the line's only candidate.
    func logOdds(_ pair: CandidatePairs.Pair) -> Double { log(rho) - log(1 - rho) + logLikelihoodRatio(pair) }

    /// The probability that each of one line's candidates is its patient.
    func posteriors(_ linePairs: [CandidatePairs.Pair]) -> [Double] {
        let logPrior = log(rho) - log(1 - rho)
        let logR = linePairs.map { logPrior + logLikelihoodRatio($0) }
        // P(i) = rᵢ / (1 + Σ r), in logs to stay finite.
        let top = max(0, logR.max() ?? 0)
        let denominator = exp(-top) + logR.reduce(0) { $0 + exp($1 - top) }
        return logR.map { exp($0 - top) / denominator }
    }

    /// The match weight of a pair, log2 m(γ)/u(γ) with u(γ) the joint chance agreement: the sum
    /// of ``contributions(_:)``.
    func weight(_ pair: CandidatePairs.Pair) -> Double {
        (logLikelihoodRatio(pair) + log(Double(events))) / log(2)
    }

    /// The parts of ``weight(_:)``, in bits: each compared criterion's log2 m/u with u its own
    /// term frequency, then the dependence correction — what counting the agreeing criteria
    /// jointly adds (negative when they agree together more often than one by one).
    func contributions(_ pair: CandidatePairs.Pair) -> (criteria: [(criterion: Int, level: ComparisonLevel, bits: Double)], dependence: Double) {
        let criteria = pair.levels.indices.filter { pair.levels[$0] != .missing }.map { k in
            (k, pair.levels[k], (log(m(k, pair)) - pair.logU[k]) / log(2))
        }
        let dependence = weight(pair) - criteria.reduce(0) { $0 + $1.2 }
        return (criteria, dependence)
    }

    /// m of `level` on `criterion`; for a later date, given the first date at `parentLevel`.
    func m(_ criterion: Int, _ level: ComparisonLevel, parentLevel: ComparisonLevel = .exact) -> Double {
        m[criterion][parent[criterion] == nil ? 0 : parentLevel.rawValue][level.rawValue]
    }
}
