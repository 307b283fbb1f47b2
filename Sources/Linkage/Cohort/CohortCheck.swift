import Foundation
import SNDSModel

/// What a cohort file would give a linkage, read and validated as a run would but with no
/// database and no key: what a sponsor runs before sending a file, and a data manager on receiving
/// it (`appariement check-cohort`).
///
/// Every problem is listed at once: how the file was read, each column's missing, reformatted and
/// unreadable values, the lines a run would reject by reason (with their first line numbers), and
/// what would stop the run whole. The NS of a rejected line and the values are never repeated: the
/// sponsor's file may hold a NIR where it should not.
public struct CohortCheck: Sendable {
    /// What the check reads the file as: a direct cohort, or an indirect one against its rules.
    public enum Kind: Sendable {
        case direct
        case indirect(IndirectRules)
    }

    /// One reason lines are rejected for, with how many and the first of them.
    public struct Reason: Sendable, Equatable {
        public let reason: RejectionReason
        public let lines: Int
        public let first: [Int]
    }

    /// How the file was read (encoding, separator, lines of separators skipped).
    public let source: String
    public let submitted: Int
    /// Lines a run would link (not rejected).
    public let accepted: Int
    public let reasons: [Reason]
    /// Per column, in the file's order of columns the linkage reads.
    public let quality: [(column: String, quality: ColumnQuality)]
    /// Direct cohorts: accepted lines whose NIR has no key (linked unchecked).
    public let nirWithoutKey: Int?
    /// What would stop a run before linking, in the run's own words; nil when nothing would.
    public let wholeFile: String?
    /// Notes of the reading (an encoding detected as Latin-1, lines of separators skipped).
    public let notes: [String]

    /// Whether the file would link cleanly: no line rejected, no value unreadable, nothing stopping
    /// the run.
    public var isClean: Bool {
        wholeFile == nil && reasons.isEmpty && quality.allSatisfy { $0.quality.invalid == 0 }
    }

    /// Reads and validates `file` as `kind` (a header problem throws before, as it would stop a run).
    public init(_ file: CohortFile, as kind: Kind, today: CalendarDate = .today) {
        source =
            "\(file.encoding.rawValue)\(file.encodingDetected ? " (detected)" : ""), separator '\(file.separator == 0x09 ? "tab" : String(UnicodeScalar(file.separator)))'"
        notes = file.readingNotes
        var rejections: [Rejection] = [], submitted = file.records.count, quality: [String: ColumnQuality] = [:], columns: [String] = []
        var wholeFile: String?, nirWithoutKey: Int?
        func said(_ error: LinkageError) -> String {
            guard case .badCohort(_, let why) = error else { return "\(error)" }
            return why.hasSuffix(" (nothing was written)") ? String(why.dropLast(" (nothing was written)".count)) : why
        }
        switch kind {
        case .direct:
            do {
                let cohort = try DirectCohort(file: file, today: today)
                rejections = cohort.rejections
                submitted = cohort.submitted
                quality = cohort.quality
                columns = DirectCohort.columns.map(\.name).filter { quality[$0] != nil }
                nirWithoutKey = cohort.requests.filter { !$0.keyChecked }.count
            } catch { wholeFile = said(error) }
        case .indirect(let rules):
            do {
                let cohort = try IndirectCohort(file: file, rules: rules)
                rejections = cohort.rejections
                submitted = cohort.submitted
                quality = cohort.quality
                columns = rules.criteria.map(\.column)
                do { try cohort.requireReadableCriteria() } catch { wholeFile = said(error) }
            } catch { wholeFile = said(error) }
        }
        if wholeFile == nil {
            do { try MostlyRejected.check(file, submitted: submitted, rejections: rejections) } catch { wholeFile = said(error) }
        }
        self.submitted = submitted
        accepted = wholeFile == nil ? submitted - rejections.count : 0
        reasons = Dictionary(grouping: rejections, by: \.reason)
            .map { Reason(reason: $0.key, lines: $0.value.count, first: Array($0.value.map(\.line).sorted().prefix(5))) }
            .sorted { ($0.lines, $1.reason) > ($1.lines, $0.reason) }
        self.quality = columns.map { ($0, quality[$0] ?? ColumnQuality()) }
        self.wholeFile = wholeFile
        self.nirWithoutKey = nirWithoutKey
    }
}
