import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// `appariement probabiliste`: reads the rules and the cohort, links it group by group, and writes
/// the run's folder atomically (built under a hidden temporary name, renamed into place once complete).
///
/// The folder holds: `summary.json` (counts that reconcile, groups and verdict, discriminance,
/// configurations, data quality, provenance), `results.csv` (one line per valid cohort line:
/// found or excluded, group, configuration, criteria used, reason; no pseudonym), `rejects.csv`,
/// `correspondence.sealed` (NS ↔ BEN_NIR_PSA, BEN_RNG_GEM, BEN_IDT_ANO, AES-256-GCM, the same
/// format as a direct run's) and, unless asked otherwise, the extraction keyed by NS.
public enum IndirectRun {
    public static let kind = "probabiliste"
    public static let resultColumns = ["LINE", "NS", "STATUS", "REASON", "GROUP", "CONFIGURATION", "CRITERIA", "DETAIL"]

    public struct Options: Sendable {
        public var cohort: URL
        public var rules: URL
        public var dataset: DatasetFiles
        public var output: URL
        public var encoding: CohortFile.EncodingChoice = .auto
        public var separator: CohortFile.SeparatorChoice = .auto
        public var replaceExisting = false
        public var extraction = true
        public init(cohort: URL, rules: URL, dataset: DatasetFiles, output: URL) {
            self.cohort = cohort
            self.rules = rules
            self.dataset = dataset
            self.output = output
        }
    }

    /// What a caller may print before the join starts: the measured discriminance and the plan.
    public struct Prelude {
        public let rules: IndirectRules
        public let engine: IndirectEngine
    }

    public static func run(_ options: Options, key: SecretKey, reference: ReferenceData, progress: ProgressReporter = .silent,
                           beforeLinking: (Prelude) -> Void = { _ in }) throws -> IndirectSummary {
        let started = ContinuousClock.now
        var timings = StageTimings()
        let output = options.output.standardizedFileURL
        try DirectRun.checkReplaceable(output, replaceExisting: options.replaceExisting)
        let rules = try IndirectRules.load(options.rules, reference: reference)
        let manifest = try DatasetVerifier.verifyIdentity(options.dataset)
        guard manifest.keyFingerprint == key.fingerprint else {
            throw LinkageError.keyMismatchForSealing(database: options.dataset.database.path, expected: manifest.keyFingerprint,
                                                     given: key.fingerprint)
        }

        var t = ContinuousClock.now
        let file: CohortFile
        do {
            file = try CohortFile(url: options.cohort, columns: rules.cohortColumns, encoding: options.encoding,
                                  separator: options.separator)
        } catch {
            // The columns come from the rules: a mismatch is as likely the wrong rules as a wrong file.
            guard case .badCohort(let path, let why) = error, why.contains("column") else { throw error }
            throw LinkageError.badCohort(path, why + " — the columns expected are those of \(rules.path) (--criteria)")
        }
        for note in file.readingNotes { progress.note(note) }
        let cohort = try IndirectCohort(file: file, rules: rules)
        timings.lap("read_and_validate", since: t)

        let database = try SNDSDatabase.openReadOnly(at: options.dataset.database)
        defer { try? database.close() }
        let engine = IndirectEngine(rules: rules, database: database, years: manifest.years)
        t = ContinuousClock.now
        progress.begin("building the candidate events (\(rules.events.label))")
        try engine.prepareCandidates()
        progress.end()
        timings.lap("candidates", since: t)
        t = ContinuousClock.now
        progress.begin("measuring the uniqueness of each configuration")
        try engine.profileConfigurations()
        progress.end()
        timings.lap("discriminance", since: t)
        beforeLinking(Prelude(rules: rules, engine: engine))

        t = ContinuousClock.now
        try engine.loadCohort(cohort)
        let steps = engine.plan?.configurations.count ?? 0
        progress.begin("linking (\(steps) configurations)", total: steps)
        let outcomes = try engine.link { [progress] _ in progress.advance(by: 1) }
        progress.end()
        timings.lap("linkage", since: t)

        t = ContinuousClock.now
        let persons = Set(outcomes.compactMap(\.person))
        let pseudonyms = try engine.pseudonyms(of: persons)
        var links: [Extraction.Link] = []
        for o in outcomes {
            guard let person = o.person else { continue }
            for p in pseudonyms[person] ?? [] {
                links.append(Extraction.Link(ns: o.ns, benNirPsa: p.psa, rank: p.rank, benIdtAno: person))
            }
        }
        try StagedOutputs.createDirectory(output.deletingLastPathComponent())
        let staged = StagedOutputs()
        let folder = staged.stage(output)
        try StagedOutputs.createDirectory(folder, mode: 0o700)
        try DirectRun.writeCorrespondence(links, key: key, parameters: manifest.pseudonymisation, to: folder,
                                          contents: DirectRun.indirectCorrespondenceContents)
        try writeResults(outcomes, rules: rules, engine: engine, cohort: cohort, to: folder.appendingPathComponent("results.csv"))
        try DirectRun.writeRejects(cohort.rejections, to: folder.appendingPathComponent("rejects.csv"))
        timings.lap("outputs", since: t)

        let extraction = options.extraction
            ? try DirectRun.writeExtraction(links, source: options.dataset.database, years: manifest.years, into: folder,
                                            progress: progress, timings: &timings)
            : nil
        timings.lap("total", since: started)
        let summary = try IndirectSummary(cohort: cohort, outcomes: outcomes, engine: engine, manifest: manifest, options: options,
                                          keyFingerprint: key.fingerprint,
                                          pseudonymCounts: pseudonyms.mapValues(\.count), extraction: extraction, timings: timings.seconds)
        try summary.write(to: folder.appendingPathComponent(IndirectSummary.file))
        try staged.commit(removingFirst: options.replaceExisting ? [output] : [], replacingExisting: options.replaceExisting)
        return summary
    }

    /// CRITERIA names the criteria a link was made on: the configuration's, less those the line
    /// left empty when empty values are not compared.
    private static func writeResults(_ outcomes: [IndirectEngine.Outcome], rules: IndirectRules, engine: IndirectEngine,
                                     cohort: IndirectCohort, to url: URL) throws {
        var csv = try CSVOutput(url: url)
        try csv.write(resultColumns)
        let subjects = Dictionary(uniqueKeysWithValues: cohort.subjects.map { ($0.line, $0) })
        let index = Dictionary(uniqueKeysWithValues: rules.criteria.enumerated().map { ($1.column, $0) })
        for o in outcomes {
            let history = o.history.sorted { $0.key < $1.key }.map { "group \($0.key): \($0.value.rawValue)" }.joined(separator: "; ")
            if let cfg = o.configuration, let group = o.group {
                // A link is made only on a pattern within max_missing, so every empty value of the
                // configuration's criteria was left uncompared.
                let kept = engine.configurations[cfg - 1].kept.filter { column in
                    guard let i = index[column], !rules.criteria[i].keep, let subject = subjects[o.line] else { return true }
                    return subject.values[i] != nil
                }.joined(separator: "+")
                try csv.write([String(o.line), o.ns, "found", "", String(group), String(cfg), kept, history])
            } else {
                try csv.write([String(o.line), o.ns, "excluded", o.exclusion?.rawValue ?? "", "", "", "", history])
            }
        }
        try csv.finish()
    }
}
