import Foundation
import Pseudonymisation

/// The first step of a cascade: a finished direct run whose lines it did not find are linked
/// indirectly, on the non-identifying criteria the same file carries (`probabiliste --from-direct`).
///
/// Registries and hospital cohorts often hold a NIR for most patients and the stay for all: the
/// NIR finds most people exactly; the lines it does not find — a miscopied NIR, a patient's own
/// NIR that reaches nobody, twins without a rank, a person the identity does not reach — still
/// carry a stay, a birth year and month, a sex. The indirect step reads the same file, at the same
/// line numbers (so both steps' results.csv merge on LINE), and never its identity columns: the
/// NIR is not a criterion, and what the direct step could not trust is not trusted again.
public struct DirectStep: Codable, Sendable, Equatable {
    /// The direct run's folder.
    public var run: String
    /// The cohort file the direct run linked (its SHA-256 must be the file's the indirect step reads).
    public var cohort: CohortSource
    public var submitted: Int
    public var found: Int
    /// The lines passed on to the indirect step: every line the direct run did not find (rejected,
    /// not found, ambiguous), by line number.
    public var passedOn: [Int]
    /// The direct run's own header mapping (`--column`, `--ignore-columns`).
    public var directMapping: HeaderMapping
    /// The dataset the direct run linked to: the indirect step must link to the same one.
    public var dataset: DatasetSource
    /// How the direct run wrote its CSV files: the second step writes its own alike unless told
    /// otherwise, so the two results.csv merge on LINE in one tool.
    public var csvFormat: CSVFormat?

    /// Both steps in a cascade's summary.json: the direct step's counts, the lines it passed on, and
    /// the whole cohort's result — found by either step, over the lines the direct step was given.
    public struct Summary: Codable, Sendable, Equatable {
        public var run: String
        public var submitted: Int
        public var found: Int
        public var passedOn: Int
        /// Found by the direct step plus found by the indirect step.
        public var foundInAll: Int
        public var foundInAllRate: Double
        /// The verdict on the whole cohort, against the rules' threshold.
        public var verdict: Verdict
    }

    /// The summary of both steps, once the indirect step found `indirectFound` of the lines passed on.
    public func summary(indirectFound: Int, threshold: Double) -> Summary {
        let all = found + indirectFound
        let rate = submitted == 0 ? 0 : Double(all) / Double(submitted)
        return Summary(
            run: run, submitted: submitted, found: found, passedOn: passedOn.count, foundInAll: all, foundInAllRate: rate,
            verdict: Verdict(foundRate: rate, threshold: threshold))
    }

    /// Reads a finished direct run, its seal checked with `key` (the dataset's, which the indirect
    /// step also needs).
    public static func read(_ run: URL, key: SecretKey) throws -> DirectStep {
        let summary: DirectSummary
        switch try RunSummary.read(from: run) {
        case .direct(let s): summary = s
        case .indirect:
            throw LinkageError.badRun(run.path, "is an indirect run: --from-direct takes a direct run's folder (appariement direct)")
        }
        try RunIntegrity.verify(run, reading: RunFolder.sealed, key: key)
        let results = try Evaluation.readCSV(run.appendingPathComponent(RunFolder.results), expecting: DirectRun.resultColumns)
        let rejects = try Evaluation.readCSV(run.appendingPathComponent(RunFolder.rejects), expecting: RejectsCSV.columns)
        var found = Set<Int>(), others = Set<Int>()
        for (r, isResult) in results.map({ ($0, true) }) + rejects.map({ ($0, false) }) {
            guard let line = Int(r[0]) else { throw LinkageError.badRun(run.path, "a line number that is not one: \(r[0])") }
            if isResult, r[2] == LineStatus.found.rawValue { found.insert(line) } else { others.insert(line) }
        }
        guard found.count == summary.counts.found, found.count + others.count == summary.counts.submitted else {
            throw LinkageError.badRun(
                run.path, "its results.csv and rejects.csv do not hold the \(summary.counts.submitted) lines its summary counts")
        }
        guard !others.isEmpty else {
            throw LinkageError.badRun(run.path, "found every line of its cohort: no line is left to link indirectly")
        }
        return DirectStep(
            run: run.standardizedFileURL.path, cohort: summary.cohort, submitted: summary.counts.submitted, found: summary.counts.found,
            passedOn: others.sorted(), directMapping: summary.cohort.headerMapping ?? HeaderMapping(), dataset: summary.dataset,
            csvFormat: summary.csvFormat)
    }

    /// How the indirect step reads the file's header: the identity columns (NIR, its key, the
    /// twin rank) left unread; a criterion the file has no column for read from the identity's
    /// own cells when it can be — the year and month of birth from the birth date, the sex from the
    /// sex — and the user's own `--column` and `--ignore-columns` on top.
    public func headerMapping(header: [String], rules: IndirectRules, given: HeaderMapping) -> HeaderMapping {
        let norm = HeaderMapping.normalised
        let cells = Set(header.map(norm))
        /// Whether the file has a column under this name or one of these aliases.
        func inFile(_ name: String, _ aliases: [String]) -> Bool { ([name] + aliases).contains { cells.contains(norm($0)) } }
        /// The header cell the direct run read `column` from, if the file has it.
        func directCell(_ column: String) -> String? {
            if let mapped = directMapping.names[column], cells.contains(norm(mapped)) { return mapped }
            guard let c = DirectCohort.columns.first(where: { $0.name == column }) else { return nil }
            let names = Set(([c.name] + c.aliases).map(norm))
            return header.first { names.contains(norm($0)) }
        }
        var mapping = given
        // The NS, and any column the direct run mapped under the same name (`--column NS=ident`).
        for column in rules.cohortColumns where given.names[column.name] == nil {
            if !inFile(column.name, column.aliases), let mapped = directMapping.names[column.name], cells.contains(norm(mapped)) {
                mapping.names[column.name] = mapped
            }
        }
        for c in rules.criteria where mapping.names[c.column] == nil && !inFile(c.column, c.aliases) {
            let part: String? =
                switch c.normalisation {
                case .year, .month: directCell("DATE_NAISSANCE")
                case .sex: directCell("SEXE")
                default: nil
                }
            guard let part else { continue }
            mapping.names[c.column] = part
            if c.normalisation == .year || c.normalisation == .month { mapping.sharingACell.insert(c.column) }
        }
        // Every identity cell the criteria do not read is left unread: the NIR above all.
        let read = Set(mapping.names.values.map(norm)).union(
            rules.cohortColumns.flatMap { [$0.name] + $0.aliases }.map(norm).filter(cells.contains))
        func leaveUnread(_ cell: String) {
            if !read.contains(norm(cell)), !mapping.ignored.map(norm).contains(norm(cell)) { mapping.ignored.append(cell) }
        }
        for identity in DirectCohort.columns.map(\.name) where identity != "NS" {
            if let cell = directCell(identity) { leaveUnread(cell) }
        }
        // What the direct run left unread (a comment) and no criterion reads stays unread.
        for cell in directMapping.ignored where cells.contains(norm(cell)) { leaveUnread(cell) }
        return mapping
    }
}
