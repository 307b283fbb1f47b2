import Foundation
import Linkage
import SNDSModel

/// The parts of a report only a direct run has: lines not found (no beneficiary, twin rank not in
/// the SNDS) or ambiguous, the fixed columns of a direct cohort.
extension ReportBuilder {
    func buildDirect(run: URL, _ s: DirectSummary, evaluation: Evaluation?) -> LinkageReport {
        let c = s.counts
        let counts = CountSystem()
        let funnel = Funnel(counts, submitted: c.submitted, rejected: c.rejected, accepted: c.accepted, found: c.found)
        let notFound = counts.count(FunnelStage.notFound.rawValue, c.notFound), ambiguous = counts.count(FunnelStage.ambiguous.rawValue, c.ambiguous)
        counts.sum(funnel.accepted, of: [funnel.found, notFound, ambiguous])
        counts.sum(funnel.notLinked, of: [funnel.rejected, notFound, ambiguous])

        let rejections = reasonCells(counts, .rejected, s.rejectedByReason, total: funnel.rejected)
        // Not linked though accepted: the reasons the linkage gave, then the ambiguous lines (the
        // funnel's own cell).
        var exclusions = reasonCells(counts, .notFound, s.notFoundByReason, total: notFound).map { (reason: $0.reason.rawValue, cell: $0.cell) }
        if c.ambiguous > 0 { exclusions.append((FunnelStage.ambiguous.rawValue, ambiguous)) }

        let columns = DirectCohort.columns.map(\.name).filter { s.quality[$0] != nil }
        let quality = qualityCells(counts, s.quality, columns: columns)
        // Lines rejected because of a column: the reasons that name it (a wrong field count names none).
        var byColumn: [String: [Int]] = [:]
        for (reason, cell) in rejections { if let column = reason.directColumn { byColumn[column, default: []].append(cell) } }
        for (column, cells) in quality { counts.sum(cells.rejected, of: byColumn[column] ?? []) }
        counts.sum(
            funnel.rejected, of: quality.map(\.cells.rejected) + [counts.count(CellName.rejected(.fieldCount), s.rejectedByReason[.fieldCount] ?? 0)])
        // A column's missing (or unreadable) values count at least the lines rejected as missing (or
        // unreadable) there: the lines in between were rejected for an earlier column.
        for (column, q) in quality {
            guard let missing = RejectionReason.missing(inDirectColumn: column) else { continue }
            let missingCell = counts.count(CellName.rejected(missing), s.rejectedByReason[missing] ?? 0)
            let invalidReasons = s.rejectedByReason.keys.filter { $0.directColumn == column && $0 != missing && $0 != .duplicateNS }
            let invalidCell = counts.count(
                "quality.\(column).rejectedUnreadable",
                invalidReasons.reduce(0) { $0 + (s.rejectedByReason[$1] ?? 0) })
            counts.sum(invalidCell, of: invalidReasons.map { counts.count(CellName.rejected($0), s.rejectedByReason[$0] ?? 0) })
            counts.atLeast(q.missing, missingCell, name: "quality.\(column).missing")
            counts.atLeast(q.invalid, invalidCell, name: "quality.\(column).invalid")
        }
        // An unknown sex or département is a wrong field count, or a value missing or unreadable.
        let lineLevel = [counts.count(CellName.rejected(.fieldCount), s.rejectedByReason[.fieldCount] ?? 0)]
        let unknown = [
            "sex": unknownParts(quality, column: "SEXE", lineLevel: lineLevel),
            "departement": unknownParts(quality, column: "DEPARTEMENT", lineLevel: lineLevel),
        ]
        let bias = biasCells(counts, s.profile, funnel: funnel, unknownParts: unknown)
        let eval = evaluation.map { evaluationCells(counts, $0, funnel: funnel, groups: []) }

        counts.solve(rule, audience: audience)
        return LinkageReport(
            createdAt: createdAt, language: language.rawValue, smallCellThreshold: rule.threshold, audience: audience,
            run: .init(kind: s.kind, folder: run.lastPathComponent, createdAt: s.createdAt),
            outcome: outcome(counts, funnel, foundCount: c.found, submitted: c.submitted, threshold: directThreshold),
            funnel: stages(
                counts, funnel,
                [
                    (FunnelStage.submitted.rawValue, funnel.submitted), (FunnelStage.rejected.rawValue, funnel.rejected),
                    (FunnelStage.accepted.rawValue, funnel.accepted), (FunnelStage.found.rawValue, funnel.found),
                    (FunnelStage.notFound.rawValue, notFound), (FunnelStage.ambiguous.rawValue, ambiguous),
                    (FunnelStage.notLinked.rawValue, funnel.notLinked),
                ], submitted: c.submitted),
            groups: nil, configurations: nil, discriminance: nil, confidence: nil,
            rejections: reasonRows(counts, rejections, submitted: c.submitted),
            exclusions: reasonRows(counts, exclusions, submitted: c.submitted),
            quality: qualityRows(counts, quality, submitted: c.submitted),
            bias: biasRows(counts, bias, profile: s.profile, funnel: funnel, submitted: c.submitted),
            evaluation: eval.map { evaluationSection(counts, $0, funnel: funnel) },
            severalNS: audience == .public ? nil : s.people.linesOfPeopleWithSeveralNS.map(LinkageReport.SeveralNS.init),
            provenance: .init(
                runToolVersion: s.toolVersion, runCreatedAt: s.createdAt, cohort: s.cohort, dataset: s.dataset,
                rules: nil, candidates: nil,
                parameters: [
                    "linkage": "NIR + DATE_NAISSANCE + SEXE → BEN_NIR_PSA (argon2id)"
                ].merging(directThreshold.map { ["success_threshold": String($0)] } ?? [:]) { a, _ in a }))
    }

}
