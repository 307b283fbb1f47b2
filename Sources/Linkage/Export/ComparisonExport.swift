import Foundation
import GRDB
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore

/// Files for measuring another linkage tool against appariement on the same inputs (bench/ runs
/// Splink on them): the SNDS side's candidate events and the cohort's valid lines, normalised as
/// the rules say, and a run's links by person.
///
/// Both sides are written with **full** normalised values — a date as a day, a diagnosis with all
/// its characters — not cut to what the rules compare (`within_days`, `prefix`): the other tool
/// chooses its own comparisons and may use more than appariement does. Formats are settled here so
/// that the comparison measures the linkage methods, not two data-cleaning routines. Nothing here
/// holds a NIR: events name their person by BEN_IDT_ANO, the cohort by NS.
public enum ComparisonExport {
    public static let candidatesFile = "candidates.csv"
    public static let cohortFile = "cohort.csv"
    public static let descriptionFile = "export.json"

    /// What an export holds, written beside the two files (`export.json`).
    public struct Description: Codable, Sendable, Equatable {
        public struct Criterion: Codable, Sendable, Equatable {
            public let column: String
            public let source: String
            public let normalisation: String
            /// The comparison appariement's rules make (`exact`, `within_days`, `prefix`) and its parameter.
            public let comparison: String
            public let parameter: Int?
        }
        public let rules: String
        public let events: String
        public let criteria: [Criterion]
        /// Extra last columns of both files: for a `finess_entity` criterion, `COLUMN_ENTITE` holds
        /// the legal entity its FINESS is compared at (the criterion's own column holds the FINESS
        /// as written: the site's, or the entity's when a cohort gives that).
        public let extraColumns: [String: String]
        /// Candidate events written (one per event and person: a stay under a pseudonym shared by
        /// twins is written once per twin).
        public let candidateRows: Int
        public let candidatePersons: Int
        /// Cohort lines written (the valid ones), and lines left out as rejected, by reason.
        public let cohortLines: Int
        public let rejected: [String: Int]
        public let datasetId: String
        public let datasetSeed: UInt64
        /// The dataset's content digest (its manifest's), naming exactly which SNDS was exported.
        public let datasetDigest: String
    }

    /// Writes `candidates.csv` (`EVENT;BEN_IDT_ANO;` then the criteria), `cohort.csv` (`NS;` then the
    /// criteria; valid lines only) and `export.json` into `folder`, all three appearing together. A
    /// `finess_entity` criterion adds a last column `COLUMN_ENTITE` to both: the legal entity.
    ///
    /// An existing file is replaced only with `replaceExisting`, and only when the folder holds a
    /// previous export (its export.json is one) and the file is not one of the inputs (the cohort,
    /// the rules, the dataset).
    public static func write(
        cohort: IndirectCohort, rules: IndirectRules, dataset: DatasetFiles, into folder: URL,
        replaceExisting: Bool = false
    ) throws -> Description {
        let previousExport = isExport(folder)
        let inputs = [cohort.file.url, URL(fileURLWithPath: rules.path)] + dataset.all
        for name in [candidatesFile, cohortFile, descriptionFile] {
            try PreviousOutput.check(
                folder.appendingPathComponent(name), replaceExisting: replaceExisting, inputs: inputs,
                isNot: "part of an export of appariement", replaces: "a previous export"
            ) { _ in previousExport }
        }
        try StagedOutputs.checkWritable(folder.appendingPathComponent(candidatesFile))
        let manifest = try DatasetVerifier.verifyForReading(
            dataset, digesting: LinkageRun.TablesRead(rules.events.tables + ["IR_BEN_R"]).names(in:))
        let database = try SNDSDatabase.openReadOnly(at: dataset.database)
        defer { try? database.close() }
        // Quasi-identifiers beside NS: the folder is the owner's alone, as a run's is.
        try StagedOutputs.createDirectory(folder, mode: 0o700)
        let staged = StagedOutputs()
        let header = rules.criteria.map(\.column)
        // A criterion compared at the FINESS legal entity gets a second column with the entity
        // (COLUMN_ENTITE), on both sides, so that the other tool knows what appariement knows.
        let entityColumns = rules.criteria.indices.filter { rules.criteria[$0].normalisation == .finessEntity }
        let extraHeader = entityColumns.map { rules.criteria[$0].column + "_ENTITE" }
        var cohortEntities: [[String]] = []

        let candidates = staged.stage(folder.appendingPathComponent(candidatesFile))
        var rows = 0
        var persons = Set<String>()
        try database.queue.inDatabase { db in
            try CriterionValues.prepare(db)
            let values =
                rules.criteria.map { c in fullValueSQL("\(rules.events.alias(of: c.source.table)).\(c.source.column)", c.normalisation) }
                + entityColumns.map { i in
                    let c = rules.criteria[i]
                    return CriterionValues.sql("\(rules.events.alias(of: c.source.table)).\(c.source.column)", .finessEntity, .exact)
                }
            // The cohort's entities by the engine's own SQL, as its join reads them.
            let entity = try db.makeStatement(sql: "SELECT " + CriterionValues.sql("x", .finessEntity, .exact) + " FROM (SELECT ? AS x)")
            cohortEntities = try cohort.subjects.map { s in
                try entityColumns.map { i in try s.values[i].flatMap { try String.fetchOne(entity, arguments: [$0]) } ?? "" }
            }
            var csv = try CSVOutput(url: candidates)
            try csv.write(["EVENT", "BEN_IDT_ANO"] + header + extraHeader)
            for select in try CandidateEvents.eventSelects(rules, years: manifest.years, values: values, db) {
                let cursor = try Row.fetchCursor(db, sql: select)
                while let row = try cursor.next() {
                    rows += 1
                    let person: String = row[0]
                    persons.insert(person)
                    // Columns 1 and 2 are the pseudonym and its rank: not exported (not needed to compare).
                    try csv.write([String(rows), person] + (0..<header.count + extraHeader.count).map { (row[3 + $0] as DatabaseValue).exportText })
                }
            }
            try csv.finish()
        }

        let lines = staged.stage(folder.appendingPathComponent(cohortFile))
        var csv = try CSVOutput(url: lines)
        try csv.write(["NS"] + header + extraHeader)
        for (s, entities) in zip(cohort.subjects, cohortEntities) { try csv.write([s.ns] + s.values.map { $0 ?? "" } + entities) }
        try csv.finish()

        let description = Description(
            rules: rules.path, events: rules.events.rawValue,
            criteria: rules.criteria.map { c in
                let (comparison, parameter): (String, Int?) =
                    switch c.comparison {
                    case .exact: ("exact", nil)
                    case .withinDays(let d): ("within_days", d)
                    case .prefix(let k): ("prefix", k)
                    }
                return .init(
                    column: c.column, source: "\(c.source.table).\(c.source.column)", normalisation: c.normalisation.rawValue,
                    comparison: comparison, parameter: parameter)
            },
            extraColumns: Dictionary(
                uniqueKeysWithValues: extraHeader.map {
                    ($0, "the legal entity (FINESS juridique) of \($0.dropLast("_ENTITE".count)), from BE_IDE_R: what finess_entity compares")
                }),
            candidateRows: rows, candidatePersons: persons.count, cohortLines: cohort.subjects.count,
            rejected: Dictionary(grouping: cohort.rejections, by: \.reason.rawValue).mapValues(\.count),
            datasetId: manifest.datasetId, datasetSeed: manifest.seed, datasetDigest: manifest.contentDigest)
        let json = staged.stage(folder.appendingPathComponent(descriptionFile))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try StagedOutputs.writeFile(try encoder.encode(description), to: json, mode: 0o600)
        try staged.commit(replacingExisting: replaceExisting)
        return description
    }

    /// The SQL giving the SNDS value as the cohort's canonical form writes it: the rules'
    /// normalisation without the comparison's cut, dates as ISO days, a FINESS as the site's
    /// (its entity goes in a column of its own).
    static func fullValueSQL(_ column: String, _ normalisation: IndirectRules.Normalisation) -> String {
        let value = CriterionValues.sql(column, normalisation == .finessEntity ? .finess : normalisation, .exact)
        return normalisation == .date ? "date(\(value) + 2440587.5)" : value
    }

    /// One link of a run: the line's NS, the person linked and the group of the link.
    public struct Link: Sendable, Equatable {
        public let ns: String
        public let person: String
        public let group: Int?
    }

    /// The links of a finished run (direct or indirect), one per NS and person, from its sealed
    /// correspondence (opened with `key`) and, for an indirect run, its results (for the group:
    /// every link of an indirect run has one, or this throws).
    public static func links(of run: URL, key: SecretKey) throws -> [Link] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: run.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LinkageError.badRun(run.path, "no such folder")
        }
        // The run's kind (summary.json), its groups (results.csv) and its links, as the run sealed them.
        try RunIntegrity.verify(run, reading: RunFolder.sealed, key: key)
        var groupOfNS: [String: Int] = [:]
        let results = run.appendingPathComponent("results.csv")
        let indirect = RunFolder.kind(of: run) == .probabiliste
        if indirect {
            for r in try Evaluation.readCSV(results, expecting: IndirectRun.resultColumns, or: [IndirectRun.resultColumnsBeforeConfidence])
            where LineStatus(rawValue: r[2]) == .found {
                guard let group = Int(r[4]) else { throw LinkageError.badRun(results.path, "line \(r[0]) is found without a group") }
                groupOfNS[r[1]] = group
            }
        }
        var seen = Set<[String]>()
        return try RunCorrespondence.read(in: run, key: key).compactMap { l in
            guard seen.insert([l.ns, l.benIdtAno]).inserted else { return nil }
            // results.csv holds the NS as written out (a formula-like NS neutralised), read back unquoted.
            let group = groupOfNS[l.ns] ?? groupOfNS[CSVOutput.isFormulaLike(l.ns) ? "'" + l.ns : l.ns]
            if indirect, group == nil {
                throw LinkageError.badRun(run.path, "a link of the sealed correspondence has no found line in results.csv")
            }
            return Link(ns: l.ns, person: l.benIdtAno, group: group)
        }
    }

    /// Whether `folder` holds a previous export: its export.json reads as one.
    static func isExport(_ folder: URL) -> Bool {
        let url = folder.appendingPathComponent(descriptionFile)
        guard let data = try? InputFile.read(url, limit: 1 << 20) else { return false }
        return (try? JSONDecoder().decode(Description.self, from: data)) != nil
    }

    /// The header of a links file: also how `--force` recognises a previous one, the only file it replaces.
    static let linksHeader = ["NS", "BEN_IDT_ANO", "GROUP"]

    /// Writes ``links(of:key:)`` as `NS;BEN_IDT_ANO;GROUP` to `file` (staged, 0600). An existing
    /// file is replaced only with `replaceExisting`, and only when it is a previous links file.
    public static func writeLinks(_ links: [Link], to file: URL, replaceExisting: Bool = false) throws {
        try writeExportFile(
            header: linksHeader, rows: links.map { [$0.ns, $0.person, $0.group.map(String.init) ?? ""] }, to: file,
            replaceExisting: replaceExisting, kind: "links file", command: "export links")
    }

    /// Writes a file an export command makes for the key holder (staged, then renamed): an existing
    /// file is replaced only with `replaceExisting`, and only when it begins with the same header,
    /// the mark of a previous file of that `kind` (`--force` never replaces another file).
    static func writeExportFile(
        header: [String], rows: [[String]], to file: URL, replaceExisting: Bool, kind: String, command: String
    ) throws {
        try PreviousOutput.check(file, replaceExisting: replaceExisting, isNot: "a \(kind) written by \(command)", replaces: "a previous \(kind)") {
            PreviousOutput.begins($0, with: header.joined(separator: ";") + "\n")
        }
        try StagedOutputs.checkWritable(file)
        let staged = StagedOutputs()
        var csv = try CSVOutput(url: staged.stage(file))
        try csv.write(header)
        for r in rows { try csv.write(r) }
        try csv.finish()
        try staged.commit(replacingExisting: replaceExisting)
    }
}

private extension DatabaseValue {
    /// The value as the export writes it: integers as digits, text as is, NULL as an empty field.
    var exportText: String {
        switch storage {
        case .null: ""
        case .int64(let i): String(i)
        case .double(let d): d == d.rounded() ? String(Int64(d)) : String(d)
        case .string(let s): s
        case .blob: ""
        }
    }
}
