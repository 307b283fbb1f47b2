import Foundation
import SNDSModel
import SNDSStore

/// What an indirect linkage did, for people and machines: counts that reconcile (submitted =
/// rejected + found + excluded), per-group and cumulative rates against the threshold with the
/// verdict, exclusions by reason, the discriminance of each criterion and the uniqueness profile
/// of each configuration, the cohort's data quality per column, and provenance.
public struct IndirectSummary: Codable, Sendable, Equatable {
    public static let file = "summary.json"

    public var tool = "appariement"
    public var toolVersion = AppariementVersion.current
    public var kind = IndirectRun.kind
    public var createdAt: String
    public var cohort: DirectSummary.CohortSource
    public var dataset: DirectSummary.DatasetSource
    public var rules: RulesSource
    public var candidates: Candidates
    public var counts: Counts
    public var groups: [Group]
    /// found / submitted against the rules' threshold.
    public var threshold: Double
    public var verdict: String
    public var rejectedByReason: [String: Int]
    public var excludedByReason: [String: Int]
    public var discriminance: [IndirectEngine.Discriminance]
    /// Droppable criteria, least discriminant first (the order configurations drop them).
    public var dropOrder: [String]
    public var configurations: [IndirectEngine.ConfigurationResult]
    /// Per cohort column: values missing, reformatted, invalid.
    public var quality: [String: ColumnQuality]
    /// Linked and not linked by sex, age band and département (the report's bias check).
    public var profile: CohortProfile
    public var people: DirectSummary.People
    public var extraction: Extraction.Counts?
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
    }

    init(cohort: IndirectCohort, outcomes: [IndirectEngine.Outcome], engine: IndirectEngine, manifest: DatasetManifest,
         options: IndirectRun.Options, keyFingerprint: String, pseudonymCounts: [String: Int], extraction: Extraction.Counts?,
         timings: [String: Double]) throws {
        createdAt = ISO8601DateFormatter().string(from: Date())
        let file = cohort.file
        self.cohort = .init(path: options.cohort.path, sha256: file.sha256, encoding: file.encoding.rawValue,
                            encodingDetected: file.encodingDetected,
                            separator: file.separator == 0x09 ? "tab" : String(UnicodeScalar(file.separator)),
                            blankLines: file.blankRecords)
        dataset = .init(database: options.dataset.database, manifest: manifest, keyFingerprint: keyFingerprint)
        let r = engine.rules
        rules = .init(path: r.path, sha256: r.sha256, name: r.name,
                      criteria: r.criteria.map { .init(column: $0.column, source: $0.source.description, normalise: $0.normalisation.rawValue,
                                                       compare: $0.comparison.description, keep: $0.keep) },
                      maxDropped: r.strategy.maxDropped,
                      dropOrder: { if case .explicit = r.strategy.dropOrder { "explicit" } else { "auto" } }(),
                      maxMissing: r.strategy.maxMissing)
        candidates = .init(source: r.events.rawValue, label: r.events.label, events: engine.candidateCount, years: engine.years)
        let found = outcomes.filter { $0.person != nil }.count
        let submitted = cohort.submitted, rejected = cohort.rejections.count
        let excluded = outcomes.count - found
        guard submitted == rejected + found + excluded, outcomes.count == cohort.subjects.count else {
            throw LinkageError.badRun(options.output.path, "internal error: the counts do not reconcile (\(submitted) submitted, \(rejected) rejected, \(found) found, \(excluded) excluded)")
        }
        let foundRate = submitted == 0 ? 0 : Double(found) / Double(submitted)
        counts = .init(submitted: submitted, rejected: rejected, accepted: outcomes.count, found: found, excluded: excluded,
                       foundRate: foundRate.rounded(toPlaces: 4))
        var cumulative = 0
        let plan = engine.plan!
        groups = plan.groups.map { g in
            let linked = outcomes.filter { $0.group == g }.count
            cumulative += linked
            return Group(group: g, dropped: g - 1, configurations: plan.configurations.filter { $0.group == g }.count, linked: linked,
                         rate: submitted == 0 ? 0 : (Double(linked) / Double(submitted)).rounded(toPlaces: 4),
                         cumulative: cumulative,
                         cumulativeRate: submitted == 0 ? 0 : (Double(cumulative) / Double(submitted)).rounded(toPlaces: 4))
        }
        threshold = r.strategy.successThreshold
        verdict = foundRate >= threshold ? "success" : "failure"
        rejectedByReason = Dictionary(cohort.rejections.map { ($0.reason, 1) }, uniquingKeysWith: +)
        excludedByReason = Dictionary(outcomes.compactMap { $0.exclusion.map { ($0.rawValue, 1) } }, uniquingKeysWith: +)
        discriminance = engine.discriminance
        dropOrder = plan.dropOrder.map { r.criteria[$0].column }
        configurations = engine.configurations
        quality = cohort.quality
        profile = CohortProfile(lines: file.records.map(\.line), traits: cohort.traits,
                                linkedLines: Set(outcomes.compactMap { $0.person == nil ? nil : $0.line }),
                                referenceYear: manifest.years.max() ?? CalendarDate.today.year,
                                departementColumn: cohort.departementColumn)
        var nsByPerson: [String: Int] = [:]
        for o in outcomes { if let p = o.person { nsByPerson[p, default: 0] += 1 } }
        people = .init(linked: nsByPerson.count, withSeveralPseudonyms: pseudonymCounts.values.filter { $0 > 1 }.count,
                       reachedBySeveralNS: nsByPerson.values.filter { $0 > 1 }.count)
        self.extraction = extraction
        self.timings = timings
    }

    public func write(to url: URL) throws { try RunJSON.write(self, to: url) }

    public static func read(from run: URL) throws -> IndirectSummary {
        try RunJSON.read(IndirectSummary.self, file: file, in: run, what: " as an indirect run's summary")
    }
}
