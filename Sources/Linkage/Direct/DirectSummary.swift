import Foundation
import SNDSModel
import SNDSStore

/// What a direct linkage did, for people and machines: counts that reconcile exactly
/// (submitted = rejected + found + not found + ambiguous), reasons, and where everything came from.
public struct DirectSummary: Codable, Sendable, Equatable {
    public var tool = "appariement"
    public var toolVersion = AppariementVersion.current
    public var kind = RunKind.direct
    public var createdAt: String
    public var cohort: CohortSource
    public var dataset: DatasetSource
    public var counts: Counts
    /// Rejected lines by reason (see docs/direct-linkage.md).
    public var rejectedByReason: [RejectionReason: Int]
    public var notFoundByReason: [NotFoundReason.Code: Int]
    public var people: PeopleCounts
    /// Per cohort column: values missing, reformatted, unreadable, lines rejected for it.
    public var quality: [String: ColumnQuality]
    /// Accepted lines whose NIR had its 13 positions only, no key: linked all the same (the
    /// pseudonym is computed from the 13), but no key checked them, so a miscopied digit would
    /// reach someone else or nobody. nil in runs made before it was counted.
    public var nirWithoutKey: Int?
    /// Lines found through the patient's own NIR (BEN_NIR_ANO), the ouvreur's path having reached
    /// nobody (see ``DirectLinkage``). nil in runs made before.
    public var foundByOwnNIR: Int?
    /// Linked and not linked by sex, age band and département (the report's bias check).
    public var profile: CohortProfile
    public var extraction: Extraction.Counts?
    /// How the run's CSV files are written (nil in runs made before the choice: UTF-8, point).
    public var csvFormat: CSVFormat?
    /// Seconds per stage.
    public var timings: [String: Double]

    public struct Counts: Codable, Sendable, Equatable {
        public var submitted: Int
        public var rejected: Int
        public var accepted: Int
        public var found: Int
        public var notFound: Int
        public var ambiguous: Int
        /// found / submitted.
        public var foundRate: Double
        /// Distinct identities hashed (argon2id calls).
        public var hashes: Int
    }

    init(
        inputs: LinkageRun.Inputs, cohort: DirectCohort, results: [DirectLinkage.Result], extraction: Extraction.Counts?,
        timings: [String: Double], hashes: Int
    ) throws {
        createdAt = ISO8601DateFormatter().string(from: Date())
        let file = cohort.file
        self.cohort = inputs.cohortSource
        dataset = inputs.datasetSource
        var found = 0, notFound = 0, ambiguous = 0
        var notFoundReasons: [NotFoundReason.Code: Int] = [:]
        var linesByPerson: [String: [Int]] = [:]
        var pseudonymCounts: [String: Int] = [:]
        for r in results {
            switch r.outcome {
            case .found(let person, let pseudonyms):
                found += 1
                linesByPerson[person, default: []].append(r.request.line)
                pseudonymCounts[person] = pseudonyms.count
            case .notFound(let reason):
                notFound += 1
                notFoundReasons[reason.code, default: 0] += 1
            case .ambiguous: ambiguous += 1
            }
        }
        let rejected = cohort.rejections.count
        let submitted = cohort.submitted
        guard submitted == rejected + found + notFound + ambiguous else {
            throw LinkageError.badRun(
                inputs.output.path,
                "internal error: the counts do not reconcile (\(submitted) submitted, \(rejected) rejected, \(found) found, \(notFound) not found, \(ambiguous) ambiguous)"
            )
        }
        counts = Counts(
            submitted: submitted, rejected: rejected, accepted: results.count, found: found, notFound: notFound,
            ambiguous: ambiguous, foundRate: submitted == 0 ? 0 : Double(found) / Double(submitted), hashes: hashes)
        rejectedByReason = Dictionary(cohort.rejections.map { ($0.reason, 1) }, uniquingKeysWith: +)
        notFoundByReason = notFoundReasons
        people = PeopleCounts(linesByPerson: linesByPerson, pseudonymCounts: pseudonymCounts)
        quality = cohort.quality
        nirWithoutKey = results.filter { !$0.request.keyChecked }.count
        foundByOwnNIR = results.filter { $0.path == .own }.count
        let linkedLines = Set(results.compactMap { if case .found = $0.outcome { $0.request.line } else { nil } })
        profile = CohortProfile(
            lines: file.records.map(\.line), traits: cohort.traits, linkedLines: linkedLines,
            referenceYear: inputs.manifest.years.max() ?? CalendarDate.today.year,
            departementColumn: file.positions["DEPARTEMENT"] != nil ? "DEPARTEMENT" : nil)
        self.extraction = extraction
        csvFormat = inputs.options.outputs.csvFormat
        self.timings = timings
    }

    public func write(to url: URL) throws { try RunJSON.write(self, to: url) }

    public static func read(from run: URL) throws -> DirectSummary {
        let summary = try RunJSON.read(DirectSummary.self, file: RunFolder.summary, in: run, what: "")
        try RunFigures.check(summary.figuresProblem, file: run.appendingPathComponent(RunFolder.summary))
        return summary
    }
}
