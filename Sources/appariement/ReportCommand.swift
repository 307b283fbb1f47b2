import ArgumentParser
import Foundation
import Hardening
import Linkage
import Pseudonymisation
import Reporting
import SNDSModel

/// `appariement report`: the report a sponsor and a data protection officer read, for a finished run.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a finished run's report: RUN/report.html (people) and RUN/report.json (machines).",
        discussion: """
            The HTML page is self-contained (inline CSS and SVG charts, no script, no network): the \
            funnel from the lines submitted to the lines found against the success threshold, the \
            groups and their configurations, the discriminance of each criterion and the uniqueness \
            of each configuration, exclusions and rejections by reason, the cohort's data quality per \
            column, linked and not linked by sex, age band and département, and the run's provenance. \
            With --truth (or when `evaluate` already wrote RUN/evaluation.json) it adds precision, \
            recall and found rate overall and per group, and the wrong links by NS. report.json holds \
            the same figures. No clear identifier is written, and no count of 1 to --min-cell − 1 \
            people is shown (see docs/report.md).
            """)

    @Argument(help: ArgumentHelp("The run's folder (e.g. runs/probabiliste-sejours).", valueName: "run"))
    var runFolder: String

    @Option(help: ArgumentHelp("The cohort's truth file, to add the quality measured against it (needs the key).", valueName: "path"))
    var truth: String?

    @Option(name: .customLong("lang"), help: ArgumentHelp("Language of the HTML page: fr or en.", valueName: "fr|en"))
    var language: ReportBuilder.Language = .fr

    @Option(
        name: .customLong("min-cell"), parsing: .unconditional,
        help: ArgumentHelp(
            "Smallest count of people shown where the audience hides small counts (the threshold the study's authorisation sets).",
            valueName: "n"))
    var minCell = 10

    @Option(
        help: ArgumentHelp(
            "Who reads the report: team (holds the run's results.csv: the cohort's line counts shown as they are) or public (beyond the team: every count of 1 to --min-cell − 1 people hidden, no list of lines).",
            valueName: "team|public"))
    var audience: ReportBuilder.Audience = .team

    @Option(
        help: ArgumentHelp(
            "A direct run's success threshold, as a share (e.g. 0.9): without it a direct report gives its found rate and no verdict. Indirect runs take theirs from the rules.",
            valueName: "share"))
    var threshold: Double?

    @OptionGroup var key: KeyOption

    func validate() throws {
        guard minCell >= 1 else { throw ValidationError("--min-cell must be 1 or more") }
        if let threshold, !(threshold > 0 && threshold <= 1) {
            throw ValidationError("--threshold is a share of the cohort, above 0 and at most 1 (e.g. 0.9), not \(threshold)")
        }
        if threshold != nil, RunFolder.kind(of: URL(fileURLWithPath: runFolder)) == .probabiliste {
            throw ValidationError("--threshold is for a direct run's report: an indirect run's threshold is its rules' (strategy.success_threshold)")
        }
    }

    func run() throws {
        try Failure.reporting {
            let folder = URL(fileURLWithPath: runFolder)
            // The run's files are checked against its seal before a figure of them is shown: with
            // the key when there is one (always with --truth, or a key file named), else against
            // their digests only, which the report says.
            let location = key.location
            let secret: SecretKey? =
                truth != nil || location.source != .defaultLocation || FileManager.default.fileExists(atPath: location.url.path)
                ? try KeyFile.load(at: location.url) : nil
            let evaluationFile = truth == nil && FileManager.default.fileExists(atPath: folder.appendingPathComponent(Evaluation.file).path)
            let check = try RunIntegrity.verify(folder, reading: RunFolder.sealed + (evaluationFile ? [Evaluation.file] : []), key: secret)
            if check == .digestsOnly {
                FileHandle.standardError.write(
                    Data(
                        "appariement: note: no key file at \(MessageText.shown(location.url.relativePath)): the run's files were checked against the digests in its integrity.json only, not authenticated with the dataset's key (--key-file)\n"
                            .utf8))
            }
            var evaluation: Evaluation?
            if let truth, let secret {
                evaluation = try Evaluation.evaluate(run: folder, truthFile: URL(fileURLWithPath: truth), key: secret)
            } else if evaluationFile {
                evaluation = try Evaluation.read(from: folder)
            }
            let report = try Self.write(
                run: folder, evaluation: evaluation, language: language, minCell: minCell, audience: audience, directThreshold: threshold)
            Self.print(report, folder: folder, usedEvaluationFile: truth == nil && evaluation != nil)
        }
    }

    /// Builds and writes the report of `run`; shared with `demo`.
    @discardableResult
    static func write(
        run: URL, evaluation: Evaluation?, language: ReportBuilder.Language = .fr, minCell: Int = 10,
        audience: ReportBuilder.Audience = .team, directThreshold: Double? = nil
    ) throws -> LinkageReport {
        let summary = try RunSummary.read(from: run)
        let report = ReportBuilder(
            smallCellThreshold: minCell, language: language, audience: audience, directThreshold: directThreshold,
            // Without the reference data (a run folder copied alone), by département, as before.
            regions: (try? Regions.load(from: ReferenceData.locate())) ?? [:]
        ).build(run: run, summary: summary, evaluation: evaluation)
        try ReportWriter.write(report, into: run)
        return report
    }

    static func print(_ r: LinkageReport, folder: URL, usedEvaluationFile: Bool = false) {
        let labels = ReportLabels(.en)
        var text = "Report of \(folder.relativePath) (\(r.run.kind.rawValue))"
        if let c = r.cascade {
            // A cascade: the headline is the whole cohort's, as on the page.
            text += ", a cascade's second step: \(c.verdict.rawValue) for the whole cohort"
            if let rate = c.foundInAllRate { text += ", \(labels.percent(rate)) found by both steps (threshold \(labels.percent(c.threshold)))" }
            if let rate = r.outcome.foundRate { text += "; \(labels.percent(rate)) of the lines passed on found here" }
        } else {
            text += r.outcome.verdict.map { ": \($0.rawValue)" } ?? ""
            if let rate = r.outcome.foundRate {
                text += ", \(labels.percent(rate)) found" + (r.outcome.threshold.map { " (threshold \(labels.percent($0)))" } ?? " (no threshold)")
            }
        }
        if let e = r.evaluation {
            text +=
                "\n  against the truth\(usedEvaluationFile ? " (from evaluation.json)" : ""): precision \(e.precision.map { labels.decimal($0, places: 3) } ?? "–"), recall \(e.recall.map { labels.decimal($0, places: 3) } ?? "–"), \(e.wrongLinks.count) wrong link\(e.wrongLinks.count == 1 ? "" : "s")"
        }
        text +=
            r.audience == .public
            ? "\n  for readers beyond the team: every count of 1 to \(r.smallCellThreshold - 1) people hidden, no list of lines"
            : "\n  for the team that holds the run: its line counts shown as they are\(r.smallCellThreshold > 1 ? ", counts of other SNDS people under \(r.smallCellThreshold) hidden" : "") (--audience public for readers beyond it)"
        text += "; labels in \(r.language == "fr" ? "French" : "English")"
        text += "\n  \(folder.appendingPathComponent(LinkageReport.htmlFile).relativePath)  (open it in a browser)"
        text += "\n  \(folder.appendingPathComponent(LinkageReport.jsonFile).relativePath)"
        Swift.print(text)
    }
}

extension ReportBuilder.Language: ExpressibleByArgument {}
extension ReportBuilder.Audience: ExpressibleByArgument {}
