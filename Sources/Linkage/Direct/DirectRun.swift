import Foundation
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// `appariement direct`: validates a cohort of identities (NS, NIR, birth date, sex) and links it by
/// hashing each identity as the dataset was pseudonymised. Everything else a run does — checks
/// before, the run's folder after — is ``LinkageRun``'s.
///
/// results.csv has one line per valid cohort line: LINE, NS, STATUS (found, not_found, ambiguous),
/// REASON, PSEUDONYMS (how many pseudonym rows the person has; none is written).
public enum DirectRun {
    public static let resultColumns = ["LINE", "NS", "STATUS", "REASON", "PSEUDONYMS"]

    public struct Options: Sendable {
        public var cohort: URL
        public var dataset: DatasetFiles
        public var output: URL
        public var encoding: CohortFile.EncodingChoice = .auto
        public var separator: CohortFile.SeparatorChoice = .auto
        /// Header cells mapped to columns (`--column`), or left unread (`--ignore-columns`).
        public var header = HeaderMapping()
        public var threads = ProcessInfo.processInfo.activeProcessorCount
        public var replaceExisting = false
        /// Write the extraction (SQLite and CSV); off for timing the linkage alone.
        public var extraction = true
        /// How the CSV files are written, what the extraction holds and in which forms.
        public var outputs = RunOutputs()
        /// The day a birth date may not be after.
        public var today = CalendarDate.today

        public init(cohort: URL, dataset: DatasetFiles, output: URL) {
            self.cohort = cohort
            self.dataset = dataset
            self.output = output
        }

        var common: LinkageRun.Options {
            var o = LinkageRun.Options(cohort: cohort, dataset: dataset, output: output)
            o.encoding = encoding
            o.separator = separator
            o.header = header
            o.replaceExisting = replaceExisting
            o.extraction = extraction
            o.outputs = outputs
            return o
        }
    }

    /// Runs the linkage and returns its summary (also written to the folder).
    public static func run(_ options: Options, key: SecretKey, progress: ProgressReporter = .silent) throws -> DirectSummary {
        // The dataset's hashing parameters are checked before the cohort is read, as the pseudonymiser is made.
        var (inputs, _, pseudonymiser) = try LinkageRun.prepare(
            options.common, key: key, for: .hashing, progress: progress,
            reading: { ((), LinkageRun.CohortColumns(DirectCohort.columns), LinkageRun.TablesRead(["IR_BEN_R"])) },
            checkingDataset: { try Pseudonymiser(key: key, parameters: $0.pseudonymisation) })
        let cohort = try DirectCohort(file: inputs.file, today: options.today)
        try inputs.cohortValidated(submitted: cohort.submitted, rejections: cohort.rejections)

        var t = ContinuousClock.now
        let database = try SNDSDatabase.openReadOnly(at: options.dataset.database)
        defer { try? database.close() }
        progress.begin("hashing (argon2id, \(options.threads) threads)", total: cohort.requests.count)
        let (results, hashes) = try DirectLinkage.link(
            cohort.requests, pseudonymiser: pseudonymiser, database: database,
            threads: options.threads
        ) { [progress] in progress.advance(by: $0) }
        progress.end()
        inputs.lap("hashing_and_resolution", since: t)

        t = ContinuousClock.now
        var links: [Extraction.Link] = []
        for r in results {
            if case .found(let person, let pseudonyms) = r.outcome {
                for p in pseudonyms {
                    links.append(Extraction.Link(ns: r.request.ns, benNirPsa: p.benNirPsa, rank: p.rank, benIdtAno: person))
                }
            }
        }
        let linked = LinkageRun.Linked(links: links, rejections: cohort.rejections) { try writeResults(results, to: $0, format: $1) }
        return try LinkageRun.write(inputs, kind: .direct, linked: linked, progress: progress, outputsStarted: t) { extraction, timings in
            try DirectSummary(inputs: inputs, cohort: cohort, results: results, extraction: extraction, timings: timings, hashes: hashes)
        }
    }

    private static func writeResults(_ results: [DirectLinkage.Result], to url: URL, format: CSVFormat) throws {
        // A person reached by several lines (the same patient under two NS) is flagged on each.
        var linesOfPerson: [String: [Int]] = [:]
        for r in results { if case .found(let person, _) = r.outcome { linesOfPerson[person, default: []].append(r.request.line) } }
        var csv = try CSVOutput(url: url, format: format)
        try csv.write(resultColumns)
        for r in results {
            let status = r.outcome.status.rawValue
            switch r.outcome {
            case .found(let person, let pseudonyms):
                let lines = linesOfPerson[person] ?? []
                var notes = lines.count > 1 ? ["same person as " + LineList.others(of: r.request.line, in: lines)] : []
                if r.path == .own { notes.append("linked on the patient's own NIR (BEN_NIR_ANO)") }
                if !r.request.keyChecked { notes.append("NIR without its key: not checked") }
                try csv.write([String(r.request.line), r.request.ns, status, notes.joined(separator: "; "), String(pseudonyms.count)])
            case .notFound, .ambiguous:
                let notes = [r.outcome.wording] + (r.request.keyChecked ? [] : ["NIR without its key: not checked"])
                try csv.write([String(r.request.line), r.request.ns, status, notes.joined(separator: "; "), "0"])
            }
        }
        try csv.finish()
    }
}
