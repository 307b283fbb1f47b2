import Foundation
import SNDSModel

/// An indirect-linkage cohort, validated line by line against its rules: each data line becomes
/// either a subject (NS and one canonical value, or none, per criterion) or a rejection.
///
/// A missing value is not an error: the line simply cannot satisfy a configuration that keeps
/// that criterion, and may be found once it is dropped. A value that cannot be read for its kind
/// (a date that is no date, `Nord` for a département) is counted in the column's quality and then
/// taken as missing: the line is still linked on its other criteria, and results.csv says which
/// of its values were left out. Rejecting the line for one bad value lost patients a reader would
/// find. Only a line with nothing left to compare, or with a NIR in a criterion, is rejected.
public struct IndirectCohort {
    public struct Subject: Sendable {
        public let line: Int
        public let ns: String
        /// Canonical values, in the rules' criteria order; nil when missing or unreadable.
        public let values: [String?]
        /// The criteria (columns) whose value could not be read: compared as missing.
        public let unreadable: [String]
    }

    public let file: CohortFile
    public let subjects: [Subject]
    public let rejections: [Rejection]
    public let quality: [String: ColumnQuality]
    /// What each well-formed line says of its subject, from the criteria that carry the sex, the
    /// birth year and the département of residence, by line number.
    public let traits: [Int: CohortProfile.Traits]
    /// The criterion that gives the département of residence, if the rules have one.
    public let departementColumn: String?
    /// A criterion unreadable on more than half the lines that give it (see
    /// ``requireReadableCriteria()``): the column, its unreadable and given counts, the commonest why.
    public let mostlyUnreadable: (column: String, invalid: Int, given: Int, why: String)?

    /// The criteria (by index) that tell a subject's sex, birth year and département: known by the
    /// SNDS column they are compared with, so that any rules file naming them gets a bias check.
    static func traitCriteria(_ rules: IndirectRules) -> (sex: Int?, birthYear: Int?, departement: Int?) {
        let c = rules.criteria
        return (
            c.firstIndex { $0.normalisation == .sex },
            c.firstIndex { $0.normalisation == .year && $0.source.column == "BEN_NAI_ANN" },
            c.firstIndex { $0.normalisation == .departement && ["BDI_DEP", "BEN_RES_DPT"].contains($0.source.column) }
        )
    }
    public var submitted: Int { subjects.count + rejections.count }

    /// Reads and validates the file's lines — only those of `lines` when given (a cascade's lines
    /// the direct step did not find; the others are not submitted).
    public init(file: CohortFile, rules: IndirectRules, lines only: Set<Int>? = nil) throws(LinkageError) {
        self.file = file
        let records = only.map { wanted in file.records.filter { wanted.contains($0.line) } } ?? file.records
        var subjects: [Subject] = []
        var rejections: [Rejection] = []
        var quality: [String: ColumnQuality] = [:]
        for c in rules.criteria { quality[c.column] = ColumnQuality() }
        var nsLines: [String: [Int]] = [:]
        var traits: [Int: CohortProfile.Traits] = [:]
        // Per column, why its unreadable values were: a column mostly unreadable stops the run.
        var whyUnreadable: [String: [String: Int]] = [:]
        var readable: [String: Int] = [:]
        let traitIndex = Self.traitCriteria(rules)
        lines: for record in records {
            let ns = file.value(rules.idColumn, in: record) ?? ""
            func reject(_ reason: RejectionReason, _ detail: String, showingNS: Bool = true) {
                rejections.append(
                    .init(
                        line: record.line, ns: showingNS ? String(ns.prefix(SubjectNumber.maxLength)) : "",
                        reason: reason, detail: detail))
            }
            guard record.fields.count == file.headerCount else {
                reject(.fieldCount, "\(record.fields.count) fields where the header has \(file.headerCount)", showingNS: false)
                continue
            }
            if let problem = SubjectNumber.problem(ns) {
                reject(problem.reason, problem.detail, showingNS: problem.showNS)
                continue
            }
            nsLines[SubjectNumber.identity(ns), default: []].append(record.line)
            var values: [String?] = []
            var invalid: [(column: String, why: String)] = []
            var refused: [String] = []
            for c in rules.criteria {
                switch CriterionValues.read(file.value(c.column, in: record) ?? "", as: c.normalisation) {
                case .missing:
                    quality[c.column]!.missing += 1
                    values.append(nil)
                case .value(let v, let reformatted):
                    if reformatted { quality[c.column]!.reformatted += 1 }
                    readable[c.column, default: 0] += 1
                    values.append(v)
                case .invalid(let why):
                    quality[c.column]!.invalid += 1
                    invalid.append((c.column, why))
                    whyUnreadable[c.column, default: [:]][why, default: 0] += 1
                    values.append(nil)
                case .refused(let why):
                    quality[c.column]!.invalid += 1
                    // The line is rejected once, in the first column it is rejected for.
                    if refused.isEmpty { quality[c.column]!.rejected += 1 }
                    refused.append("\(c.column) \(why)")
                    values.append(nil)
                }
            }
            traits[record.line] = CohortProfile.Traits(
                sex: traitIndex.sex.flatMap { values[$0] }.flatMap(Int.init).flatMap(Sex.init(rawValue:)),
                birthYear: traitIndex.birthYear.flatMap { values[$0] }.flatMap(Int.init),
                departement: traitIndex.departement.flatMap { values[$0] })
            if !refused.isEmpty {
                reject(.invalidValue, refused.joined(separator: "; "))
                continue lines
            }
            guard values.contains(where: { $0 != nil }) else {
                if invalid.isEmpty {
                    reject(.noCriteria, "every criterion is missing")
                } else {
                    // Nothing left to compare because of unreadable values: rejected for the first.
                    quality[invalid[0].column]!.rejected += 1
                    reject(.invalidValue, invalid.map { "\($0.column) \($0.why)" }.joined(separator: "; "))
                }
                continue
            }
            subjects.append(Subject(line: record.line, ns: ns, values: values, unreadable: invalid.map(\.column)))
        }
        var mostlyUnreadable: (column: String, invalid: Int, given: Int, why: String)?
        for c in rules.criteria where mostlyUnreadable == nil {
            let q = quality[c.column]!
            let given = q.invalid + (readable[c.column] ?? 0)
            guard q.invalid > 0, q.invalid * 2 > given, let why = whyUnreadable[c.column]?.max(by: { ($0.value, $1.key) < ($1.value, $0.key) })?.key
            else { continue }
            mostlyUnreadable = (c.column, q.invalid, given, why)
        }
        self.mostlyUnreadable = mostlyUnreadable
        let nirLike = rejections.filter { $0.reason == .nsLooksLikeNIR }.count
        if nirLike * 2 > records.count {
            throw .badCohort(
                file.url.path,
                "the \(rules.idColumn) column holds NIR-like numbers on \(nirLike) of \(records.count) lines: are the columns in the wrong order? (nothing was written)"
            )
        }
        // An NS given twice cannot say which person it stands for: all its lines are rejected.
        let duplicated = nsLines.filter { $0.value.count > 1 }
        if !duplicated.isEmpty {
            subjects = subjects.filter { s in
                guard let lines = duplicated[SubjectNumber.identity(s.ns)] else { return true }
                rejections.append(
                    .init(
                        line: s.line, ns: s.ns, reason: .duplicateNS,
                        detail: SubjectNumber.duplicateDetail(of: s.line, lines: lines)))
                return false
            }
            rejections.sort { $0.line < $1.line }
        }
        self.subjects = subjects
        self.rejections = rejections
        self.quality = quality
        self.traits = traits
        departementColumn = traitIndex.departement.map { rules.criteria[$0].column }
    }

    /// Stops a run whose criterion is unreadable on most lines that give it: a column in a layout
    /// the tool does not read (a US date, a département by name). Linking without it would change
    /// the linkage the rules describe, in silence; left out line by line, it would be one note per
    /// line; refused whole, the user fixes it once.
    public func requireReadableCriteria() throws(LinkageError) {
        guard let m = mostlyUnreadable else { return }
        throw .badCohort(
            file.url.path,
            "the \(m.column) column is unreadable on \(m.invalid.formatted()) of the \(m.given.formatted()) lines that give it (most: it \(m.why)): write its values in a form read here, leave unknown ones empty, or take the criterion out of the rules (nothing was written)"
        )
    }
}
