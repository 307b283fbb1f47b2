import Foundation
import Pseudonymisation
import SNDSModel
import Synthesis
import Testing

/// `appariement cohort direct`, `direct` and `evaluate` as a user runs them: the whole path on a
/// small dataset, no clear NIR in anything written or printed, and one clear message with a
/// non-zero exit and no output folder for every kind of bad input.
@Suite struct DirectCommandTests {
    /// A dataset (default argon2 parameters) and a direct cohort of 200 lines, made by the commands.
    static func prepare() throws -> (Scratch, [CommandLine.Outcome]) {
        let scratch = Scratch()
        let generated = try GenerateCommandTests.generate(in: scratch)
        let cohort = try CommandLine.run(
            [
                "cohort", "direct", "--size", "200", "--seed", "2", "--database", "data/snds.sqlite",
                "--key-file", "keys/secret.key", "--dir", "cohorts", "--name", "study",
            ], in: scratch.url)
        return (scratch, [generated, cohort])
    }

    static func direct(
        _ scratch: Scratch, cohort: String = "cohorts/study.csv", out: String = "runs/r1",
        extra: [String] = []
    ) throws -> CommandLine.Outcome {
        try CommandLine.run(
            ["direct", cohort, "--database", "data/snds.sqlite", "--key-file", "keys/secret.key", "--out", out] + extra,
            in: scratch.url)
    }

    @Test func aCohortIsLinkedEvaluatedAndLeaksNoNIR() throws {
        let (scratch, setup) = try Self.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        #expect(setup[1].stdout.contains("cohorts/study.truth.csv"))
        let direct = try Self.direct(scratch)
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(direct.stdout.contains("submitted   200"))
        let evaluate = try CommandLine.run(
            ["evaluate", "runs/r1", "--truth", "cohorts/study.truth.csv", "--key-file", "keys/secret.key"],
            in: scratch.url)
        #expect(evaluate.status == 0, "\(evaluate.stderr)")
        #expect(evaluate.stdout.contains("precision    1.0000"))
        #expect(evaluate.stdout.contains("as expected  200 of 200"), "\(evaluate.stdout)")
        for name in [
            "summary.json", "results.csv", "rejects.csv", "correspondence.sealed", "extraction.sqlite",
            "extraction/ER_PRS_F.csv", "evaluation.json",
        ] {
            #expect(FileManager.default.fileExists(atPath: scratch.file("runs/r1/\(name)").path), "\(name) missing")
        }
        // The NIRs to look for: the population's and every NIR written in the cohort (bodies of 13).
        var nirs = try ClearNIRs.of(scratch: scratch)
        let cohortText = try String(contentsOf: scratch.file("cohorts/study.csv"), encoding: .utf8)
        for line in cohortText.split(separator: "\n").dropFirst() {
            let nir = line.split(separator: ";", omittingEmptySubsequences: false)[1].replacingOccurrences(of: " ", with: "")
            if nir.count == 15 { nirs.insert(String(nir.prefix(13))) }
        }
        #expect(nirs.count > 400)
        var haystacks: [(String, Data)] = []
        for outcome in setup.dropFirst() + [direct, evaluate] {
            haystacks += [("stdout", Data(outcome.stdout.utf8)), ("stderr", Data(outcome.stderr.utf8))]
        }
        haystacks.append(("cohorts/study.truth.csv", try Data(contentsOf: scratch.file("cohorts/study.truth.csv"))))
        let run = scratch.file("runs/r1")
        for case let url as URL in FileManager.default.enumerator(at: run, includingPropertiesForKeys: nil)! where !url.hasDirectoryPath {
            haystacks.append((url.lastPathComponent, try Data(contentsOf: url)))
        }
        #expect(haystacks.count >= 20)
        for (name, data) in haystacks {
            #expect(ClearNIRs.firstLeak(of: nirs, in: data) == nil, "a clear NIR is in \(name)")
            #expect(ClearNIRs.firstLeak(of: nirs, in: Data(data.filter { $0 != 0x20 })) == nil, "a spaced clear NIR is in \(name)")
        }
        // A run is not overwritten without --force.
        let again = try Self.direct(scratch)
        #expect(again.status == 6 && again.stderr.contains("already exists; use --force"))
        // What holds clear NIRs or says who is who is private.
        for name in [
            "cohorts/study.csv", "cohorts/study.truth.csv", "runs/r1/results.csv", "runs/r1/extraction.sqlite",
            "runs/r1/correspondence.sealed",
        ] {
            let mode = (try FileManager.default.attributesOfItem(atPath: scratch.file(name).path)[.posixPermissions] as! NSNumber).intValue
            #expect(mode == 0o600, "\(name) is \(String(mode, radix: 8))")
        }
        // The truth of another cohort of the same size is refused, not scored.
        let other = try CommandLine.run(
            [
                "cohort", "direct", "--size", "200", "--seed", "3", "--database", "data/snds.sqlite",
                "--key-file", "keys/secret.key", "--dir", "cohorts", "--name", "other",
            ], in: scratch.url)
        #expect(other.status == 0, "\(other.stderr)")
        let wrongTruth = try CommandLine.run(
            ["evaluate", "runs/r1", "--truth", "cohorts/other.truth.csv", "--key-file", "keys/secret.key"],
            in: scratch.url)
        #expect(wrongTruth.status == 3 && wrongTruth.stderr.contains("not the truth of the cohort"), "\(wrongTruth.stderr)")
    }

    /// `check-cohort` lists, without a database or a key, what a run would reject, line numbers
    /// and reasons the run's rejects.csv gives, and exits 0 only for a file that links cleanly;
    /// no NIR is printed.
    @Test func checkCohortSaysWhatARunWouldReject() throws {
        let (scratch, setup) = try Self.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let check = try CommandLine.run(["check-cohort", "cohorts/study.csv"], in: scratch.url)
        let run = try Self.direct(scratch, extra: ["--no-extraction"])
        #expect(run.status == 0, "\(run.stderr)")
        let rejects = try String(contentsOf: scratch.file("runs/r1/rejects.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
        #expect(!rejects.isEmpty)
        #expect(check.status == 3 && check.stderr.contains("would not link cleanly"), "\(check.stderr)")
        for (reason, lines) in Dictionary(grouping: rejects.map { $0.split(separator: ";") }, by: { String($0[2]) }) {
            let first = lines.prefix(5).map { String($0[0]) }.joined(separator: ", ")
            #expect(check.stdout.contains("\(reason): \(lines.count) (line"), "\(reason): \(check.stdout)")
            #expect(check.stdout.contains(first), "\(reason): \(check.stdout)")
        }
        let nirs = try String(contentsOf: scratch.file("cohorts/study.csv"), encoding: .utf8).split(separator: "\n").dropFirst()
            .map { $0.split(separator: ";", omittingEmptySubsequences: false)[1].filter(\.isNumber) }.filter { $0.count >= 13 }
        #expect(!nirs.contains { check.stdout.contains($0.prefix(13)) })
        // The lines a run accepts, alone: a clean file, exit 0.
        let rejected = Set(rejects.map { Int($0.split(separator: ";")[0])! })
        let all = try String(contentsOf: scratch.file("cohorts/study.csv"), encoding: .utf8).split(separator: "\n")
        let clean = [all[0]] + all.enumerated().dropFirst().filter { !rejected.contains($0.offset + 1) }.map(\.element)
        try (clean.joined(separator: "\n") + "\n").write(to: scratch.file("cohorts/clean.csv"), atomically: true, encoding: .utf8)
        let ok = try CommandLine.run(["check-cohort", "cohorts/clean.csv"], in: scratch.url)
        #expect(ok.status == 0 && ok.stdout.contains("The file would link cleanly."), "\(ok.stdout) \(ok.stderr)")
    }

    /// A Latin-1 file is read as such and the summary says so; a run killed outright leaves a
    /// hidden partial folder that the next run of the same output removes — and only that: a
    /// hidden folder of another name is not the run's to delete.
    @Test func latin1IsSaidAndLeftoversOfKilledRunsAreRemoved() throws {
        let (scratch, setup) = try Self.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let good = try String(contentsOf: scratch.file("cohorts/study.csv"), encoding: .utf8)
        var bytes = Array((good.split(separator: "\n")[0] + "\nNS_caf").utf8) + [0xE9]
        bytes += Array(good.split(separator: "\n")[1].drop { $0 != ";" }.utf8) + [0x0A]
        try FileManager.default.createDirectory(at: scratch.file("runs/.latin1.partial-999999"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: scratch.file("runs/.photos.partial-20240101"), withIntermediateDirectories: true)
        try Data(bytes).write(to: scratch.file("cohorts/latin1.csv"))
        let outcome = try Self.direct(scratch, cohort: "cohorts/latin1.csv", out: "runs/latin1")
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("read as     latin-1 (detected)"), "\(outcome.stdout)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("runs/.latin1.partial-999999").path))
        #expect(FileManager.default.fileExists(atPath: scratch.file("runs/.photos.partial-20240101").path))
    }

    /// Each bad input: one line on stderr naming the problem, a non-zero exit, no run folder and
    /// no leftover partial file.
    @Test func badInputGetsOneClearMessageAndLeavesNothing() throws {
        let (scratch, setup) = try Self.prepare()
        for outcome in setup { #expect(outcome.status == 0, "\(outcome.stderr)") }
        let header = "NS;NIR;DATE_NAISSANCE;SEXE\n"
        let good = try String(contentsOf: scratch.file("cohorts/study.csv"), encoding: .utf8)
        let firstLine = good.split(separator: "\n")[1]
        var huge = Data(header.utf8)
        huge.append(Data("NS_1;".utf8))
        huge.append(Data(repeating: UInt8(ascii: "1"), count: 100 << 20))
        huge.append(Data(";1985-05-07;1\n".utf8))
        let cases: [(name: String, data: Data, extra: [String], message: String, status: Int32)] = [
            ("empty", Data(), [], "the file is empty", 3),
            ("missing-column", Data("NS;NIR;SEXE\nA;1;1\n".utf8), [], "missing column DATE_NAISSANCE", 3),
            ("wrong-separator", Data(good.utf8), ["--separator", ","], "use --separator ';'", 3),
            (
                "latin1-declared-utf8", Data(header.utf8) + Data("NS_".utf8) + Data([0xE9]) + Data(";1;2;1\n".utf8),
                ["--encoding", "utf-8"], "not valid utf-8", 3
            ),
            ("huge-line", huge, [], "line 2: a field is longer than", 3),
            ("wrong-key", Data((header + firstLine + "\n").utf8), ["--key-file", "keys/other.key"], "fingerprint", 4),
            ("missing", Data(), [], "no such file", 3),
            (
                "comma-header",
                Data(
                    (good.split(separator: "\n")[0].replacingOccurrences(of: ";", with: ",") + "\n"
                        + good.split(separator: "\n").dropFirst().joined(separator: "\n") + "\n").utf8),
                [], "would be rejected: the header is separated by ',' but the lines by ';'", 3
            ),
        ]
        _ = try KeyFile.loadOrCreate(at: scratch.file("keys/other.key"))
        try FileManager.default.createDirectory(at: scratch.file("runs"), withIntermediateDirectories: true)
        for c in cases {
            let path = "bad/\(c.name).csv"
            if c.name != "missing" {
                try FileManager.default.createDirectory(at: scratch.file("bad"), withIntermediateDirectories: true)
                try c.data.write(to: scratch.file(path))
            }
            let outcome = try Self.direct(scratch, cohort: path, out: "runs/\(c.name)", extra: c.extra)
            #expect(outcome.status == c.status, "\(c.name): \(outcome.status) \(outcome.stderr)")
            let lines = outcome.stderr.split(separator: "\n").filter { !$0.isEmpty }
            #expect(
                lines.count == 1 && lines[0].hasPrefix("appariement: error:") && lines[0].contains(c.message),
                "\(c.name): \(outcome.stderr)")
            #expect(outcome.stderr.count < 500, "\(c.name): the message echoes the input")
            #expect(!FileManager.default.fileExists(atPath: scratch.file("runs/\(c.name)").path), "\(c.name) left a run folder")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: scratch.file("runs").path)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }
}
