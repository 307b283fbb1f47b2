import Foundation
import Pseudonymisation
import SNDSModel

/// The lines a person should decide: excluded because several persons agree with them
/// (`multiple_candidates`), because two configurations disagree on who (`conflicting`), because
/// another line claims their person too (`duplicate_person`), or because their only candidate is
/// too doubtful (`weak_link`) — each with its candidates ranked by the
/// match model, for a clerical review.
///
/// Two files, as for the links themselves: `review.csv` holds no identity (LINE, NS, the reason,
/// the candidate's rank, weight, probability and the parts of its weight), `review.sealed` the
/// candidates' pseudonyms, AES-256-GCM with the dataset's key, one line per pseudonym row of each
/// candidate person (NS, rank, BEN_NIR_PSA, BEN_RNG_GEM, BEN_IDT_ANO). `export review` joins
/// them for whoever holds the key.
public struct ClericalReview: Sendable {
    public static let csv = "review.csv"
    public static let sealed = "review.sealed"
    public static let columns = [
        "LINE", "NS", "REASON", "CANDIDATE", "LINKED_BY_RULES", "LINKED_TO_LINE", "MATCH_WEIGHT", "MATCH_PROBABILITY", "WEIGHT_DETAIL",
    ]
    public static let sealedColumns = ["NS", "CANDIDATE", "BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_IDT_ANO"]
    public static let sealedContents = "indirect-linkage-review-candidates"
    /// Candidates listed per line, most probable first: beyond five, a reviewer learns nothing.
    public static let candidatesPerLine = 5
    /// The reasons whose lines are reviewed.
    public static let reasons: Set<IndirectEngine.Exclusion> = [.multipleCandidates, .conflicting, .duplicatePerson, .weakLink]

    public struct Entry: Sendable {
        public let line: Int
        public let ns: String
        public let reason: IndirectEngine.Exclusion
        /// 1 for the most probable.
        public let rank: Int
        public let person: String
        /// The candidate the groups linked (a weak link's person): not always the model's first.
        public let linkedByRules: Bool
        /// The line this candidate is linked to already, if any: accepting it here would link one
        /// person to two lines.
        public let linkedToLine: Int?
        public let score: LinkConfidence.Score
    }

    public let entries: [Entry]

    /// Lines reviewed.
    public var lines: Int { Set(entries.map(\.line)).count }

    /// The candidates of `linkage`'s lines excluded for one of ``reasons``.
    /// `made` is the linkage before the guard (whose links the weak ones were).
    init(_ linkage: IndirectEngine.Linkage, made: IndirectEngine.Linkage, confidence: LinkConfidence) {
        var entries: [Entry] = []
        let lineOf = Dictionary(linkage.outcomes.compactMap { o in o.person.map { ($0, o.line) } }, uniquingKeysWith: min)
        for (o, before) in zip(linkage.outcomes, made.outcomes) {
            guard o.person == nil, let reason = o.exclusion, Self.reasons.contains(reason), let ranked = confidence.candidates[o.line]
            else { continue }
            // The weak link itself is always listed, even beyond the first five.
            var listed = Array(ranked.enumerated().prefix(Self.candidatesPerLine))
            if let p = before.person, !listed.contains(where: { $0.element.person == p }), let i = ranked.firstIndex(where: { $0.person == p }) {
                listed.append((i, ranked[i]))
            }
            for (i, c) in listed {
                entries.append(
                    Entry(
                        line: o.line, ns: o.ns, reason: reason, rank: i + 1, person: c.person, linkedByRules: c.person == before.person,
                        linkedToLine: lineOf[c.person], score: confidence.score(of: c)))
            }
        }
        self.entries = entries
    }

    /// Writes review.csv and review.sealed into a run's folder; returns their names (to seal in
    /// integrity.json).
    func write(
        into folder: URL, pseudonyms: [String: [(psa: String, rank: Int)]], key: SecretKey, parameters: PseudonymParameters,
        format: CSVFormat = .standard
    ) throws -> [String] {
        var csv = try CSVOutput(url: folder.appendingPathComponent(Self.csv), format: format)
        try csv.write(Self.columns)
        for e in entries {
            try csv.write([
                String(e.line), e.ns, e.reason.rawValue, String(e.rank), e.linkedByRules ? "yes" : "", e.linkedToLine.map(String.init) ?? "",
                csv.number(String(format: "%.2f", e.score.weight)),
                csv.number(IndirectRun.probabilityText(e.score.probability)), e.score.detail,
            ])
        }
        try csv.finish()
        let writer = try SealedFileWriter(
            url: folder.appendingPathComponent(Self.sealed), key: key, contents: Self.sealedContents, pseudonymisation: parameters,
            columns: Self.sealedColumns, createdBy: "appariement \(AppariementVersion.current)")
        for e in entries {
            for p in pseudonyms[e.person] ?? [] {
                try writer.write(line: "\(e.ns)\t\(e.rank)\t\(p.psa)\t\(p.rank)\t\(e.person)")
            }
        }
        try writer.finish()
        return [Self.csv, Self.sealed]
    }

    /// One candidate as `export review` writes it.
    public struct Candidate: Sendable, Equatable {
        public let ns: String
        public let rank: Int
        public let person: String
        public let reason: String
        public let linkedByRules: Bool
        public let linkedToLine: String
        public let probability: String
        public let detail: String
    }

    /// Joins a finished run's review.csv with its review.sealed (opened with `key`), after checking
    /// both against the run's seal.
    public static func candidates(of run: URL, key: SecretKey) throws -> [Candidate] {
        guard FileManager.default.fileExists(atPath: run.appendingPathComponent(Self.sealed).path) else {
            throw LinkageError.badRun(run.path, "no review.sealed: a run made before runs listed their lines to review — link it again")
        }
        try RunIntegrity.verify(run, reading: [Self.csv, Self.sealed], key: key)
        let url = run.appendingPathComponent(Self.sealed)
        let reader = try SealedFileReader(url: url, key: key)
        guard reader.header.contents == Self.sealedContents, reader.header.columns == Self.sealedColumns else {
            throw LinkageError.badRun(url.path, "not a review file of candidates")
        }
        var person: [String: String] = [:]
        for line in try reader.readAll().split(separator: UInt8(ascii: "\n")) {
            let f = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard f.count == 5 else { throw LinkageError.badRun(url.path, "a malformed entry") }
            person["\(f[0])\t\(f[1])"] = f[4]
        }
        return try Evaluation.readCSV(run.appendingPathComponent(Self.csv), expecting: Self.columns).map { r in
            // review.csv holds the NS as written out (a formula-like NS neutralised).
            let ns = r[1].hasPrefix("'") && person["\(r[1])\t\(r[3])"] == nil ? String(r[1].dropFirst()) : r[1]
            guard let rank = Int(r[3]), let who = person["\(ns)\t\(r[3])"] else {
                throw LinkageError.badRun(run.path, "line \(r[0]) of review.csv has no candidate in review.sealed")
            }
            return Candidate(
                ns: ns, rank: rank, person: who, reason: r[2], linkedByRules: r[4] == "yes", linkedToLine: r[5],
                // Written with the run's decimal mark: the export's is a point.
                probability: r[7].replacingOccurrences(of: ",", with: "."), detail: r[8])
        }
    }

    /// The header of `export review`'s file: also how `--force` recognises a previous one.
    static let exportHeader = ["NS", "CANDIDATE", "BEN_IDT_ANO", "REASON", "LINKED_BY_RULES", "LINKED_TO_LINE", "MATCH_PROBABILITY", "WEIGHT_DETAIL"]

    /// Writes ``candidates(of:key:)`` to `file` (staged, 0600): an existing file is replaced only with
    /// `replaceExisting`, and only when it is a previous review export.
    public static func writeExport(_ candidates: [Candidate], to file: URL, replaceExisting: Bool = false) throws {
        try ComparisonExport.writeExportFile(
            header: exportHeader,
            rows: candidates.map {
                [$0.ns, String($0.rank), $0.person, $0.reason, $0.linkedByRules ? "yes" : "", $0.linkedToLine, $0.probability, $0.detail]
            },
            to: file, replaceExisting: replaceExisting, kind: "review file", command: "export review")
    }
}
