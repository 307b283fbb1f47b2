import Foundation

/// The configurations of criteria an indirect linkage tries, group by group.
///
/// Group 1 keeps every criterion. Group k keeps all but k − 1 of the droppable criteria, in every
/// such configuration, ordered so that configurations dropping the least discriminant criteria
/// come first (the order in which a link's configuration is named when several agree).
public struct LinkagePlan: Sendable, Codable, Equatable {
    public struct Configuration: Sendable, Codable, Equatable {
        /// 1, 2, … in run order.
        public let id: Int
        public let group: Int
        /// Criterion indices kept and dropped.
        public let kept: [Int]
        public let dropped: [Int]
    }

    /// Droppable criteria (indices), least discriminant first.
    public let dropOrder: [Int]
    public let configurations: [Configuration]

    public var groups: [Int] { Array(Set(configurations.map(\.group))).sorted() }

    /// `entropy[i]`: the measured discriminance of criterion i (used when the order is `auto`).
    public init(rules: IndirectRules, entropy: [Double]) {
        let order: [Int]
        switch rules.strategy.dropOrder {
        case .auto:
            order = rules.criteria.indices.filter { !rules.criteria[$0].keep }
                .sorted { (entropy[$0], $0) < (entropy[$1], $1) }
        case .explicit(let columns):
            order = columns.map { c in rules.criteria.firstIndex { $0.column == c }! }
        }
        dropOrder = order
        var configurations: [Configuration] = []
        let all = Array(rules.criteria.indices)
        for dropped in 0...rules.strategy.maxDropped {
            for positions in Self.combinations(of: dropped, from: order.count) {
                let removed = positions.map { order[$0] }
                configurations.append(
                    Configuration(
                        id: configurations.count + 1, group: dropped + 1,
                        kept: all.filter { !removed.contains($0) }, dropped: removed))
            }
        }
        self.configurations = configurations
    }

    /// Index combinations of size k from 0..<n, in lexicographic order.
    static func combinations(of k: Int, from n: Int) -> [[Int]] {
        guard k > 0 else { return [[]] }
        guard k <= n else { return [] }
        var out: [[Int]] = []
        var current: [Int] = []
        func extend(from start: Int) {
            if current.count == k { out.append(current); return }
            for i in start..<n where n - i >= k - current.count {
                current.append(i)
                extend(from: i + 1)
                current.removeLast()
            }
        }
        extend(from: 0)
        return out
    }

    /// How many configurations a strategy gives (checked when the rules are read).
    public static func configurationCount(criteria: Int, droppable: Int, maxDropped: Int) -> Int {
        func binomial(_ n: Int, _ k: Int) -> Int {
            guard k >= 0, k <= n else { return 0 }
            var r = 1
            for i in 0..<k { r = r * (n - i) / (i + 1) }
            return r
        }
        return (0...max(0, min(maxDropped, droppable))).reduce(0) { $0 + binomial(droppable, $1) }
    }
}
