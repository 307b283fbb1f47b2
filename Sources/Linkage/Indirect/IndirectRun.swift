import Foundation
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// `appariement probabiliste`: validates a cohort against its rules and links it group by group on
/// non-identifying criteria. Everything else a run does — checks before, the run's folder after —
/// is ``LinkageRun``'s.
///
/// It runs in two calls, so that a caller can show what was measured before the join starts
/// without the run calling back: ``prepare(_:key:reference:progress:)`` reads the rules and the
/// cohort, builds the candidate events and measures them (a ``Prepared`` value); ``link(_:progress:)``
/// joins and writes the run's folder.
///
/// results.csv has one line per valid cohort line: found or excluded, group, configuration,
/// criteria used, the link's match weight, probability and each criterion's part of the weight
/// (``LinkConfidence``), reason; no pseudonym.
public enum IndirectRun {
    public static let resultColumns = [
        "LINE", "NS", "STATUS", "REASON", "GROUP", "CONFIGURATION", "CRITERIA", "MATCH_WEIGHT", "MATCH_PROBABILITY", "WEIGHT_DETAIL", "DETAIL",
    ]
    /// results.csv of runs made before links had a probability: still evaluated and exported
    /// (without calibration).
    static let resultColumnsBeforeConfidence = ["LINE", "NS", "STATUS", "REASON", "GROUP", "CONFIGURATION", "CRITERIA", "DETAIL"]

    /// A probability as results.csv writes it: six decimals, rounded down, so that a link the guard
    /// excluded never reads as reaching it (0.79996 is 0.799960, not 0.8000).
    static func probabilityText(_ p: Double) -> String { String(format: "%.6f", (p * 1e6).rounded(.down) / 1e6) }

    public struct Options: Sendable {
        public var cohort: URL
        public var rules: URL
        public var dataset: DatasetFiles
        public var output: URL
        public var encoding: CohortFile.EncodingChoice = .auto
        public var separator: CohortFile.SeparatorChoice = .auto
        /// Header cells mapped to columns (`--column`), or left unread (`--ignore-columns`).
        public var header = HeaderMapping()
        public var replaceExisting = false
        public var extraction = true
        /// How the CSV files are written, what the extraction holds and in which forms.
        public var outputs = RunOutputs()
        /// The base the verdict is projected to (``Projection``): the real SNDS's beneficiaries
        /// unless the user names another size.
        public var projectTo = Projection.realSNDS
        /// A cascade's first step: only the lines this direct run did not find are linked.
        public var directStep: DirectStep?

        public init(cohort: URL, rules: URL, dataset: DatasetFiles, output: URL) {
            self.cohort = cohort
            self.rules = rules
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
            o.directStep = directStep
            return o
        }
    }

    /// A run ready to link: its inputs checked, its cohort validated, the candidate events built
    /// and measured, the configurations profiled. `~Copyable`: ``link(_:progress:)`` consumes it, so
    /// a prepared run is linked once.
    public struct Prepared: ~Copyable {
        public let rules: IndirectRules
        public let cohort: IndirectCohort
        public let events: CandidateEvents
        /// The plan's configurations with the share of events unique on each.
        public let profile: UniquenessProfile
        var inputs: LinkageRun.Inputs
        let projectTo: Int
    }

    /// Checks the inputs, reads and validates the cohort, builds the candidate events and measures
    /// them.
    public static func prepare(
        _ options: Options, key: SecretKey, reference: ReferenceData,
        progress: ProgressReporter = .silent
    ) throws -> Prepared {
        var common = options.common
        if let step = options.directStep {
            // The file as the direct step read it, its identity columns left unread and the birth
            // date read for the year and month of birth where the rules ask for them.
            // The file as the direct run read it: another encoding would read other NS from the same bytes.
            let encoding = CohortFile.EncodingChoice(rawValue: step.cohort.encoding) ?? .auto
            let separator = CohortFile.SeparatorChoice(rawValue: step.cohort.separator == "\t" ? "tab" : step.cohort.separator) ?? .auto
            if common.encoding != .auto, common.encoding != encoding {
                throw LinkageError.badCohort(
                    options.cohort.path,
                    "the direct run read it as \(step.cohort.encoding): both steps of a cascade read the file alike (leave --encoding out)")
            }
            if common.separator != .auto, common.separator != separator {
                throw LinkageError.badCohort(
                    options.cohort.path,
                    "the direct run read it with the separator '\(step.cohort.separator)': both steps of a cascade read the file alike (leave --separator out)"
                )
            }
            common.encoding = encoding
            common.separator = separator
            let rules = try IndirectRules.load(options.rules, reference: reference)
            if let header = CohortFile.headerCells(of: options.cohort, encoding: common.encoding, separator: common.separator) {
                common.header = step.headerMapping(header: header, rules: rules, given: options.header)
            }
        }
        var (inputs, rules, _) = try LinkageRun.prepare(
            common, key: key, for: .sealing, progress: progress,
            reading: {
                let rules = try IndirectRules.load(options.rules, reference: reference)
                return (
                    rules, LinkageRun.CohortColumns(rules.cohortColumns, namedBy: .rules(path: rules.path)),
                    LinkageRun.TablesRead(Array(Set(rules.events.tables + ["IR_BEN_R"])).sorted())
                )
            },
            checkingDataset: { _ in })
        guard options.projectTo >= inputs.manifest.standsFor else {
            throw LinkageError.projectionBelowDataset(
                options.dataset.database.path, standsFor: inputs.manifest.standsFor, asked: options.projectTo)
        }
        if let step = options.directStep {
            guard inputs.file.sha256 == step.cohort.sha256 else {
                throw LinkageError.badCohort(
                    options.cohort.path,
                    "is not the file the direct run \(step.run) linked (\(step.cohort.path); their SHA-256 differ): give that file")
            }
            guard inputs.manifest.datasetId == step.dataset.datasetId else {
                throw LinkageError.badRun(
                    step.run,
                    "linked the dataset \(step.dataset.database) (\(step.dataset.datasetId)), not \(options.dataset.database.path) (\(inputs.manifest.datasetId)): both steps of a cascade link one dataset"
                )
            }
        }
        // Whether the file is the one the rules describe is judged on the whole file, in a cascade
        // too: ten lines passed on, six of them with a bad NS, are not a wrong file.
        let whole = try IndirectCohort(file: inputs.file, rules: rules)
        try whole.requireReadableCriteria()
        try inputs.cohortValidated(submitted: whole.submitted, rejections: whole.rejections)
        let cohort = try options.directStep.map { try IndirectCohort(file: inputs.file, rules: rules, lines: Set($0.passedOn)) } ?? whole

        // Read-only, closed when the events (which hold it) go: the TEMP tables live as long as they.
        let database = try SNDSDatabase.openReadOnly(at: options.dataset.database)
        var t = ContinuousClock.now
        progress.begin("building the candidate events (\(rules.events.label))")
        let events = try CandidateEvents(rules: rules, database: database, years: inputs.manifest.years)
        progress.end()
        // A filter that keeps no event (a code misspelt, a prefix of another kind) would run every
        // configuration for nothing and end in FAILURE without saying why.
        guard events.count > 0 else {
            throw RulesError(
                path: rules.path, place: "events", line: nil,
                why:
                    "the dataset has no candidate event (\(rules.events.label))\(rules.filters.isEmpty ? "" : " under events.where (check its codes)"): nothing could be linked"
            )
        }
        inputs.lap("candidates", since: t)
        t = ContinuousClock.now
        progress.begin("measuring the uniqueness of each configuration")
        let profile = events.profile()
        progress.end()
        inputs.lap("discriminance", since: t)
        return Prepared(rules: rules, cohort: cohort, events: events, profile: profile, inputs: inputs, projectTo: options.projectTo)
    }

    /// Links a prepared run group by group and writes its folder; returns its summary.
    public static func link(_ prepared: consuming Prepared, progress: ProgressReporter = .silent) throws -> IndirectSummary {
        var inputs = prepared.inputs
        let (rules, cohort) = (prepared.rules, prepared.cohort)
        let plan = prepared.events.plan
        let database = prepared.events.database
        defer { try? database.close() }
        var t = ContinuousClock.now
        let pool = try prepared.events.load(cohort, profile: prepared.profile)
        let steps = plan.configurations.count
        progress.begin("linking (\(steps) configurations)", total: steps)
        let events = pool.events.measured
        let codes = pool.events.codes
        let made = try pool.link { [progress] _ in progress.advance(by: 1) }
        progress.end()
        inputs.lap("linkage", since: t)
        t = ContinuousClock.now
        progress.begin("estimating how sure each link is")
        let (confidence, chance) = try database.queue.inDatabase { db in
            let confidence = try LinkConfidence(db, rules: rules, linkage: made, codes: codes)
            let chance = try ChanceCandidates(db, rules: rules, plan: plan, codes: codes, confidence: confidence)
            return (confidence, chance)
        }
        let guarded = confidence.guarded(made, minimum: rules.strategy.minLinkProbability)
        let weightedGroup = rules.strategy.weightedGroup ? (plan.groups.max() ?? 0) + 1 : nil
        let linkage = weightedGroup.map { confidence.weighted(guarded, minimum: rules.strategy.minLinkProbability, group: $0) } ?? guarded
        // Every link's score, the weighted group's included; a weak link keeps its own.
        var scores = confidence.scores
        for o in linkage.outcomes { if let p = o.person, let s = confidence.score(line: o.line, person: p) { scores[o.line] = s } }
        var confidenceSummary = confidence.summary(
            rules: rules, made: made, accepted: linkage, groups: plan.groups + (weightedGroup.map { [$0] } ?? []))
        confidenceSummary.configurations = chance.estimates(made: made, accepted: linkage, plan: plan, confidence: confidence)
        let projection = Projection.project(
            made: made, rules: rules, plan: plan, chance: chance, confidence: confidence,
            population: prepared.projectTo, datasetPopulation: inputs.manifest.standsFor, submitted: cohort.submitted,
            weightedGroup: weightedGroup)
        progress.end()
        inputs.lap("confidence", since: t)

        t = ContinuousClock.now
        let outcomes = linkage.outcomes
        let pseudonyms = try CandidateEvents.pseudonyms(of: Set(outcomes.compactMap(\.person)), in: database)
        var links: [Extraction.Link] = []
        for o in outcomes {
            guard let person = o.person else { continue }
            for p in pseudonyms[person] ?? [] {
                links.append(Extraction.Link(ns: o.ns, benNirPsa: p.psa, rank: p.rank, benIdtAno: person))
            }
        }
        let review = ClericalReview(linkage, made: made, confidence: confidence)
        confidenceSummary.reviewLines = review.lines
        confidenceSummary.reviewCandidates = review.entries.count
        let reviewPseudonyms = try CandidateEvents.pseudonyms(of: Set(review.entries.map(\.person)), in: database)
        let linked = LinkageRun.Linked(
            links: links, rejections: cohort.rejections,
            writeResults: {
                try writeResults(
                    outcomes, rules: rules, configurations: linkage.configurations, cohort: cohort, scores: scores, to: $0, format: $1)
            },
            writeMore: { [inputs] folder, format in
                try chance.write(to: folder.appendingPathComponent(ChanceCandidates.file), made: made, plan: plan, format: format)
                return try review.write(
                    into: folder, pseudonyms: reviewPseudonyms, key: inputs.key, parameters: inputs.manifest.pseudonymisation, format: format)
                    + [ChanceCandidates.file]
            })
        return try LinkageRun.write(inputs, kind: .probabiliste, linked: linked, progress: progress, outputsStarted: t) {
            extraction, timings in
            try IndirectSummary(
                inputs: inputs, cohort: cohort, events: events, linkage: linkage,
                pseudonymCounts: pseudonyms.mapValues(\.count), confidence: confidenceSummary, projection: projection,
                weightedGroup: weightedGroup,
                extraction: extraction,
                timings: timings)
        }
    }

    /// Prepares and links in one call, for a caller that shows nothing in between.
    public static func run(
        _ options: Options, key: SecretKey, reference: ReferenceData,
        progress: ProgressReporter = .silent
    ) throws -> IndirectSummary {
        try link(prepare(options, key: key, reference: reference, progress: progress), progress: progress)
    }

    /// CRITERIA names the criteria a link was made on: the configuration's, less those the line
    /// left empty when empty values are not compared.
    private static func writeResults(
        _ outcomes: [IndirectEngine.Outcome], rules: IndirectRules,
        configurations: [IndirectEngine.ConfigurationResult], cohort: IndirectCohort,
        scores: [Int: LinkConfidence.Score], to url: URL, format: CSVFormat
    ) throws {
        var csv = try CSVOutput(url: url, format: format)
        try csv.write(resultColumns)
        let subjects = Dictionary(uniqueKeysWithValues: cohort.subjects.map { ($0.line, $0) })
        let index = Dictionary(uniqueKeysWithValues: rules.criteria.enumerated().map { ($1.column, $0) })
        // A person reached by several lines (a patient the registry holds twice) is flagged on each.
        var linesOfPerson: [String: [Int]] = [:]
        for o in outcomes where o.group != nil { if let p = o.person { linesOfPerson[p, default: []].append(o.line) } }
        for o in outcomes {
            var notes = o.history.sorted { $0.key < $1.key }.map { "group \($0.key): \($0.value.rawValue)" }
            if o.group != nil, let p = o.person, let lines = linesOfPerson[p], lines.count > 1 {
                notes.insert("same person as " + LineList.others(of: o.line, in: lines), at: 0)
            }
            if let unreadable = subjects[o.line]?.unreadable, !unreadable.isEmpty {
                notes.insert("unreadable, compared as missing: \(unreadable.joined(separator: ", "))", at: 0)
            }
            let history = notes.joined(separator: "; ")
            if o.configuration == nil, let group = o.group {
                // The weighted group: no configuration, the match model's choice.
                let score = scores[o.line]
                try csv.write([
                    String(o.line), o.ns, LineStatus.found.rawValue, "", String(group), "", "weighted",
                    score.map { csv.number(String(format: "%.2f", $0.weight)) } ?? "",
                    score.map { csv.number(probabilityText($0.probability)) } ?? "",
                    score?.detail ?? "", history,
                ])
            } else if let cfg = o.configuration, let group = o.group {
                // A link is made only on a pattern within max_missing, so every empty value of the
                // configuration's criteria was left uncompared.
                let kept = configurations[cfg - 1].kept.filter { column in
                    guard let i = index[column], !rules.criteria[i].keep, let subject = subjects[o.line] else { return true }
                    return subject.values[i] != nil
                }.joined(separator: "+")
                let score = scores[o.line]
                try csv.write([
                    String(o.line), o.ns, LineStatus.found.rawValue, "", String(group), String(cfg), kept,
                    score.map { csv.number(String(format: "%.2f", $0.weight)) } ?? "",
                    score.map { csv.number(probabilityText($0.probability)) } ?? "",
                    score?.detail ?? "", history,
                ])
            } else {
                // A weak link keeps its weight and probability: the reason it was not accepted.
                let score = o.exclusion == .weakLink ? scores[o.line] : nil
                try csv.write([
                    String(o.line), o.ns, LineStatus.excluded.rawValue, o.exclusion?.rawValue ?? "", "", "", "",
                    score.map { csv.number(String(format: "%.2f", $0.weight)) } ?? "",
                    score.map { csv.number(probabilityText($0.probability)) } ?? "",
                    score?.detail ?? "", history,
                ])
            }
        }
        try csv.finish()
    }
}
