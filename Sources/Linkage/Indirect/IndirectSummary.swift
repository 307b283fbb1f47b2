import Foundation
import SNDSModel
import SNDSStore

/// What an indirect linkage did, for people and machines: counts that reconcile (submitted =
/// rejected + found + excluded), per-group and cumulative rates against the threshold with the
/// verdict, exclusions by reason, the discriminance of each criterion and the uniqueness profile
/// of each configuration, the cohort's data quality per column, and provenance.
public struct IndirectSummary: Codable, Sendable, Equatable {
    public var tool = "appariement"
    public var toolVersion = AppariementVersion.current
    public var kind = RunKind.probabiliste
    public var createdAt: String
    public var cohort: CohortSource
    public var dataset: DatasetSource
    public var rules: RulesSource
    public var candidates: Candidates
    public var counts: Counts
    public var groups: [Group]
    /// found / submitted against the rules' threshold.
    public var threshold: Double
    public var verdict: Verdict
    public var rejectedByReason: [RejectionReason: Int]
    public var excludedByReason: [IndirectEngine.Exclusion: Int]
    public var discriminance: [IndirectEngine.Discriminance]
    /// Droppable criteria, least discriminant first (the order configurations drop them).
    public var dropOrder: [String]
    public var configurations: [IndirectEngine.ConfigurationResult]
    /// Per cohort column: values missing, reformatted, invalid.
    public var quality: [String: ColumnQuality]
    /// Linked and not linked by sex, age band and département (the report's bias check).
    public var profile: CohortProfile
    public var people: PeopleCounts
    /// How sure the links are: the match model and the expected wrong links per group (absent
    /// from runs made before it existed).
    public var confidence: ConfidenceSummary?
    /// What the same registry would give on a larger SNDS (absent from runs made before it existed).
    public var projection: ProjectionSummary?
    public var extraction: Extraction.Counts?
    /// How the run's CSV files are written (nil in runs made before the choice: UTF-8, point).
    public var csvFormat: CSVFormat?
    /// A cascade (`--from-direct`): the direct step, and both steps together; nil otherwise.
    public var directStep: DirectStep.Summary?
    public var timings: [String: Double]

    public struct RulesSource: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var name: String
        public var criteria: [Criterion]
        public var maxDropped: Int
        public var dropOrder: String
        /// Empty criteria a line may leave uncompared (absent from runs made before the choice
        /// existed, which compared empty values as matching nothing: 0).
        public var maxMissing: Int?
        public struct Criterion: Codable, Sendable, Equatable {
            public var column: String
            public var source: String
            public var normalise: String
            public var compare: String
            public var keep: Bool
        }
    }

    public struct Candidates: Codable, Sendable, Equatable {
        public var source: String
        public var label: String
        public var events: Int
        public var years: [Int]
    }

    public struct Counts: Codable, Sendable, Equatable {
        public var submitted: Int
        public var rejected: Int
        public var accepted: Int
        public var found: Int
        public var excluded: Int
        public var foundRate: Double
    }

    public struct Group: Codable, Sendable, Equatable {
        public var group: Int
        /// Criteria dropped in this group's configurations.
        public var dropped: Int
        public var configurations: Int
        public var linked: Int
        /// linked / submitted.
        public var rate: Double
        public var cumulative: Int
        public var cumulativeRate: Double
        /// The `weighted` group (the match model's choice among several candidates), apart from
        /// the CNAM groups; absent for those.
        public var weighted: Bool?
    }

    init(
        inputs: LinkageRun.Inputs, cohort: IndirectCohort, events: CandidateEvents.Measurement, linkage: IndirectEngine.Linkage,
        pseudonymCounts: [String: Int], confidence: ConfidenceSummary?, projection: ProjectionSummary? = nil, weightedGroup: Int? = nil,
        extraction: Extraction.Counts?,
        timings: [String: Double]
    ) throws {
        createdAt = ISO8601DateFormatter().string(from: Date())
        let file = cohort.file
        let outcomes = linkage.outcomes
        self.cohort = inputs.cohortSource
        dataset = inputs.datasetSource
        let r = events.rules
        rules = .init(
            path: r.path, sha256: r.sha256, name: r.name,
            criteria: r.criteria.map {
                .init(
                    column: $0.column, source: $0.source.description, normalise: $0.normalisation.rawValue,
                    compare: $0.comparison.rulesText, keep: $0.keep)
            },
            maxDropped: r.strategy.maxDropped,
            dropOrder: { if case .explicit = r.strategy.dropOrder { "explicit" } else { "auto" } }(),
            maxMissing: r.strategy.maxMissing)
        candidates = .init(source: r.events.rawValue, label: r.events.label, events: events.count, years: events.years)
        let found = outcomes.filter { $0.person != nil }.count
        let submitted = cohort.submitted, rejected = cohort.rejections.count
        let excluded = outcomes.count - found
        guard submitted == rejected + found + excluded, outcomes.count == cohort.subjects.count else {
            throw LinkageError.badRun(
                inputs.output.path,
                "internal error: the counts do not reconcile (\(submitted) submitted, \(rejected) rejected, \(found) found, \(excluded) excluded)")
        }
        let foundRate = submitted == 0 ? 0 : Double(found) / Double(submitted)
        counts = .init(
            submitted: submitted, rejected: rejected, accepted: outcomes.count, found: found, excluded: excluded,
            foundRate: foundRate.rounded(toPlaces: 4))
        var cumulative = 0
        let plan = events.plan
        groups = (plan.groups + (weightedGroup.map { [$0] } ?? [])).map { g in
            let linked = outcomes.filter { $0.group == g }.count
            cumulative += linked
            let weighted = g == weightedGroup
            return Group(
                group: g, dropped: weighted ? 0 : g - 1, configurations: plan.configurations.filter { $0.group == g }.count, linked: linked,
                rate: submitted == 0 ? 0 : (Double(linked) / Double(submitted)).rounded(toPlaces: 4),
                cumulative: cumulative,
                cumulativeRate: submitted == 0 ? 0 : (Double(cumulative) / Double(submitted)).rounded(toPlaces: 4),
                weighted: weighted ? true : nil)
        }
        threshold = r.strategy.successThreshold
        verdict = Verdict(foundRate: foundRate, threshold: threshold)
        rejectedByReason = Dictionary(cohort.rejections.map { ($0.reason, 1) }, uniquingKeysWith: +)
        excludedByReason = Dictionary(outcomes.compactMap { $0.exclusion.map { ($0, 1) } }, uniquingKeysWith: +)
        discriminance = events.discriminance
        dropOrder = plan.dropOrder.map { r.criteria[$0].column }
        configurations = linkage.configurations
        quality = cohort.quality
        profile = CohortProfile(
            // A cascade's lines are those passed on: the direct step's are not this run's to profile.
            lines: file.records.map(\.line).filter { line in inputs.options.directStep.map { Set($0.passedOn).contains(line) } ?? true },
            traits: cohort.traits,
            linkedLines: Set(outcomes.compactMap { $0.person == nil ? nil : $0.line }),
            referenceYear: inputs.manifest.years.max() ?? CalendarDate.today.year,
            departementColumn: cohort.departementColumn)
        var linesByPerson: [String: [Int]] = [:]
        for o in outcomes { if let p = o.person { linesByPerson[p, default: []].append(o.line) } }
        people = PeopleCounts(linesByPerson: linesByPerson, pseudonymCounts: pseudonymCounts)
        self.confidence = confidence
        self.projection = projection
        directStep = inputs.options.directStep?.summary(indirectFound: counts.found, threshold: threshold)
        self.extraction = extraction
        csvFormat = inputs.options.outputs.csvFormat
        self.timings = timings
    }

    public func write(to url: URL) throws { try RunJSON.write(self, to: url) }

    public static func read(from run: URL) throws -> IndirectSummary {
        let summary = try RunJSON.read(IndirectSummary.self, file: RunFolder.summary, in: run, what: " as an indirect run's summary")
        try RunFigures.check(summary.figuresProblem, file: run.appendingPathComponent(RunFolder.summary))
        return summary
    }
}
