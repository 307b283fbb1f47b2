/// Counts of events per day (or per difference in days), to count those within a range of days
/// in a binary search.
struct DayHistogram: Sendable {
    private let days: [Int64]
    /// Events on `days[0…i]`.
    private let cumulative: [Int]
    /// Events counted.
    let total: Int

    init(_ counts: [Int64: Int]) {
        let ordered = counts.sorted { $0.key < $1.key }
        days = ordered.map(\.key)
        var running = 0
        cumulative = ordered.map {
            running += $0.value
            return running
        }
        total = running
    }

    /// Events on days ≤ `day`.
    private func upTo(_ day: Int64) -> Int {
        var lo = 0, hi = days.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if days[mid] <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo == 0 ? 0 : cumulative[lo - 1]
    }

    /// Events on days from `low` to `high`, both included.
    func count(_ low: Int64, _ high: Int64) -> Int { high < low ? 0 : upTo(high) - upTo(low - 1) }
}
