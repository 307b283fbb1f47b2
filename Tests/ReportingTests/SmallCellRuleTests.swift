import Foundation
import Reporting
import Synthesis
import Testing

/// The small-cell rule on its own: primary suppression, and no equation left with a single hidden
/// member (which subtraction would give away), over many random tables.
@Suite struct SmallCellRuleTests {
    @Test func smallCountsAreHiddenAndZeroIsShown() {
        let rule = SmallCellRule(threshold: 10)
        #expect(rule.cell(0) == .count(0))
        #expect(rule.cell(1) == .small(threshold: 10))
        #expect(rule.cell(9) == .small(threshold: 10))
        #expect(rule.cell(10) == .count(10))
        // A total shown with one small part: a second part is hidden with it.
        let cells = rule.protect([100, 3, 97], equations: [[0, 1, 2]], pinned: [0])
        #expect(cells == [.count(100), .small(threshold: 10), .masked])
        // Headline figures are hidden last.
        let headline = rule.protect([100, 3, 60, 37], equations: [[0, 1, 2, 3]], pinned: [0], preferShown: [3])
        #expect(headline[3] == .count(37) && headline[2] == .masked)
    }

    @Test func cellsEncodeAsNumbersOrMarks() throws {
        let cells: [Cell] = [.count(12), .small(threshold: 10), .masked, .count(0)]
        let data = try JSONEncoder().encode(cells)
        #expect(String(decoding: data, as: UTF8.self) == #"[12,"<10","masked",0]"#)
        #expect(try JSONDecoder().decode([Cell].self, from: data) == cells)
    }

    /// Random two-way tables with their row and column totals (as the bias tables are built): after
    /// protection no equation has exactly one hidden member unless nothing else could be hidden, and
    /// no shown count is small.
    @Test func noHiddenCountCanBeWorkedOutByOneSubtraction() {
        var random = SeededGenerator(seed: 2026)
        for _ in 0..<500 {
            let k = Int.random(in: 2...12, using: &random)
            let rows = Int.random(in: 1...6, using: &random), columns = Int.random(in: 2...3, using: &random)
            var table = (0..<rows).map { _ in
                (0..<columns).map { _ in
                    Int.random(in: 0...3, using: &random) == 0 ? Int.random(in: 0...15, using: &random) : Int.random(in: 0...60, using: &random)
                }
            }
            if table.joined().allSatisfy({ $0 == 0 }) { table[0][0] = 1 }
            // values: cells, then row totals, then column totals, then the grand total (pinned).
            var values = table.flatMap { $0 }
            let rowTotal = table.map { $0.reduce(0, +) }, columnTotal = (0..<columns).map { c in table.map { $0[c] }.reduce(0, +) }
            values += rowTotal + columnTotal + [rowTotal.reduce(0, +)]
            let grand = values.count - 1
            var equations: [[Int]] = []
            for r in 0..<rows { equations.append((0..<columns).map { r * columns + $0 } + [rows * columns + r]) }
            for c in 0..<columns { equations.append((0..<rows).map { $0 * columns + c } + [rows * columns + rows + c]) }
            equations.append((0..<rows).map { rows * columns + $0 } + [grand])
            equations.append((0..<columns).map { rows * columns + rows + $0 } + [grand])
            let rule = SmallCellRule(threshold: k)
            let cells = rule.protect(values, equations: equations, pinned: [grand])
            for (i, c) in cells.enumerated() {
                if let n = c.value, i != grand { #expect(n == 0 || n >= k) }
                if c.value == nil { #expect(!(values[i] > 0 && values[i] < k) || c == .small(threshold: k)) }
            }
            for e in equations {
                let hiddenMembers = e.filter { cells[$0].value == nil }
                // One hidden member is acceptable only when every other member is pinned or hidden
                // already, i.e. nothing could have been hidden with it.
                if hiddenMembers.count == 1 {
                    #expect(e.allSatisfy { $0 == hiddenMembers[0] || $0 == grand }, "table \(table), k \(k), equation \(e)")
                }
            }
        }
    }
}
