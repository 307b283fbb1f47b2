import Foundation
import Linkage
import SNDSModel

/// Builds a ``LinkageReport`` from a finished run's summary (and its evaluation, when a truth was
/// given), applying the small-cell rule to every count on the way.
///
/// The counts of one report are tied together (the funnel's stages, the groups, the reasons, the
/// bias tables all partition the cohort): a count hidden in one table is hidden in every other
/// that shows it, so no table gives away what another hid.
public struct ReportBuilder {
    public enum Language: String, Sendable, CaseIterable, Codable { case fr, en }

    /// The success threshold of a direct run, which has no rules file: the CNAM's criterion (90 %
    /// of the cohort found), the same as the default rules'.
    public static let directThreshold = 0.90

    let rule: SmallCellRule
    let language: Language
    let createdAt: String

    public init(smallCellThreshold: Int = 10, language: Language = .fr, createdAt: Date = Date()) {
        rule = SmallCellRule(threshold: smallCellThreshold)
        self.language = language
        self.createdAt = ISO8601DateFormatter().string(from: createdAt)
    }

    /// A run's summary, whichever kind of linkage made it.
    public enum Summary: Sendable {
        case direct(DirectSummary)
        case indirect(IndirectSummary)

        /// Reads `summary.json` in `run`.
        public static func read(from run: URL) throws -> Summary {
            guard DirectRun.isRunFolder(run) else {
                throw LinkageError.badRun(run.path, "no summary.json of appariement: not a finished linkage run")
            }
            let data = FileManager.default.contents(atPath: run.appendingPathComponent("summary.json").path) ?? Data()
            let kind = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["kind"] as? String
            do {
                return kind == IndirectRun.kind ? .indirect(try IndirectSummary.read(from: run)) : .direct(try DirectSummary.read(from: run))
            } catch let error as LinkageError {
                guard case .badRun(let path, let why) = error else { throw error }
                throw LinkageError.badRun(path, why + " — was the run made by an older version? Run the linkage again with this one")
            }
        }
    }

    /// Stage indices in the funnel's table of counts.
    private struct FunnelCells {
        var values: [Int] = []
        var keys: [String] = []
        mutating func add(_ key: String, _ n: Int) -> Int { keys.append(key); values.append(n); return values.count - 1 }
    }

    public func build(run: URL, summary: Summary, evaluation: Evaluation?) -> LinkageReport {
        switch summary {
        case .direct(let s): buildDirect(run: run, s, evaluation: evaluation)
        case .indirect(let s): buildIndirect(run: run, s, evaluation: evaluation)
        }
    }

    // MARK: - Direct runs

    private func buildDirect(run: URL, _ s: DirectSummary, evaluation: Evaluation?) -> LinkageReport {
        let c = s.counts
        var f = FunnelCells()
        let submitted = f.add("submitted", c.submitted), rejected = f.add("rejected", c.rejected)
        let accepted = f.add("accepted", c.accepted), found = f.add("found", c.found)
        let notFound = f.add("not_found", c.notFound), ambiguous = f.add("ambiguous", c.ambiguous)
        let notLinked = f.add("not_linked", c.submitted - c.found)
        let cells = rule.protect(f.values, equations: [
            [submitted, rejected, accepted], [accepted, found, notFound, ambiguous],
            [submitted, found, notLinked], [notLinked, rejected, notFound, ambiguous],
        ], pinned: [submitted], preferShown: [found, accepted])
        let funnel = stages(f, cells, submitted: c.submitted, order: [submitted, rejected, accepted, found, notFound, ambiguous, notLinked])

        // Not linked though accepted: the reasons the linkage gave.
        var notFoundReasons: [String: Int] = [:]
        for (reason, n) in s.notFoundByReason { notFoundReasons[Self.directReasonKey(reason), default: 0] += n }
        var exclusionValues = notFoundReasons
        if c.ambiguous > 0 { exclusionValues["ambiguous"] = c.ambiguous }
        let exclusions = reasons(exclusionValues, total: c.notFound + c.ambiguous, totalCell: Self.sum(cells[notFound], cells[ambiguous]),
                                 submitted: c.submitted)

        return LinkageReport(
            createdAt: createdAt, language: language.rawValue, smallCellThreshold: rule.threshold,
            run: .init(kind: s.kind, folder: run.lastPathComponent, createdAt: s.createdAt),
            outcome: outcome(found: cells[found], notLinked: cells[notLinked], foundCount: c.found, submitted: c.submitted, threshold: Self.directThreshold),
            funnel: funnel, groups: nil, configurations: nil, discriminance: nil,
            rejections: reasons(s.rejectedByReason, total: c.rejected, totalCell: cells[rejected], submitted: c.submitted),
            exclusions: exclusions,
            quality: quality(s.quality, order: DirectCohort.columns.map(\.name), submitted: c.submitted,
                             rejected: (c.rejected, cells[rejected]), lineLevelRejections: s.rejectedByReason["field_count"] ?? 0),
            bias: bias(s.profile, submitted: c.submitted, found: (c.found, cells[found])),
            evaluation: evaluation.map { evaluationSection($0, found: (c.found, cells[found]), groups: []) },
            provenance: .init(runToolVersion: s.toolVersion, runCreatedAt: s.createdAt, cohort: s.cohort, dataset: s.dataset,
                              rules: nil, candidates: nil,
                              parameters: ["linkage": "NIR + birth date + sex → BEN_NIR_PSA (argon2id)",
                                           "success_threshold": String(Self.directThreshold),
                                           "hashes": String(s.counts.hashes)]))
    }

    /// The direct linkage's not-found reasons are sentences; the report keys them.
    static func directReasonKey(_ reason: String) -> String {
        if reason.hasPrefix("no beneficiary") { return "no_beneficiary" }
        if reason.contains("twin rank") { return "twin_rank_mismatch" }
        return reason
    }

    // MARK: - Indirect runs

    private func buildIndirect(run: URL, _ s: IndirectSummary, evaluation: Evaluation?) -> LinkageReport {
        let c = s.counts
        var f = FunnelCells()
        let submitted = f.add("submitted", c.submitted), rejected = f.add("rejected", c.rejected)
        let accepted = f.add("accepted", c.accepted)
        let groupIndex = s.groups.map { f.add("group_\($0.group)", $0.linked) }
        let cumulativeIndex = s.groups.map { f.add("cumulative_\($0.group)", $0.cumulative) }
        let found = f.add("found", c.found), excluded = f.add("excluded", c.excluded)
        let notLinked = f.add("not_linked", c.submitted - c.found)
        var equations: [[Int]] = [
            [submitted, rejected, accepted], [accepted, excluded] + groupIndex, [found] + groupIndex,
            [submitted, found, notLinked], [notLinked, rejected, excluded],
        ]
        for (i, cum) in cumulativeIndex.enumerated() {
            equations.append(i == 0 ? [cum, groupIndex[0]] : [cum, cumulativeIndex[i - 1], groupIndex[i]])
        }
        if let last = cumulativeIndex.last { equations.append([last, found]) }
        let cells = rule.protect(f.values, equations: equations, pinned: [submitted], preferShown: [found, accepted])
        let funnel = stages(f, cells, submitted: c.submitted,
                            order: [submitted, rejected, accepted] + groupIndex + [found, excluded, notLinked])

        let groups = s.groups.enumerated().map { i, g in
            let configs = s.configurations.filter { $0.group == g.group }
            let dropped = Array(Set(configs.flatMap(\.dropped))).sorted { a, b in
                (s.dropOrder.firstIndex(of: a) ?? .max, a) < (s.dropOrder.firstIndex(of: b) ?? .max, b)
            }
            return LinkageReport.GroupRow(group: g.group, dropped: g.dropped, configurations: g.configurations, criteriaDropped: dropped,
                                          linked: cells[groupIndex[i]], rate: cells[groupIndex[i]].share(of: c.submitted)?.reportRounded,
                                          cumulative: cells[cumulativeIndex[i]],
                                          cumulativeRate: cells[cumulativeIndex[i]].share(of: c.submitted)?.reportRounded)
        }
        // Per configuration: the lines it linked partition each group's links.
        var configCells: [Int: (matched: Cell, linked: Cell)] = [:]
        for (i, g) in s.groups.enumerated() {
            let configs = s.configurations.filter { $0.group == g.group }
            let linked = rule.protect([g.linked] + configs.map(\.linked), equations: [Array(0...configs.count)],
                                      pinned: cells[groupIndex[i]].value == nil ? [] : [0],
                                      hidden: cells[groupIndex[i]].value == nil ? [0] : [])
            for (j, cfg) in configs.enumerated() { configCells[cfg.id] = (rule.cell(cfg.linesMatched), linked[j + 1]) }
        }
        let configurations = s.configurations.map { cfg in
            LinkageReport.ConfigurationRow(id: cfg.id, group: cfg.group, kept: cfg.kept, dropped: cfg.dropped,
                                           uniqueShare: cfg.uniqueShare.reportRounded,
                                           linesMatched: configCells[cfg.id]!.matched, linked: configCells[cfg.id]!.linked)
        }
        let discriminance = s.discriminance.map { d in
            LinkageReport.DiscriminanceRow(column: d.column, entropyBits: d.entropyBits.reportRounded, effectiveBits: d.effectiveBits.reportRounded,
                                           distinctValues: d.distinctValues, uniqueShare: d.uniqueShare.reportRounded,
                                           missingShare: d.missingShare.reportRounded,
                                           dropRank: s.dropOrder.firstIndex(of: d.column).map { $0 + 1 })
        }
        var parameters = ["max_dropped": String(s.rules.maxDropped), "drop_order": s.rules.dropOrder,
                          "success_threshold": String(s.threshold), "events": "\(s.candidates.events) \(s.candidates.label)"]
        if !s.dropOrder.isEmpty { parameters["drop_sequence"] = s.dropOrder.joined(separator: ", ") }
        return LinkageReport(
            createdAt: createdAt, language: language.rawValue, smallCellThreshold: rule.threshold,
            run: .init(kind: s.kind, folder: run.lastPathComponent, createdAt: s.createdAt),
            outcome: outcome(found: cells[found], notLinked: cells[notLinked], foundCount: c.found, submitted: c.submitted, threshold: s.threshold),
            funnel: funnel, groups: groups, configurations: configurations, discriminance: discriminance,
            rejections: reasons(s.rejectedByReason, total: c.rejected, totalCell: cells[rejected], submitted: c.submitted),
            exclusions: reasons(s.excludedByReason, total: c.excluded, totalCell: cells[excluded], submitted: c.submitted),
            quality: quality(s.quality, order: s.rules.criteria.map(\.column), submitted: c.submitted,
                             rejected: (c.rejected, cells[rejected]),
                             lineLevelRejections: c.rejected - s.quality.values.reduce(0) { $0 + $1.rejected }),
            bias: bias(s.profile, submitted: c.submitted, found: (c.found, cells[found])),
            evaluation: evaluation.map { e in
                evaluationSection(e, found: (c.found, cells[found]),
                                  groups: s.groups.enumerated().map { i, g in (g.group, g.linked, cells[groupIndex[i]]) })
            },
            provenance: .init(runToolVersion: s.toolVersion, runCreatedAt: s.createdAt, cohort: s.cohort, dataset: s.dataset,
                              rules: s.rules, candidates: s.candidates, parameters: parameters))
    }

    // MARK: - Shared parts

    private func stages(_ f: FunnelCells, _ cells: [Cell], submitted: Int, order: [Int]) -> [LinkageReport.Stage] {
        order.map { i in
            let key = f.keys[i]
            return LinkageReport.Stage(key: key, group: key.hasPrefix("group_") ? Int(key.dropFirst(6)) : nil, count: cells[i],
                                       rate: cells[i].share(of: submitted)?.reportRounded)
        }
    }

    private func outcome(found: Cell, notLinked: Cell, foundCount: Int, submitted: Int, threshold: Double) -> LinkageReport.Outcome {
        // The verdict is the run's, whatever the rule hides: it says only which side of the
        // threshold the run is on.
        let success = submitted > 0 && Double(foundCount) / Double(submitted) >= threshold
        var range: [Double]?
        // Hidden because few were found, or few were not linked: the rate lies within k − 1 of an end.
        let n = Double(submitted), k = Double(rule.threshold - 1)
        if case .small = found { range = [1 / n, min(n, k) / n] }
        else if found.value == nil, case .small = notLinked { range = [max(0, n - k) / n, (n - 1) / n] }
        return .init(submitted: submitted, found: found, foundRate: found.share(of: submitted)?.reportRounded,
                     foundRateRange: range?.map(\.reportRounded), threshold: threshold, verdict: success ? "success" : "failure")
    }

    /// A sum of two cells, hidden if either is.
    static func sum(_ a: Cell, _ b: Cell) -> Cell {
        guard let x = a.value, let y = b.value else { return .masked }
        return .count(x + y)
    }

    /// Reasons partitioning a total shown (or hidden) elsewhere; largest first.
    private func reasons(_ counts: [String: Int], total: Int, totalCell: Cell, submitted: Int) -> [LinkageReport.ReasonRow] {
        let sorted = counts.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let values = [total] + sorted.map(\.value)
        let cells = rule.protect(values, equations: [Array(values.indices)],
                                 pinned: totalCell.value == nil ? [] : [0], hidden: totalCell.value == nil ? [0] : [])
        return sorted.enumerated().map { i, r in
            LinkageReport.ReasonRow(reason: r.key, count: cells[i + 1], rate: cells[i + 1].share(of: submitted)?.reportRounded)
        }
    }

    private func quality(_ q: [String: ColumnQuality], order: [String], submitted: Int, rejected: (Int, Cell),
                         lineLevelRejections: Int) -> [LinkageReport.QualityRow] {
        let columns = order.filter { q[$0] != nil } + q.keys.filter { !order.contains($0) }.sorted()
        // The per-column rejections and the line-level ones (a wrong field count) sum to the
        // rejected lines of the funnel.
        let values = [rejected.0, lineLevelRejections] + columns.map { q[$0]!.rejected }
        let rejectedCells = rule.protect(values, equations: [Array(values.indices)],
                                         pinned: rejected.1.value == nil ? [] : [0], hidden: rejected.1.value == nil ? [0] : [])
        return columns.enumerated().map { i, column in
            let c = q[column]!
            let missing = rule.cell(c.missing), reformatted = rule.cell(c.reformatted), invalid = rule.cell(c.invalid)
            let rej = rejectedCells[i + 2]
            return LinkageReport.QualityRow(
                column: column, missing: missing, missingShare: missing.share(of: submitted)?.reportRounded,
                reformatted: reformatted, reformattedShare: reformatted.share(of: submitted)?.reportRounded,
                invalid: invalid, invalidShare: invalid.share(of: submitted)?.reportRounded,
                rejected: rej, rejectedShare: rej.share(of: submitted)?.reportRounded)
        }
    }

    private func bias(_ p: CohortProfile, submitted: Int, found: (Int, Cell)) -> LinkageReport.Bias {
        .init(referenceYear: p.referenceYear, departementColumn: p.departementColumn,
              overallLinkedRate: found.1.share(of: submitted)?.reportRounded,
              sex: biasTable(p.sex, submitted: submitted, found: found),
              ageBand: biasTable(p.ageBand, submitted: submitted, found: found),
              departement: biasTable(p.departement, submitted: submitted, found: found))
    }

    /// One bias table: categories under the threshold merged into `other` (with the next smallest
    /// until `other` is large enough), then the rule applied to rows and columns together.
    func biasTable(_ splits: [CohortProfile.Split], submitted: Int, found: (Int, Cell)) -> [LinkageReport.BiasRow] {
        guard !splits.isEmpty else { return [] }
        var rows = splits.filter { $0.lines >= rule.threshold }
        var other = CohortProfile.Split(category: "other", linked: 0, notLinked: 0)
        var members: [String] = []
        for s in splits where s.lines < rule.threshold {
            other.linked += s.linked; other.notLinked += s.notLinked; members.append(s.category)
        }
        while other.lines > 0, other.lines < rule.threshold, let smallest = rows.indices.min(by: { rows[$0].lines < rows[$1].lines }) {
            other.linked += rows[smallest].linked
            other.notLinked += rows[smallest].notLinked
            members.append(rows[smallest].category)
            rows.remove(at: smallest)
        }
        if other.lines > 0 { rows.append(other) }
        // Members in the order the categories came in.
        members.sort { a, b in splits.firstIndex { $0.category == a }! < splits.firstIndex { $0.category == b }! }
        // Cells: 0 submitted, 1 found, 2 not linked, then per row: lines, linked, not linked.
        var values = [submitted, found.0, submitted - found.0]
        var equations: [[Int]] = [[0, 1, 2]]
        var linesColumn = [0], linkedColumn = [1], notLinkedColumn = [2]
        for r in rows {
            let i = values.count
            values += [r.lines, r.linked, r.notLinked]
            equations.append([i, i + 1, i + 2])
            linesColumn.append(i); linkedColumn.append(i + 1); notLinkedColumn.append(i + 2)
        }
        equations += [linesColumn, linkedColumn, notLinkedColumn]
        let hidden: Set<Int> = found.1.value == nil ? [1, 2] : []
        let cells = rule.protect(values, equations: equations, pinned: found.1.value == nil ? [0] : [0, 1, 2], hidden: hidden)
        return rows.enumerated().map { k, r in
            let i = 3 + 3 * k
            let rate: Double? = cells[i + 1].value != nil && cells[i].value != nil && r.lines > 0 ? Double(r.linked) / Double(r.lines) : nil
            var range: [Double]?
            if rate == nil, let lines = cells[i].value, lines > 0 {
                let k = Double(rule.threshold - 1), n = Double(lines)
                if case .small = cells[i + 2] { range = [(n - k) / n, (n - 1) / n] }
                else if case .small = cells[i + 1] { range = [1 / n, k / n] }
            }
            return LinkageReport.BiasRow(category: r.category, members: r.category == "other" ? members : nil,
                                         lines: cells[i], linked: cells[i + 1], notLinked: cells[i + 2],
                                         linkedRate: rate?.reportRounded, linkedRateRange: range?.map(\.reportRounded))
        }
    }

    /// The evaluation's counts follow the rule; its rates and the wrong links by NS are given as
    /// they are: they measure the method against a synthetic truth (a real cohort has none).
    private func evaluationSection(_ e: Evaluation, found: (Int, Cell), groups: [(group: Int, linked: Int, cell: Cell)]) -> LinkageReport.EvaluationSection {
        func triple(_ linked: Int, _ linkedCell: Cell, _ correct: Int, _ wrong: Int) -> [Cell] {
            rule.protect([linked, correct, wrong], equations: [[0, 1, 2]],
                         pinned: linkedCell.value == nil ? [] : [0], hidden: linkedCell.value == nil ? [0] : [])
        }
        let overall = triple(e.linked, found.1, e.correct, e.wrong)
        let evaluationGroups = groups.map { g -> LinkageReport.EvaluationGroup in
            let q = e.byGroup[String(g.group)] ?? Evaluation.GroupQuality()
            let cells = triple(q.linked, g.cell, q.correct, q.wrong)
            return .init(group: g.group, linked: cells[0], correct: cells[1], wrong: cells[2],
                         precision: q.precision?.reportRounded, cumulativeRecall: q.cumulativeRecall?.reportRounded)
        }
        let wrong = e.mismatches.filter { $0.actual == "found_wrong_person" }
            .map { LinkageReport.WrongLink(ns: $0.ns, line: $0.line, group: $0.group) }
        return .init(truth: URL(fileURLWithPath: e.truth).lastPathComponent, lines: e.lines, linked: overall[0], correct: overall[1],
                     wrong: overall[2], precision: e.precision?.reportRounded, recall: e.recall?.reportRounded,
                     foundRate: e.foundRate.reportRounded, findableFoundRate: e.findableFoundRate?.reportRounded,
                     groups: evaluationGroups, wrongLinks: wrong)
    }
}
