import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// What every linkage run does, whatever links it: the steps before linking (the output can be
/// written, the dataset is whole, the key is the dataset's, the cohort file is read) and the steps
/// after (the folder staged under a hidden name, the sealed correspondence, results.csv,
/// rejects.csv, the extraction, summary.json, the folder renamed into place). A run — ``DirectRun``,
/// ``IndirectRun`` — only validates its cohort and links it, between
/// ``prepare(_:key:for:progress:reading:checkingDataset:)`` and
/// ``write(_:kind:linked:progress:outputsStarted:summary:)``.
///
/// The folder holds: `summary.json` (counts that reconcile, provenance), `results.csv` (one line
/// per valid cohort line, no pseudonym), `rejects.csv` (line, NS, reason), `correspondence.sealed`
/// (NS ↔ BEN_NIR_PSA, BEN_RNG_GEM, BEN_IDT_ANO, AES-256-GCM) and, unless asked otherwise, the
/// extraction keyed by NS (`extraction.sqlite`, and `extraction/TABLE.csv`).
public enum LinkageRun {
    /// What every run is given.
    public struct Options: Sendable {
        public var cohort: URL
        public var dataset: DatasetFiles
        public var output: URL
        public var encoding: CohortFile.EncodingChoice = .auto
        public var separator: CohortFile.SeparatorChoice = .auto
        /// Header cells mapped to columns, or left unread.
        public var header = HeaderMapping()
        public var replaceExisting = false
        /// Write the extraction (SQLite and CSV); off for timing the linkage alone.
        public var extraction = true
        /// How the CSV files are written, what the extraction holds and in which forms.
        public var outputs = RunOutputs()
        /// A cascade's first step (indirect runs only).
        public var directStep: DirectStep?

        public init(cohort: URL, dataset: DatasetFiles, output: URL) {
            self.cohort = cohort
            self.dataset = dataset
            self.output = output
        }
    }

    /// The cohort columns a run reads, and what names them, so that a mismatch points at it.
    public struct CohortColumns {
        /// Who says which columns a cohort has.
        public enum Source: Sendable {
            /// The tool itself (a direct cohort's fixed columns).
            case tool
            /// A rules file (indirect linkage): a mismatch is as likely the rules as the cohort.
            case rules(path: String)
        }

        public var list: [CohortFile.Column]
        public var source: Source

        public init(_ list: [CohortFile.Column], namedBy source: Source = .tool) {
            self.list = list
            self.source = source
        }
    }

    /// The tables a run decides on (reads whole to link), digested against the manifest before the
    /// run; a name with `aa` stands for every year of the dataset (`T_MCOaaC`).
    public struct TablesRead: Sendable {
        public var patterns: [String]

        public init(_ patterns: [String]) { self.patterns = patterns }

        /// The dataset's tables these patterns name.
        public func names(in manifest: DatasetManifest) -> [String] {
            patterns.flatMap { pattern in
                pattern.contains("aa") ? manifest.years.map { pattern.replacingOccurrences(of: "aa", with: pad($0 % 100, 2)) } : [pattern]
            }
        }
    }

    /// A run's inputs, checked before any linking.
    public struct Inputs {
        public let options: Options
        /// The run's folder (standardised).
        public let output: URL
        public let manifest: DatasetManifest
        public let key: SecretKey
        /// The cohort file, read (not yet validated: that is the run's own job).
        public let file: CohortFile
        public var cohortSource: CohortSource { CohortSource(path: options.cohort.path, file: file) }
        public var datasetSource: DatasetSource {
            DatasetSource(database: options.dataset.database, manifest: manifest, keyFingerprint: key.fingerprint)
        }
        /// Seconds per stage so far; a run adds its own.
        public internal(set) var timings = StageTimings()
        let started: ContinuousClock.Instant
        let readingStarted: ContinuousClock.Instant
    }

    /// The steps before linking: the output can be replaced (or does not exist); the run's own
    /// inputs are read (`reading`: a rules file, with the cohort columns they name — after the
    /// output check, before the dataset's); the dataset is verified against its manifest, the key
    /// is the dataset's (``KeyMismatch``) and the run checks what it needs of the dataset
    /// (`checkingDataset`: the hashing parameters); the cohort file is read. Returns the inputs,
    /// what `reading` read and what `checkingDataset` made.
    public static func prepare<Own, Checked>(
        _ options: Options, key: SecretKey, for use: KeyMismatch.Use, progress: ProgressReporter,
        reading: () throws -> (Own, CohortColumns, TablesRead),
        checkingDataset: (DatasetManifest) throws -> Checked
    ) throws -> (Inputs, Own, Checked) {
        let started = ContinuousClock.now
        let output = options.output.standardizedFileURL
        try RunFolder.checkReplaceable(output, replaceExisting: options.replaceExisting)
        let (own, columns, tables) = try reading()
        // The dataset: its manifest says how it was pseudonymised and with which key; what the run
        // reads is as the manifest records it (structure, row counts, and the digest of the tables
        // the linkage decides on).
        let manifest = try DatasetVerifier.verifyForReading(options.dataset, digesting: tables.names(in:))
        try manifest.requireKey(fingerprint: key.fingerprint, database: options.dataset.database.path, for: use)
        _ = try options.outputs.extractionScope.years(in: manifest.years)
        let checked = try checkingDataset(manifest)

        let readingStarted = ContinuousClock.now
        let file: CohortFile
        do {
            file = try CohortFile(
                url: options.cohort, columns: columns.list, encoding: options.encoding,
                separator: options.separator, header: options.header)
        } catch {
            // Columns named by a rules file: a mismatch is as likely the rules as the cohort.
            guard case .rules(let rules) = columns.source, case .badCohort(let path, let why) = error, why.contains("column") else {
                throw error
            }
            throw LinkageError.columnsOfRules(path, why, rules: rules)
        }
        for note in file.readingNotes { progress.note(note) }
        // A character the chosen encoding cannot write would stop the run half-written: refused now.
        let unwritable = options.outputs.csvFormat.linesNotWritable(in: file.records, columns: Set(file.positions.values))
        if let first = unwritable.first {
            throw LinkageError.badCohort(
                options.cohort.path,
                "\(LineList.others(of: 0, in: unwritable.map(\.line))) \(unwritable.count == 1 ? "holds" : "hold") characters Windows-1252 has no byte for "
                    + "('\(first.character)' on line \(first.line)), which --output-encoding windows-1252 cannot write: "
                    + "choose --output-encoding utf-8-bom, which Excel reads too")
        }
        return (
            Inputs(
                options: options, output: output, manifest: manifest, key: key, file: file,
                started: started, readingStarted: readingStarted), own, checked
        )
    }

    /// What a run made, ready to be written.
    public struct Linked {
        /// NS ↔ person, one per pseudonym row of the person.
        public var links: [Extraction.Link]
        public var rejections: [Rejection]
        /// Writes results.csv (its columns are the run's own) in the run's CSV format.
        public var writeResults: (URL, CSVFormat) throws -> Void
        /// Writes the run's other files into its folder (an indirect run's review files) and
        /// returns their names, sealed in integrity.json with the rest.
        public var writeMore: (URL, CSVFormat) throws -> [String]

        public init(
            links: [Extraction.Link], rejections: [Rejection], writeResults: @escaping (URL, CSVFormat) throws -> Void,
            writeMore: @escaping (URL, CSVFormat) throws -> [String] = { _, _ in [] }
        ) {
            self.links = links
            self.rejections = rejections
            self.writeResults = writeResults
            self.writeMore = writeMore
        }
    }

    /// The steps after linking: the folder staged (0700), the sealed correspondence, results.csv,
    /// rejects.csv, the extraction, then `summary` (given the extraction's counts and the
    /// timings) written as summary.json, and the folder renamed into place — replacing a previous
    /// run only with `replaceExisting`.
    public static func write<Summary: Encodable>(
        _ inputs: Inputs, kind: RunKind, linked: Linked, progress: ProgressReporter,
        outputsStarted: ContinuousClock.Instant = .now,
        summary: (Extraction.Counts?, [String: Double]) throws -> Summary
    ) throws -> Summary {
        var timings = inputs.timings
        let output = inputs.output
        // Everything is written under a hidden name, then renamed into place.
        try StagedOutputs.createDirectory(output.deletingLastPathComponent())
        let staged = StagedOutputs()
        let folder = staged.stage(output)
        try StagedOutputs.createDirectory(folder, mode: 0o700)

        try RunCorrespondence.write(
            linked.links, kind: kind, key: inputs.key, parameters: inputs.manifest.pseudonymisation,
            to: folder.appendingPathComponent(RunFolder.correspondence))
        let outputs = inputs.options.outputs, format = outputs.csvFormat
        try linked.writeResults(folder.appendingPathComponent(RunFolder.results), format)
        try RejectsCSV.write(linked.rejections, to: folder.appendingPathComponent(RunFolder.rejects), format: format)
        let more = try linked.writeMore(folder, format)
        timings.lap("outputs", since: outputsStarted)

        let extraction =
            inputs.options.extraction
            ? try writeExtraction(
                linked.links, source: inputs.options.dataset.database,
                years: try outputs.extractionScope.years(in: inputs.manifest.years), scope: outputs.extractionScope,
                into: folder, format: format, csv: outputs.extractionCSV, parquet: outputs.parquet,
                progress: progress, timings: &timings)
            : nil
        timings.lap("total", since: inputs.started)
        let value = try summary(extraction, timings.seconds)
        try RunJSON.write(value, to: folder.appendingPathComponent(RunFolder.summary))
        try RunIntegrity.seal(RunFolder.sealed + more, in: folder, key: inputs.key)
        let replacing = inputs.options.replaceExisting
        try staged.commit(removingFirst: replacing ? [output] : [], replacingExisting: replacing)
        return value
    }

    /// Writes the linked people's data keyed by NS into a run's folder: extraction.sqlite (0600)
    /// and extraction/TABLE.csv.
    static func writeExtraction(
        _ links: [Extraction.Link], source: URL, years: [Int], scope: ExtractionScope, into folder: URL, format: CSVFormat,
        csv: Bool, parquet: ParquetExtraction?, progress: ProgressReporter, timings: inout StageTimings
    ) throws -> Extraction.Counts {
        var t = ContinuousClock.now
        progress.begin("extracting the linked people's data")
        let sqlite = folder.appendingPathComponent("extraction.sqlite")
        var counts = try Extraction.write(links: links, source: source, years: years, scope: scope, to: sqlite)
        _ = chmod(sqlite.path, 0o600)
        progress.end()
        timings.lap("extraction", since: t)
        let files = folder.appendingPathComponent("extraction")
        try StagedOutputs.createDirectory(files, mode: 0o700)
        if csv {
            t = ContinuousClock.now
            try ExtractionCSV.write(from: sqlite, tables: counts.tables, to: files, format: format)
            timings.lap("extraction_csv", since: t)
        }
        counts.files = ["sqlite"] + (csv ? ["csv"] : []) + (parquet == nil ? [] : ["parquet"])
        if let parquet {
            t = ContinuousClock.now
            progress.begin("writing the extraction as Parquet")
            try parquet.write(from: sqlite, tables: counts.tables, to: files)
            progress.end()
            timings.lap("extraction_parquet", since: t)
        }
        return counts
    }
}

extension LinkageRun.Inputs {
    /// Ends the stage that read and validated the cohort (timed from the file's reading on), and
    /// stops the run when the file is mostly rejected (``MostlyRejected``): a wrong file, not bad lines.
    public mutating func cohortValidated(submitted: Int, rejections: [Rejection]) throws(LinkageError) {
        timings.lap("read_and_validate", since: readingStarted)
        try MostlyRejected.check(file, submitted: submitted, rejections: rejections)
    }

    /// Ends a stage the run times itself.
    public mutating func lap(_ name: String, since start: ContinuousClock.Instant) { timings.lap(name, since: start) }
}
