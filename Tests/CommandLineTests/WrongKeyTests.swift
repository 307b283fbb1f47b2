import Foundation
import Testing

/// Every command that checks its key against a dataset or a run, given a valid key that is not
/// the one they were made with: the same exit status (4, a key problem), one line, nothing written
/// — and a message that names no option the command does not have (`cohort direct` once told the
/// user to "use --fresh", a `demo` option). `generate` takes a key too, but makes a dataset with it
/// rather than checking it.
@Suite(.serialized) struct WrongKeyTests {
    /// One invocation per command that reads or checks the key against a dataset or a run.
    struct Case: CustomStringConvertible {
        let command: [String]
        let arguments: [String]
        /// What the command would write, which must not appear.
        let output: String?
        var description: String { command.joined(separator: " ") }
    }

    @Test func everyCommandRefusesAnotherKeyNamingOnlyItsOwnOptions() throws {
        let scratch = Scratch()
        let dir = scratch.url
        func run(_ arguments: [String]) throws -> CommandLine.Outcome { try CommandLine.run(arguments, in: dir) }
        let rules = CommandLine.checkout.appendingPathComponent("rules/default.yml").path

        // A small dataset made with the right key, a cohort of each kind, a direct run: what the
        // commands below are given.
        for step in [
            ["generate", "--beneficiaries", "400", "--out", "synthetic/snds.sqlite", "--key-file", "keys/right.key"],
            ["generate", "--beneficiaries", "20", "--out", "other/snds.sqlite", "--key-file", "keys/other.key"],
            ["cohort", "direct", "--size", "40", "--name", "d", "--key-file", "keys/right.key"],
            ["cohort", "probabiliste", "--size", "10", "--name", "p"],
            ["direct", "cohorts/d.csv", "--out", "runs/d", "--key-file", "keys/right.key"],
        ] {
            let outcome = try run(step)
            try #require(outcome.status == 0, "\(step): \(outcome.stderr)")
        }

        let wrong = ["--key-file", "keys/other.key"]
        let datasetBefore = try Data(contentsOf: dir.appendingPathComponent("synthetic/snds.sqlite"))
        let cases = [
            Case(command: ["demo"], arguments: ["--beneficiaries", "400"] + wrong, output: "cohorts/demo-direct.csv"),
            Case(command: ["cohort", "direct"], arguments: ["--size", "10", "--name", "w"] + wrong, output: "cohorts/w.csv"),
            Case(command: ["direct"], arguments: ["cohorts/d.csv", "--out", "runs/w-direct"] + wrong, output: "runs/w-direct"),
            Case(
                command: ["probabiliste"], arguments: ["cohorts/p.csv", "--criteria", rules, "--out", "runs/w-indirect"] + wrong,
                output: "runs/w-indirect"),
            Case(command: ["evaluate"], arguments: ["runs/d", "--truth", "cohorts/d.truth.csv"] + wrong, output: "runs/d/evaluation.json"),
            Case(command: ["report"], arguments: ["runs/d", "--truth", "cohorts/d.truth.csv"] + wrong, output: "runs/d/report.html"),
            Case(command: ["export", "links"], arguments: ["runs/d", "--out", "links.csv"] + wrong, output: "links.csv"),
            Case(command: ["check-sealed"], arguments: ["synthetic/snds.correspondence.sealed"] + wrong, output: nil),
        ]
        for c in cases {
            let outcome = try run(c.command + c.arguments)
            #expect(outcome.status == 4, "\(c): exit \(outcome.status), \(outcome.stderr)")
            let lines = outcome.stderr.split(separator: "\n").filter { $0.hasPrefix("appariement: error:") }
            #expect(lines.count == 1, "\(c): \(outcome.stderr)")
            #expect(outcome.stderr.contains("fingerprint"), "\(c): \(outcome.stderr)")
            if let output = c.output {
                #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent(output).path), "\(c) wrote \(output)")
            }
            // Every option the message names is one of this command's.
            let help = Self.options(in: try run(c.command + ["--help"]).stdout)
            for option in Self.options(in: outcome.stderr) {
                #expect(help.contains(option), "\(c) names \(option), which its --help does not list: \(outcome.stderr)")
            }
        }
        // The demo, refused, left the dataset in place as it was.
        #expect(try Data(contentsOf: dir.appendingPathComponent("synthetic/snds.sqlite")) == datasetBefore)
        // Only the demo may suggest --fresh: the check above catches the message cohort direct gave before.
        let old =
            "synthetic/snds.sqlite was generated with the key of fingerprint a, but k has fingerprint b: give the key it was made with, or use --fresh to generate it again with this key"
        #expect(!Self.options(in: old).isSubset(of: Self.options(in: try run(["cohort", "direct", "--help"]).stdout)))
    }

    /// The `--name` words of a text.
    static func options(in text: String) -> Set<String> {
        var found = Set<String>()
        var rest = Substring(text)
        while let start = rest.range(of: "--") {
            let word = rest[start.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
            if !word.isEmpty { found.insert("--" + word) }
            rest = rest[start.upperBound...]
        }
        return found
    }
}
