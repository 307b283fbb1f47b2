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
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: run.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw LinkageError.badRun(run.path, "no such folder")
            }
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

    public func build(run: URL, summary: Summary, evaluation: Evaluation?) -> LinkageReport {
        switch summary {
        case .direct(let s): buildDirect(run: run, s, evaluation: evaluation)
        case .indirect(let s): buildIndirect(run: run, s, evaluation: evaluation)
        }
    }

    // MARK: - Direct runs

    private func buildDirect(run: URL, _ s: DirectSummary, evaluation: Evaluation?) -> LinkageReport {
        let c = s.counts
        let counts = CountSystem()
        let funnel = Funnel(counts, submitted: c.submitted, rejected: c.rejected, accepted: c.accepted, found: c.found)
        let notFound = counts.count("not_found", c.notFound), ambiguous = counts.count("ambiguous", c.ambiguous)
        counts.sum(funnel.accepted, of: [funnel.found, notFound, ambiguous])
        counts.sum(funnel.notLinked, of: [funnel.rejected, notFound, ambiguous])

        let rejections = reasonCells(counts, "rejected", s.rejectedByReason, total: funnel.rejected)
        // Not linked though accepted: the reasons the linkage gave, then the ambiguous lines (the
        // funnel's own cell).
        var notFoundReasons: [String: Int] = [:]
        for (reason, n) in s.notFoundByReason { notFoundReasons[Self.directReasonKey(reason), default: 0] += n }
        var exclusions = reasonCells(counts, "not_found", notFoundReasons, total: notFound)
        if c.ambiguous > 0 { exclusions.append(("ambiguous", ambiguous)) }

        let columns = DirectCohort.columns.map(\.name).filter { s.quality[$0] != nil }
        let quality = qualityCells(counts, s.quality, columns: columns)
        // Lines rejected because of a column: the reasons that name it (a wrong field count names none).
        var byColumn: [String: [Int]] = [:]
        for (reason, cell) in rejections { if let column = DirectCohort.column(ofReason: reason) { byColumn[column, default: []].append(cell) } }
        for (column, cells) in quality { counts.sum(cells.rejected, of: byColumn[column] ?? []) }
        counts.sum(funnel.rejected, of: quality.map(\.cells.rejected) + [counts.count("rejected.field_count", s.rejectedByReason["field_count"] ?? 0)])
        // A column's missing (or unreadable) values count at least the lines rejected as missing (or
        // unreadable) there: the lines in between were rejected for an earlier column.
        let missingReason = ["NS": "missing_ns", "NIR": "missing_nir", "DATE_NAISSANCE": "missing_birth_date", "SEXE": "missing_sex"]
        for (column, q) in quality {
            guard let missing = missingReason[column] else { continue }
            let missingCell = counts.count("rejected.\(missing)", s.rejectedByReason[missing] ?? 0)
            let invalidReasons = s.rejectedByReason.keys.filter { DirectCohort.column(ofReason: $0) == column && $0 != missing && $0 != "duplicate_ns" }
            let invalidCell = counts.count("quality.\(column).rejectedUnreadable",
                                           invalidReasons.reduce(0) { $0 + s.rejectedByReason[$1]! })
            counts.sum(invalidCell, of: invalidReasons.map { counts.count("rejected.\($0)", s.rejectedByReason[$0]!) })
            counts.atLeast(q.missing, missingCell, name: "quality.\(column).missing")
            counts.atLeast(q.invalid, invalidCell, name: "quality.\(column).invalid")
        }
        // An unknown sex or département is a wrong field count, or a value missing or unreadable.
        let lineLevel = [counts.count("rejected.field_count", s.rejectedByReason["field_count"] ?? 0)]
        let unknown = ["sex": unknownParts(quality, column: "SEXE", lineLevel: lineLevel),
                       "departement": unknownParts(quality, column: "DEPARTEMENT", lineLevel: lineLevel)]
        let bias = biasCells(counts, s.profile, funnel: funnel, unknownParts: unknown)
        let eval = evaluation.map { evaluationCells(counts, $0, funnel: funnel, groups: []) }

        counts.solve(rule)
        return LinkageReport(
            createdAt: createdAt, language: language.rawValue, smallCellThreshold: rule.threshold,
            run: .init(kind: s.kind, folder: run.lastPathComponent, createdAt: s.createdAt),
            outcome: outcome(counts, funnel, foundCount: c.found, submitted: c.submitted, threshold: Self.directThreshold),
            funnel: stages(counts, funnel, [("submitted", funnel.submitted), ("rejected", funnel.rejected), ("accepted", funnel.accepted),
                                             ("found", funnel.found), ("not_found", notFound), ("ambiguous", ambiguous),
                                             ("not_linked", funnel.notLinked)], submitted: c.submitted),
            groups: nil, configurations: nil, discriminance: nil,
            rejections: reasonRows(counts, rejections, submitted: c.submitted),
            exclusions: reasonRows(counts, exclusions, submitted: c.submitted),
            quality: qualityRows(counts, quality, submitted: c.submitted),
            bias: biasRows(counts, bias, profile: s.profile, funnel: funnel, submitted: c.submitted),
            evaluation: eval.map { evaluationSection(counts, $0, funnel: funnel) },
            provenance: .init(runToolVersion: s.toolVersion, runCreatedAt: s.createdAt, cohort: s.cohort, dataset: s.dataset,
                              rules: nil, candidates: nil,
                              parameters: ["linkage": "NIR + birth date + sex → BEN_NIR_PSA (argon2id)",
                                           "success_threshold": String(Self.directThreshold)]))
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
        let counts = CountSystem()
        let funnel = Funnel(counts, submitted: c.submitted, rejected: c.rejected, accepted: c.accepted, found: c.found)
        let excluded = counts.count("excluded", c.excluded)
        let groupCells = s.groups.map { counts.count("group_\($0.group)", $0.linked) }
        let cumulativeCells = s.groups.map { counts.count("cumulative_\($0.group)", $0.cumulative) }
        // The links of each group and configuration are hidden last; "lines with a candidate", a
        // by-product, first.
        counts.preferShown.formUnion(groupCells + cumulativeCells)
        counts.sum(funnel.accepted, of: groupCells + [excluded])
        counts.sum(funnel.found, of: groupCells)
        counts.sum(funnel.notLinked, of: [funnel.rejected, excluded])
        for i in cumulativeCells.indices { counts.sum(cumulativeCells[i], of: i == 0 ? [groupCells[0]] : [cumulativeCells[i - 1], groupCells[i]]) }
        if let last = cumulativeCells.last { counts.sum(funnel.found, of: [last]) }
        // Per configuration: its links partition its group's.
        var configCells: [Int: (matched: Int, linked: Int)] = [:]
        for (i, g) in s.groups.enumerated() {
            let configs = s.configurations.filter { $0.group == g.group }
            for cfg in configs {
                configCells[cfg.id] = (counts.count("configuration_\(cfg.id).matched", cfg.linesMatched),
                                       counts.count("configuration_\(cfg.id).linked", cfg.linked))
                counts.preferShown.insert(configCells[cfg.id]!.linked)
                counts.atLeast(configCells[cfg.id]!.matched, configCells[cfg.id]!.linked, name: "configuration_\(cfg.id)")
            }
            counts.sum(groupCells[i], of: configs.map { configCells[$0.id]!.linked })
        }

        let rejections = reasonCells(counts, "rejected", s.rejectedByReason, total: funnel.rejected)
        let exclusions = reasonCells(counts, "excluded", s.excludedByReason, total: excluded)
        let columns = s.rules.criteria.map(\.column).filter { s.quality[$0] != nil }
        let quality = qualityCells(counts, s.quality, columns: columns)
        // A line with an unreadable value is rejected once, in its first unreadable column.
        counts.sum(counts.count("rejected.invalid_value", s.rejectedByReason["invalid_value"] ?? 0), of: quality.map(\.cells.rejected))
        for (column, q) in quality { counts.atLeast(q.invalid, q.rejected, name: "quality.\(column).invalid") }
        // Lines stopped before their values are read (a wrong field count, a bad NS) have no traits.
        let lineLevel = ["field_count", "missing_ns", "ns_invalid", "ns_looks_like_nir"].map { counts.count("rejected.\($0)", s.rejectedByReason[$0] ?? 0) }
        let sexColumn = s.rules.criteria.first { $0.source.hasSuffix(".BEN_SEX_COD") }?.column
        let unknown = ["sex": sexColumn.flatMap { unknownParts(quality, column: $0, lineLevel: lineLevel) },
                       "departement": s.profile.departementColumn.flatMap { unknownParts(quality, column: $0, lineLevel: lineLevel) }]
        let bias = biasCells(counts, s.profile, funnel: funnel, unknownParts: unknown)
        let eval = evaluation.map { e in
            evaluationCells(counts, e, funnel: funnel, groups: s.groups.enumerated().map { ($0.element.group, groupCells[$0.offset]) })
        }

        counts.solve(rule)
        let groups = s.groups.enumerated().map { i, g in
            let dropped = Array(Set(s.configurations.filter { $0.group == g.group }.flatMap(\.dropped))).sorted { a, b in
                (s.dropOrder.firstIndex(of: a) ?? .max, a) < (s.dropOrder.firstIndex(of: b) ?? .max, b)
            }
            return LinkageReport.GroupRow(group: g.group, dropped: g.dropped, configurations: g.configurations, criteriaDropped: dropped,
                                          linked: counts[groupCells[i]], rate: counts[groupCells[i]].share(of: c.submitted)?.reportRounded,
                                          cumulative: counts[cumulativeCells[i]],
                                          cumulativeRate: counts[cumulativeCells[i]].share(of: c.submitted)?.reportRounded)
        }
        let configurations = s.configurations.map { cfg in
            LinkageReport.ConfigurationRow(id: cfg.id, group: cfg.group, kept: cfg.kept, dropped: cfg.dropped,
                                           uniqueShare: cfg.uniqueShare.reportRounded,
                                           linesMatched: configCells[cfg.id].map { counts[$0.matched] } ?? rule.cell(cfg.linesMatched),
                                           linked: configCells[cfg.id].map { counts[$0.linked] } ?? rule.cell(cfg.linked))
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
        let stageList = [("submitted", funnel.submitted), ("rejected", funnel.rejected), ("accepted", funnel.accepted)]
            + s.groups.enumerated().map { ("group_\($0.element.group)", groupCells[$0.offset]) }
            + [("found", funnel.found), ("excluded", excluded), ("not_linked", funnel.notLinked)]
        return LinkageReport(
            createdAt: createdAt, language: language.rawValue, smallCellThreshold: rule.threshold,
            run: .init(kind: s.kind, folder: run.lastPathComponent, createdAt: s.createdAt),
            outcome: outcome(counts, funnel, foundCount: c.found, submitted: c.submitted, threshold: s.threshold),
            funnel: stages(counts, funnel, stageList, submitted: c.submitted),
            groups: groups, configurations: configurations, discriminance: discriminance,
            rejections: reasonRows(counts, rejections, submitted: c.submitted),
            exclusions: reasonRows(counts, exclusions, submitted: c.submitted),
            quality: qualityRows(counts, quality, submitted: c.submitted),
            bias: biasRows(counts, bias, profile: s.profile, funnel: funnel, submitted: c.submitted),
            evaluation: eval.map { evaluationSection(counts, $0, funnel: funnel) },
            provenance: .init(runToolVersion: s.toolVersion, runCreatedAt: s.createdAt, cohort: s.cohort, dataset: s.dataset,
                              rules: s.rules, candidates: s.candidates, parameters: parameters))
    }

    // MARK: - The funnel and the headline

    /// The cells every run has: the cohort's size (always shown), and its parts.
    struct Funnel {
        let submitted, rejected, accepted, found, notLinked: Int
        init(_ counts: CountSystem, submitted s: Int, rejected r: Int, accepted a: Int, found f: Int) {
            submitted = counts.count("submitted", s)
            rejected = counts.count("rejected", r)
            accepted = counts.count("accepted", a)
            found = counts.count("found", f)
            notLinked = counts.count("not_linked", s - f)
            counts.pinned.insert(submitted)
            counts.preferShown.formUnion([found, accepted])
            counts.sum(submitted, of: [rejected, accepted])
            counts.sum(submitted, of: [found, notLinked])
        }
    }

    private func stages(_ counts: CountSystem, _ funnel: Funnel, _ list: [(String, Int)], submitted: Int) -> [LinkageReport.Stage] {
        list.map { key, cell in
            LinkageReport.Stage(key: key, group: key.hasPrefix("group_") ? Int(key.dropFirst(6)) : nil, count: counts[cell],
                                rate: counts[cell].share(of: submitted)?.reportRounded)
        }
    }

    private func outcome(_ counts: CountSystem, _ funnel: Funnel, foundCount: Int, submitted: Int, threshold: Double) -> LinkageReport.Outcome {
        // The verdict is the run's, whatever the rule hides: it says only which side of the
        // threshold the run is on.
        let success = submitted > 0 && Double(foundCount) / Double(submitted) >= threshold
        let found = counts[funnel.found], notLinked = counts[funnel.notLinked]
        var range: [Double]?
        // Hidden because few were found, or few were not linked: the rate lies within k − 1 of an end.
        let n = Double(submitted), k = Double(rule.threshold - 1)
        if case .small = found { range = [1 / n, min(n, k) / n] }
        else if found.value == nil, case .small = notLinked { range = [max(0, n - k) / n, (n - 1) / n] }
        return .init(submitted: submitted, found: found, foundRate: found.share(of: submitted)?.reportRounded,
                     foundRateRange: range?.map(\.reportRounded), threshold: threshold, verdict: success ? "success" : "failure")
    }

    // MARK: - Reasons

    /// One cell per reason (largest first), the reasons summing to `total`.
    private func reasonCells(_ counts: CountSystem, _ prefix: String, _ reasons: [String: Int], total: Int) -> [(reason: String, cell: Int)] {
        let sorted = reasons.filter { $0.value > 0 }.sorted { ($0.value, $1.key) > ($1.value, $0.key) }
        let cells = sorted.map { (reason: $0.key, cell: counts.count("\(prefix).\($0.key)", $0.value)) }
        counts.sum(total, of: cells.map(\.cell))
        return cells
    }

    private func reasonRows(_ counts: CountSystem, _ cells: [(reason: String, cell: Int)], submitted: Int) -> [LinkageReport.ReasonRow] {
        cells.map { LinkageReport.ReasonRow(reason: $0.reason, count: counts[$0.cell], rate: counts[$0.cell].share(of: submitted)?.reportRounded) }
    }

    // MARK: - Data quality

    struct QualityCells { let missing, reformatted, invalid, rejected: Int }

    private func qualityCells(_ counts: CountSystem, _ q: [String: ColumnQuality], columns: [String]) -> [(column: String, cells: QualityCells)] {
        let all = columns + q.keys.filter { !columns.contains($0) }.sorted()
        return all.map { column in
            let c = q[column]!
            return (column, QualityCells(missing: counts.count("quality.\(column).missing", c.missing),
                                         reformatted: counts.count("quality.\(column).reformatted", c.reformatted),
                                         invalid: counts.count("quality.\(column).invalid", c.invalid),
                                         rejected: counts.count("quality.\(column).rejected", c.rejected)))
        }
    }

    private func qualityRows(_ counts: CountSystem, _ quality: [(column: String, cells: QualityCells)], submitted: Int) -> [LinkageReport.QualityRow] {
        quality.map { column, q in
            LinkageReport.QualityRow(
                column: column, missing: counts[q.missing], missingShare: counts[q.missing].share(of: submitted)?.reportRounded,
                reformatted: counts[q.reformatted], reformattedShare: counts[q.reformatted].share(of: submitted)?.reportRounded,
                invalid: counts[q.invalid], invalidShare: counts[q.invalid].share(of: submitted)?.reportRounded,
                rejected: counts[q.rejected], rejectedShare: counts[q.rejected].share(of: submitted)?.reportRounded)
        }
    }

    /// The cells whose sum is the number of lines of unknown value in a bias table.
    private func unknownParts(_ quality: [(column: String, cells: QualityCells)], column: String, lineLevel: [Int]) -> [Int]? {
        guard let q = quality.first(where: { $0.column == column })?.cells else { return nil }
        return lineLevel + [q.missing, q.invalid]
    }

    // MARK: - Who gets lost

    struct BiasRowCells { let split: CohortProfile.Split; let members: [String]?; let lines, linked, notLinked: Int }

    private func biasCells(_ counts: CountSystem, _ p: CohortProfile, funnel: Funnel, unknownParts: [String: [Int]?]) -> [String: [BiasRowCells]] {
        var tables: [String: [BiasRowCells]] = [:]
        for (dimension, splits) in [("sex", p.sex), ("ageBand", p.ageBand), ("departement", p.departement)] {
            let rows = mergedRows(splits).map { split, members in
                BiasRowCells(split: split, members: members, lines: counts.count("bias.\(dimension).\(split.category).lines", split.lines),
                             linked: counts.count("bias.\(dimension).\(split.category).linked", split.linked),
                             notLinked: counts.count("bias.\(dimension).\(split.category).notLinked", split.notLinked))
            }
            guard !rows.isEmpty else { tables[dimension] = []; continue }
            for r in rows { counts.sum(r.lines, of: [r.linked, r.notLinked]) }
            counts.sum(funnel.submitted, of: rows.map(\.lines))
            counts.sum(funnel.found, of: rows.map(\.linked))
            counts.sum(funnel.notLinked, of: rows.map(\.notLinked))
            if let unknown = rows.first(where: { $0.split.category == CohortProfile.unknown }), let parts = unknownParts[dimension] ?? nil {
                counts.sum(unknown.lines, of: parts)
            }
            tables[dimension] = rows
        }
        return tables
    }

    /// Categories under the threshold merged into `other`, with the next smallest until `other`
    /// is large enough; the members of `other` in their order.
    func mergedRows(_ splits: [CohortProfile.Split]) -> [(CohortProfile.Split, [String]?)] {
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
        members.sort { a, b in splits.firstIndex { $0.category == a }! < splits.firstIndex { $0.category == b }! }
        var out: [(CohortProfile.Split, [String]?)] = rows.map { ($0, nil) }
        if other.lines > 0 { out.append((other, members)) }
        return out
    }

    private func biasRows(_ counts: CountSystem, _ tables: [String: [BiasRowCells]], profile p: CohortProfile, funnel: Funnel,
                          submitted: Int) -> LinkageReport.Bias {
        func rows(_ dimension: String) -> [LinkageReport.BiasRow] {
            (tables[dimension] ?? []).map { r in
                let lines = counts[r.lines], linked = counts[r.linked], notLinked = counts[r.notLinked]
                let rate: Double? = linked.value != nil && lines.value != nil && r.split.lines > 0 ? Double(r.split.linked) / Double(r.split.lines) : nil
                var range: [Double]?
                if rate == nil, let n = lines.value.map(Double.init), n > 0 {
                    // The bounds the marks shown already imply.
                    let k = Double(rule.threshold - 1)
                    if case .small = notLinked { range = [(n - k) / n, (n - 1) / n] }
                    else if case .small = linked { range = [1 / n, k / n] }
                }
                return LinkageReport.BiasRow(category: r.split.category, members: r.members, lines: lines, linked: linked, notLinked: notLinked,
                                             linkedRate: rate?.reportRounded, linkedRateRange: range?.map { max(0, $0).reportRounded })
            }
        }
        return .init(referenceYear: p.referenceYear, departementColumn: p.departementColumn,
                     overallLinkedRate: counts[funnel.found].share(of: submitted)?.reportRounded,
                     sex: rows("sex"), ageBand: rows("ageBand"), departement: rows("departement"))
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
    private func evaluationCells(_ counts: CountSystem, _ e: Evaluation, funnel: Funnel, groups: [(group: Int, cell: Int)]) -> EvaluationCells {
        let correct = counts.count("evaluation.correct", e.correct), wrong = counts.count("evaluation.wrong", e.wrong)
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

    private func evaluationSection(_ counts: CountSystem, _ cells: EvaluationCells, funnel: Funnel) -> LinkageReport.EvaluationSection {
        let e = cells.evaluation
        let groups = cells.groups.map { g -> LinkageReport.EvaluationGroup in
            let q = e.byGroup[String(g.group)] ?? Evaluation.GroupQuality()
            // A group's rates give its counts back: hidden with them.
            let shown = counts[g.linked].value != nil && counts[g.correct].value != nil
            return .init(group: g.group, linked: counts[g.linked], correct: counts[g.correct], wrong: counts[g.wrong],
                         precision: shown ? q.precision?.reportRounded : nil, cumulativeRecall: shown ? q.cumulativeRecall?.reportRounded : nil)
        }
        let wrong = e.mismatches.filter { $0.actual == "found_wrong_person" }
            .map { LinkageReport.WrongLink(ns: $0.ns, line: $0.line, group: $0.group) }
        // The found rate is the funnel's: hidden with its count.
        return .init(truth: URL(fileURLWithPath: e.truth).lastPathComponent, lines: e.lines, linked: counts[funnel.found],
                     correct: counts[cells.correct], wrong: counts[cells.wrong], precision: e.precision?.reportRounded,
                     recall: e.recall?.reportRounded, foundRate: counts[funnel.found].value == nil ? nil : e.foundRate.reportRounded,
                     findableFoundRate: e.findableFoundRate?.reportRounded, groups: groups, wrongLinks: wrong)
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

    func solve(_ rule: SmallCellRule) {
        cells = rule.protect(values, equations: equations, pinned: pinned, preferShown: preferShown)
    }

    subscript(_ i: Int) -> Cell { cells[i] }
}
