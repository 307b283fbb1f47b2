import Foundation
import Testing

/// `appariement report` as a user runs it: a report pair for a finished run, with or without a
/// truth, and one clear message, a non-zero exit and nothing written for what cannot be reported.
@Suite struct ReportCommandTests {
    @Test func aRunIsReportedWithItsEvaluation() throws {
        let (scratch, setup) = try ProbabilisteCommandTests.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let rules = CommandLine.checkout.appendingPathComponent("rules/default.yml").path
        #expect(try ProbabilisteCommandTests.link(scratch, rules: rules).status == 0)

        let report = try CommandLine.run(
            [
                "report", "runs/p1", "--truth", "cohorts/registry.truth.csv", "--key-file", "keys/secret.key",
                "--lang", "en",
            ], in: scratch.url)
        #expect(report.status == 0, "\(report.stderr)")
        #expect(report.stdout.contains("runs/p1/report.html"))
        #expect(report.stdout.contains("precision"))
        let html = try String(contentsOf: scratch.file("runs/p1/report.html"), encoding: .utf8)
        #expect(html.contains("Indirect linkage report"))
        #expect(html.contains("Quality measured against the synthetic truth"))
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("runs/p1/report.json"))) as! [String: Any]
        #expect(json["language"] as? String == "en")
        #expect(json["evaluation"] != nil)

        // Without a truth nor an evaluation.json: no evaluation section, French by default.
        let plain = try CommandLine.run(["report", "runs/p1"], in: scratch.url)
        #expect(plain.status == 0, "\(plain.stderr)")
        let plainJSON = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("runs/p1/report.json"))) as! [String: Any]
        #expect(plainJSON["evaluation"] == nil && plainJSON["language"] as? String == "fr")
        // After `evaluate`, its evaluation.json is used.
        #expect(
            try CommandLine.run(
                ["evaluate", "runs/p1", "--truth", "cohorts/registry.truth.csv", "--key-file", "keys/secret.key"],
                in: scratch.url
            ).status == 0)
        let reused = try CommandLine.run(["report", "runs/p1", "--min-cell", "5", "--audience", "public"], in: scratch.url)
        #expect(reused.stdout.contains("from evaluation.json"), "\(reused.stdout)")
        #expect(reused.stdout.contains("every count of 1 to 4 people hidden"), "\(reused.stdout)")
        // --threshold is a direct run's; an indirect run's is its rules'.
        let refused = try CommandLine.run(["report", "runs/p1", "--threshold", "0.9"], in: scratch.url)
        #expect(refused.status == 64 && refused.stderr.contains("strategy.success_threshold"), "\(refused.stderr)")
    }

    @Test func whatCannotBeReportedIsRefusedWithOneMessage() throws {
        let (scratch, setup) = try ProbabilisteCommandTests.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let rules = CommandLine.checkout.appendingPathComponent("rules/default.yml").path
        #expect(try ProbabilisteCommandTests.link(scratch, rules: rules).status == 0)

        let nowhere = try CommandLine.run(["report", "runs/none"], in: scratch.url)
        #expect(nowhere.status == 3)
        #expect(nowhere.stderr.contains("no such folder"))
        #expect(nowhere.stderr.split(separator: "\n").count == 1)

        let zero = try CommandLine.run(["report", "runs/p1", "--min-cell", "0"], in: scratch.url)
        #expect(zero.status == 64)
        let negative = try CommandLine.run(["report", "runs/p1", "--min-cell", "-3"], in: scratch.url)
        #expect(negative.status == 64)
        #expect(negative.stderr.contains("--min-cell must be 1 or more"), "\(negative.stderr)")
        let language = try CommandLine.run(["report", "runs/p1", "--lang", "de"], in: scratch.url)
        #expect(language.status == 64)

        // Another key cannot open the run's sealed correspondence: nothing is written.
        #expect(
            try CommandLine.run(
                ["generate", "--beneficiaries", "20", "--out", "x/x.sqlite", "--key-file", "other.key"],
                in: scratch.url
            ).status == 0)
        let wrongKey = try CommandLine.run(
            ["report", "runs/p1", "--truth", "cohorts/registry.truth.csv", "--key-file", "other.key"],
            in: scratch.url)
        #expect(wrongKey.status == 4, "\(wrongKey.stderr)")
        // Another cohort's truth: refused.
        let otherTruth = scratch.file("other.truth.csv")
        try "LINE;NS;BEN_IDT_ANO;DEFECT;EXPECTED\n2;X;;none;not_found\n".write(to: otherTruth, atomically: true, encoding: .utf8)
        let mismatch = try CommandLine.run(["report", "runs/p1", "--truth", "other.truth.csv", "--key-file", "keys/secret.key"], in: scratch.url)
        #expect(mismatch.status != 0)
        for name in ["report.html", "report.json"] {
            #expect(!FileManager.default.fileExists(atPath: scratch.file("runs/p1/\(name)").path), "\(name) written by a failed report")
        }
    }
}
