import Foundation
import GRDB

/// How often each value occurs among the candidate events, criterion by criterion: the
/// u-probabilities of the Fellegi–Sunter model, measured, not learned.
///
/// u is the chance that a random event agrees with a line's value. With term frequencies (Winkler)
/// it is that value's own frequency: agreeing on a rare diagnosis or a small département is worth
/// more than on `Z51` or Paris. For a date within ±d days, u of the same day is that day's share of
/// events and u of "within tolerance" the share of the 2d days around it.
///
/// A second date of the same event is not independent of the first: an exit date agrees by chance
/// whenever the entry date does and the stay lasted as long — a same-day stay (half the stays) agrees
/// on both or on neither. So every date criterion after the rules' first one is compared,
/// given the first, on the difference between the two (the length of stay): u is the share of
/// events whose difference would put the second date at that level, once the first date's own
/// offset is counted. Measured: without it, patients absent from the SNDS linked to a stranger's
/// day-case stay came out at probability 0.93.
struct TermFrequencies {
    /// Candidate events: the pool a chance agreement is drawn from.
    let events: Int
    /// Per criterion: events per value.
    private let counts: [[DatabaseValue: Int]]
    /// Per date criterion: events per day.
    private let days: [DayHistogram?]
    private let tolerance: [Int64]
    /// The first date criterion, and for each later one the events per difference from it.
    let firstDate: Int?
    private let differences: [DayHistogram?]

    /// Counts from the events' coded values (``ValueCodes``), no query.
    init(codes: ValueCodes, rules: IndirectRules) {
        events = max(codes.rows, 1)
        let n = rules.criteria.count
        counts = (0..<n).map { i in Dictionary(uniqueKeysWithValues: codes.valueCounts(i).map { ($0.value, $0.rows) }) }
        let tolerance = rules.criteria.map { c -> Int64 in if case .withinDays(let d) = c.comparison { Int64(d) } else { -1 } }
        self.tolerance = tolerance
        let dates = (0..<n).filter { tolerance[$0] >= 0 }
        let day: [[Int64?]] = (0..<n).map { i in dates.contains(i) ? codes.values(i).map { Int64.fromDatabaseValue($0) } : [] }
        days = (0..<n).map { i in
            guard dates.contains(i) else { return nil }
            var byDay: [Int64: Int] = [:]
            for (value, rows) in codes.valueCounts(i) { if let d = Int64.fromDatabaseValue(value) { byDay[d, default: 0] += rows } }
            return DayHistogram(byDay)
        }
        firstDate = dates.first
        differences = (0..<n).map { j in
            guard let i = dates.first, dates.contains(j), j != i else { return nil }
            var byDifference: [Int64: Int] = [:]
            for r in 0..<codes.rows {
                guard let a = day[i][Int(codes.codes[i][r])], let b = day[j][Int(codes.codes[j][r])] else { continue }
                byDifference[b - a, default: 0] += 1
            }
            return DayHistogram(byDifference)
        }
    }

    /// Events whose value on `criterion` is `value`.
    func count(_ criterion: Int, _ value: DatabaseValue) -> Int { counts[criterion][value] ?? 0 }

    /// Keeps a share within [1/2N, 1 − 1/2N], so that a value the events never hold (a chance
    /// agreement on it is not impossible, only rarer than the pool can show) weighs finitely.
    private func bounded(_ share: Double) -> Double {
        let n = Double(events)
        return min(max(share, 0.5 / n), 1 - 0.5 / n)
    }

    /// The u-probability of `level` for a line whose value on `criterion` is `value`: the share of
    /// events that would compare at that level with it.
    func u(_ criterion: Int, _ value: DatabaseValue, _ level: ComparisonLevel) -> Double {
        let n = Double(events)
        let same = Double(count(criterion, value))
        var near = 0.0
        if let histogram = days[criterion], let day = Int64.fromDatabaseValue(value) {
            let d = tolerance[criterion]
            near = Double(histogram.count(day - d, day + d)) - same
        }
        switch level {
        case .exact: return bounded(same / n)
        case .withinTolerance: return bounded(near / n)
        case .disagree: return bounded(1 - (same + near) / n)
        case .missing: return 1
        }
    }

    /// u of a later date criterion given the first date's: the line's dates are `first` and
    /// `value`, and the event's first date lies `offset` days from the line's. nil when the
    /// criterion is not a later date, or when a value is not a day.
    func u(_ criterion: Int, _ value: DatabaseValue, _ level: ComparisonLevel, first: DatabaseValue, offset: Int64) -> Double? {
        guard let histogram = differences[criterion], histogram.total > 0, let day = Int64.fromDatabaseValue(value),
            let start = Int64.fromDatabaseValue(first)
        else { return nil }
        // The event's date is its first date plus its difference; it lands `k` days from the line's
        // when its difference is (line's difference) − offset + k.
        let target = (day - start) - offset
        let d = tolerance[criterion]
        let n = Double(histogram.total)
        let same = Double(histogram.count(target, target))
        let near = Double(histogram.count(target - d, target + d)) - same
        switch level {
        case .exact: return bounded(same / n)
        case .withinTolerance: return bounded(near / n)
        case .disagree: return bounded(1 - (same + near) / n)
        case .missing: return 1
        }
    }
}

extension TermFrequencies {
    /// The share of events whose date on `criterion` lies within its tolerance of `value` (the
    /// same day included): the chance that a random event passes that criterion of a join.
    func windowShare(_ criterion: Int, _ value: DatabaseValue) -> Double {
        guard let histogram = days[criterion], let day = Int64.fromDatabaseValue(value) else { return 1 }
        let d = tolerance[criterion]
        return bounded(Double(histogram.count(day - d, day + d)) / Double(events))
    }

    /// The share of events passing a later date's window given that their first date passed its
    /// own: the event's first date lies at any day of its window (weighted by the events on that
    /// day), and its later date at its own difference from it. nil when the criterion is not a
    /// later date or a value is not a day.
    func windowShare(later criterion: Int, _ value: DatabaseValue, first: DatabaseValue) -> Double? {
        guard let i = firstDate, let histogram = differences[criterion], histogram.total > 0, let firstDays = days[i],
            let day = Int64.fromDatabaseValue(value), let start = Int64.fromDatabaseValue(first)
        else { return nil }
        let d = tolerance[criterion], dFirst = tolerance[i]
        var weighted = 0.0, weights = 0.0
        for offset in -dFirst...dFirst {
            let w = Double(firstDays.count(start + offset, start + offset))
            guard w > 0 else { continue }
            let target = (day - start) - offset
            weighted += w * Double(histogram.count(target - d, target + d)) / Double(histogram.total)
            weights += w
        }
        return weights > 0 ? bounded(weighted / weights) : nil
    }
}
