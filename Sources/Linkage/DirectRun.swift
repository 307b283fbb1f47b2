import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// `appariement direct`: reads and validates a cohort, links it, and writes the run's folder
/// atomically (built under a hidden temporary name, renamed into place once complete).
///
/// The folder holds: `summary.json` (counts that reconcile, provenance), `results.csv` (one line
/// per valid cohort line: status and reason, no pseudonym), `rejects.csv` (line, NS, reason),
/// `correspondence.sealed` (NS ↔ BEN_NIR_PSA, BEN_RNG_GEM, BEN_IDT_ANO, AES-256-GCM) and the
/// extraction keyed by NS (`extraction.sqlite`, and `extraction/TABLE.csv`).
public enum DirectRun {
    public static let kind = "direct"
    public static let correspondenceContents = "direct-linkage-correspondence"
    /// What the sealed correspondence of an indirect run says it holds (same columns).
    public static let indirectCorrespondenceContents = "indirect-linkage-correspondence"
    public static let correspondenceColumns = ["NS", "BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_IDT_ANO"]

    public struct Options: Sendable {
        public var cohort: URL
        public var dataset: DatasetFiles
        public var output: URL
        public var encoding: CohortFile.EncodingChoice = .auto
        public var separator: CohortFile.SeparatorChoice = .auto
        public var threads = ProcessInfo.processInfo.activeProcessorCount
        public var replaceExisting = false
        /// Write the extraction (SQLite and CSV); off for timing the linkage alone.
        public var extraction = true
        public var today = CalendarDate.today
        public init(cohort: URL, dataset: DatasetFiles, output: URL) {
            self.cohort = cohort
            self.dataset = dataset
            self.output = output
        }
    }

    /// Runs the linkage and returns its summary (also written to the folder).
    public static func run(_ options: Options, key: SecretKey, progress: ProgressReporter = .silent) throws -> DirectSummary {
        let started = ContinuousClock.now
        var timings = StageTimings()
        let output = options.output.standardizedFileURL
        try checkReplaceable(output, replaceExisting: options.replaceExisting)
        // The dataset: its manifest says how it was pseudonymised and with which key.
        let manifest = try DatasetVerifier.verifyIdentity(options.dataset)
        guard manifest.keyFingerprint == key.fingerprint else {
            throw LinkageError.keyMismatch(database: options.dataset.database.path, expected: manifest.keyFingerprint, given: key.fingerprint)
        }
        let pseudonymiser = try Pseudonymiser(key: key, parameters: manifest.pseudonymisation)

        var t = ContinuousClock.now
        let file = try CohortFile(url: options.cohort, columns: DirectCohort.columns, encoding: options.encoding,
                                  separator: options.separator)
        for note in file.readingNotes { progress.note(note) }
        let cohort = try DirectCohort(file: file, today: options.today)
        timings.lap("read_and_validate", since: t)

        t = ContinuousClock.now
        let database = try SNDSDatabase.openReadOnly(at: options.dataset.database)
        defer { try? database.close() }
        progress.begin("hashing (argon2id, \(options.threads) threads)", total: cohort.requests.count)
        let (results, hashes) = try DirectLinkage.link(cohort.requests, pseudonymiser: pseudonymiser, database: database,
                                             threads: options.threads) { [progress] in progress.advance(by: $0) }
        progress.end()
        timings.lap("hashing_and_resolution", since: t)

        // Everything is written under a hidden name, then renamed into place.
        try StagedOutputs.createDirectory(output.deletingLastPathComponent())
        let staged = StagedOutputs()
        let folder = staged.stage(output)
        try StagedOutputs.createDirectory(folder, mode: 0o700)

        t = ContinuousClock.now
        var links: [Extraction.Link] = []
        for r in results {
            if case .found(let person, let pseudonyms) = r.outcome {
                for p in pseudonyms {
                    links.append(Extraction.Link(ns: r.request.ns, benNirPsa: p.benNirPsa, rank: p.rank, benIdtAno: person))
                }
            }
        }
        try writeCorrespondence(links, key: key, parameters: manifest.pseudonymisation, to: folder)
        try writeResults(results, to: folder.appendingPathComponent("results.csv"))
        try writeRejects(cohort.rejections, to: folder.appendingPathComponent("rejects.csv"))
        timings.lap("outputs", since: t)

        let extraction = options.extraction
            ? try writeExtraction(links, source: options.dataset.database, years: manifest.years, into: folder,
                                  progress: progress, timings: &timings)
            : nil
        timings.lap("total", since: started)
        let summary = try DirectSummary(cohort: cohort, results: results, manifest: manifest, options: options,
                                        keyFingerprint: key.fingerprint, extraction: extraction, timings: timings.seconds,
                                        hashes: hashes)
        try summary.write(to: folder.appendingPathComponent(DirectSummary.file))
        try staged.commit(removingFirst: options.replaceExisting ? [output] : [], replacingExisting: options.replaceExisting)
        return summary
    }

    /// An existing output is replaced only with --force, and only when it is a finished linkage run
    /// (or an empty folder): --force must never delete a folder of other files, the cohort or the
    /// database.
    static func checkReplaceable(_ output: URL, replaceExisting: Bool) throws {
        try StagedOutputs.checkWritable(output)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) else { return }
        guard replaceExisting else { throw OutputError.exists(output.path) }
        let contents = isDirectory.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? ["?"]) : ["?"]
        let isRun = isRunFolder(output)
        guard contents.isEmpty || isRun else {
            throw OutputError.cannotReplace(output.path, "it exists and is not a linkage run folder; --force only replaces a previous run")
        }
    }

    /// Writes the linked people's data keyed by NS into a run's folder: extraction.sqlite (0600)
    /// and extraction/TABLE.csv; shared by direct and indirect runs.
    static func writeExtraction(_ links: [Extraction.Link], source: URL, years: [Int], into folder: URL,
                                progress: ProgressReporter, timings: inout StageTimings) throws -> Extraction.Counts {
        var t = ContinuousClock.now
        progress.begin("extracting the linked people's data")
        let sqlite = folder.appendingPathComponent("extraction.sqlite")
        let counts = try Extraction.write(links: links, source: source, years: years, to: sqlite)
        _ = chmod(sqlite.path, 0o600)
        progress.end()
        timings.lap("extraction", since: t)
        t = ContinuousClock.now
        try ExtractionCSV.write(from: sqlite, tables: counts.tables, to: folder.appendingPathComponent("extraction"))
        timings.lap("extraction_csv", since: t)
        return counts
    }

    /// Whether a folder is a finished linkage run of this tool (direct or indirect): its summary.json
    /// says so.
    public static func isRunFolder(_ folder: URL) -> Bool {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("summary.json").path),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return false }
        return object["tool"] as? String == "appariement" && [kind, IndirectRun.kind].contains(object["kind"] as? String ?? "")
    }

    static func writeCorrespondence(_ links: [Extraction.Link], key: SecretKey, parameters: PseudonymParameters, to folder: URL,
                                    contents: String = correspondenceContents) throws {
        let writer = try SealedFileWriter(url: folder.appendingPathComponent("correspondence.sealed"), key: key,
                                          contents: contents, pseudonymisation: parameters,
                                          columns: correspondenceColumns, createdBy: "appariement \(AppariementVersion.current)")
        for l in links {
            try writer.write(line: "\(l.ns)\t\(l.benNirPsa)\t\(l.rank)\t\(l.benIdtAno)")
        }
        try writer.finish()
    }

    private static func writeResults(_ results: [DirectLinkage.Result], to url: URL) throws {
        // A person reached by several lines (the same patient under two NS) is flagged on each.
        var linesOfPerson: [String: [Int]] = [:]
        for r in results { if case .found(let person, _) = r.outcome { linesOfPerson[person, default: []].append(r.request.line) } }
        var csv = try CSVOutput(url: url)
        try csv.write(["LINE", "NS", "STATUS", "REASON", "PSEUDONYMS"])
        for r in results {
            switch r.outcome {
            case .found(let person, let pseudonyms):
                let others = linesOfPerson[person]!.filter { $0 != r.request.line }
                let note = others.isEmpty ? "" : "same person as line\(others.count > 1 ? "s" : "") \(others.map(String.init).joined(separator: ", "))"
                try csv.write([String(r.request.line), r.request.ns, r.outcome.status, note, String(pseudonyms.count)])
            case .notFound(let reason):
                try csv.write([String(r.request.line), r.request.ns, r.outcome.status, reason, "0"])
            case .ambiguous(let people):
                try csv.write([String(r.request.line), r.request.ns, r.outcome.status,
                               "\(people) people share this identity (same-sex twins): give the twin rank", "0"])
            }
        }
        try csv.finish()
    }

    static func writeRejects(_ rejections: [DirectCohort.Rejection], to url: URL) throws {
        var csv = try CSVOutput(url: url)
        try csv.write(["LINE", "NS", "REASON", "DETAIL"])
        for r in rejections { try csv.write([String(r.line), r.ns, r.reason, r.detail]) }
        try csv.finish()
    }

    /// Reads a finished run's NS ↔ person links from its sealed correspondence.
    public static func readCorrespondence(in run: URL, key: SecretKey) throws -> [Extraction.Link] {
        let url = run.appendingPathComponent("correspondence.sealed")
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw LinkageError.badRun(run.path, "no correspondence.sealed: not a finished linkage run")
        }
        let reader = try SealedFileReader(url: url, key: key)
        guard [correspondenceContents, indirectCorrespondenceContents].contains(reader.header.contents),
              reader.header.columns == correspondenceColumns else {
            throw LinkageError.badRun(url.path, "not a linkage correspondence")
        }
        let payload = try reader.readAll()
        return try payload.split(separator: UInt8(ascii: "\n")).map { line in
            let f = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard f.count == 4, let rank = Int(f[2]) else { throw LinkageError.badRun(url.path, "a malformed entry") }
            return Extraction.Link(ns: f[0], benNirPsa: f[1], rank: rank, benIdtAno: f[3])
        }
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = pow(10, Double(places))
        return (self * scale).rounded() / scale
    }
}

extension CalendarDate {
    /// Today's date (UTC).
    public static var today: CalendarDate {
        CalendarDate(daysSinceEpoch: Int(Date().timeIntervalSince1970 / 86_400))
    }
}
