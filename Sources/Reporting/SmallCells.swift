/// A count as the report may show it: the number, or hidden under the small-cell rule.
///
/// In JSON a shown count is a number, a small one the string "<N>" (N the threshold) and a count
/// hidden so that a small one cannot be worked out by subtraction the string "masked": a machine
/// reading the report tells them apart by type, a person reads the same marks in the HTML.
public enum Cell: Sendable, Equatable, Codable {
    case count(Int)
    /// Between 1 and the threshold − 1 (primary suppression).
    case small(threshold: Int)
    /// Not small, hidden because a small one could otherwise be recovered (secondary suppression).
    case masked

    public var value: Int? { if case .count(let n) = self { n } else { nil } }

    /// What both the JSON (as a string) and the HTML show for a hidden count.
    public var hiddenMark: String? {
        switch self {
        case .count: nil
        case .small(let k): "<\(k)"
        case .masked: "masked"
        }
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let n = try? c.decode(Int.self) { self = .count(n); return }
        let s = try c.decode(String.self)
        if s == "masked" { self = .masked; return }
        guard s.hasPrefix("<"), let k = Int(s.dropFirst()) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "a count, \"<N>\" or \"masked\"")
        }
        self = .small(threshold: k)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        if let n = value { try c.encode(n) } else { try c.encode(hiddenMark!) }
    }

    /// A share of `total` when this count is shown; nil when hidden (a share would give it away).
    public func share(of total: Int) -> Double? {
        guard let n = value else { return nil }
        return total == 0 ? nil : Double(n) / Double(total)
    }
}

/// The small-cell rule of the report: no count of 1 to `threshold` − 1 people is shown, and no
/// hidden count can be worked out from the counts shown around it.
///
/// Counts of people published from the SNDS follow such a rule (CNAM, CNIL): a cell of 3 people of
/// one département and one age band can single them out. Hiding the small cells alone is not
/// enough when a table shows its totals: a hidden cell is then the total minus the others. So each
/// table is given with its equations (sets of counts one of which is the sum of the others: a row
/// and its total, a partition of the cohort) and, while some equation has exactly one hidden
/// member, the smallest other member is hidden too (secondary suppression). Zero is shown: it
/// describes nobody. The cohort's size is always shown (the sponsor knows it).
public struct SmallCellRule: Sendable, Equatable {
    public let threshold: Int

    public init(threshold: Int) { self.threshold = max(1, threshold) }

    /// One count on its own, with no total beside it.
    public func cell(_ n: Int) -> Cell {
        n > 0 && n < threshold ? .small(threshold: threshold) : .count(n)
    }

    /// Protects the counts `values` of one table.
    /// - Parameters:
    ///   - equations: sets of indices into `values` whose members are linked by a sum, the total
    ///     first, then its parts (knowing all but one gives the last).
    ///   - pinned: indices always shown (the cohort's size).
    ///   - hidden: indices already hidden elsewhere in the report (a total hidden in another table).
    ///   - preferShown: indices hidden only when nothing else can be (a table's main figures).
    ///   - headline: indices hidden after those too (the run's result: found, not linked).
    public func protect(
        _ values: [Int], equations: [[Int]], pinned: Set<Int> = [], hidden: Set<Int> = [],
        preferShown: Set<Int> = [], headline: Set<Int> = []
    ) -> [Cell] {
        func tier(_ i: Int) -> Int { headline.contains(i) ? 2 : preferShown.contains(i) ? 1 : 0 }
        var cells = values.indices.map { i -> Cell in
            if pinned.contains(i) { return .count(values[i]) }
            if hidden.contains(i) { return .masked }
            return cell(values[i])
        }
        func isHidden(_ i: Int) -> Bool { cells[i].value == nil }
        var changed = true
        while changed {
            changed = false
            // A total shown minus its parts shown gives the sum of its hidden parts: that sum
            // must not be small either (two reasons of 2 and 3 beside a total make a 5).
            for equation in equations {
                let total = equation[0], parts = equation.dropFirst()
                guard !isHidden(total) else { continue }
                let hiddenSum = parts.filter(isHidden).reduce(0) { $0 + values[$1] }
                guard hiddenSum > 0, hiddenSum < threshold, parts.filter(isHidden).count > 1 else { continue }
                let candidates = parts.filter { !isHidden($0) && !pinned.contains($0) }
                func rank(_ i: Int) -> (Int, Int, Int) { (tier(i), values[i] == 0 ? 1 : 0, values[i]) }
                guard let next = candidates.min(by: { rank($0) < rank($1) }) else { continue }
                cells[next] = .masked
                changed = true
            }
            for equation in equations where equation.filter(isHidden).count == 1 {
                // Hide the smallest other member that can be hidden, preferring one that is not a
                // headline figure, then one that is not zero (hiding a zero protects as well, but
                // says less that is true).
                let candidates = equation.filter { !isHidden($0) && !pinned.contains($0) }
                func rank(_ i: Int) -> (Int, Int, Int) { (tier(i), values[i] == 0 ? 1 : 0, values[i]) }
                guard let next = candidates.min(by: { rank($0) < rank($1) }) else { continue }
                cells[next] = .masked
                changed = true
            }
        }
        return cells
    }
}
