import Testing

@testable import Synthesis

struct WeightedSamplerTests {
    /// Every weight list, including ones whose rounding empties the alias table's "large" side
    /// first, is sampled in proportion to its weights.
    @Test func drawsFollowTheWeights() {
        var lists = SeededGenerator(seed: 99)
        for _ in 0..<200 {
            let count = 2 + lists.uniform(12)
            let weights = (0..<count).map { _ in lists.unit() * (lists.chance(0.2) ? 100 : 1) }
            let total = weights.reduce(0, +)
            let sampler = WeightedSampler(weights: weights)
            var rng = SeededGenerator(seed: lists.next())
            var counts = [Int](repeating: 0, count: count)
            let draws = 40_000
            for _ in 0..<draws { counts[sampler.sample(using: &rng)] += 1 }
            for i in 0..<count {
                let expected = weights[i] / total
                let observed = Double(counts[i]) / Double(draws)
                #expect(abs(observed - expected) < 0.012, "weight \(i) of \(weights): \(observed) vs \(expected)")
            }
        }
    }
}
