import Foundation

/// Whether the figures of a run's JSON files reconcile: counts not negative, the funnel adding up,
/// rates between 0 and 1 and equal to their counts, the verdict the one the rate gives.
///
/// The seal (integrity.json) tells an edited file from the run's own when the key is at hand;
/// these checks hold without it, and catch the edits that make a report absurd ("2,000 % found",
/// "precision −7.5") whoever made them. A run's own files always pass them: the runs check the
/// same sums before writing.
enum RunFigures {
    /// The first figure that does not reconcile, said in words; nil when all do.
    typealias Problem = String?

    static func check(_ problem: Problem, file: URL) throws {
        if let problem {
            throw LinkageError.runAltered(
                file.path, "its figures do not reconcile (\(problem)): the file was edited or damaged — run the linkage again")
        }
    }

    /// The first problem the checks find, in order (later checks assume the earlier hold).
    static func first(_ checks: [() -> Problem]) -> Problem {
        for check in checks { if let problem = check() { return problem } }
        return nil
    }

    static func negative(_ counts: [String: Int]) -> Problem {
        counts.sorted { $0.key < $1.key }.first { $0.value < 0 }.map { "\($0.key) is \($0.value)" }
    }

    static func rate(_ name: String, _ value: Double, is count: Int, of total: Int) -> Problem {
        guard value.isFinite, (0...1).contains(value) else { return "\(name) is \(value), not between 0 and 1" }
        let expected = total == 0 ? 0 : Double(count) / Double(total)
        return abs(value - expected) <= 0.0001 ? nil : "\(name) is \(value), but \(count) of \(total) is \(expected.rounded(toPlaces: 4))"
    }

    static func rate(_ name: String, _ value: Double?) -> Problem {
        guard let value else { return nil }
        return value.isFinite && (0...1).contains(value) ? nil : "\(name) is \(value), not between 0 and 1"
    }

    static func sum(_ name: String, _ parts: [Int], equals total: Int, _ totalName: String) -> Problem {
        // Added without trapping: an edited file may hold numbers whose sum overflows.
        guard let sum = Self.sum(of: parts) else { return "\(name) add up to more than any count" }
        return sum == total ? nil : "\(name) add up to \(sum), not \(totalName) \(total)"
    }

    /// The sum of `parts`, nil when it overflows.
    static func sum(of parts: [Int]) -> Int? {
        var sum = 0
        for part in parts {
            let (next, overflow) = sum.addingReportingOverflow(part)
            if overflow { return nil }
            sum = next
        }
        return sum
    }
}

extension DirectSummary {
    /// The first figure of summary.json that does not reconcile.
    public var figuresProblem: String? {
        let c = counts
        let checks: [() -> RunFigures.Problem] = [
            {
                RunFigures.negative([
                    "submitted": c.submitted, "rejected": c.rejected, "accepted": c.accepted, "found": c.found,
                    "notFound": c.notFound, "ambiguous": c.ambiguous, "people.linked": people.linked,
                ])
            },
            { RunFigures.sum("rejected and accepted", [c.rejected, c.accepted], equals: c.submitted, "submitted") },
            { RunFigures.sum("found, not found and ambiguous", [c.found, c.notFound, c.ambiguous], equals: c.accepted, "accepted") },
            { RunFigures.sum("rejectedByReason", Array(rejectedByReason.values), equals: c.rejected, "rejected") },
            { RunFigures.sum("notFoundByReason", Array(notFoundByReason.values), equals: c.notFound, "notFound") },
            { RunFigures.rate("foundRate", c.foundRate, is: c.found, of: c.submitted) },
            { people.linked <= c.found ? nil : "people.linked is \(people.linked), more than the \(c.found) lines found" },
        ]
        return RunFigures.first(checks)
    }
}

extension IndirectSummary {
    /// The first figure of summary.json that does not reconcile.
    public var figuresProblem: String? {
        let c = counts
        let rate = c.submitted == 0 ? 0 : Double(c.found) / Double(c.submitted)
        var checks: [() -> RunFigures.Problem] = [
            {
                RunFigures.negative([
                    "submitted": c.submitted, "rejected": c.rejected, "accepted": c.accepted, "found": c.found,
                    "excluded": c.excluded, "people.linked": people.linked,
                ])
            },
            { RunFigures.sum("rejected and accepted", [c.rejected, c.accepted], equals: c.submitted, "submitted") },
            { RunFigures.sum("found and excluded", [c.found, c.excluded], equals: c.accepted, "accepted") },
            { RunFigures.sum("rejectedByReason", Array(rejectedByReason.values), equals: c.rejected, "rejected") },
            { RunFigures.sum("the groups' links", groups.map(\.linked), equals: c.found, "found") },
            { RunFigures.rate("foundRate", c.foundRate, is: c.found, of: c.submitted) },
            { RunFigures.rate("threshold", threshold) },
            {
                verdict == Verdict(foundRate: rate, threshold: threshold)
                    ? nil : "the verdict is \(verdict.rawValue), but \(c.found) found of \(c.submitted) against a threshold of \(threshold) is not"
            },
        ]
        // A cascade: the lines passed on are this run's, found in all is both steps', and the
        // whole cohort's verdict is the one its rate gives — the figures the report puts first.
        if let d = directStep {
            checks += [
                { RunFigures.negative(["directStep.submitted": d.submitted, "directStep.found": d.found, "directStep.passedOn": d.passedOn]) },
                { RunFigures.sum("the direct step's found and passed on", [d.found, d.passedOn], equals: d.submitted, "directStep.submitted") },
                { d.passedOn == c.submitted ? nil : "directStep.passedOn is \(d.passedOn), but this run was given \(c.submitted) lines" },
                { RunFigures.sum("found by both steps", [d.found, c.found], equals: d.foundInAll, "directStep.foundInAll") },
                { RunFigures.rate("directStep.foundInAllRate", d.foundInAllRate, is: d.foundInAll, of: d.submitted) },
                {
                    d.verdict == Verdict(foundRate: d.foundInAllRate, threshold: threshold)
                        ? nil
                        : "the whole cohort's verdict is \(d.verdict.rawValue), but \(d.foundInAll) found of \(d.submitted) against \(threshold) is not"
                },
            ]
        }
        var cumulative: Int? = 0
        for g in groups {
            cumulative = cumulative.flatMap { RunFigures.sum(of: [$0, g.linked]) }
            let expected = cumulative ?? -1
            checks += [
                { RunFigures.negative(["group \(g.group) linked": g.linked]) },
                { RunFigures.rate("group \(g.group)'s rate", g.rate, is: g.linked, of: c.submitted) },
                { g.cumulative == expected ? nil : "group \(g.group)'s cumulative count is \(g.cumulative), not \(expected)" },
                { RunFigures.rate("group \(g.group)'s cumulative rate", g.cumulativeRate, is: g.cumulative, of: c.submitted) },
            ]
        }
        return RunFigures.first(checks)
    }
}

extension Evaluation {
    /// The first figure of evaluation.json that does not reconcile.
    public var figuresProblem: String? {
        var checks: [() -> RunFigures.Problem] = [
            {
                RunFigures.negative([
                    "lines": lines, "linked": linked, "correct": correct, "wrong": wrong, "findable": findable,
                    "asExpected": asExpected,
                ])
            },
            { RunFigures.sum("correct and wrong", [correct, wrong], equals: linked, "linked") },
            { linked <= lines ? nil : "linked is \(linked), more than the \(lines) lines" },
            { asExpected <= lines ? nil : "asExpected is \(asExpected), more than the \(lines) lines" },
            {
                guard linked > 0 else { return precision == nil ? nil : "precision is given with nothing linked" }
                guard let precision else { return "precision is missing" }
                return RunFigures.rate("precision", precision, is: correct, of: linked)
            },
            { RunFigures.rate("recall", recall) },
            { RunFigures.rate("foundRate", foundRate, is: linked, of: lines) },
            { RunFigures.rate("findableFoundRate", findableFoundRate) },
            { RunFigures.sum("the confusion table's lines", confusion.values.flatMap(\.values), equals: lines, "lines") },
        ]
        for (group, q) in byGroup.sorted(by: { $0.key < $1.key }) {
            checks += [
                { RunFigures.negative(["group \(group) linked": q.linked, "group \(group) correct": q.correct, "group \(group) wrong": q.wrong]) },
                { RunFigures.sum("group \(group)'s correct and wrong", [q.correct, q.wrong], equals: q.linked, "linked") },
                { RunFigures.rate("group \(group)'s precision", q.precision) },
                { RunFigures.rate("group \(group)'s cumulative recall", q.cumulativeRecall) },
            ]
        }
        return RunFigures.first(checks)
    }
}
