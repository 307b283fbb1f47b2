import Foundation
import Hardening
import Pseudonymisation
import SNDSModel

/// A finished run compared with its cohort's truth, line by line: precision (no NS linked to the
/// wrong person), recall, found rate, and where each kind of line ended up.
public struct Evaluation: Codable, Sendable, Equatable {
    public static let file = "evaluation.json"
    /// The outcome of a line linked to someone else than its truth's person (a status of its own in
    /// the confusion tables: a wrong link is not a success).
    public static let foundWrongPerson = "found_wrong_person"

    public var run: String
    public var truth: String
    public var lines: Int
    /// Lines linked to a person.
    public var linked: Int
    /// Linked to the right person.
    public var correct: Int
    /// Linked to someone else (or to anyone when the truth says absent).
    public var wrong: Int
    /// correct / linked; nil when nothing was linked.
    public var precision: Double?
    /// correct / lines whose person is in the SNDS (whatever the line's defects).
    public var recall: Double?
    /// linked / lines.
    public var foundRate: Double
    /// Lines the truth says a correct linkage finds, and the share of them found correctly.
    public var findable: Int
    public var findableFoundRate: Double?
    /// Lines whose outcome is the one the truth expects (and, when found, with the right person).
    public var asExpected: Int
    /// expected outcome → actual outcome → lines.
    public var confusion: [String: [String: Int]]
    /// defect → actual outcome → lines.
    public var byDefect: [String: [String: Int]]
    /// Lines not linked, by the reason the run gave: outcome → reason → lines.
    public var byReason: [String: [String: Int]]
    /// Lines that did not end as expected: line, NS, defect, expected, actual (never an identifier).
    public var mismatches: [Mismatch]
    /// Indirect runs: per group, the links made, right and wrong, the group's precision and the
    /// recall reached once it is added to the groups before it.
    public var byGroup: [String: GroupQuality] = [:]
    /// Indirect runs: the same per configuration (the weighted group's links have none).
    public var byConfiguration: [String: GroupQuality]?
    /// Indirect runs with link probabilities: for the links whose probability falls in each band,
    /// the mean probability and the share right — calibrated when the two agree.
    public var calibration: [CalibrationBand]?
    /// Indirect runs with a guard: the links it excluded as weak_link (read from the run's review
    /// files), right and wrong by the truth, beside the wrong ones the run expected.
    public var weakLinks: WeakLinks?

    public struct WeakLinks: Codable, Sendable, Equatable {
        public var excluded: Int
        public var right: Int
        public var wrong: Int
        public var expectedWrong: Double
    }

    public struct GroupQuality: Codable, Sendable, Equatable {
        public var linked = 0
        public var correct = 0
        public var wrong = 0
        public var precision: Double?
        public var cumulativeRecall: Double?
        /// The run's own estimate of its wrong links, Σ (1 − P), to set beside `wrong`.
        public var expectedWrong: Double?
        public init() {}
    }

    public struct CalibrationBand: Codable, Sendable, Equatable {
        /// Probabilities in [from, to) (the last band includes 1).
        public var from: Double
        public var to: Double
        public var links: Int
        public var meanProbability: Double?
        public var shareRight: Double?

        /// The bands' bounds: finer near 1, where most links lie and where a user sets a guard.
        static let bounds: [Double] = [0, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1]
    }

    public struct Mismatch: Codable, Sendable, Equatable {
        public var line: Int
        public var ns: String
        public var defect: String
        public var expected: String
        public var actual: String
        /// Indirect runs: the group of a link made (a wrong one included).
        public var group: Int?
    }

    /// The group a cascade's direct links are counted under.
    public static let directGroup = "direct"

    /// Evaluates the run in `run` against `truth`; `key` opens the run's sealed correspondence.
    public static func evaluate(run: URL, truthFile: URL, key: SecretKey) throws -> Evaluation {
        // The run's files are the run's own (sealed with the key) before anything is counted.
        try RunIntegrity.verify(run, reading: RunFolder.sealed, key: key)
        let truth = try CohortTruth.read(from: truthFile)
        let links = try RunCorrespondence.read(in: run, key: key)
        var personOfNS: [String: String] = [:]
        for l in links { personOfNS[l.ns] = l.benIdtAno }
        var status: [Int: LineStatus] = [:]
        var nsOfLine: [Int: String] = [:]
        var byReason: [String: [String: Int]] = [:]
        // A direct run's results, or an indirect run's (which add the group of each link).
        guard let kind = RunFolder.kind(of: run) else {
            throw LinkageError.badRun(run.path, "no summary.json of appariement: not a finished linkage run")
        }
        let resultsURL = run.appendingPathComponent(RunFolder.results)
        var groupOfLine: [Int: Int] = [:]
        var probabilityOfLine: [Int: Double] = [:]
        var configurationOfLine: [Int: Int] = [:]
        for record in try readCSV(
            resultsURL, expecting: kind == .probabiliste ? IndirectRun.resultColumns : DirectRun.resultColumns,
            or: kind == .probabiliste ? [IndirectRun.resultColumnsBeforeConfidence] : [])
        {
            let line = Int(record[0]) ?? -1
            guard let lineStatus = LineStatus(rawValue: record[2]) else {
                throw LinkageError.badRun(resultsURL.path, "line \(record[0]) has an unknown status")
            }
            status[line] = lineStatus
            nsOfLine[line] = record[1]
            if lineStatus != .found {
                // A direct run's reasons not found are counted by code, as its summary counts them.
                let reason = kind == .direct ? NotFoundReason(wording: record[3])?.code.rawValue ?? record[3] : record[3]
                byReason[lineStatus.rawValue, default: [:]][reason, default: 0] += 1
            }
            if kind == .probabiliste, let g = Int(record[4]) { groupOfLine[line] = g }
            if kind == .probabiliste, let c = Int(record[5]) { configurationOfLine[line] = c }
            if kind == .probabiliste, let p = CSVFormat.parseNumber(record[8]) { probabilityOfLine[line] = p }
        }
        for record in try readCSV(run.appendingPathComponent(RunFolder.rejects), expecting: RejectsCSV.columns) {
            status[Int(record[0]) ?? -1] = .rejected
            nsOfLine[Int(record[0]) ?? -1] = record[1]
            byReason[LineStatus.rejected.rawValue, default: [:]][record[2], default: 0] += 1
        }
        // A cascade's second step holds the lines its direct step did not find: the others are the
        // direct run's links, evaluated with them (group `direct`), so the whole cohort is.
        var directLines = Set<Int>()
        if kind == .probabiliste, case .indirect(let s) = try RunSummary.read(from: run), let step = s.directStep {
            let direct = URL(fileURLWithPath: step.run)
            try RunIntegrity.verify(direct, reading: RunFolder.sealed, key: key)
            for l in try RunCorrespondence.read(in: direct, key: key) where personOfNS[l.ns] == nil { personOfNS[l.ns] = l.benIdtAno }
            for record in try readCSV(direct.appendingPathComponent(RunFolder.results), expecting: DirectRun.resultColumns)
            where record[2] == LineStatus.found.rawValue {
                let line = Int(record[0]) ?? -1
                guard status[line] == nil else {
                    throw LinkageError.badRun(run.path, "line \(line) is in both steps of the cascade: its direct run \(direct.path) was changed")
                }
                status[line] = .found
                nsOfLine[line] = record[1]
                directLines.insert(line)
            }
        }
        guard status.count == truth.entries.count, truth.entries.allSatisfy({ status[$0.line] != nil }) else {
            throw LinkageError.badRun(
                run.path,
                "its lines do not match the truth file's (\(status.count) lines in the run, \(truth.entries.count) in the truth): was it made from this cohort?"
            )
        }
        // Same lines, same NS (where the run repeats the NS: it leaves out those it cannot trust).
        let differing = truth.entries.filter { t in
            guard let ns = nsOfLine[t.line], !ns.isEmpty else { return false }
            return ns != t.ns && ns != CSVOutput.escape(t.ns)
        }.count
        guard differing == 0 else {
            throw LinkageError.badRun(
                run.path, "the truth file's NS differ from the run's on \(differing) lines: it is not the truth of the cohort this run linked")
        }
        var e = Evaluation(
            run: run.path, truth: truthFile.path, lines: truth.entries.count, linked: 0, correct: 0, wrong: 0,
            precision: nil, recall: nil, foundRate: 0, findable: 0, findableFoundRate: nil, asExpected: 0,
            confusion: [:], byDefect: [:], byReason: byReason, mismatches: [])
        var inSNDS = 0, findableFound = 0
        var bands = zip(CalibrationBand.bounds, CalibrationBand.bounds.dropFirst()).map {
            (band: CalibrationBand(from: $0, to: $1, links: 0), sum: 0.0, right: 0)
        }
        let indirect = kind == .probabiliste
        for t in truth.entries {
            guard let lineStatus = status[t.line] else { continue }  // every line has one: checked above
            var actual = lineStatus.rawValue
            if t.benIdtAno != nil { inSNDS += 1 }
            if t.expected == .found { e.findable += 1 }
            // An indirect linkage excludes what it cannot link one to one, whatever the reason.
            var right =
                lineStatus == LineStatus(t.expected)
                || (indirect && lineStatus == .excluded && (t.expected == .notFound || t.expected == .ambiguous))
            if lineStatus == .found {
                e.linked += 1
                let person = nsOfLine[t.line].flatMap { personOfNS[$0] }
                let group = directLines.contains(t.line) ? Self.directGroup : groupOfLine[t.line].map(String.init) ?? "all"
                let configuration = configurationOfLine[t.line].map(String.init)
                if indirect { e.byGroup[group, default: GroupQuality()].linked += 1 }
                if let configuration {
                    e.byConfiguration = e.byConfiguration ?? [:]; e.byConfiguration![configuration, default: GroupQuality()].linked += 1
                }
                if let p = probabilityOfLine[t.line] {
                    e.byGroup[group, default: GroupQuality()].expectedWrong =
                        (e.byGroup[group]?.expectedWrong ?? 0) + (1 - p)
                    if let configuration {
                        e.byConfiguration![configuration]!.expectedWrong = (e.byConfiguration![configuration]!.expectedWrong ?? 0) + (1 - p)
                    }
                    let b = bands.lastIndex { $0.band.from <= p } ?? 0
                    bands[b].band.links += 1
                    bands[b].sum += p
                    if person != nil, person == t.benIdtAno { bands[b].right += 1 }
                }
                if let person, person == t.benIdtAno {
                    e.correct += 1
                    if t.expected == .found { findableFound += 1 }
                    if indirect { e.byGroup[group, default: GroupQuality()].correct += 1 }
                    if let configuration { e.byConfiguration![configuration]!.correct += 1 }
                } else {
                    e.wrong += 1
                    right = false
                    actual = Self.foundWrongPerson
                    if indirect { e.byGroup[group, default: GroupQuality()].wrong += 1 }
                    if let configuration { e.byConfiguration![configuration]!.wrong += 1 }
                }
            }
            e.confusion[t.expected.rawValue, default: [:]][actual, default: 0] += 1
            e.byDefect[t.defect, default: [:]][actual, default: 0] += 1
            if right {
                e.asExpected += 1
            } else {
                e.mismatches.append(
                    Mismatch(
                        line: t.line, ns: t.ns, defect: t.defect, expected: t.expected.rawValue, actual: actual,
                        group: groupOfLine[t.line]))
            }
        }
        var cumulative = 0
        for g in e.byGroup.keys.sorted(by: { (Int($0) ?? 0) < (Int($1) ?? 0) }) {
            let q = e.byGroup[g]!
            cumulative += q.correct
            e.byGroup[g]!.precision = q.linked == 0 ? nil : Double(q.correct) / Double(q.linked)
            e.byGroup[g]!.cumulativeRecall = inSNDS == 0 ? nil : Double(cumulative) / Double(inSNDS)
        }
        for c in e.byConfiguration?.keys.map({ $0 }) ?? [] {
            let q = e.byConfiguration![c]!
            e.byConfiguration![c]!.precision = q.linked == 0 ? nil : Double(q.correct) / Double(q.linked)
        }
        // The run's seal says whether it wrote review files (a run made before them has none).
        if try RunIntegrity.read(from: run).files[ClericalReview.sealed] != nil {
            // A weak link is its line's candidate the groups linked, in the review files.
            let truthOfNS = Dictionary(truth.entries.map { ($0.ns, $0.benIdtAno) }, uniquingKeysWith: { a, _ in a })
            var weak = WeakLinks(excluded: 0, right: 0, wrong: 0, expectedWrong: 0)
            for c in try ClericalReview.candidates(of: run, key: key) where c.linkedByRules && c.reason == IndirectEngine.Exclusion.weakLink.rawValue
            {
                weak.excluded += 1
                weak.expectedWrong += 1 - (CSVFormat.parseNumber(c.probability) ?? 0)
                if truthOfNS[c.ns] == .some(c.person) { weak.right += 1 } else { weak.wrong += 1 }
            }
            e.weakLinks = weak
        }
        if !probabilityOfLine.isEmpty {
            e.calibration = bands.map { b in
                var band = b.band
                band.meanProbability = band.links == 0 ? nil : b.sum / Double(band.links)
                band.shareRight = band.links == 0 ? nil : Double(b.right) / Double(band.links)
                return band
            }
        }
        e.precision = e.linked == 0 ? nil : Double(e.correct) / Double(e.linked)
        e.recall = inSNDS == 0 ? nil : Double(e.correct) / Double(inSNDS)
        e.foundRate = e.lines == 0 ? 0 : Double(e.linked) / Double(e.lines)
        e.findableFoundRate = e.findable == 0 ? nil : Double(findableFound) / Double(e.findable)
        return e
    }

    /// Reads a run's CSV whose header is `columns`; with `alternatives`, a header among those
    /// (a file written by an earlier version) is read too, its rows padded to the same columns.
    static func readCSV(
        _ url: URL, expecting columns: [String], or alternatives: [[String]] = [], headerOnly: Bool = false
    ) throws -> [[String]] {
        let data: Data
        do { data = try InputFile.read(url, limit: 1 << 33) } catch {
            switch error {
            case .missing:
                throw LinkageError.badRun(url.deletingLastPathComponent().path, "no \(url.lastPathComponent): not a finished linkage run")
            case .directory, .notRegular: throw LinkageError.badRun(url.path, "is not a regular file (a directory, a device or a pipe)")
            case .tooLarge: throw LinkageError.badRun(url.path, "is larger than 8 GB: not a run's file")
            case .unreadable(let why): throw LinkageError.badRun(url.path, "cannot be read (\(why))")
            }
        }
        // Any encoding a run writes (UTF-8, with or without a byte order mark, or Windows-1252).
        let bytes = [UInt8](data)
        var reader = DelimitedReader(bytes: bytes, encoding: DelimitedReader.detectEncoding(of: bytes))
        guard let header = try reader.next(), header.fields == columns || alternatives.contains(header.fields) else {
            throw LinkageError.badRun(url.path, "unexpected header")
        }
        if headerOnly { return [] }
        // An earlier layout's row, with each of today's columns it lacks left empty.
        let place = columns.map { header.fields.firstIndex(of: $0) }
        var rows: [[String]] = []
        while let r = try reader.next() {
            rows.append(header.fields == columns ? r.fields : place.map { i in i.flatMap { $0 < r.fields.count ? r.fields[$0] : nil } ?? "" })
        }
        return rows
    }

    /// Reads the `evaluation.json` that `evaluate` wrote into a run's folder.
    public static func read(from run: URL) throws -> Evaluation {
        let evaluation = try RunJSON.read(Evaluation.self, file: file, in: run, what: " as an evaluation")
        try RunFigures.check(evaluation.figuresProblem, file: run.appendingPathComponent(file))
        return evaluation
    }

    /// Writes `evaluation.json` into the run's folder (temporary file, then rename) and adds it to
    /// the run's seal, so that `report` can tell it from an edited one.
    public func write(into run: URL, sealingWith key: SecretKey) throws {
        let staged = StagedOutputs()
        try RunJSON.write(self, to: staged.stage(run.appendingPathComponent(Self.file)))
        try staged.commit()
        try RunIntegrity.add(Self.file, to: run, key: key)
    }
}
