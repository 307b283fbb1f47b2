import Foundation
import SNDSModel
import SNDSStore

/// What a direct linkage did, for people and machines: counts that reconcile exactly
/// (submitted = rejected + found + not found + ambiguous), reasons, and where everything came from.
public struct DirectSummary: Codable, Sendable, Equatable {
    public static let file = "summary.json"

    public var tool = "appariement"
    public var toolVersion = AppariementVersion.current
    public var kind = DirectRun.kind
    public var createdAt: String
    public var cohort: CohortSource
    public var dataset: DatasetSource
    public var counts: Counts
    /// Rejected lines by reason code (see docs/direct-linkage.md).
    public var rejectedByReason: [String: Int]
    public var notFoundByReason: [String: Int]
    public var people: People
    /// Per cohort column: values missing, reformatted, unreadable, lines rejected for it.
    public var quality: [String: ColumnQuality]
    /// Linked and not linked by sex, age band and département (the report's bias check).
    public var profile: CohortProfile
    public var extraction: Extraction.Counts?
    /// Seconds per stage.
    public var timings: [String: Double]

    public struct CohortSource: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var encoding: String
        public var encodingDetected: Bool
        public var separator: String
        /// Lines holding only separators, skipped like blank lines (absent in runs made before).
        public var blankLines: Int?

        /// "; 3 lines of separators only skipped" after the reading line of a printed summary.
        public var skippedLinesNote: String {
            guard let n = blankLines, n > 0 else { return "" }
            return "; \(n.formatted()) line\(n == 1 ? "" : "s") of separators only skipped"
        }
    }

    public struct DatasetSource: Codable, Sendable, Equatable {
        public var database: String
        public var datasetId: String
        public var contentDigest: String
        public var keyFingerprint: String
        public var pseudonymisation: PseudonymParameters
        /// What the dataset's manifest says of how it was made, for the report's provenance.
        public var seed: UInt64
        public var beneficiaries: Int
        public var years: [Int]

        init(database: URL, manifest: DatasetManifest, keyFingerprint: String) {
            self.database = database.path
            datasetId = manifest.datasetId
            contentDigest = manifest.contentDigest
            self.keyFingerprint = keyFingerprint
            pseudonymisation = manifest.pseudonymisation
            seed = manifest.seed
            beneficiaries = manifest.beneficiariesRequested
            years = manifest.years
        }
    }

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

    public struct People: Codable, Sendable, Equatable {
        /// Distinct persons (BEN_IDT_ANO) linked.
        public var linked: Int
        /// Linked persons with more than one BEN_NIR_PSA row: their NS receive the data of all.
        public var withSeveralPseudonyms: Int
        /// Persons reached by more than one NS (the same patient listed twice under two numbers).
        public var reachedBySeveralNS: Int
    }

    init(cohort: DirectCohort, results: [DirectLinkage.Result], manifest: DatasetManifest, options: DirectRun.Options,
         keyFingerprint: String, extraction: Extraction.Counts?, timings: [String: Double], hashes: Int) throws {
        let formatter = ISO8601DateFormatter()
        createdAt = formatter.string(from: Date())
        let file = cohort.file
        self.cohort = CohortSource(path: options.cohort.path, sha256: file.sha256,
                                   encoding: file.encoding.rawValue, encodingDetected: file.encodingDetected,
                                   separator: file.separator == 0x09 ? "tab" : String(UnicodeScalar(file.separator)),
                                   blankLines: file.blankRecords)
        dataset = DatasetSource(database: options.dataset.database, manifest: manifest, keyFingerprint: keyFingerprint)
        var found = 0, notFound = 0, ambiguous = 0
        var notFoundReasons: [String: Int] = [:]
        var nsByPerson: [String: Set<String>] = [:]
        var several = Set<String>()
        for r in results {
            switch r.outcome {
            case .found(let person, let pseudonyms):
                found += 1
                nsByPerson[person, default: []].insert(r.request.ns)
                if pseudonyms.count > 1 { several.insert(person) }
            case .notFound(let reason):
                notFound += 1
                notFoundReasons[reason, default: 0] += 1
            case .ambiguous: ambiguous += 1
            }
        }
        let rejected = cohort.rejections.count
        let submitted = cohort.submitted
        guard submitted == rejected + found + notFound + ambiguous else {
            throw LinkageError.badRun(options.output.path, "internal error: the counts do not reconcile (\(submitted) submitted, \(rejected) rejected, \(found) found, \(notFound) not found, \(ambiguous) ambiguous)")
        }
        counts = Counts(submitted: submitted, rejected: rejected, accepted: results.count, found: found, notFound: notFound,
                        ambiguous: ambiguous, foundRate: submitted == 0 ? 0 : Double(found) / Double(submitted), hashes: hashes)
        rejectedByReason = Dictionary(cohort.rejections.map { ($0.reason, 1) }, uniquingKeysWith: +)
        notFoundByReason = notFoundReasons
        people = People(linked: nsByPerson.count, withSeveralPseudonyms: several.count,
                        reachedBySeveralNS: nsByPerson.values.filter { $0.count > 1 }.count)
        quality = cohort.quality
        let linkedLines = Set(results.compactMap { if case .found = $0.outcome { $0.request.line } else { nil } })
        profile = CohortProfile(lines: file.records.map(\.line), traits: cohort.traits, linkedLines: linkedLines,
                                referenceYear: manifest.years.max() ?? CalendarDate.today.year,
                                departementColumn: file.positions["DEPARTEMENT"] != nil ? "DEPARTEMENT" : nil)
        self.extraction = extraction
        self.timings = timings
    }

    public func write(to url: URL) throws { try RunJSON.write(self, to: url) }

    public static func read(from run: URL) throws -> DirectSummary {
        try RunJSON.read(DirectSummary.self, file: file, in: run, what: "")
    }
}
