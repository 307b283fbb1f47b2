import Foundation
import GRDB
import Testing

/// `demo` reuses a dataset only when it is what was asked for and intact; `check-dataset` says
/// whether a dataset is complete and unaltered.
@Suite struct DemoAndCheckDatasetTests {
    static func demo(_ scratch: Scratch, _ extra: [String] = [], environment: [String: String] = [:]) throws -> CommandLine.Outcome {
        try CommandLine.run(["demo", "--beneficiaries", "300"] + extra, in: scratch.url, environment: environment)
    }

    @Test func demoReusesOnlyAnIntactDatasetOfTheAskedSizeAndKey() throws {
        let scratch = Scratch()
        let first = try Self.demo(scratch)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(FileManager.default.fileExists(atPath: scratch.file("synthetic/secret.key").path))
        // The demo links a cohort drawn from the dataset and evaluates the run against its truth.
        #expect(FileManager.default.fileExists(atPath: scratch.file("runs/demo-direct/evaluation.json").path))
        #expect(first.stdout.contains("precision    1.0000"), "\(first.stdout)")
        // Then an indirect cohort, linked and evaluated, and a report pair for each run.
        #expect(first.stdout.contains("Indirect linkage of a synthetic registry"), "\(first.stdout)")
        for run in ["demo-direct", "demo-sejours"] {
            for name in ["evaluation.json", "report.html", "report.json"] {
                #expect(FileManager.default.fileExists(atPath: scratch.file("runs/\(run)/\(name)").path), "runs/\(run)/\(name) missing")
            }
            #expect(first.stdout.contains("runs/\(run)/report.html"))
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: scratch.file("runs/\(run)/report.json"))) as! [String: Any]
            #expect(report["evaluation"] != nil, "\(run)'s report has no evaluation")
            // Both cohorts give the département of residence: both reports break it down.
            #expect((report["bias"] as? [String: Any])?["departementColumn"] as? String == "DEPARTEMENT", "\(run)")
        }

        let again = try Self.demo(scratch)
        #expect(again.status == 0)
        #expect(again.stdout.contains("Reusing"))
        #expect(again.stdout.contains("Reusing the direct linkage"))
        #expect(again.stdout.contains("Reusing the indirect linkage"))

        // The demo's cohort edited by hand: not drawn again over the edits; left as it is.
        let cohort = scratch.file("cohorts/demo-direct.csv")
        let drawn = try Data(contentsOf: cohort)
        let edited = Data(String(decoding: drawn, as: UTF8.self).replacingOccurrences(of: "\n", with: "\r\n").utf8)
        try edited.write(to: cohort)
        let overEdits = try Self.demo(scratch)
        #expect(overEdits.status == 6, "\(overEdits.stdout) \(overEdits.stderr)")
        #expect(overEdits.stderr.contains("cohorts/demo-direct.csv was changed since the demo drew it"), "\(overEdits.stderr)")
        #expect(overEdits.stderr.contains("--fresh to draw it again"), "\(overEdits.stderr)")
        #expect(try Data(contentsOf: cohort) == edited)
        try drawn.write(to: cohort)
        // A run whose results were edited is made again, not reused.
        let results = scratch.file("runs/demo-direct/results.csv")
        try (try String(contentsOf: results, encoding: .utf8) + "\n").write(to: results, atomically: true, encoding: .utf8)
        let afterRunEdit = try Self.demo(scratch)
        #expect(afterRunEdit.status == 0, "\(afterRunEdit.stderr)")
        #expect(!afterRunEdit.stdout.contains("Reusing the direct linkage"), "\(afterRunEdit.stdout)")
        #expect(afterRunEdit.stdout.contains("Reusing the indirect linkage"), "\(afterRunEdit.stdout)")
        // Edited, with no run of it left to tell: compared with the cohort the demo draws, and kept.
        try edited.write(to: cohort)
        try FileManager.default.removeItem(at: scratch.file("runs/demo-direct"))
        let noRun = try Self.demo(scratch)
        #expect(noRun.status == 6, "\(noRun.stdout) \(noRun.stderr)")
        #expect(noRun.stderr.contains("is not the cohort the demo draws from this dataset"), "\(noRun.stderr)")
        #expect(try Data(contentsOf: cohort) == edited)
        #expect(
            !((try? FileManager.default.contentsOfDirectory(atPath: scratch.file("cohorts").path)) ?? []).contains { $0.hasPrefix(".") },
            "the cohort drawn aside to compare is left behind")
        // The demo's own cohort, without its run: drawn again (the same), linked.
        try drawn.write(to: cohort)
        let ownCohort = try Self.demo(scratch)
        #expect(ownCohort.status == 0, "\(ownCohort.stderr)")

        let bigger = try CommandLine.run(["demo", "--beneficiaries", "350"], in: scratch.url)
        #expect(bigger.status == 0)
        #expect(bigger.stdout.contains("generating one with 350"))

        // Edited by hand: not reused, made again.
        let queue = try DatabaseQueue(path: scratch.file("synthetic/snds.sqlite").path)
        try queue.write { db in try db.execute(sql: "DELETE FROM IR_BEN_R WHERE rowid < 10") }
        try queue.close()
        let afterEdit = try CommandLine.run(["demo", "--beneficiaries", "350"], in: scratch.url)
        #expect(afterEdit.status == 0)
        #expect(afterEdit.stdout.contains("cannot be reused"))
        #expect(afterEdit.stdout.contains("IR_BEN_R was changed"))

        // Another existing key: refused, not silently mixed with this dataset.
        #expect(
            try CommandLine.run(
                ["generate", "--beneficiaries", "20", "--out", "x/x.sqlite", "--key-file", "other.key"],
                in: scratch.url
            ).status == 0)
        let mismatch = try CommandLine.run(["demo", "--beneficiaries", "350", "--key-file", "other.key"], in: scratch.url)
        #expect(mismatch.status == 4, "\(mismatch.stdout) \(mismatch.stderr)")
        #expect(mismatch.stderr.contains("--fresh"))
    }

    @Test func checkDatasetFindsAlterationsAndIncompleteness() throws {
        let scratch = Scratch()
        let made = try CommandLine.run(["generate", "--beneficiaries", "200", "--key-file", "k.key"], in: scratch.url)
        #expect(made.status == 0, "\(made.stderr)")
        let good = try CommandLine.run(["check-dataset"], in: scratch.url)
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("complete and unaltered"))

        let queue = try DatabaseQueue(path: scratch.file("synthetic/snds.sqlite").path)
        try queue.write { db in try db.execute(sql: "UPDATE IR_BEN_R SET BEN_RES_COM = '001' WHERE rowid = 1") }
        try queue.close()
        let altered = try CommandLine.run(["check-dataset", "synthetic/snds.sqlite"], in: scratch.url)
        #expect(altered.status == 5)
        #expect(altered.stderr.contains("IR_BEN_R"))

        try FileManager.default.removeItem(at: scratch.file("synthetic/snds.manifest.json"))
        let incomplete = try CommandLine.run(["check-dataset"], in: scratch.url)
        #expect(incomplete.status == 5)
        #expect(incomplete.stderr.contains("incomplete"))

        let absent = try CommandLine.run(["check-dataset", "nothing/here.sqlite"], in: scratch.url)
        #expect(absent.status == 3)
    }

    @Test func aRunThatCannotWriteCreatesNoKeyFile() throws {
        let scratch = Scratch()
        let outcome = try CommandLine.run(["generate", "--out", "/proc/none/x.sqlite", "--key-file", "keys/k.key"], in: scratch.url)
        #expect(outcome.status == 6)
        #expect(outcome.stderr.contains("No such file or directory"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("keys").path))
    }

    @Test func aMissingSealedFileIsAnInputError() throws {
        let scratch = Scratch()
        #expect(try CommandLine.run(["generate", "--beneficiaries", "20", "--key-file", "k.key"], in: scratch.url).status == 0)
        let outcome = try CommandLine.run(["check-sealed", "absent.sealed", "--key-file", "k.key"], in: scratch.url)
        #expect(outcome.status == 3)
        #expect(outcome.stderr.contains("does not exist"))
    }
}

/// `describe` prints the headline figures, as text or JSON.
@Suite struct DescribeCommandTests {
    @Test func describePrintsFiguresAsTextAndJSON() throws {
        let scratch = Scratch()
        #expect(
            try CommandLine.run(
                [
                    "generate", "--beneficiaries", "600", "--key-file", "k.key", "--argon2-memory", "64",
                    "--argon2-iterations", "1",
                ], in: scratch.url
            ).status == 0)
        let text = try CommandLine.run(["describe"], in: scratch.url)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("Headline figures"))
        #expect(text.stdout.contains("MCO stays"))
        let json = try CommandLine.run(["describe", "synthetic/snds.sqlite", "--json"], in: scratch.url)
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as! [String: Any]
        let figures = object["figures"] as! [[String: Any]]
        #expect(figures.count >= 13)
        #expect((object["personYears"] as! Double) > 1000)
        // A dataset that is not there is an input error.
        #expect(try CommandLine.run(["describe", "none.sqlite"], in: scratch.url).status == 3)
    }
}
