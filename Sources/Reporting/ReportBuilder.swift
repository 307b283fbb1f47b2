import Foundation
import Linkage
import SNDSModel

/// Builds a ``LinkageReport`` from a finished run's summary (and its evaluation, when a truth was
/// given), applying the small-cell rule to every count on the way.
///
/// The counts of one report are tied together (the funnel's stages, the groups, the reasons, the
/// data quality, the bias tables all partition the cohort or one of its parts): they are put in one
/// ``CountSystem`` with every sum that ties them, and protected together, so that no table gives
/// away what another hid. A count shown in two tables is one cell of the system.
public struct ReportBuilder {
    public enum Language: String, Sendable, CaseIterable, Codable { case fr, en }

    /// Who the report is for, which decides what the small-cell rule hides (docs/report.md).
    public enum Audience: String, Sendable, CaseIterable, Codable {
        /// The team that holds the run (results.csv gives every line's outcome): the counts of the
        /// cohort's lines are shown as they are; only counts of SNDS people outside the cohort (a
        /// configuration's candidates) are under the rule.
        case team
        /// Readers beyond that team (a steering committee, a publication, a file for the CNIL):
        /// every count of people under the rule, small categories merged, and no list of lines.
        case `public`
    }

    let rule: SmallCellRule
    let language: Language
    let createdAt: String
    let audience: Audience
    /// A direct run's success threshold, when one is asked for: a direct run has no rules file, and
    /// the CNAM's ≥ 90 % criterion is stated for indirect linkage.
    let directThreshold: Double?
    /// Département → region (``Regions``); empty: the bias check by département, as before.
    let regions: [String: String]

    public init(
        smallCellThreshold: Int = 10, language: Language = .fr, audience: Audience = .team, directThreshold: Double? = nil,
        regions: [String: String] = [:], createdAt: Date = Date()
    ) {
        rule = SmallCellRule(threshold: smallCellThreshold)
        self.language = language
        self.audience = audience
        self.directThreshold = directThreshold
        self.regions = regions
        self.createdAt = ISO8601DateFormatter().string(from: createdAt)
    }

    public func build(run: URL, summary: RunSummary, evaluation: Evaluation?) -> LinkageReport {
        switch summary {
        case .direct(let s): buildDirect(run: run, s, evaluation: evaluation)
        case .indirect(let s): buildIndirect(run: run, s, evaluation: evaluation)
        }
    }

    // MARK: - The funnel and the headline

    /// The cells every run has: the cohort's size (always shown), and its parts.
    struct Funnel {
        let submitted, rejected, accepted, found, notLinked: Int
        init(_ counts: CountSystem, submitted s: Int, rejected r: Int, accepted a: Int, found f: Int) {
            submitted = counts.count(FunnelStage.submitted.rawValue, s)
            rejected = counts.count(FunnelStage.rejected.rawValue, r)
            accepted = counts.count(FunnelStage.accepted.rawValue, a)
            found = counts.count(FunnelStage.found.rawValue, f)
            notLinked = counts.count(FunnelStage.notLinked.rawValue, s - f)
            counts.pinned.insert(submitted)
            counts.headline.formUnion([found, accepted, notLinked])
            counts.sum(submitted, of: [rejected, accepted])
            counts.sum(submitted, of: [found, notLinked])
        }
    }

    func stages(_ counts: CountSystem, _ funnel: Funnel, _ list: [(String, Int)], submitted: Int) -> [LinkageReport.Stage] {
        list.map { key, cell in
            LinkageReport.Stage(
                key: key, group: key.hasPrefix("group_") ? Int(key.dropFirst(6)) : nil, count: counts[cell],
                rate: counts[cell].share(of: submitted)?.reportRounded)
        }
    }

    func outcome(_ counts: CountSystem, _ funnel: Funnel, foundCount: Int, submitted: Int, threshold: Double?) -> LinkageReport.Outcome {
        // The verdict is the run's, whatever the rule hides: it says only which side of the
        // threshold the run is on.
        let verdict: Verdict? = threshold.map { submitted > 0 && Double(foundCount) / Double(submitted) >= $0 ? .success : .failure }
        let found = counts[funnel.found], notLinked = counts[funnel.notLinked]
        var range: [Double]?
        // Hidden because few were found, or few were not linked: the rate lies within k − 1 of an end.
        let n = Double(submitted), k = Double(rule.threshold - 1)
        if case .small = found {
            range = [1 / n, min(n, k) / n]
        } else if found.value == nil, case .small = notLinked {
            range = [max(0, n - k) / n, (n - 1) / n]
        }
        return .init(
            submitted: submitted, found: found, foundRate: found.share(of: submitted)?.reportRounded,
            foundRateRange: range?.map(\.reportRounded), threshold: threshold, verdict: verdict)
    }

    // MARK: - Reasons

    /// One cell per reason (largest first, then by code), the reasons summing to `total`.
    func reasonCells<Reason: RawRepresentable & Hashable>(
        _ counts: CountSystem, _ stage: FunnelStage, _ reasons: [Reason: Int], total: Int
    )
        -> [(reason: Reason, cell: Int)] where Reason.RawValue == String
    {
        let sorted = reasons.filter { $0.value > 0 }.sorted { ($0.value, $1.key.rawValue) > ($1.value, $0.key.rawValue) }
        let cells = sorted.map { (reason: $0.key, cell: counts.count(CellName.reason(stage, $0.key.rawValue), $0.value)) }
        counts.sum(total, of: cells.map(\.cell))
        return cells
    }

    func reasonRows<Reason: RawRepresentable>(
        _ counts: CountSystem, _ cells: [(reason: Reason, cell: Int)], submitted: Int
    )
        -> [LinkageReport.ReasonRow] where Reason.RawValue == String
    {
        reasonRows(counts, cells.map { ($0.reason.rawValue, $0.cell) }, submitted: submitted)
    }

    func reasonRows(_ counts: CountSystem, _ cells: [(reason: String, cell: Int)], submitted: Int) -> [LinkageReport.ReasonRow] {
        cells.map { LinkageReport.ReasonRow(reason: $0.reason, count: counts[$0.cell], rate: counts[$0.cell].share(of: submitted)?.reportRounded) }
    }

    // MARK: - Data quality

    struct QualityCells { let missing, reformatted, invalid, rejected: Int }

    func qualityCells(_ counts: CountSystem, _ q: [String: ColumnQuality], columns: [String]) -> [(column: String, cells: QualityCells)] {
        let all = columns + q.keys.filter { !columns.contains($0) }.sorted()
        return all.map { column in
            let c = q[column]!
            return (
                column,
                QualityCells(
                    missing: counts.count("quality.\(column).missing", c.missing),
                    reformatted: counts.count("quality.\(column).reformatted", c.reformatted),
                    invalid: counts.count("quality.\(column).invalid", c.invalid),
                    rejected: counts.count("quality.\(column).rejected", c.rejected))
            )
        }
    }

    func qualityRows(_ counts: CountSystem, _ quality: [(column: String, cells: QualityCells)], submitted: Int) -> [LinkageReport.QualityRow] {
        quality.map { column, q in
            LinkageReport.QualityRow(
                column: column, missing: counts[q.missing], missingShare: counts[q.missing].share(of: submitted)?.reportRounded,
                reformatted: counts[q.reformatted], reformattedShare: counts[q.reformatted].share(of: submitted)?.reportRounded,
                invalid: counts[q.invalid], invalidShare: counts[q.invalid].share(of: submitted)?.reportRounded,
                rejected: counts[q.rejected], rejectedShare: counts[q.rejected].share(of: submitted)?.reportRounded)
        }
    }

    /// The cells whose sum is the number of lines of unknown value in a bias table.
    func unknownParts(_ quality: [(column: String, cells: QualityCells)], column: String, lineLevel: [Int]) -> [Int]? {
        guard let q = quality.first(where: { $0.column == column })?.cells else { return nil }
        return lineLevel + [q.missing, q.invalid]
    }

    // MARK: - Who gets lost

    struct BiasRowCells { let split: CohortProfile.Split; let members: [String]?; let lines, linked, notLinked: Int }

    func biasCells(_ counts: CountSystem, _ p: CohortProfile, funnel: Funnel, unknownParts: [String: [Int]?]) -> [String: [BiasRowCells]] {
        var tables: [String: [BiasRowCells]] = [:]
        let places = regions.isEmpty ? [("departement", p.departement)] : [("region", byRegion(p.departement))]
        for (dimension, splits) in [("sex", p.sex), ("ageBand", p.ageBand)] + places {
            let rows = mergedRows(splits).map { split, members in
                BiasRowCells(
                    split: split, members: members, lines: counts.count("bias.\(dimension).\(split.category).lines", split.lines),
                    linked: counts.count("bias.\(dimension).\(split.category).linked", split.linked),
                    notLinked: counts.count("bias.\(dimension).\(split.category).notLinked", split.notLinked))
            }
            guard !rows.isEmpty else { tables[dimension] = []; continue }
            for r in rows { counts.sum(r.lines, of: [r.linked, r.notLinked]) }
            counts.sum(funnel.submitted, of: rows.map(\.lines))
            counts.sum(funnel.found, of: rows.map(\.linked))
            counts.sum(funnel.notLinked, of: rows.map(\.notLinked))
            // The regions' unknown is the départements' (the same lines: no département read).
            let partsKey = dimension == "region" ? "departement" : dimension
            if let unknown = rows.first(where: { $0.split.category == CohortProfile.unknown }), let parts = unknownParts[partsKey] ?? nil {
                counts.sum(unknown.lines, of: parts)
            }
            tables[dimension] = rows
        }
        return tables
    }

    /// The départements' splits summed by region, in the order of the region codes; a
    /// département the table does not know keeps its own code as its category (folded into
    /// unknown, it would break the sum that ties unknown to the lines without a département).
    func byRegion(_ splits: [CohortProfile.Split]) -> [CohortProfile.Split] {
        var sums: [String: CohortProfile.Split] = [:]
        for s in splits {
            let region = s.category == CohortProfile.unknown ? CohortProfile.unknown : regions[s.category] ?? s.category
            sums[region, default: .init(category: region, linked: 0, notLinked: 0)].linked += s.linked
            sums[region]!.notLinked += s.notLinked
        }
        return sums.values.sorted { a, b in
            (a.category == CohortProfile.unknown ? 1 : 0, a.category) < (b.category == CohortProfile.unknown ? 1 : 0, b.category)
        }
    }

    /// Wilson's 95 % interval for `k` of `n`.
    static func wilson(_ k: Int, _ n: Int) -> [Double] {
        let z = 1.959964, nn = Double(n), p = Double(k) / nn
        let denominator = 1 + z * z / nn
        let centre = (p + z * z / (2 * nn)) / denominator
        let half = z * (p * (1 - p) / nn + z * z / (4 * nn * nn)).squareRoot() / denominator
        return [max(0, centre - half), min(1, centre + half)]
    }

    /// Categories under the threshold merged into `other`; the members of `other` in their order.
    /// For readers beyond the team only: a category with fewer lines than the threshold would show
    /// a small count; they are merged into `other`, among themselves — never with a large category,
    /// which would hide its rate (men merged with the unknown sex hid the men's rate): an `other`
    /// still small is then hidden by the rule like any small count.
    func mergedRows(_ splits: [CohortProfile.Split]) -> [(CohortProfile.Split, [String]?)] {
        guard audience == .public else { return splits.map { ($0, nil) } }
        let rows = splits.filter { $0.lines >= rule.threshold }
        var other = CohortProfile.Split(category: "other", linked: 0, notLinked: 0)
        var members: [String] = []
        for s in splits where s.lines < rule.threshold {
            other.linked += s.linked; other.notLinked += s.notLinked; members.append(s.category)
        }
        members.sort { a, b in splits.firstIndex { $0.category == a }! < splits.firstIndex { $0.category == b }! }
        var out: [(CohortProfile.Split, [String]?)] = rows.map { ($0, nil) }
        if other.lines > 0 { out.append((other, members)) }
        return out
    }

    func biasRows(
        _ counts: CountSystem, _ tables: [String: [BiasRowCells]], profile p: CohortProfile, funnel: Funnel,
        submitted: Int
    ) -> LinkageReport.Bias {
        func rows(_ dimension: String) -> [LinkageReport.BiasRow] {
            (tables[dimension] ?? []).map { r in
                let lines = counts[r.lines], linked = counts[r.linked], notLinked = counts[r.notLinked]
                let rate: Double? =
                    linked.value != nil && lines.value != nil && r.split.lines > 0 ? Double(r.split.linked) / Double(r.split.lines) : nil
                var range: [Double]?
                if rate == nil, let n = lines.value.map(Double.init), n > 0 {
                    // The bounds the marks shown already imply.
                    let k = Double(rule.threshold - 1)
                    if case .small = notLinked { range = [(n - k) / n, (n - 1) / n] } else if case .small = linked { range = [1 / n, k / n] }
                }
                // Beside a rate shown: its interval, and whether it leaves out the overall rate.
                let interval = rate == nil ? nil : Self.wilson(r.split.linked, r.split.lines)
                // Not for `unknown`: its lines are mostly the ones rejected for that very value, a
                // fact of the file, not a bias of the linkage.
                let differs: LinkageReport.Differs? = interval.flatMap { ci in
                    submitted == 0 || r.split.category == CohortProfile.unknown ? nil : ci[1] < overall ? .below : ci[0] > overall ? .above : nil
                }
                return LinkageReport.BiasRow(
                    category: r.split.category, members: r.members, lines: lines, linked: linked, notLinked: notLinked,
                    linkedRate: rate?.reportRounded, linkedRateRange: range?.map { max(0, $0).reportRounded },
                    linkedRateInterval: interval?.map(\.reportRounded), differs: differs)
            }
        }
        let overall = submitted == 0 ? 0 : Double(p.sex.reduce(0) { $0 + $1.linked }) / Double(submitted)
        return .init(
            referenceYear: p.referenceYear, departementColumn: p.departementColumn,
            overallLinkedRate: counts[funnel.found].share(of: submitted)?.reportRounded,
            sex: rows("sex"), ageBand: rows("ageBand"), departement: regions.isEmpty ? rows("departement") : [],
            region: regions.isEmpty ? nil : rows("region"))
    }

    // MARK: - Evaluation

    struct EvaluationCells {
        let evaluation: Evaluation
        let correct, wrong: Int
        let groups: [(group: Int, linked: Int, correct: Int, wrong: Int)]
    }

    /// The evaluation's counts are cells of the system like the others (the links made are the
    /// funnel's found and groups). Its rates and the wrong links by NS are given as they are: they
    /// measure the method against a synthetic truth (a real cohort has none), and the issue asks for
    /// the wrong links by NS, which a reader can count.
    func evaluationCells(_ counts: CountSystem, _ e: Evaluation, funnel: Funnel, groups: [(group: Int, cell: Int)]) -> EvaluationCells {
        // A cascade's evaluation covers both steps; this report's funnel is the indirect step's.
        let direct = e.byGroup[Evaluation.directGroup] ?? Evaluation.GroupQuality()
        let correct = counts.count("evaluation.correct", e.correct - direct.correct)
        let wrong = counts.count("evaluation.wrong", e.wrong - direct.wrong)
        counts.sum(funnel.found, of: [correct, wrong])
        let groupCells = groups.map { g -> (group: Int, linked: Int, correct: Int, wrong: Int) in
            let q = e.byGroup[String(g.group)] ?? Evaluation.GroupQuality()
            let c = counts.count("evaluation.group_\(g.group).correct", q.correct), w = counts.count("evaluation.group_\(g.group).wrong", q.wrong)
            counts.sum(g.cell, of: [c, w])
            return (g.group, g.cell, c, w)
        }
        if !groupCells.isEmpty {
            counts.sum(correct, of: groupCells.map(\.correct))
            counts.sum(wrong, of: groupCells.map(\.wrong))
        }
        return EvaluationCells(evaluation: e, correct: correct, wrong: wrong, groups: groupCells)
    }

    func evaluationSection(_ counts: CountSystem, _ cells: EvaluationCells, funnel: Funnel) -> LinkageReport.EvaluationSection {
        let e = cells.evaluation
        let groups = cells.groups.map { g -> LinkageReport.EvaluationGroup in
            let q = e.byGroup[String(g.group)] ?? Evaluation.GroupQuality()
            // A group's rates give its counts back: hidden with them.
            let shown = counts[g.linked].value != nil && counts[g.correct].value != nil
            return .init(
                group: g.group, linked: counts[g.linked], correct: counts[g.correct], wrong: counts[g.wrong],
                precision: shown ? q.precision?.reportRounded : nil, cumulativeRecall: shown ? q.cumulativeRecall?.reportRounded : nil)
        }
        // A list of lines by NS is for the team only: beyond it, the counts (under the rule) say how many.
        let wrong =
            audience == .public
            ? []
            : e.mismatches.filter { $0.actual == Evaluation.foundWrongPerson }.map {
                LinkageReport.WrongLink(ns: $0.ns, line: $0.line, group: $0.group)
            }
        // The found rate is the funnel's: hidden with its count.
        guard let direct = e.byGroup[Evaluation.directGroup] else {
            return .init(
                truth: URL(fileURLWithPath: e.truth).lastPathComponent, lines: e.lines, linked: counts[funnel.found],
                correct: counts[cells.correct], wrong: counts[cells.wrong], precision: e.precision?.reportRounded,
                recall: e.recall?.reportRounded, foundRate: counts[funnel.found].value == nil ? nil : e.foundRate.reportRounded,
                findableFoundRate: e.findableFoundRate?.reportRounded, groups: groups, wrongLinks: wrong)
        }
        // A cascade: this step's links only (the whole cohort's precision and recall are in the
        // cascade section); its recall needs the lines passed on whose person is in the SNDS, which
        // the step alone does not know.
        let linked = e.linked - direct.linked, correct = e.correct - direct.correct
        let lines = e.lines - direct.linked
        return .init(
            truth: URL(fileURLWithPath: e.truth).lastPathComponent, lines: lines, linked: counts[funnel.found],
            correct: counts[cells.correct], wrong: counts[cells.wrong],
            precision: linked == 0 ? nil : (Double(correct) / Double(linked)).reportRounded, recall: nil,
            foundRate: counts[funnel.found].value == nil || lines == 0 ? nil : (Double(linked) / Double(lines)).reportRounded,
            findableFoundRate: nil, groups: groups, wrongLinks: wrong.filter { $0.group != nil })
    }
}

/// Every count of one report and the sums that tie them, protected together by the small-cell
/// rule: a count shown in two tables is one cell, registered once under one name.
final class CountSystem {
    private(set) var values: [Int] = []
    private var index: [String: Int] = [:]
    private(set) var equations: [[Int]] = []
    var pinned: Set<Int> = []
    var preferShown: Set<Int> = []
    /// Counts of SNDS people who are not lines of the cohort (a configuration's candidates): under
    /// the rule whatever the audience, since the team holds no file that gives them.
    var outsideCohort: Set<Int> = []
    /// Hidden last of all: the run's result.
    var headline: Set<Int> = []
    private var cells: [Cell] = []

    /// The cell named `name` (registered with `value` the first time).
    @discardableResult
    func count(_ name: String, _ value: Int) -> Int {
        if let i = index[name] { return i }
        values.append(value)
        index[name] = values.count - 1
        return values.count - 1
    }

    /// `total` is the sum of `parts`.
    func sum(_ total: Int, of parts: [Int]) {
        guard !parts.isEmpty else { return }
        equations.append([total] + parts)
    }

    /// `whole` counts at least the lines of `part`: what a reader gets by subtracting them is a count
    /// too, shown nowhere but protected like any other (a small difference hides one of the two).
    func atLeast(_ whole: Int, _ part: Int, name: String) {
        let rest = count("\(name).difference", max(0, values[whole] - values[part]))
        sum(whole, of: [part, rest])
    }

    /// Applies the rule for `audience`: for the team that holds the run, the cohort's line counts
    /// are shown as they are (results.csv gives each line's outcome) and only the counts outside
    /// the cohort are hidden when small (they enter no sum); for readers beyond it, every count, with
    /// the secondary suppression that keeps a small one from being worked out.
    func solve(_ rule: SmallCellRule, audience: ReportBuilder.Audience) {
        switch audience {
        case .team:
            cells = values.indices.map { outsideCohort.contains($0) ? rule.cell(values[$0]) : .count(values[$0]) }
        case .public:
            cells = rule.protect(values, equations: equations, pinned: pinned, preferShown: preferShown, headline: headline)
        }
    }

    subscript(_ i: Int) -> Cell { cells[i] }
}
