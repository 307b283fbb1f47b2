import ArgumentParser
import Foundation
import Linkage
import Pseudonymisation
import SNDSModel

/// `appariement evaluate`: a finished run against its cohort's truth.
struct Evaluate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare a finished linkage run with its cohort's truth: precision, recall, found rate, confusion.",
        discussion: """
            Reads the run's results, rejects and sealed correspondence (hence the key) and the truth file \
            written by `appariement cohort`, line by line. Writes RUN/evaluation.json and prints the \
            figures; lines that did not end as the truth expects are listed by line and NS.
            """)

    @Argument(help: ArgumentHelp("The run's folder (e.g. runs/direct-direct).", valueName: "run"))
    var runFolder: String

    @Option(help: ArgumentHelp("The cohort's truth file (cohorts/NAME.truth.csv).", valueName: "path"))
    var truth: String

    @OptionGroup var key: KeyOption

    func run() throws {
        try Failure.reporting {
            let secret = try KeyFile.load(at: key.location.url)
            let folder = URL(fileURLWithPath: runFolder)
            let e = try Evaluation.evaluate(run: folder, truthFile: URL(fileURLWithPath: truth), key: secret)
            try e.write(into: folder, sealingWith: secret)
            Self.print(e, run: runFolder, truth: truth, folder: folder)
        }
    }

    /// Prints an evaluation; shared with `demo`.
    static func print(_ e: Evaluation, run: String, truth: String, folder: URL) {
        func rate(_ v: Double?) -> String { v.map { String(format: "%.4f", $0) } ?? "–" }
        var text = """
            Evaluation of \(run) against \(truth):
              lines        \(e.lines.formatted())
              linked       \(e.linked.formatted()) (\(e.correct.formatted()) to the right person, \(e.wrong.formatted()) to a wrong one)
              precision    \(rate(e.precision))
              recall       \(rate(e.recall))   (right links / lines whose person is in the SNDS)
              found rate   \(rate(e.foundRate))
              findable lines found \(rate(e.findableFoundRate)) of \(e.findable.formatted())
              as expected  \(e.asExpected.formatted()) of \(e.lines.formatted())
            By defect (outcome: lines):
            """
        for (defect, outcomes) in e.byDefect.sorted(by: { $0.key < $1.key }) {
            let width = max(20, e.byDefect.keys.map(\.count).max() ?? 0)
            text +=
                "\n  \(defect.padding(toLength: width, withPad: " ", startingAt: 0)) "
                + outcomes.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        }
        if !e.byGroup.isEmpty {
            text += "\nBy group (linked, wrong, precision, cumulative recall):"
            // The weighted group, named as the run's summary names it.
            let weighted = (try? IndirectSummary.read(from: folder))?.groups.first { $0.weighted == true }?.group
            for (g, q) in e.byGroup.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
                text +=
                    "\n  \(g == Evaluation.directGroup ? "direct step (a cascade's first)" : "group \(g)")\(Int(g) == weighted ? " (weighted)" : ""): \(q.linked.formatted()) linked, \(q.wrong.formatted()) wrong, precision \(rate(q.precision)), cumulative recall \(rate(q.cumulativeRecall))"
                if let x = q.expectedWrong { text += String(format: " (the run expected %.1f wrong)", x) }
            }
        }
        if let byConfiguration = e.byConfiguration, !byConfiguration.isEmpty {
            text += "\nBy configuration (linked, wrong, expected wrong):"
            for (c, q) in byConfiguration.sorted(by: { (Int($0.key) ?? 0) < (Int($1.key) ?? 0) }) {
                text += "\n  configuration \(c): \(q.linked.formatted()) linked, \(q.wrong.formatted()) wrong"
                if let x = q.expectedWrong { text += String(format: ", the run expected %.1f", x) }
            }
        }
        if let w = e.weakLinks, w.excluded > 0 {
            text += String(
                format: "\nThe guard excluded %@ weak link%@: %@ wrong and %@ right by the truth (the run expected %.1f wrong).",
                w.excluded.formatted(), w.excluded == 1 ? "" : "s", w.wrong.formatted(), w.right.formatted(), w.expectedWrong)
        }
        if let bands = e.calibration, bands.contains(where: { $0.links > 0 }) {
            text += "\nCalibration of the link probabilities (links, mean probability, share right):"
            for b in bands where b.links > 0 {
                text += String(
                    format: "\n  %.3f–%.3f: %@ link%@, %.4f, %.4f", b.from, b.to, b.links.formatted(), b.links == 1 ? "" : "s",
                    b.meanProbability ?? 0, b.shareRight ?? 0)
            }
        }
        if !e.mismatches.isEmpty {
            text +=
                "\nNot as expected (\(e.mismatches.count)): "
                + e.mismatches.prefix(20)
                .map { "line \($0.line) \($0.ns) (\($0.defect)): expected \($0.expected), got \($0.actual)" }.joined(separator: "; ")
            if e.mismatches.count > 20 { text += "; … (all in evaluation.json)" }
        }
        text += "\nWritten to \(folder.appendingPathComponent(Evaluation.file).relativePath)"
        Swift.print(text)
    }
}
