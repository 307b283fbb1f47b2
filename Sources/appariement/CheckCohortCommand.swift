import ArgumentParser
import Foundation
import Linkage
import SNDSModel

/// `appariement check-cohort`: would this cohort file link cleanly? No database, no key.
struct CheckCohort: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-cohort",
        abstract: "Check a cohort file before sending or linking it: every problem at once, no database, no key.",
        discussion: """
            Reads the file as `direct` would (or as `probabiliste` would with --criteria) and lists, \
            at once: how it was read (encoding, separator), the lines a run would reject by reason with \
            their first line numbers, each column's missing, reformatted and unreadable values, NIRs \
            given without their key, and what would stop a run whole (a header problem, a file mostly \
            rejected, a criterion mostly unreadable). Values and the NS of rejected lines are never \
            repeated. Exits 0 when the file would link cleanly (no line rejected, no value unreadable), \
            3 otherwise. See docs/direct-linkage.md and docs/indirect-linkage.md.
            """)

    @Argument(help: ArgumentHelp("The cohort file (CSV).", valueName: "cohort.csv"))
    var cohort: String

    @Option(
        help: ArgumentHelp(
            "An indirect cohort's rules file (YAML): the file is checked against its criteria; without it, as a direct cohort.",
            valueName: "rules.yml"))
    var criteria: String?

    @OptionGroup var cohortFile: CohortFileOptions

    func run() throws {
        try Failure.reporting(offering: [.criteria]) {
            let url = URL(fileURLWithPath: cohort)
            let kind: CohortCheck.Kind
            let columns: [CohortFile.Column]
            if let criteria {
                let rules = try IndirectRules.load(URL(fileURLWithPath: criteria), reference: try ReferenceData.locate())
                kind = .indirect(rules)
                columns = rules.cohortColumns
            } else {
                kind = .direct
                columns = DirectCohort.columns
            }
            let file = try CohortFile(
                url: url, columns: columns, encoding: cohortFile.encodingChoice, separator: cohortFile.separatorChoice,
                header: cohortFile.headerMapping)
            let check = CohortCheck(file, as: kind)
            print(Self.text(check, path: cohort))
            guard check.isClean else {
                throw LinkageError.badCohort(cohort, "would not link cleanly: the problems are listed above")
            }
        }
    }

    static func text(_ c: CohortCheck, path: String) -> String {
        var lines = ["\(path): read as \(c.source)"]
        lines += c.notes.map { "  note: \($0)" }
        lines.append("  lines          \(c.submitted.formatted())")
        lines.append("  accepted       \(c.accepted.formatted()) (not rejected: a run would try to link them)")
        let rejected = c.reasons.reduce(0) { $0 + $1.lines }
        lines.append("  rejected       \(rejected.formatted())")
        for r in c.reasons {
            let more = r.lines > r.first.count ? ", …" : ""
            lines.append(
                "    \(r.reason.rawValue): \(r.lines.formatted()) (line\(r.lines > 1 ? "s" : "") \(r.first.map(String.init).joined(separator: ", "))\(more))"
            )
        }
        if !c.quality.isEmpty {
            lines.append("Columns: missing / reformatted / unreadable values")
            let width = max(12, c.quality.map(\.column.count).max() ?? 0)
            for (column, q) in c.quality {
                lines.append(
                    "  \(column.padding(toLength: width, withPad: " ", startingAt: 0))  \(q.missing.formatted()) / \(q.reformatted.formatted()) / \(q.invalid.formatted())"
                )
            }
        }
        if let n = c.nirWithoutKey, n > 0 {
            lines.append("\(n.formatted()) accepted lines give the NIR's 13 positions without its key: they would link, but no key checks them.")
        }
        if let whole = c.wholeFile { lines.append("A run would stop: \(whole)") }
        lines.append(c.isClean ? "The file would link cleanly." : "The file would not link cleanly.")
        return lines.joined(separator: "\n")
    }
}
