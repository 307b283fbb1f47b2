import Foundation
import Linkage
import SNDSModel

/// The parts of a report only an indirect run has: groups, configurations, discriminance,
/// exclusions, the rules' columns.
extension ReportBuilder {
    func buildIndirect(run: URL, _ s: IndirectSummary, evaluation: Evaluation?) -> LinkageReport {
        let c = s.counts
        let counts = CountSystem()
        let funnel = Funnel(counts, submitted: c.submitted, rejected: c.rejected, accepted: c.accepted, found: c.found)
        let excluded = counts.count(FunnelStage.excluded.rawValue, c.excluded)
        let groupCells = s.groups.map { counts.count("group_\($0.group)", $0.linked) }
        // Group 1's cumulative count is its own count: one cell, so that hiding one never hides
        // the other through their equality.
        let cumulativeCells = s.groups.enumerated().map { i, g in i == 0 ? groupCells[0] : counts.count("cumulative_\(g.group)", g.cumulative) }
        // The run's result (found, excluded) is hidden last; then the links of each group and
        // configuration; a cumulative count before them (it is a sum of shown ones); "lines with a
        // candidate", a by-product, first. A weighted group of three links then hides a group and
        // a cumulative count, not the headline.
        counts.headline.insert(excluded)
        counts.preferShown.formUnion(groupCells)
        counts.sum(funnel.accepted, of: groupCells + [excluded])
        counts.sum(funnel.found, of: groupCells)
        counts.sum(funnel.notLinked, of: [funnel.rejected, excluded])
        for i in cumulativeCells.indices.dropFirst() { counts.sum(cumulativeCells[i], of: [cumulativeCells[i - 1], groupCells[i]]) }
        if let last = cumulativeCells.last { counts.sum(funnel.found, of: [last]) }
        // Per configuration: its links partition its group's.
        var configCells: [Int: (matched: Int, linked: Int, candidates: Int?)] = [:]
        for (i, g) in s.groups.enumerated() {
            let configs = s.configurations.filter { $0.group == g.group }
            for cfg in configs {
                let matched = counts.count("configuration_\(cfg.id).matched", cfg.linesMatched)
                // SNDS persons, not cohort lines: a count of its own, under the same small-cell rule.
                let candidates = s.confidence?.configurations?.first { $0.configuration == cfg.id }.map { e in
                    counts.count("configuration_\(cfg.id).candidates", e.candidates)
                }
                if let candidates { counts.outsideCohort.insert(candidates) }
                configCells[cfg.id] = (matched, counts.count("configuration_\(cfg.id).linked", cfg.linked), candidates)
                counts.preferShown.insert(configCells[cfg.id]!.linked)
                counts.atLeast(configCells[cfg.id]!.matched, configCells[cfg.id]!.linked, name: "configuration_\(cfg.id)")
            }
            counts.sum(groupCells[i], of: configs.map { configCells[$0.id]!.linked })
        }

        let rejections = reasonCells(counts, .rejected, s.rejectedByReason, total: funnel.rejected)
        let exclusions = reasonCells(counts, .excluded, s.excludedByReason, total: excluded)
        let columns = s.rules.criteria.map(\.column).filter { s.quality[$0] != nil }
        let quality = qualityCells(counts, s.quality, columns: columns)
        // A line rejected invalid_value is counted once, in the first column it is rejected for
        // (a NIR in a criterion, or the first unreadable value when nothing is left to compare).
        counts.sum(counts.count(CellName.rejected(.invalidValue), s.rejectedByReason[.invalidValue] ?? 0), of: quality.map(\.cells.rejected))
        for (column, q) in quality { counts.atLeast(q.invalid, q.rejected, name: "quality.\(column).invalid") }
        // Lines stopped before their values are read (a wrong field count, a bad NS) have no traits.
        let lineLevel = [RejectionReason.fieldCount, .missingNS, .nsInvalid, .nsLooksLikeNIR].map {
            counts.count(CellName.rejected($0), s.rejectedByReason[$0] ?? 0)
        }
        let sexColumn = s.rules.criteria.first { $0.source.hasSuffix(".BEN_SEX_COD") }?.column
        let unknown = [
            "sex": sexColumn.flatMap { unknownParts(quality, column: $0, lineLevel: lineLevel) },
            "departement": s.profile.departementColumn.flatMap { unknownParts(quality, column: $0, lineLevel: lineLevel) },
        ]
        let bias = biasCells(counts, s.profile, funnel: funnel, unknownParts: unknown)
        let eval = evaluation.map { e in
            evaluationCells(counts, e, funnel: funnel, groups: s.groups.enumerated().map { ($0.element.group, groupCells[$0.offset]) })
        }
        // A cascade: the whole cohort, of which this run's submitted lines are the part passed on.
        let cascadeCells = s.directStep.map { d -> (whole: Int, direct: Int, all: Int) in
            let whole = counts.count("cascade.submitted", d.submitted), direct = counts.count("cascade.foundDirectly", d.found)
            let all = counts.count("cascade.foundInAll", d.foundInAll)
            counts.pinned.insert(whole)
            counts.sum(whole, of: [direct, funnel.submitted])
            counts.sum(all, of: [direct, funnel.found])
            return (whole, direct, all)
        }

        counts.solve(rule, audience: audience)
        let groups = s.groups.enumerated().map { i, g in
            let dropped = Array(Set(s.configurations.filter { $0.group == g.group }.flatMap(\.dropped))).sorted { a, b in
                (s.dropOrder.firstIndex(of: a) ?? .max, a) < (s.dropOrder.firstIndex(of: b) ?? .max, b)
            }
            return LinkageReport.GroupRow(
                group: g.group, dropped: g.dropped, configurations: g.configurations, criteriaDropped: dropped,
                linked: counts[groupCells[i]], rate: counts[groupCells[i]].share(of: c.submitted)?.reportRounded,
                cumulative: counts[cumulativeCells[i]],
                cumulativeRate: counts[cumulativeCells[i]].share(of: c.submitted)?.reportRounded,
                expectedWrong: counts[groupCells[i]].value == nil
                    ? nil : s.confidence?.groups.first { $0.group == g.group },
                weighted: g.weighted)
        }
        // Estimates, not counts of people; shown only beside counts that are shown.
        let confidence = s.confidence.map { m in
            LinkageReport.Confidence(
                method: m.method, expectedWrong: counts[funnel.found].value == nil ? nil : m.total,
                minLinkProbability: m.minLinkProbability, minLinkProbabilityIsDefault: m.minLinkProbabilityIsDefault,
                weakExpectedWrong: exclusions.first { $0.reason == .weakLink }.flatMap { counts[$0.cell].value == nil ? nil : m.excludedAsWeak })
        }
        let configurations = s.configurations.map { cfg in
            let estimate = s.confidence?.configurations?.first { $0.configuration == cfg.id }
            let linked = configCells[cfg.id].map { counts[$0.linked] } ?? rule.cell(cfg.linked)
            return LinkageReport.ConfigurationRow(
                id: cfg.id, group: cfg.group, kept: cfg.kept, dropped: cfg.dropped,
                uniqueShare: cfg.uniqueShare.reportRounded,
                linesMatched: configCells[cfg.id].map { counts[$0.matched] } ?? rule.cell(cfg.linesMatched),
                linked: linked,
                // Persons matched bound the lines matched: shown only beside them.
                candidates: configCells[cfg.id].flatMap { c in counts[c.matched].value == nil ? nil : c.candidates.map { counts[$0] } },
                expectedByChance: estimate?.expectedByChance,
                expectedWrong: linked.value == nil
                    ? nil
                    : estimate.map { .init(group: $0.group, links: $0.links, expectedWrong: $0.expectedWrong, low: $0.low, high: $0.high) })
        }
        // Estimates, not counts; but near the dataset's own size a projection is the run itself: it
        // is given only at ten times the dataset or more, and a group's only beside its count.
        let projection = s.projection.flatMap { p -> ProjectionSummary? in
            guard p.population >= 10 * p.datasetPopulation, counts[funnel.found].value != nil else { return nil }
            var p = p
            p.groups = p.groups.filter { g in s.groups.firstIndex { $0.group == g.group }.map { counts[groupCells[$0]].value != nil } ?? false }
            return p
        }
        let discriminance = s.discriminance.map { d in
            LinkageReport.DiscriminanceRow(
                column: d.column, entropyBits: d.entropyBits.reportRounded, effectiveBits: d.effectiveBits.reportRounded,
                distinctValues: d.distinctValues, uniqueShare: d.uniqueShare.reportRounded,
                missingShare: d.missingShare.reportRounded,
                dropRank: s.dropOrder.firstIndex(of: d.column).map { $0 + 1 })
        }
        var parameters = [
            "max_dropped": String(s.rules.maxDropped), "drop_order": s.rules.dropOrder,
            "success_threshold": String(s.threshold), "events": "\(s.candidates.events) \(s.candidates.source)",
        ]
        if let m = s.rules.maxMissing { parameters["max_missing"] = String(m) }
        if let c = s.confidence {
            // Whether it is the default is said in the guard's section, in the page's language.
            parameters["min_link_probability"] = "\(c.minLinkProbability)"
        }
        if let p = s.projection { parameters["project_to"] = String(p.population) }
        if !s.dropOrder.isEmpty { parameters["drop_sequence"] = s.dropOrder.joined(separator: ", ") }
        let stageList =
            [
                (FunnelStage.submitted.rawValue, funnel.submitted), (FunnelStage.rejected.rawValue, funnel.rejected),
                (FunnelStage.accepted.rawValue, funnel.accepted),
            ]
            + s.groups.enumerated().map { ("group_\($0.element.group)", groupCells[$0.offset]) }
            + [
                (FunnelStage.found.rawValue, funnel.found), (FunnelStage.excluded.rawValue, excluded),
                (FunnelStage.notLinked.rawValue, funnel.notLinked),
            ]
        return LinkageReport(
            createdAt: createdAt, language: language.rawValue, smallCellThreshold: rule.threshold, audience: audience,
            run: .init(kind: s.kind, folder: run.lastPathComponent, createdAt: s.createdAt),
            outcome: outcome(counts, funnel, foundCount: c.found, submitted: c.submitted, threshold: s.threshold),
            funnel: stages(counts, funnel, stageList, submitted: c.submitted),
            groups: groups, configurations: configurations, discriminance: discriminance, confidence: confidence,
            projection: projection,
            rejections: reasonRows(counts, rejections, submitted: c.submitted),
            exclusions: reasonRows(counts, exclusions, submitted: c.submitted),
            quality: qualityRows(counts, quality, submitted: c.submitted),
            bias: biasRows(counts, bias, profile: s.profile, funnel: funnel, submitted: c.submitted),
            evaluation: eval.map { evaluationSection(counts, $0, funnel: funnel) },
            severalNS: audience == .public ? nil : s.people.linesOfPeopleWithSeveralNS.map(LinkageReport.SeveralNS.init),
            cascade: s.directStep.flatMap { d in cascadeCells.map { (d, $0) } }.map { d, cells in
                LinkageReport.Cascade(
                    directRun: URL(fileURLWithPath: d.run).lastPathComponent, submitted: d.submitted, foundDirectly: counts[cells.direct],
                    passedOn: d.passedOn, foundInAll: counts[cells.all],
                    foundInAllRate: counts[cells.all].share(of: d.submitted)?.reportRounded, threshold: s.threshold, verdict: d.verdict,
                    precision: evaluation?.precision?.reportRounded, recall: evaluation?.recall?.reportRounded)
            },
            provenance: .init(
                runToolVersion: s.toolVersion, runCreatedAt: s.createdAt, cohort: s.cohort, dataset: s.dataset,
                rules: s.rules, candidates: s.candidates, parameters: parameters))
    }

}
