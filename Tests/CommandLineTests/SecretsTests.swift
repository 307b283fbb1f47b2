import Foundation
import Testing

/// No clear NIR and no key anywhere a user or a log could see them: in anything a full demo and
/// the commands after it write or print, nor in the process's title, arguments or environment
/// while it runs.
@Suite struct SecretsTests {
    /// The demo (dataset, direct and indirect cohorts linked, evaluated, reported), then every
    /// command a team runs after it — export, evaluate, check-dataset, check-sealed, describe — and
    /// a scan of everything under the working folder for every clear NIR of the population and of
    /// the cohort, and for the key in every spelling. The only files allowed to hold them are the
    /// cohort file (the input: it holds the NIRs by definition) and the key file.
    @Test func nothingTheDemoWritesOrPrintsHoldsAClearNIROrTheKey() throws {
        let scratch = Scratch()
        var printed: [(String, String)] = []
        var titles: [String: Set<String>] = [:]
        let demo = try Observed.run(["demo", "--beneficiaries", "300"], in: scratch.url) { sample in
            for (name, text) in sample { titles[name, default: []].insert(text) }
        }
        #expect(demo.status == 0, "\(demo.stderr)")
        printed += [("demo stdout", demo.stdout), ("demo stderr", demo.stderr)]
        // The title was sampled while the demo ran: it is not one sample that proves nothing.
        #expect((titles["cmdline"]?.count ?? 0) >= 1 && (titles["comm"]?.count ?? 0) >= 1, "the process was never sampled")
        // The process hardened itself (ProcessHardening): no core file, whatever the shell allowed,
        // and SIGXFSZ ignored (bit 25 of the ignored-signal mask). Samples taken before its first
        // instruction show what it inherited: one sample after is what counts.
        let limits = titles["limits"] ?? []
        #expect(
            limits.contains { $0.range(of: #"Max core file size\s+0\s+0\s"#, options: .regularExpression) != nil },
            "core dumps are not turned off: \(limits.first ?? "no sample")")
        // The test's own process (the demo's parent) allows core files: the limit is the demo's doing.
        let ignored = (titles["status"] ?? []).compactMap { status in
            status.split(separator: "\n").first { $0.hasPrefix("SigIgn:") }.flatMap {
                UInt64($0.dropFirst("SigIgn:".count).trimmingCharacters(in: .whitespaces), radix: 16)
            }
        }
        #expect(ignored.contains { $0 & (1 << (SIGXFSZ - 1)) != 0 }, "SIGXFSZ is not ignored")
        // Ctrl-C, kill and hang-up go to the handler that removes staged outputs: their default
        // action, death on the spot, is set aside — the signals show as ignored or caught (libdispatch
        // catches them for its signal source).
        let ignoredOrCaught = (titles["status"] ?? []).map { status in
            status.split(separator: "\n").filter { $0.hasPrefix("SigIgn:") || $0.hasPrefix("SigCgt:") }
                .compactMap { UInt64($0.drop { $0 != ":" }.dropFirst().trimmingCharacters(in: .whitespaces), radix: 16) }
                .reduce(0, |)
        }
        #expect(
            ignoredOrCaught.contains { mask in [SIGINT, SIGTERM, SIGHUP].allSatisfy { mask & (1 << ($0 - 1)) != 0 } },
            "SIGINT, SIGTERM and SIGHUP are not handled")
        // Crash reports without memory contents: the process re-executed itself with the setting.
        // (Not dumpable, its environ is readable by root only: checked when the tests run as root.)
        if geteuid() == 0 {
            #expect(
                (titles["environ"] ?? []).contains { $0.contains("SWIFT_BACKTRACE=sanitize=yes") },
                "the demo does not run with SWIFT_BACKTRACE=sanitize=yes")
        }

        let after: [[String]] = [
            ["export", "candidates", "cohorts/demo-sejours.csv", "--criteria", "rules/default.yml", "--out", "exports/candidates"],
            ["export", "links", "runs/demo-sejours", "--out", "exports/links.csv"],
            ["evaluate", "runs/demo-direct", "--truth", "cohorts/demo-direct.truth.csv"],
            ["evaluate", "runs/demo-sejours", "--truth", "cohorts/demo-sejours.truth.csv"],
            ["report", "runs/demo-direct", "--truth", "cohorts/demo-direct.truth.csv", "--lang", "en"],
            ["check-dataset"],
            ["check-sealed", "synthetic/snds.correspondence.sealed"],
            ["check-sealed", "runs/demo-direct/correspondence.sealed"],
            ["describe"],
        ]
        try FileManager.default.createDirectory(at: scratch.file("rules"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CommandLine.checkout.appendingPathComponent("rules/default.yml"), to: scratch.file("rules/default.yml"))
        for arguments in after {
            let outcome = try CommandLine.run(arguments, in: scratch.url)
            #expect(outcome.status == 0, "\(arguments.prefix(2)): \(outcome.stderr)")
            printed += [
                ("\(arguments.prefix(2).joined(separator: " ")) stdout", outcome.stdout),
                ("\(arguments.prefix(2).joined(separator: " ")) stderr", outcome.stderr),
            ]
        }

        // What to look for: the population's NIRs (from the sealed correspondence, with the key)
        // and every NIR written in the direct cohort, whatever its spacing.
        var nirs = try ClearNIRs.of(scratch: scratch, database: "synthetic/snds", key: "synthetic/secret.key")
        let cohort = try String(contentsOf: scratch.file("cohorts/demo-direct.csv"), encoding: .utf8)
        for line in cohort.split(separator: "\n").dropFirst() {
            let nir = line.split(separator: ";", omittingEmptySubsequences: false)[1].replacingOccurrences(of: " ", with: "")
            if nir.count >= 13 { nirs.insert(String(nir.prefix(13))) }
        }
        #expect(nirs.count > 300)
        let keyHex =
            try String(contentsOf: scratch.file("synthetic/secret.key"), encoding: .utf8)
            .split(separator: "\n").first { !$0.hasPrefix("#") }.map(String.init) ?? ""
        #expect(keyHex.count == 64)
        let keyBytes = stride(from: 0, to: keyHex.count, by: 2).map { i -> UInt8 in
            let start = keyHex.index(keyHex.startIndex, offsetBy: i)
            return UInt8(keyHex[start..<keyHex.index(start, offsetBy: 2)], radix: 16)!
        }
        let keySpellings: [(String, [UInt8])] = [
            ("hex", Array(keyHex.utf8)), ("HEX", Array(keyHex.uppercased().utf8)),
            ("raw", keyBytes), ("base64", Array(Data(keyBytes).base64EncodedString().utf8)),
            // Half the key is already too much: no spelling of either half either.
            ("hex half", Array(keyHex.prefix(32).utf8)), ("hex other half", Array(keyHex.suffix(32).utf8)),
        ]

        var haystacks: [(String, Data)] = printed.map { ($0.0, Data($0.1.utf8)) }
        haystacks += titles.flatMap { name, texts in texts.map { ("process \(name)", Data($0.utf8)) } }
        let allowed: Set<String> = ["cohorts/demo-direct.csv", "synthetic/secret.key"]
        var scanned: [String] = []
        for case let url as URL in FileManager.default.enumerator(at: scratch.url, includingPropertiesForKeys: nil)! where !url.hasDirectoryPath {
            let name = String(url.path.dropFirst(scratch.url.path.count + 1))
            guard !allowed.contains(name) else { continue }
            haystacks.append((name, try Data(contentsOf: url)))
            scanned.append(name)
        }
        // Everything was there to be scanned: the demo's outputs and the exports.
        for expected in [
            "synthetic/snds.sqlite", "synthetic/snds.correspondence.sealed", "synthetic/snds.manifest.json",
            "cohorts/demo-direct.truth.csv", "cohorts/demo-sejours.csv", "cohorts/demo-sejours.truth.csv",
            "runs/demo-direct/results.csv", "runs/demo-direct/rejects.csv", "runs/demo-direct/summary.json",
            "runs/demo-direct/extraction.sqlite", "runs/demo-direct/extraction/IR_BEN_R.csv",
            "runs/demo-direct/report.html", "runs/demo-direct/report.json", "runs/demo-direct/evaluation.json",
            "runs/demo-sejours/results.csv", "runs/demo-sejours/report.html", "runs/demo-sejours/extraction.sqlite",
            "exports/candidates/candidates.csv", "exports/candidates/cohort.csv", "exports/links.csv",
        ] {
            #expect(scanned.contains(expected), "\(expected) was not written, so not scanned")
        }
        #expect(haystacks.count > 60)
        for (name, data) in haystacks {
            #expect(ClearNIRs.firstLeak(of: nirs, in: data) == nil, "a clear NIR is in \(name)")
            #expect(
                ClearNIRs.firstLeak(of: nirs, in: Data(data.filter { $0 != 0x20 && $0 != 0x2E && $0 != 0x2D })) == nil,
                "a spaced or dotted clear NIR is in \(name)")
            let bytes = [UInt8](data)
            for (spelling, key) in keySpellings {
                #expect(!Self.contains(bytes, key), "the key (\(spelling)) is in \(name)")
            }
        }
        // The scan finds what it looks for.
        #expect(Self.contains(Array(("x" + keyHex + "y").utf8), keySpellings[0].1))
        #expect(ClearNIRs.firstLeak(of: nirs, in: Data(cohort.utf8)) != nil)
    }

    static func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard !needle.isEmpty, haystack.count >= needle.count else { return false }
        let first = needle[0]
        var i = 0
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }
}

/// Runs the binary like ``CommandLine/run(_:in:environment:)`` and, while it runs, samples what
/// any user of the machine can read about it: its title (`comm`), its arguments (`cmdline`) and
/// its environment (`environ`, readable by its owner).
enum Observed {
    static func run(_ arguments: [String], in directory: URL, sample: ([(String, String)]) -> Void) throws -> CommandLine.Outcome {
        let process = Process()
        process.executableURL = CommandLine.binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["APPARIEMENT_KEY_FILE"] = nil
        env["APPARIEMENT_REFERENCE"] = CommandLine.checkout.appendingPathComponent("synthetic/reference").path
        process.environment = env
        let outFile = directory.appendingPathComponent(".observed-stdout"), errFile = directory.appendingPathComponent(".observed-stderr")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        let out = try FileHandle(forWritingTo: outFile), err = try FileHandle(forWritingTo: errFile)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let proc = "/proc/\(process.processIdentifier)"
        while process.isRunning {
            var taken: [(String, String)] = []
            for name in ["cmdline", "comm", "environ", "limits", "status"] {
                if let data = FileManager.default.contents(atPath: "\(proc)/\(name)"), !data.isEmpty {
                    taken.append((name, String(decoding: data.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)))
                }
            }
            sample(taken)
            usleep(20_000)
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        let stdout = try String(contentsOf: outFile, encoding: .utf8), stderr = try String(contentsOf: errFile, encoding: .utf8)
        try? FileManager.default.removeItem(at: outFile)
        try? FileManager.default.removeItem(at: errFile)
        return CommandLine.Outcome(status: process.terminationStatus, stdout: stdout, stderr: stderr)
    }
}
