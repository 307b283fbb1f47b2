/// Draws a ``LinkageReport`` as one self-contained HTML page: inline CSS and SVG, no script, no
/// font or image to fetch, so that it opens from disk, prints, and can be filed as it is.
///
/// Every figure comes from the report value and carries a `data-key` attribute naming where it
/// sits in the JSON twin (`funnel.found.count`, `bias.sex.2.linkedRate`…): the tests read the
/// rendered page through those keys and compare with the JSON.
public struct HTMLReport {
    public let report: LinkageReport
    public let t: ReportLabels

    public init(_ report: LinkageReport) {
        self.report = report
        t = ReportLabels(ReportBuilder.Language(rawValue: report.language) ?? .fr)
    }

    /// How a figure is shown, which the tests also need to read it back.
    public enum Format: String, Sendable { case count, percent, decimal2, decimal3, text }

    public var html: String {
        var body = header() + cascade() + funnel()
        if report.groups != nil { body += groups() + discriminance() }
        body += reasons() + severalNS() + quality() + bias()
        if report.evaluation != nil { body += evaluation() }
        body += provenance()
        return """
            <!DOCTYPE html>
            <html lang="\(report.language)">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="generator" content="appariement \(HTML.escape(report.toolVersion))">
            <title>\(HTML.escape(title)) — \(HTML.escape(report.run.folder))</title>
            <style>\(Self.css)</style>
            </head>
            <body>
            \(body)
            </body>
            </html>

            """
    }

    public var title: String { t("title_" + report.run.kind.rawValue) }

    // MARK: - Figures

    /// A figure with its JSON key.
    func figure(_ key: String, _ text: String, _ format: Format) -> String {
        "<span class=\"figure\" data-key=\"\(HTML.escape(key))\" data-format=\"\(format.rawValue)\">\(HTML.escape(text))</span>"
    }

    func count(_ key: String, _ c: Cell) -> String {
        figure(key, t.cell(c), .count)
    }

    func percent(_ key: String, _ v: Double?) -> String {
        guard let v else { return "<span class=\"na\">—</span>" }
        return figure(key, t.percent(v), .percent)
    }

    func decimal(_ key: String, _ v: Double?, places: Int) -> String {
        guard let v else { return "<span class=\"na\">—</span>" }
        return figure(key, t.decimal(v, places: places), places == 2 ? .decimal2 : .decimal3)
    }

    func text(_ key: String, _ s: String) -> String { figure(key, s, .text) }

    func table(_ headers: [String], _ rows: [[String]], numericFrom: Int = 1) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(t("no_rows"))</p>" }
        var s = "<div class=\"table\"><table>"
        if headers.contains(where: { !$0.isEmpty }) {
            s += "<thead><tr>"
            for (i, h) in headers.enumerated() { s += "<th\(i >= numericFrom ? " class=\"num\"" : "")>\(HTML.escape(h))</th>" }
            s += "</tr></thead>"
        }
        s += "<tbody>"
        for r in rows {
            s += "<tr>"
            for (i, cell) in r.enumerated() { s += "<td\(i >= numericFrom ? " class=\"num\"" : "")>\(cell)</td>" }
            s += "</tr>"
        }
        return s + "</tbody></table></div>"
    }

    func section(_ id: String, _ heading: String, note: String? = nil, _ content: String) -> String {
        "<section id=\"\(id)\"><h2>\(HTML.escape(heading))</h2>" + (note.map { "<p class=\"note\">\(HTML.escape($0))</p>" } ?? "") + content
            + "</section>\n"
    }

    // MARK: - Sections

    func header() -> String {
        let o = report.outcome
        let verdictText =
            o.foundRate == nil
            ? t("verdict_hidden")
                + (o.foundRateRange.map {
                    " "
                        + t("rate_between").replacingOccurrences(of: "%low", with: t.percent($0[0])).replacingOccurrences(
                            of: "%high", with: t.percent($0[1]))
                } ?? "")
            : o.threshold.map { threshold in
                t("verdict_text").replacingOccurrences(of: "%found", with: percent("outcome.foundRate", o.foundRate))
                    .replacingOccurrences(of: "%threshold", with: percent("outcome.threshold", threshold))
            }
                ?? t("found_text").replacingOccurrences(of: "%found", with: percent("outcome.foundRate", o.foundRate))
        // A direct run has a verdict only when a threshold was asked for (report --threshold).
        let verdictBox =
            o.verdict.map {
                "<div class=\"verdict \($0.rawValue)\"><span class=\"caption\">\(t("verdict"))</span>\(text("outcome.verdict", t($0.rawValue)))</div>"
            } ?? ""
        // A cascade's headline is the whole cohort's: the step's own figures follow in its section.
        let headline =
            report.cascade.map { c in
                """
                <div class="verdict \(c.verdict.rawValue)"><span class="caption">\(t("cascade_verdict"))</span>\(text("cascade.verdict", t(c.verdict.rawValue)))</div>
                <div class="big"><span class="caption">\(t("cascade_submitted"))</span>\(figure("cascade.submitted", t.integer(c.submitted), .count))</div>
                <div class="big"><span class="caption">\(t("cascade_all"))</span>\(count("cascade.foundInAll", c.foundInAll))</div>
                <div class="big"><span class="caption">\(t("found_rate"))</span>\(percent("cascade.foundInAllRate", c.foundInAllRate))</div>
                """
            }
                ?? """
                \(verdictBox)
                <div class="big"><span class="caption">\(t("submitted"))</span>\(figure("outcome.submitted", t.integer(o.submitted), .count))</div>
                <div class="big"><span class="caption">\(t("found"))</span>\(count("outcome.found", o.found))</div>
                <div class="big"><span class="caption">\(t("found_rate"))</span>\(o.foundRate != nil ? percent("outcome.foundRate", o.foundRate) : o.foundRateRange.map { "<span class=\"range\">" + t.percent($0[0]) + " – " + t.percent($0[1]) + "</span>" } ?? "—")</div>
                """
        let stepText = report.cascade == nil ? verdictText : t("cascade_step") + " " + verdictText
        return """
            <header>
            <p class="tool">appariement \(HTML.escape(report.toolVersion)) · \(HTML.escape(t("subtitle")))</p>
            <h1>\(HTML.escape(title))</h1>
            <p class="meta">\(t("run")) <code>\(HTML.escape(report.run.folder))</code> \(t("made")) \(HTML.escape(report.run.createdAt)) · \(t("report_made")) \(HTML.escape(report.createdAt))</p>
            <div class="headline">
            \(headline)
            </div>
            <p class="verdict-text">\(stepText)</p>
            <p class="note small-cells">\(HTML.escape(smallCellNote))</p>
            </header>

            """
    }

    /// What the small-cell rule hid, and for whom the report is (docs/report.md).
    var smallCellNote: String {
        let k = report.smallCellThreshold
        let key =
            report.audience == .team
            ? (k > 1 ? "small_cell_note_team" : "small_cell_note_team_none")
            : (k > 1 ? "small_cell_note" : "small_cell_note_none")
        return t(key).replacingOccurrences(of: "%k", with: String(k)).replacingOccurrences(of: "%max", with: String(k - 1))
    }

    func funnel() -> String {
        let submitted = Double(report.outcome.submitted)
        var bars: [SVGBarChart.Bar] = []
        // Groups as a waterfall: each starts where the previous one ends, and the last ends at "found".
        var start: Double? = 0
        for stage in report.funnel {
            let label =
                stage.group.map(groupLabel)
                ?? t(stage.key)
            var value = stage.count.value.map(Double.init)
            let style: SVGBarChart.Style =
                switch stage.group == nil ? FunnelStage(rawValue: stage.key) : nil {
                case .found?: .good
                case .rejected?, .notLinked?, .excluded?, .notFound?, .ambiguous?: .bad
                case .submitted?, .accepted?: .neutral
                case nil: .main
                }
            var barStart = 0.0
            if stage.group != nil {
                // After a hidden group, where the next one starts is unknown: drawn as an outline.
                if start == nil { value = nil }
                barStart = start ?? 0
                start = start.flatMap { s in value.map { s + $0 } }
            }
            bars.append(
                .init(
                    label: label, value: value, start: barStart,
                    text: t.cell(stage.count) + (stage.rate.map { " (" + t.percent($0) + ")" } ?? ""), style: style))
        }
        let chart = SVGBarChart(
            title: t("funnel"), bars: bars, maximum: max(1, submitted),
            reference: report.outcome.threshold.map { .init(value: submitted * $0, label: t("threshold") + " " + t.percent($0)) })
        let rows = report.funnel.map { s in
            [
                HTML.escape(
                    s.group.map(groupLabel)
                        ?? t(s.key)),
                count("funnel.\(s.key).count", s.count), percent("funnel.\(s.key).rate", s.rate),
            ]
        }
        return section(
            "funnel", t("funnel"), note: t(report.outcome.threshold == nil ? "funnel_note_no_threshold" : "funnel_note"),
            "<figure>\(chart.svg)</figure>" + table(["", t("lines"), t("share")], rows))
    }

    /// "Groupe 2", or "Groupe 3 (pondéré)" for the weighted group, wherever a group is named.
    func groupLabel(_ n: Int) -> String {
        let label = t("group_n").replacingOccurrences(of: " ", with: "\u{00A0}").replacingOccurrences(of: "%n", with: String(n))
        return report.groups?.first(where: { $0.group == n })?.weighted == true ? label + " (\(t("weighted")))" : label
    }

    func groups() -> String {
        guard let groups = report.groups, let configurations = report.configurations else { return "" }
        let groupRows = groups.map { g in
            [
                groupLabel(g.group),
                g.weighted == true
                    ? t("weighted_criteria") : HTML.escape(g.criteriaDropped.isEmpty ? t("none") : g.criteriaDropped.joined(separator: ", ")),
                String(g.configurations),
                count("groups.\(g.group).linked", g.linked), percent("groups.\(g.group).rate", g.rate),
                count("groups.\(g.group).cumulative", g.cumulative), percent("groups.\(g.group).cumulativeRate", g.cumulativeRate),
            ] + (report.confidence == nil ? [] : [g.expectedWrong.map(t.about) ?? "—"])
        }
        let chart = SVGBarChart(
            title: t("uniqueness"),
            bars: configurations.map { c in
                .init(
                    label: "\(c.id) · " + (c.dropped.isEmpty ? t("all_criteria") : "− " + c.dropped.joined(separator: ", ")),
                    value: c.uniqueShare, text: t.percent(c.uniqueShare), style: c.group == 1 ? .main : .light)
            }, maximum: 1)
        let withChance = configurations.contains { $0.expectedByChance != nil }
        let configRows = configurations.map { c -> [String] in
            let dropped = HTML.escape(c.dropped.isEmpty ? t("none") : c.dropped.joined(separator: ", "))
            var row: [String] = [
                String(c.id), String(c.group), dropped, percent("configurations.\(c.id).uniqueShare", c.uniqueShare),
                count("configurations.\(c.id).linesMatched", c.linesMatched),
            ]
            if withChance {
                row.append(c.candidates.map { count("configurations.\(c.id).candidates", $0) } ?? "—")
                row.append(c.expectedByChance.map { t.decimal($0, places: $0 < 10 ? 2 : 0) } ?? "—")
            }
            row.append(count("configurations.\(c.id).linked", c.linked))
            if withChance { row.append(c.expectedWrong.map(t.about) ?? "—") }
            return row
        }
        var note = t("groups_note")
        if let c = report.confidence {
            note += " " + t("confidence_note")
            if let total = c.expectedWrong { note += " " + t("confidence_total").replacingOccurrences(of: "%x", with: t.about(total)) }
            note +=
                " "
                + (c.minLinkProbability == 0
                    ? t("guard_off")
                    : t(c.minLinkProbabilityIsDefault ? "guard_default" : "guard_set").replacingOccurrences(
                        of: "%p", with: t.decimal(c.minLinkProbability, places: 2)))
            if let weak = c.weakExpectedWrong { note += " " + t("guard_weak").replacingOccurrences(of: "%x", with: t.about(weak)) }
        }
        return section(
            "groups", t("groups"), note: note,
            table(
                [t("group"), t("criteria_droppable"), t("configurations"), t("linked"), t("rate"), t("cumulative"), t("cumulative_rate")]
                    + (report.confidence == nil ? [] : [t("expected_wrong")]),
                groupRows, numericFrom: 2))
            + section(
                "uniqueness", t("uniqueness"), note: t("uniqueness_note") + (withChance ? " " + t("chance_note") : ""),
                "<figure>\(chart.svg)</figure>"
                    + table(
                        [t("configuration"), t("group"), t("criteria_dropped"), t("unique_share"), t("lines_matched")]
                            + (withChance ? [t("candidates_observed"), t("expected_by_chance")] : []) + [t("linked")]
                            + (withChance ? [t("expected_wrong")] : []),
                        configRows, numericFrom: 3))
            + projection()
    }

    /// What the same registry would give on a larger SNDS: estimates, stated as such.
    func projection() -> String {
        guard let p = report.projection else { return "" }
        func about(_ x: Double, _ low: Int, _ high: Int) -> String {
            t.about(.init(group: nil, links: 0, expectedWrong: x, low: low, high: high))
        }
        let headline = t("projection_summary")
            .replacingOccurrences(of: "%N", with: t.integer(p.population))
            .replacingOccurrences(of: "%k", with: t.decimal(p.factor, places: p.factor < 10 ? 2 : 0))
            .replacingOccurrences(of: "%n", with: t.integer(p.datasetPopulation))
            .replacingOccurrences(
                of: "%f",
                with: p.foundRateGroupsOnly < p.foundRate - 0.0005
                    ? t("projection_range").replacingOccurrences(of: "%a", with: t.percent(p.foundRateGroupsOnly)).replacingOccurrences(
                        of: "%b", with: t.percent(p.foundRate)) : t("about") + " " + t.percent(p.foundRate)
            )
            .replacingOccurrences(of: "%w", with: about(p.expectedWrong, p.low, p.high))
            .replacingOccurrences(of: "%v", with: t(p.verdict.rawValue))
            .replacingOccurrences(of: "%s", with: t.percent(report.outcome.threshold ?? 0))
        let rows = p.groups.map { g in
            [
                groupLabel(g.group), percent("projection.groups.\(g.group).rate", g.rate),
                about(g.expectedWrong, g.low, g.high),
            ]
        }
        return section(
            "projection", t("projection"), note: t("projection_note") + (p.beyondValidated ? " " + t("projection_extrapolated") : ""),
            "<p>\(HTML.escape(headline))</p>" + table([t("group"), t("projected_rate"), t("expected_wrong")], rows))
    }

    func discriminance() -> String {
        guard let rows = report.discriminance else { return "" }
        let maximum = max(1, rows.map(\.entropyBits).max() ?? 1)
        let chart = SVGBarChart(
            title: t("discriminance"),
            bars: rows.sorted { $0.effectiveBits > $1.effectiveBits }.map { d in
                .init(
                    label: d.column, value: d.effectiveBits, text: t.decimal(d.effectiveBits, places: 2) + " bits",
                    style: d.dropRank == nil ? .main : .light)
            }, maximum: maximum)
        let tableRows = rows.map { d in
            [
                HTML.escape(d.column), decimal("discriminance.\(d.column).entropyBits", d.entropyBits, places: 2),
                decimal("discriminance.\(d.column).effectiveBits", d.effectiveBits, places: 2),
                t.integer(d.distinctValues), percent("discriminance.\(d.column).uniqueShare", d.uniqueShare),
                percent("discriminance.\(d.column).missingShare", d.missingShare), d.dropRank.map(String.init) ?? "—",
            ]
        }
        return section(
            "discriminance", t("discriminance"), note: t("discriminance_note"),
            "<figure>\(chart.svg)</figure>"
                + table(
                    [t("criterion"), t("entropy"), t("effective_bits"), t("distinct"), t("unique_share"), t("missing_share"), t("drop_rank")],
                    tableRows))
    }

    func reasons() -> String {
        func rows(_ list: [LinkageReport.ReasonRow], _ prefix: String) -> [[String]] {
            list.map { r in
                [
                    HTML.escape(t(r.reason)) + " <code>\(HTML.escape(r.reason))</code>",
                    count("\(prefix).\(r.reason).count", r.count), percent("\(prefix).\(r.reason).rate", r.rate),
                ]
            }
        }
        return section("rejections", t("rejections"), table([t("reasons"), t("lines"), t("share")], rows(report.rejections, "rejections")))
            + section("exclusions", t("exclusions"), table([t("reasons"), t("lines"), t("share")], rows(report.exclusions, "exclusions")))
    }

    /// A cascade's two steps and the whole cohort's result, before the indirect step's own figures.
    func cascade() -> String {
        guard let c = report.cascade else { return "" }
        var rows: [[String]] = [
            [HTML.escape(t("cascade_submitted")), figure("cascade.submitted", t.integer(c.submitted), .count)],
            [HTML.escape(t("cascade_direct")) + " (<code>\(HTML.escape(c.directRun))</code>)", count("cascade.foundDirectly", c.foundDirectly)],
            [HTML.escape(t("cascade_passed")), figure("cascade.passedOn", t.integer(c.passedOn), .count)],
            [HTML.escape(t("cascade_indirect")), count("outcome.found", report.outcome.found)],
            [
                HTML.escape(t("cascade_all")),
                count("cascade.foundInAll", c.foundInAll) + " (" + percent("cascade.foundInAllRate", c.foundInAllRate) + ")",
            ],
            [
                HTML.escape(t("cascade_verdict")),
                text("cascade.verdict", t(c.verdict.rawValue)) + " · " + HTML.escape(t("threshold")) + " "
                    + percent("cascade.threshold", c.threshold),
            ],
        ]
        if c.precision != nil || c.recall != nil {
            rows.append([
                HTML.escape(t("cascade_quality")),
                decimal("cascade.precision", c.precision, places: 3) + " / " + decimal("cascade.recall", c.recall, places: 3),
            ])
        }
        return section("cascade", t("cascade"), note: t("cascade_note"), table(["", ""], rows, numericFrom: 1))
    }

    /// The lines of each patient the cohort holds under several NS, all linked to that person.
    func severalNS() -> String {
        guard let shared = report.severalNS else { return "" }
        let note = t("several_ns_note_" + report.run.kind.rawValue)
        guard shared.people > 0 else {
            return section("several_ns", t("several_ns"), note: note, "<p class=\"empty\">\(HTML.escape(t("several_ns_none")))</p>")
        }
        let people = figure("severalNS.people", t.integer(shared.people), .count)
        let lines = figure("severalNS.lines", t.integer(shared.lines), .count)
        let summary = HTML.escape(t(shared.people == 1 ? "several_ns_count_one" : "several_ns_count"))
            .replacingOccurrences(of: "%people", with: people).replacingOccurrences(of: "%lines", with: lines)
        // Line numbers of the reader's own file, not figures of the report.
        let rows = shared.linesOfPeople.enumerated().map { i, lines in [String(i + 1), HTML.escape(lines.map(String.init).joined(separator: ", "))] }
        let rest = shared.people - shared.linesOfPeople.count
        let more = rest > 0 ? "<p class=\"note\">\(HTML.escape(t("several_ns_more").replacingOccurrences(of: "%n", with: t.integer(rest))))</p>" : ""
        return section(
            "several_ns", t("several_ns"), note: note, "<p>\(summary)</p>" + table(["", t("lines_of_person")], rows, numericFrom: 2) + more)
    }

    func quality() -> String {
        let rows = report.quality.map { q -> [String] in
            func pair(_ name: String, _ c: Cell, _ share: Double?) -> String {
                count("quality.\(q.column).\(name)", c)
                    + (share.map { " <small>(" + percent("quality.\(q.column).\(name)Share", $0) + ")</small>" } ?? "")
            }
            return [
                HTML.escape(q.column), pair("missing", q.missing, q.missingShare), pair("reformatted", q.reformatted, q.reformattedShare),
                pair("invalid", q.invalid, q.invalidShare), pair("rejected", q.rejected, q.rejectedShare),
            ]
        }
        return section(
            "quality", t("quality"), note: t("quality_note"),
            table([t("column"), t("missing"), t("reformatted"), t("invalid"), t("rejected_column")], rows))
    }

    func bias() -> String {
        let b = report.bias
        func part(_ dimension: String, _ heading: String, _ rows: [LinkageReport.BiasRow]) -> String {
            let labelDimension = dimension == "ageBand" ? "age" : dimension
            func label(_ r: LinkageReport.BiasRow) -> String {
                guard let members = r.members else { return t.category(labelDimension, r.category) }
                return t("other_of") + " " + members.map { t.category(labelDimension, $0) }.joined(separator: ", ")
            }
            func range(_ r: LinkageReport.BiasRow) -> String? {
                r.linkedRateRange.map { t.percent($0[0]) + " – " + t.percent($0[1]) }
            }
            let chart = SVGBarChart(
                title: heading,
                bars: rows.map { r in
                    // A hidden rate is drawn as the interval its bounds allow, in a light colour.
                    .init(
                        label: label(r), value: r.linkedRate ?? r.linkedRateRange.map { $0[1] - $0[0] },
                        start: r.linkedRate == nil ? r.linkedRateRange?[0] ?? 0 : 0,
                        text: (r.linkedRate.map(t.percent) ?? range(r) ?? t.cell(r.linked))
                            + (r.differs.map { " " + t("differs_" + $0.rawValue) } ?? ""),
                        style: r.linkedRate == nil ? .light : r.differs == .below ? .bad : .main, interval: r.linkedRateInterval)
                }, maximum: 1, reference: b.overallLinkedRate.map { .init(value: $0, label: t.percent($0)) })
            let tableRows = rows.map { r in
                [
                    HTML.escape(label(r)), count("bias.\(dimension).\(r.category).lines", r.lines),
                    count("bias.\(dimension).\(r.category).linked", r.linked), count("bias.\(dimension).\(r.category).notLinked", r.notLinked),
                    r.linkedRate != nil
                        ? percent("bias.\(dimension).\(r.category).linkedRate", r.linkedRate)
                        : range(r).map { "<span class=\"range\">\(HTML.escape($0))</span>" } ?? "<span class=\"na\">—</span>",
                    r.linkedRateInterval.map { HTML.escape(t.percent($0[0]) + " – " + t.percent($0[1])) } ?? "<span class=\"na\">—</span>",
                    r.differs.map { "<strong>\(HTML.escape(t("differs_" + $0.rawValue)))</strong>" } ?? "",
                ]
            }
            return "<h3>\(HTML.escape(heading))</h3><figure>\(chart.svg)</figure>"
                + table([t("category"), t("lines"), t("linked"), t("not_linked_short"), t("linked_rate"), t("interval"), ""], tableRows)
        }
        var content = part("sex", t("by_sex"), b.sex) + part("ageBand", t("by_age"), b.ageBand)
        if let column = b.departementColumn {
            content +=
                (b.region.map { part("region", t("by_region"), $0) } ?? part("departement", t("by_departement"), b.departement))
                + "<p class=\"note\">\(HTML.escape(t("departement_from").replacingOccurrences(of: "%column", with: column)))</p>"
        } else {
            content += "<h3>\(HTML.escape(t("by_departement")))</h3><p class=\"note\">\(HTML.escape(t("no_departement")))</p>"
        }
        return section(
            "bias", t("bias"), note: t("bias_note").replacingOccurrences(of: "%year", with: String(b.referenceYear)) + " " + t("interval_note"),
            content)
    }

    func evaluation() -> String {
        guard let e = report.evaluation else { return "" }
        let figures = """
            <div class="headline">
            <div class="big"><span class="caption">\(t("lines"))</span>\(figure("evaluation.lines", t.integer(e.lines), .count))</div>
            <div class="big"><span class="caption">\(t("precision"))</span>\(decimal("evaluation.precision", e.precision, places: 3))</div>
            <div class="big"><span class="caption">\(t("recall"))</span>\(decimal("evaluation.recall", e.recall, places: 3))</div>
            <div class="big"><span class="caption">\(t("found_rate"))</span>\(percent("evaluation.foundRate", e.foundRate))</div>
            <div class="big"><span class="caption">\(t("findable_found"))</span>\(percent("evaluation.findableFoundRate", e.findableFoundRate))</div>
            </div>
            """
        var rows = [
            [
                HTML.escape(t("found")), count("evaluation.linked", e.linked), count("evaluation.correct", e.correct),
                count("evaluation.wrong", e.wrong), decimal("evaluation.precision", e.precision, places: 3),
                decimal("evaluation.recall", e.recall, places: 3),
            ]
        ]
        for g in e.groups {
            rows.append([
                groupLabel(g.group),
                count("evaluation.groups.\(g.group).linked", g.linked),
                count("evaluation.groups.\(g.group).correct", g.correct), count("evaluation.groups.\(g.group).wrong", g.wrong),
                decimal("evaluation.groups.\(g.group).precision", g.precision, places: 3),
                decimal("evaluation.groups.\(g.group).cumulativeRecall", g.cumulativeRecall, places: 3),
            ])
        }
        let wrong =
            report.audience != .team
            ? "<p class=\"note\">\(t("wrong_links_team_only"))</p>"
            : e.wrongLinks.isEmpty
                ? "<p class=\"empty\">\(t("no_wrong_links"))</p>"
                : table(
                    [t("ns"), t("line"), t("group")],
                    e.wrongLinks.enumerated().map { i, w in
                        [text("evaluation.wrongLinks.\(i).ns", w.ns), String(w.line), w.group.map(String.init) ?? "—"]
                    }, numericFrom: 1)
        return section(
            "evaluation", t("evaluation"), note: t("evaluation_note").replacingOccurrences(of: "%truth", with: e.truth),
            figures + table(["", t("linked"), t("correct"), t("wrong"), t("precision"), t("recall") + " / " + t("cumulative_recall")], rows)
                + "<h3>\(HTML.escape(t("wrong_links")))</h3>" + wrong)
    }

    func provenance() -> String {
        let p = report.provenance
        var rows: [[String]] = [
            [t("kind"), HTML.escape(t(report.run.kind.rawValue))],
            [t("tool_version"), HTML.escape("\(p.runToolVersion) / \(report.toolVersion)")],
            [t("run_created"), HTML.escape(p.runCreatedAt)],
            [t("cohort_file"), "<code>\(HTML.escape(p.cohort.path))</code>"],
            [t("cohort_sha256"), "<code>\(HTML.escape(p.cohort.sha256))</code>"],
            [
                t("encoding"),
                "<code>\(HTML.escape(p.cohort.encoding))</code>\(p.cohort.encodingDetected ? " (" + HTML.escape(t("detected")) + ")" : "") · <code>\(HTML.escape(p.cohort.separator))</code>",
            ],
            [t("database"), "<code>\(HTML.escape(p.dataset.database))</code>"],
            [t("dataset_id"), "<code>\(HTML.escape(p.dataset.datasetId))</code>"],
            [t("content_digest"), "<code>\(HTML.escape(p.dataset.contentDigest))</code>"],
            [
                t("dataset_made"),
                HTML.escape(
                    "\(p.dataset.seed) · \(t.integer(p.dataset.beneficiaries)) · \(p.dataset.years.map(String.init).joined(separator: ", "))"),
            ],
            [t("key_fingerprint"), "<code>\(HTML.escape(p.dataset.keyFingerprint))</code>"],
            [
                t("pseudonymisation"),
                HTML.escape(
                    t("argon2_value").replacingOccurrences(of: "%t", with: String(p.dataset.pseudonymisation.iterations)).replacingOccurrences(
                        of: "%m", with: t.integer(p.dataset.pseudonymisation.memoryKiB))),
            ],
        ]
        if let r = p.rules {
            rows += [
                [t("rules_file"), "<code>\(HTML.escape(r.path))</code>"], [t("rules_sha256"), "<code>\(HTML.escape(r.sha256))</code>"],
                [t("rules_name"), HTML.escape(r.name)],
                [
                    t("criteria"),
                    r.criteria.map { c in
                        "<code>\(HTML.escape(c.column))</code> ↔ <code>\(HTML.escape(c.source))</code> (<code>\(HTML.escape(c.normalise))</code>, <code>\(HTML.escape(c.compare))</code>\(c.keep ? ", <code>keep</code>" : ""))"
                    }.joined(separator: "<br>"),
                ],
            ]
        }
        if let c = p.candidates {
            rows.append([
                t("candidates"),
                HTML.escape(t("events_" + c.source) == "events_" + c.source ? c.label : t("events_" + c.source))
                    + " (<code>\(HTML.escape(c.source))</code>) : "
                    + HTML.escape("\(t.integer(c.events)) · \(c.years.map(String.init).joined(separator: ", "))"),
            ])
        }
        rows.append([
            t("parameters"),
            p.parameters.sorted { $0.key < $1.key }.map { "<code>\(HTML.escape($0.key))</code> = <code>\(HTML.escape($0.value))</code>" }.joined(
                separator: "<br>"),
        ])
        return section("provenance", t("provenance"), note: t("provenance_note"), table(["", ""], rows, numericFrom: 2))
    }

    static let css = """
        :root{--ink:#1d2433;--muted:#5b6477;--line:#d9dee7;--main:#2f6db5;--good:#2e8b57;--bad:#c0504d;--neutral:#8a94a6;--light:#9fbde0}
        *{box-sizing:border-box}
        body{font-family:"DejaVu Sans","Liberation Sans",Arial,sans-serif;color:var(--ink);max-width:1000px;margin:2rem auto;padding:0 1.2rem;line-height:1.45;font-size:15px}
        h1{font-size:1.7rem;margin:.2rem 0}h2{font-size:1.25rem;border-bottom:2px solid var(--line);padding-bottom:.25rem;margin-top:2.2rem}h3{font-size:1.05rem;margin-top:1.4rem}
        .tool,.meta,.note{color:var(--muted)}.note{font-size:.9rem}
        .headline{display:flex;flex-wrap:wrap;gap:.8rem;margin:1rem 0}
        .headline>div{border:1px solid var(--line);border-radius:6px;padding:.6rem 1rem;min-width:150px}
        .caption{display:block;font-size:.8rem;color:var(--muted);text-transform:uppercase;letter-spacing:.03em}
        .big .figure,.verdict .figure{font-size:1.6rem;font-weight:bold}
        .verdict.success{background:#e8f5ee;border-color:var(--good)}.verdict.success .figure{color:var(--good)}
        .verdict.failure{background:#fbeaea;border-color:var(--bad)}.verdict.failure .figure{color:var(--bad)}
        .table{overflow-x:auto}table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.92rem}
        th,td{border-bottom:1px solid var(--line);padding:.3rem .5rem;text-align:left;vertical-align:top}
        th{background:#f3f5f9}.num{text-align:right;white-space:nowrap}
        code{font-size:.85em;word-break:break-all}
        figure{margin:.6rem 0;overflow-x:auto}
        svg.chart{max-width:100%;height:auto;font-size:12px}
        svg .label{fill:var(--ink)}svg .value{fill:var(--muted)}
        svg .bar.main{fill:var(--main)}svg .bar.good{fill:var(--good)}svg .bar.bad{fill:var(--bad)}svg .bar.neutral{fill:var(--neutral)}svg .bar.light{fill:var(--light)}
        svg .bar.hidden{fill:var(--line);stroke:var(--neutral);stroke-width:1}svg .hidden-mark{font-style:italic}
        svg .interval line{stroke:var(--ink);stroke-width:1.5}
        svg .reference{stroke:var(--ink);stroke-width:1.5;stroke-dasharray:5 3}svg .reference-label{fill:var(--ink);font-size:11px}
        .na,.range{color:var(--muted)}.empty{color:var(--muted);font-style:italic}
        @media print{body{margin:0;max-width:none}section{break-inside:avoid}}
        """
}
