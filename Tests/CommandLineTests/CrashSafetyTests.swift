import Foundation
import GRDB
import SNDSStore
import Synthesis
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue 8, part 3: killing `generate`, `direct` or `probabiliste` with SIGKILL at any point never
/// leaves an output that looks complete, and running the same command again recovers.
///
/// For each command, one uninterrupted run of the real binary is timed (it is also the reference
/// the others are compared with); then the same command is started again and again and SIGKILLed at
/// points drawn from a seeded generator over the measured duration: a third of them before the
/// outputs began to be staged, the others spread over the staging that followed (early, middle
/// and late), counted from the moment a `.partial-` output appears so that a slower machine still
/// kills while the outputs are being written. After each kill: (a) whatever sits at a final name
/// is complete — a dataset whose manifest is there passes `check-dataset`, a database or sealed
/// file at its final name is whole (the reference's tables, an authentic sealed file), and
/// `check-dataset` refuses the dataset while its manifest is missing; a run folder is either
/// absent or holds exactly what the reference run holds; (b) the same command run again (with
/// `--force` when something is in the way) succeeds and gives the reference's tables, links and
/// counts; (c) that re-run leaves no `.NAME.partial-PID` leftover. Every other kill lands while a
/// finished output is being replaced (`--force`), the others where there was none. The test also
/// checks that the kills hit running processes, some of them while the outputs were staged, and
/// prints where each kill landed.
///
/// The seed is printed; `CRASH_SAFETY_SEED=N` replays the same kill points (the timing of a machine
/// under load is not reproducible, so a replay kills at the same moments, not necessarily in the
/// same step of the command).
@Suite(.serialized) struct CrashSafetyTests {
    static let killsPerCommand = 6

    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["CRASH_SAFETY_SEED"], let seed = UInt64(text) { return seed }
        return UInt64.random(in: 1...UInt64(UInt32.max))
    }()

    // MARK: generate

    @Test func generateKilledAnywhereNeverLeavesADatasetThatLooksComplete() throws {
        let scratch = Scratch()
        let arguments = ["generate", "--beneficiaries", "400", "--seed", "5", "--key-file", "keys/secret.key", "--out"]
        // The reference run creates the key (0600) that every later run uses, so they all give the same tables.
        let reference = try Self.timedRun(arguments + ["reference/snds.sqlite"], in: scratch, watching: "reference")
        let referenceManifest = try Self.manifest(scratch.file("reference/snds.manifest.json"))
        let referenceSealedBytes = try Self.size(scratch.file("reference/snds.correspondence.sealed"))
        let data = scratch.file("data")
        let finals = ["snds.sqlite", "snds.correspondence.sealed", "snds.manifest.json"]
        var rng = SeededGenerator.stream(seed: Self.seed, purpose: "generate")
        var report = Report(command: "generate", reference: reference)

        for (index, point) in Self.killPoints(for: reference, &rng).enumerated() {
            let label = "generate, kill \(index + 1) \(point) (CRASH_SAFETY_SEED=\(Self.seed))"
            if index.isMultiple(of: 2) { try? FileManager.default.removeItem(at: data) }
            let manifestURL = data.appendingPathComponent("snds.manifest.json")
            let previous = Self.identity(of: manifestURL)
            let killed = try Self.killed(
                arguments + ["data/snds.sqlite"] + (previous == nil ? [] : ["--force"]), in: scratch,
                at: point, watching: data)

            // (a) Nothing at a final name is incomplete; without its manifest the dataset is refused.
            let present = Set(finals.filter { FileManager.default.fileExists(atPath: data.appendingPathComponent($0).path) })
            let visible = Self.visibleNames(in: data)
            // The verification stamp may follow the dataset (it is written after the commit).
            #expect(
                visible.isSubset(of: Set(finals + ["snds.verified.json"])),
                "\(label): unexpected files \(visible.subtracting(finals + ["snds.verified.json"]).sorted())")
            if present.contains("snds.sqlite") {
                #expect(
                    try Self.tables(of: data.appendingPathComponent("snds.sqlite")) == Self.tables(of: referenceManifest),
                    "\(label): the database at its final name is not the whole database")
            }
            if present.contains("snds.correspondence.sealed") {
                let sealed = try CommandLine.run(
                    ["check-sealed", "data/snds.correspondence.sealed", "--key-file", "keys/secret.key"],
                    in: scratch.url)
                #expect(sealed.status == 0, "\(label): the sealed file at its final name is not whole: \(sealed.stderr)")
                #expect(try Self.size(data.appendingPathComponent("snds.correspondence.sealed")) == referenceSealedBytes, "\(label)")
            }
            if !present.isEmpty {
                let check = try CommandLine.run(["check-dataset", "data/snds.sqlite"], in: scratch.url)
                if present.contains("snds.manifest.json") {
                    #expect(check.status == 0, "\(label): a manifest stands beside an incomplete dataset: \(check.stderr)")
                    #expect(present == Set(finals), "\(label): the manifest is there without every file")
                } else {
                    #expect(check.status != 0, "\(label): a dataset without its manifest passes check-dataset")
                }
            }
            report.record(
                killed,
                Self.outcome(
                    previous: previous, now: Self.identity(of: manifestURL),
                    incomplete: !present.isEmpty && !present.contains("snds.manifest.json"),
                    stagingSeen: killed.stagingSeen))

            // (b) The same command again recovers: a dataset that checks, with the reference's tables.
            let again = try CommandLine.run(arguments + ["data/snds.sqlite"] + (present.isEmpty ? [] : ["--force"]), in: scratch.url)
            #expect(again.status == 0, "\(label): the re-run failed: \(again.stderr)")
            let check = try CommandLine.run(["check-dataset", "data/snds.sqlite"], in: scratch.url)
            #expect(check.status == 0, "\(label): the re-run's dataset does not check: \(check.stderr)")
            let manifest = try Self.manifest(data.appendingPathComponent("snds.manifest.json"))
            #expect(manifest.tables == referenceManifest.tables, "\(label): the re-run's tables differ from the reference's")
            #expect(manifest.schemaDigest == referenceManifest.schemaDigest, "\(label)")
            #expect(manifest.population == referenceManifest.population, "\(label)")
            #expect(manifest.files.correspondenceBytes == referenceManifest.files.correspondenceBytes, "\(label)")
            // (c) No leftover of the killed run.
            #expect(Self.leftovers(in: data).isEmpty, "\(label): leftovers \(Self.leftovers(in: data))")
            #expect(Self.visibleNames(in: data).subtracting(["snds.verified.json"]) == Set(finals), "\(label)")
        }
        #expect(Self.leftovers(in: scratch.file("keys")).isEmpty)
        report.print()
        report.expectKillsLandedMidRun()
    }

    /// The key file `generate` creates appears whole or not at all (written under a hidden name,
    /// then linked into place): what a creation killed mid-write leaves is a hidden leftover, which
    /// the next creation removes, not an empty key file that every later command refuses. (The
    /// leftover is planted, not made by a kill: the window is microseconds wide.)
    @Test func theLeftoverOfAKilledKeyCreationIsRemoved() throws {
        let scratch = Scratch()
        let keys = scratch.file("keys")
        try FileManager.default.createDirectory(at: keys, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        // The leftover of a process that is gone (this one has exited and been waited for).
        let gone = Process()
        gone.executableURL = URL(fileURLWithPath: "/bin/true")
        try gone.run()
        gone.waitUntilExit()
        let leftover = keys.appendingPathComponent(".secret.key.partial-\(gone.processIdentifier)")
        #expect(
            FileManager.default.createFile(
                atPath: leftover.path, contents: Data("# appariement secret key\n0123".utf8),
                attributes: [.posixPermissions: 0o600]))
        let generated = try CommandLine.run(
            [
                "generate", "--beneficiaries", "50", "--seed", "5", "--out", "data/snds.sqlite",
                "--key-file", "keys/secret.key",
            ], in: scratch.url)
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(generated.stdout.contains("Created key file"))
        #expect(Self.leftovers(in: keys).isEmpty, "\(Self.leftovers(in: keys))")
        let mode = (try FileManager.default.attributesOfItem(atPath: keys.appendingPathComponent("secret.key").path)[.posixPermissions] as! NSNumber)
            .intValue
        #expect(mode == 0o600)
        let sealed = try CommandLine.run(["check-sealed", "data/snds.correspondence.sealed", "--key-file", "keys/secret.key"], in: scratch.url)
        #expect(sealed.status == 0, "\(sealed.stderr)")
        // Killed after linking the key into place, before removing its hidden copy: a second copy
        // of the key, removed by the next command that reads the key (a creation never comes again).
        let copy = keys.appendingPathComponent(".secret.key.partial-\(gone.processIdentifier)")
        try FileManager.default.copyItem(at: keys.appendingPathComponent("secret.key"), to: copy)
        let checked = try CommandLine.run(["check-sealed", "data/snds.correspondence.sealed", "--key-file", "keys/secret.key"], in: scratch.url)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(Self.leftovers(in: keys).isEmpty, "a copy of the key outlived the run that read it: \(Self.leftovers(in: keys))")
    }

    // MARK: direct

    @Test func directKilledAnywhereNeverLeavesARunThatLooksComplete() throws {
        let scratch = Scratch()
        try Self.prepareDirectCohort(in: scratch)
        try Self.killAndRecoverRuns(
            command: "direct",
            arguments: ["direct", "cohorts/study.csv", "--database", "data/snds.sqlite", "--key-file", "keys/secret.key", "--out"],
            in: scratch)
    }

    /// Ctrl-C (SIGINT) anywhere: the run cleans up itself before it ends — no staged leftover the
    /// moment it has exited (not only after the next run), and the run folder absent or whole. The
    /// interruption parks the other threads before removing anything, so the main thread cannot
    /// create a staged file just after it was removed.
    @Test func directInterruptedAnywhereLeavesNothing() throws {
        let scratch = Scratch()
        try Self.prepareDirectCohort(in: scratch)
        let arguments = ["direct", "cohorts/study.csv", "--database", "data/snds.sqlite", "--key-file", "keys/secret.key", "--out"]
        let runs = scratch.file("runs")
        let reference = try Self.timedRun(arguments + ["runs/reference"], in: scratch, watching: "runs")
        let expected = try Self.contents(of: runs.appendingPathComponent("reference"), scratch: scratch)
        var rng = SeededGenerator.stream(seed: Self.seed, purpose: "direct-interrupted")
        var interruptedMidRun = 0
        for (index, point) in (Self.killPoints(for: reference, &rng) + Self.killPoints(for: reference, &rng)).enumerated() {
            let label = "direct, SIGINT \(index + 1) \(point) (CRASH_SAFETY_SEED=\(Self.seed))"
            let run = runs.appendingPathComponent("r\(index)")
            let stopped = try Self.killed(arguments + ["runs/r\(index)"], in: scratch, at: point, watching: runs, signal: SIGINT)
            if stopped.midRun { interruptedMidRun += 1 }
            #expect(Self.leftovers(in: runs).isEmpty, "\(label): staged leftovers after the interrupted run ended: \(Self.leftovers(in: runs))")
            if FileManager.default.fileExists(atPath: run.path) {
                #expect(try Self.contents(of: run, scratch: scratch) == expected, "\(label): runs/r\(index) is there but not the complete run")
            }
        }
        #expect(interruptedMidRun > 0, "no SIGINT landed while the run was going")
    }

    // MARK: probabiliste

    @Test func probabilisteKilledAnywhereNeverLeavesARunThatLooksComplete() throws {
        let scratch = Scratch()
        try Self.prepareDataset(in: scratch)
        let cohort = try CommandLine.run(
            [
                // Well under the scenario's eligible patients of this small dataset (about 210).
                "cohort", "probabiliste", "--size", "150", "--seed", "3", "--database", "data/snds.sqlite",
                "--dir", "cohorts", "--name", "registry",
            ], in: scratch.url)
        #expect(cohort.status == 0, "\(cohort.stderr)")
        let rules = CommandLine.checkout.appendingPathComponent("rules/default.yml").path
        try Self.killAndRecoverRuns(
            command: "probabiliste",
            arguments: [
                "probabiliste", "cohorts/registry.csv", "--criteria", rules, "--database", "data/snds.sqlite",
                "--key-file", "keys/secret.key", "--out",
            ],
            in: scratch)
    }

    /// The small dataset and a direct cohort of 500 lines drawn from it (`cohorts/study.csv`).
    static func prepareDirectCohort(in scratch: Scratch) throws {
        try prepareDataset(in: scratch)
        let cohort = try CommandLine.run(
            [
                "cohort", "direct", "--size", "500", "--seed", "2", "--database", "data/snds.sqlite",
                "--key-file", "keys/secret.key", "--dir", "cohorts", "--name", "study",
            ], in: scratch.url)
        #expect(cohort.status == 0, "\(cohort.stderr)")
    }

    /// A small dataset for the linkage commands (not itself under test here).
    static func prepareDataset(in scratch: Scratch) throws {
        let generated = try CommandLine.run(
            [
                "generate", "--beneficiaries", "1000", "--seed", "5", "--out", "data/snds.sqlite",
                "--key-file", "keys/secret.key",
            ], in: scratch.url)
        try #require(generated.status == 0, "\(generated.stderr)")
    }

    /// The kill-check-recover loop shared by `direct` and `probabiliste`: `arguments` end with
    /// `--out`, the run's folder follows.
    static func killAndRecoverRuns(command: String, arguments: [String], in scratch: Scratch) throws {
        let runs = scratch.file("runs")
        let reference = try timedRun(arguments + ["runs/reference"], in: scratch, watching: "runs")
        let expected = try contents(of: runs.appendingPathComponent("reference"), scratch: scratch)
        #expect(expected.keys.contains("summary.json") && expected.keys.contains("extraction.sqlite"), "\(expected.keys.sorted())")
        let run = runs.appendingPathComponent("r1")
        var rng = SeededGenerator.stream(seed: seed, purpose: command)
        var report = Report(command: command, reference: reference)

        for (index, point) in killPoints(for: reference, &rng).enumerated() {
            let label = "\(command), kill \(index + 1) \(point) (CRASH_SAFETY_SEED=\(seed))"
            if index.isMultiple(of: 2) { try? FileManager.default.removeItem(at: run) }
            let previous = identity(of: run)
            let killed = try killed(arguments + ["runs/r1"] + (previous == nil ? [] : ["--force"]), in: scratch, at: point, watching: runs)

            // (a) The run's folder is absent or complete; nothing else appears under a final name.
            let present = FileManager.default.fileExists(atPath: run.path)
            if present {
                #expect(try contents(of: run, scratch: scratch) == expected, "\(label): runs/r1 is there but not the complete run")
            }
            #expect(visibleNames(in: runs).isSubset(of: ["reference", "r1"]), "\(label): \(visibleNames(in: runs).sorted())")
            report.record(killed, outcome(previous: previous, now: identity(of: run), incomplete: false, stagingSeen: killed.stagingSeen))

            // (b) The same command again recovers, (c) and removes what the killed run left.
            let again = try CommandLine.run(arguments + ["runs/r1"] + (present ? ["--force"] : []), in: scratch.url)
            #expect(again.status == 0, "\(label): the re-run failed: \(again.stderr)")
            #expect(try contents(of: run, scratch: scratch) == expected, "\(label): the re-run differs from the reference run")
            #expect(leftovers(in: runs).isEmpty, "\(label): leftovers \(leftovers(in: runs))")
        }
        report.print()
        report.expectKillsLandedMidRun()
        try killWhileThePreviousRunGoes(command: command, arguments: arguments, expected: expected, in: scratch)
    }

    /// The moment random kills rarely hit: `--force` removing the previous run. The previous run's
    /// folder is padded with many files (it stays a run folder: its summary says so) so that its
    /// removal takes a while, and the command is killed as soon as any of them leaves its place.
    /// The folder must then be the previous run, whole, or the new run, whole, or absent — never a
    /// half-deleted run whose summary still says it is finished.
    static func killWhileThePreviousRunGoes(
        command: String, arguments: [String], expected: [String: String],
        in scratch: Scratch
    ) throws {
        let runs = scratch.file("runs"), run = runs.appendingPathComponent("r1"), pad = run.appendingPathComponent("pad")
        let padding = 20_000
        try FileManager.default.createDirectory(at: pad, withIntermediateDirectories: true)
        for i in 0..<padding { FileManager.default.createFile(atPath: pad.appendingPathComponent(String(i)).path, contents: nil) }
        let samples = stride(from: 0, to: padding, by: padding / 64).map { pad.appendingPathComponent(String($0)).path }
        let killed = try killed(arguments + ["runs/r1", "--force"], in: scratch, at: .whenGone(samples), watching: runs)
        let label = "\(command), killed as the previous run's files began to go (CRASH_SAFETY_SEED=\(seed))"
        #expect(killed.midRun, "\(label): the process had already exited")
        if FileManager.default.fileExists(atPath: run.path) {
            var found = try contents(of: run, scratch: scratch)
            let padded = found.keys.filter { $0.hasPrefix("pad/") }.count
            found = found.filter { !$0.key.hasPrefix("pad/") }
            #expect(
                found == expected && [0, padding].contains(padded),
                "\(label): runs/r1 is neither the previous run nor the new one, whole (\(padded) of \(padding) padding files)")
        }
        Swift.print(
            "CrashSafety \(command): killed \(String(format: "%.3f", killed.at)) s after the start, as the previous run's files began to go: "
                + (FileManager.default.fileExists(atPath: run.path)
                    ? (FileManager.default.fileExists(atPath: pad.path) ? "the previous run in place, whole" : "the new run in place, whole")
                    : "no run at the final name"))
        let again = try CommandLine.run(arguments + ["runs/r1", "--force"], in: scratch.url)
        #expect(again.status == 0, "\(label): the re-run failed: \(again.stderr)")
        #expect(try contents(of: run, scratch: scratch) == expected, "\(label): the re-run differs from the reference run")
        #expect(leftovers(in: runs).isEmpty, "\(label): leftovers \(leftovers(in: runs))")
    }

    // MARK: running and killing the binary

    struct Timed {
        let seconds: Double
        /// When the first `.partial-` output appeared (the outputs began to be staged), if seen.
        let stagingStarted: Double?
    }

    /// When to send SIGKILL: so long after the start, or so long after the outputs began to be
    /// staged (anchored there so that a machine slower than during the measured run still kills
    /// while the outputs are being written).
    enum KillPoint: CustomStringConvertible {
        case afterStart(Double)
        case afterStaging(Double)
        /// As soon as one of these files is no longer where it was.
        case whenGone([String])

        var description: String {
            switch self {
            case .afterStart(let s): String(format: "%.3f s after the start", s)
            case .afterStaging(let s): String(format: "%.3f s after staging began", s)
            case .whenGone: "as soon as a watched file is gone"
            }
        }
    }

    struct Killed {
        let point: KillPoint
        /// Seconds from the start to the kill (or to the process's exit).
        let at: Double
        /// The process was still running when SIGKILL was sent, and died of it.
        let midRun: Bool
        /// A `.partial-` output was seen before the kill (the outputs were being staged).
        let stagingSeen: Bool
    }

    static func launch(_ arguments: [String], in scratch: Scratch) throws -> Process {
        let process = Process()
        process.executableURL = CommandLine.binary
        process.arguments = arguments
        process.currentDirectoryURL = scratch.url
        var environment = ProcessInfo.processInfo.environment
        environment["APPARIEMENT_KEY_FILE"] = nil
        environment["APPARIEMENT_REFERENCE"] = CommandLine.checkout.appendingPathComponent("synthetic/reference").path
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Runs the command to its end, timing it and noting when its outputs began to be staged.
    static func timedRun(_ arguments: [String], in scratch: Scratch, watching folder: String) throws -> Timed {
        let start = ContinuousClock.now
        let process = try launch(arguments, in: scratch)
        var staging: Double?
        while process.isRunning {
            if staging == nil, !leftovers(in: scratch.file(folder)).isEmpty { staging = (ContinuousClock.now - start).inSeconds }
            usleep(1_000)
        }
        process.waitUntilExit()
        let seconds = (ContinuousClock.now - start).inSeconds
        try #require(
            process.terminationReason == .exit && process.terminationStatus == 0,
            "the uninterrupted run failed: appariement \(arguments.joined(separator: " "))")
        return Timed(seconds: seconds, stagingStarted: staging)
    }

    /// Starts the command and sends it `signal` (SIGKILL unless said) at `point`, watching `folder`
    /// for staged outputs.
    static func killed(
        _ arguments: [String], in scratch: Scratch, at point: KillPoint, watching folder: URL, signal: Int32 = SIGKILL
    ) throws -> Killed {
        let start = ContinuousClock.now
        let process = try launch(arguments, in: scratch)
        var stagedAt: ContinuousClock.Instant?
        while process.isRunning {
            let now = ContinuousClock.now
            if stagedAt == nil, !leftovers(in: folder).isEmpty { stagedAt = now }
            let due =
                switch point {
                case .afterStart(let delay): (now - start).inSeconds >= delay
                case .afterStaging(let delay): stagedAt.map { (now - $0).inSeconds >= delay } ?? false
                case .whenGone(let paths): paths.contains { !FileManager.default.fileExists(atPath: $0) }
                }
            if due { break }
            usleep(500)
        }
        let at = (ContinuousClock.now - start).inSeconds
        if process.isRunning { kill(process.processIdentifier, signal) }
        process.waitUntilExit()
        let midRun = process.terminationReason == .uncaughtSignal && process.terminationStatus == signal
        return Killed(point: point, at: at, midRun: midRun, stagingSeen: stagedAt != nil)
    }

    /// The kill points of one command: a third of them spread over the time before staging began
    /// in the measured run, the others spread over the staging that followed (early, middle, late
    /// strata, each point drawn at random within its stratum). Without a measured staging start,
    /// all are spread over the whole run.
    static func killPoints(for reference: Timed, _ rng: inout SeededGenerator) -> [KillPoint] {
        func uniform(_ low: Double, _ high: Double) -> Double {
            low + (high - low) * Double(rng.next() >> 11) / Double(1 << 53)
        }
        func strata(_ count: Int, from low: Double, to high: Double) -> [Double] {
            (0..<count).map { i in
                uniform(low + (high - low) * Double(i) / Double(count), low + (high - low) * Double(i + 1) / Double(count))
            }
        }
        guard let staging = reference.stagingStarted else {
            return strata(killsPerCommand, from: 0.03 * reference.seconds, to: 0.97 * reference.seconds).map { .afterStart($0) }
        }
        let early = killsPerCommand / 3
        return strata(early, from: 0.03 * staging, to: 0.97 * staging).map { .afterStart($0) }
            + strata(killsPerCommand - early, from: 0, to: reference.seconds - staging).map { .afterStaging($0) }
    }

    // MARK: what is on disk

    /// Names in `folder` that are not hidden.
    static func visibleNames(in folder: URL) -> Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") })
    }

    /// Staged outputs (`.NAME.partial-PID…`) in `folder`.
    static func leftovers(in folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasPrefix(".") && $0.contains(".partial-") }.sorted()
    }

    static func size(_ url: URL) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! NSNumber).intValue
    }

    static func manifest(_ url: URL) throws -> DatasetManifest {
        try JSONDecoder().decode(DatasetManifest.self, from: Data(contentsOf: url))
    }

    /// Table → "rows digest", as a manifest records them.
    static func tables(of manifest: DatasetManifest) -> [String: String] {
        Dictionary(uniqueKeysWithValues: manifest.tables.map { ($0.name, "\($0.rows) \($0.digest)") })
    }

    /// Table → "rows digest" of a database on disk (every table but SQLite's and the metadata).
    static func tables(of database: URL) throws -> [String: String] {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: database.path, configuration: configuration)
        defer { try? queue.close() }
        return try queue.read { db in
            let names = try String.fetchAll(
                db,
                sql: """
                    SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name <> 'appariement_metadata'
                    """)
            var tables: [String: String] = [:]
            for name in names {
                let rows = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(ColumnType.quote(name))") ?? 0
                tables[name] = "\(rows) \(try TableDigest.compute(db, table: name))"
            }
            return tables
        }
    }

    /// What a run's folder holds, comparable between two runs of the same command: every file by
    /// its path, CSV files by their bytes, summary.json without its date and timings, SQLite files
    /// by their tables' rows and digests, sealed files by their size once `check-sealed` has
    /// authenticated them (their nonces differ from run to run).
    static func contents(of folder: URL, scratch: Scratch) throws -> [String: String] {
        var contents: [String: String] = [:]
        let prefix = folder.standardizedFileURL.path + "/"
        for case let url as URL in FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)! where !url.hasDirectoryPath {
            let path = String(url.standardizedFileURL.path.dropFirst(prefix.count))
            switch url.pathExtension {
            case "sqlite":
                contents[path] = try tables(of: url).sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: "\n")
            case "sealed":
                let check = try CommandLine.run(["check-sealed", url.path, "--key-file", "keys/secret.key"], in: scratch.url)
                contents[path] = check.status == 0 ? "authentic, \(try size(url)) bytes" : "not authentic: \(check.stderr)"
            case "json" where url.lastPathComponent == "integrity.json":
                // The seal differs from run to run (the sealed file's nonces, the summary's date):
                // what must hold is that it names the run's files and their digests match them.
                let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
                let files = object["files"] as? [String: String] ?? [:]
                let matching = try files.allSatisfy { name, digest in
                    try FileDigest.sha256(Data(contentsOf: folder.appendingPathComponent(name))) == digest
                }
                contents[path] = "seals \(files.keys.sorted().joined(separator: ", "))\(matching ? "" : ", NOT matching")"
            case "json":
                var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
                object["createdAt"] = nil
                object["timings"] = nil
                contents[path] = String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            default:
                contents[path] = String(decoding: try Data(contentsOf: url), as: UTF8.self)
            }
        }
        return contents
    }

    // MARK: where the kills landed

    /// Tells one output from another: the inode of a run's folder or of a dataset's manifest.
    static func identity(of url: URL) -> UInt64? {
        (try? FileManager.default.attributesOfItem(atPath: url.path)[.systemFileNumber] as? NSNumber)?.uint64Value
    }

    static func outcome(previous: UInt64?, now: UInt64?, incomplete: Bool, stagingSeen: Bool) -> String {
        let when = stagingSeen ? "while staging" : "before staging"
        if incomplete { return "during the commit: no manifest yet, refused by check-dataset" }
        switch (previous, now) {
        case (nil, nil): return "\(when): nothing at the final name"
        case (_?, nil): return "during the commit: the previous output gone, the new one not yet in place"
        case (let p?, let n?) where p == n: return "\(when): the previous output in place, intact"
        default: return "after the commit: the new output in place, complete"
        }
    }

    struct Report {
        let command: String
        let reference: Timed
        var kills: [(Killed, String)] = []

        init(command: String, reference: Timed) {
            self.command = command
            self.reference = reference
        }

        mutating func record(_ killed: Killed, _ outcome: String) { kills.append((killed, outcome)) }

        func print() {
            var text =
                "CrashSafety \(command) (CRASH_SAFETY_SEED=\(CrashSafetyTests.seed)): uninterrupted run \(String(format: "%.2f", reference.seconds)) s"
            text += reference.stagingStarted.map { ", staging from \(String(format: "%.2f", $0)) s" } ?? ", staging not seen"
            for (k, outcome) in kills {
                text += "\n  kill \(k.point) (at \(String(format: "%.3f", k.at)) s): "
                text += k.midRun ? "killed mid-run, \(outcome)" : "the process had already exited"
            }
            Swift.print(text)
        }

        /// The test proves something only if the kills hit running processes, some of them while
        /// the outputs were being written.
        func expectKillsLandedMidRun() {
            let midRun = kills.filter(\.0.midRun).count
            #expect(midRun * 2 >= kills.count, "\(command): only \(midRun) of \(kills.count) kills hit a running process")
            #expect(
                kills.contains { $0.0.midRun && $0.0.stagingSeen },
                "\(command): no kill landed while the outputs were being staged")
        }
    }
}

extension Duration {
    fileprivate var inSeconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
