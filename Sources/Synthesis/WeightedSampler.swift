/// Draws indices in proportion to weights in constant time (Walker's alias method).
///
/// The population is drawn from about 4,000 INSEE cells (département × sex × age band), and
/// communes, countries and bodies from lists of thousands: a binary search per draw would do, but
/// the alias table costs one uniform draw and one comparison whatever the list's length.
public struct WeightedSampler: Sendable {
    private let probability: [Double]
    private let alias: [Int]
    public let count: Int

    /// - Parameter weights: non-negative, not all zero.
    public init(weights: [Double]) {
        let n = weights.count
        precondition(n > 0, "no weights")
        let total = weights.reduce(0, +)
        precondition(total > 0, "weights sum to zero")
        var scaled = weights.map { $0 * Double(n) / total }
        var probability = [Double](repeating: 0, count: n)
        var alias = [Int](repeating: 0, count: n)
        var small: [Int] = [], large: [Int] = []
        for (i, w) in scaled.enumerated() { if w < 1 { small.append(i) } else { large.append(i) } }
        while !small.isEmpty, !large.isEmpty {
            let s = small.removeLast(), l = large[large.count - 1]
            probability[s] = scaled[s]
            alias[s] = l
            scaled[l] -= 1 - scaled[s]
            if scaled[l] < 1 {
                large.removeLast()
                small.append(l)
            }
        }
        for i in large + small { probability[i] = 1 }
        self.probability = probability
        self.alias = alias
        self.count = n
    }

    public func sample(using rng: inout SeededGenerator) -> Int {
        let i = rng.uniform(count)
        return rng.unit() < probability[i] ? i : alias[i]
    }
}
