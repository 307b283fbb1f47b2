import Foundation
import Testing

/// `appariement cohort probabiliste`, `probabiliste` and `evaluate` as a user runs them: the whole
/// path on a small dataset made by `generate`, and one clear message, a non-zero exit and no run
/// folder for bad rules and bad cohorts.
@Suite struct ProbabilisteCommandTests {
    static func prepare() throws -> (Scratch, [CommandLine.Outcome]) {
        let scratch = Scratch()
        let generated = try GenerateCommandTests.generate(in: scratch)
        let cohort = try CommandLine.run(
            [
                "cohort", "probabiliste", "--size", "60", "--seed", "3", "--database", "data/snds.sqlite",
                "--dir", "cohorts", "--name", "registry",
            ], in: scratch.url)
        return (scratch, [generated, cohort])
    }

    static func link(
        _ scratch: Scratch, cohort: String = "cohorts/registry.csv", rules: String, out: String = "runs/p1",
        extra: [String] = []
    ) throws -> CommandLine.Outcome {
        try CommandLine.run(
            [
                "probabiliste", cohort, "--criteria", rules, "--database", "data/snds.sqlite",
                "--key-file", "keys/secret.key", "--out", out,
            ] + extra, in: scratch.url)
    }

    @Test func aRegistryIsLinkedGroupByGroupAndEvaluated() throws {
        let (scratch, setup) = try Self.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        #expect(setup[1].stdout.contains("--criteria rules/default.yml"))
        let rules = CommandLine.checkout.appendingPathComponent("rules/default.yml").path
        let run = try Self.link(scratch, rules: rules)
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("submitted   60"))
        #expect(run.stdout.contains("group 1"))
        #expect(run.stdout.contains("against a threshold of 90 %"))
        // The discriminance is printed before the join.
        #expect(run.stderr.contains("Discriminance (SNDS side)"))
        #expect(run.stderr.contains("Drop order:"))
        for name in ["summary.json", "results.csv", "rejects.csv", "correspondence.sealed", "extraction.sqlite"] {
            #expect(FileManager.default.fileExists(atPath: scratch.file("runs/p1/\(name)").path), "\(name) missing")
        }
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("runs/p1/summary.json"))) as! [String: Any]
        #expect(summary["kind"] as? String == "probabiliste")
        #expect(["success", "failure"].contains(summary["verdict"] as? String ?? ""))
        let evaluate = try CommandLine.run(
            ["evaluate", "runs/p1", "--truth", "cohorts/registry.truth.csv", "--key-file", "keys/secret.key"],
            in: scratch.url)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("By group"))
        #expect(evaluate.stdout.contains("group 1:"))
        // --force replaces a previous run, nothing else.
        let again = try Self.link(scratch, rules: rules, extra: ["--no-extraction"])
        #expect(again.status == 6 && again.stderr.contains("already exists"), "\(again.stderr)")
        let forced = try Self.link(scratch, rules: rules, extra: ["--no-extraction", "--force"])
        #expect(forced.status == 0, "\(forced.stderr)")
        let sealed = try CommandLine.run(["check-sealed", "runs/p1/correspondence.sealed", "--key-file", "keys/secret.key"], in: scratch.url)
        #expect(sealed.status == 0 && sealed.stdout.contains("indirect-linkage-correspondence"), "\(sealed.stdout)")
        // A verdict below the threshold: exit 2 with --require-success, the run written all the same.
        let strict = try String(contentsOf: URL(fileURLWithPath: rules), encoding: .utf8)
            .replacingOccurrences(of: "success_threshold: 0.90", with: "success_threshold: 1.0")
        try strict.write(to: scratch.file("strict.yml"), atomically: true, encoding: .utf8)
        let failing = try Self.link(scratch, rules: "strict.yml", out: "runs/strict", extra: ["--no-extraction", "--require-success"])
        #expect(failing.status == 2, "\(failing.stderr)")
        #expect(failing.stdout.contains("FAILURE"))
        #expect(FileManager.default.fileExists(atPath: scratch.file("runs/strict/summary.json").path))
        // The verdict projected to the real SNDS by default; a smaller base than the dataset's is
        // refused before the join, with the option named, and nothing written.
        #expect(run.stdout.contains("Projected to an SNDS of 67,000,000 people"), "\(run.stdout)")
        let small = try Self.link(scratch, rules: rules, out: "runs/small", extra: ["--no-extraction", "--project-to", "100"])
        #expect(small.status == 3 && small.stderr.contains("--project-to 100 is smaller than"), "\(small.stderr)")
        #expect(!small.stderr.contains("Discriminance") && !FileManager.default.fileExists(atPath: scratch.file("runs/small").path))
        let zero = try Self.link(scratch, rules: rules, out: "runs/zero", extra: ["--no-extraction", "--project-to", "0"])
        #expect(zero.status == 64 && zero.stderr.contains("--project-to takes a number of people"), "\(zero.stderr)")
    }

    @Test func badRulesAndBadCohortsGetOneClearMessageAndLeaveNothing() throws {
        let (scratch, setup) = try Self.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let good = try String(contentsOf: CommandLine.checkout.appendingPathComponent("rules/default.yml"), encoding: .utf8)
        try FileManager.default.createDirectory(at: scratch.file("rules"), withIntermediateDirectories: true)
        let cases: [(name: String, rules: String, cohort: String?, status: Int32, message: String)] = [
            (
                "unknown table", good.replacingOccurrences(of: "IR_BEN_R.BEN_SEX_COD", with: "IR_NOPE_R.BEN_SEX_COD"), nil, 3,
                "the table IR_NOPE_R is not available"
            ),
            (
                "unknown column", good.replacingOccurrences(of: "T_MCOaaB.DGN_PAL", with: "T_MCOaaB.DGN_NOPE"), nil, 3,
                "the table T_MCOaaB has no column DGN_NOPE"
            ),
            ("bad tolerance", good.replacingOccurrences(of: "within_days: 2}", with: "within_days: -3}"), nil, 3, "out of range"),
            ("unknown key", good + "\nextra: 1\n", nil, 3, "unknown key 'extra'"),
            ("unknown cohort column", good, "NS;SEXE;COULEUR\nNS_1;1;bleu\n", 3, "unknown column 'COULEUR'"),
            ("missing cohort column", good, "NS;SEXE\nNS_1;1\n", 3, "missing columns"),
        ]
        try good.write(to: scratch.file("rules/good.yml"), atomically: true, encoding: .utf8)
        for c in cases {
            try c.rules.write(to: scratch.file("rules/\(c.name).yml"), atomically: true, encoding: .utf8)
            var cohort = "cohorts/registry.csv"
            if let text = c.cohort {
                cohort = "cohorts/\(c.name).csv"
                try text.write(to: scratch.file(cohort), atomically: true, encoding: .utf8)
            }
            let out = "runs/\(c.name)"
            let outcome = try Self.link(scratch, cohort: cohort, rules: "rules/\(c.name).yml", out: out)
            #expect(outcome.status == c.status, "\(c.name): \(outcome.status) \(outcome.stderr)")
            #expect(outcome.stderr.hasPrefix("appariement: error:"), "\(c.name): \(outcome.stderr)")
            #expect(outcome.stderr.contains(c.message), "\(c.name): \(outcome.stderr)")
            #expect(outcome.stderr.split(separator: "\n").count == 1, "\(c.name): \(outcome.stderr)")
            #expect(!FileManager.default.fileExists(atPath: scratch.file(out).path), "\(c.name) left \(out)")
        }
        // A criterion unreadable on most lines (dates written as words) stops the run, named, rather
        // than linking without it in silence; a few unreadable values are left out line by line.
        let registry = try String(contentsOf: scratch.file("cohorts/registry.csv"), encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
        let date = try #require(registry[0].firstIndex(of: "DATE_ENTREE"))
        func rewritten(everyNth n: Int) -> String {
            registry.enumerated().map { i, row in
                var r = row
                if i > 0, i % n == 0, !r[date].isEmpty { r[date] = "le lundi" }
                return r.joined(separator: ";")
            }.joined(separator: "\n") + "\n"
        }
        try rewritten(everyNth: 1).write(to: scratch.file("cohorts/words.csv"), atomically: true, encoding: .utf8)
        let words = try Self.link(scratch, cohort: "cohorts/words.csv", rules: "rules/good.yml", out: "runs/words")
        #expect(words.status == 3, "\(words.stderr)")
        #expect(words.stderr.contains("the DATE_ENTREE column is unreadable on"), "\(words.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("runs/words").path))
        try rewritten(everyNth: 10).write(to: scratch.file("cohorts/some-words.csv"), atomically: true, encoding: .utf8)
        let some = try Self.link(
            scratch, cohort: "cohorts/some-words.csv", rules: "rules/good.yml", out: "runs/some-words", extra: ["--no-extraction"])
        #expect(some.status == 0 || some.status == 2, "\(some.stderr)")
        let results = try String(contentsOf: scratch.file("runs/some-words/results.csv"), encoding: .utf8)
        #expect(results.contains("unreadable, compared as missing: DATE_ENTREE"))
        let scenario = try CommandLine.run(["cohort", "probabiliste", "--scenario", "nope", "--database", "data/snds.sqlite"], in: scratch.url)
        #expect(scenario.status == 64 && scenario.stderr.contains("unknown scenario 'nope'"))
        let tooLarge = try CommandLine.run(
            ["cohort", "probabiliste", "--size", "100000", "--database", "data/snds.sqlite", "--name", "big"],
            in: scratch.url)
        #expect(tooLarge.status == 64 && tooLarge.stderr.contains("eligible patients") && tooLarge.stderr.contains("at most"), "\(tooLarge.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("cohorts/big.csv").path))
        // Another key than the dataset's: refused before anything is written.
        let other = try CommandLine.run(
            ["generate", "--beneficiaries", "50", "--out", "other/snds.sqlite", "--key-file", "keys/other.key"],
            in: scratch.url)
        #expect(other.status == 0, "\(other.stderr)")
        try good.write(to: scratch.file("rules/good.yml"), atomically: true, encoding: .utf8)
        let sealing = try CommandLine.run(
            [
                "probabiliste", "cohorts/registry.csv", "--criteria", "rules/good.yml",
                "--database", "data/snds.sqlite", "--key-file", "keys/other.key", "--out", "runs/wrong-key",
            ],
            in: scratch.url)
        #expect(sealing.status == 4 && sealing.stderr.contains("sealed with the dataset's key"), "\(sealing.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("runs/wrong-key").path))
    }
}
