import Foundation
import GRDB
import Hardening
import SNDSModel
import SNDSStore
import TestSupport
import Testing

@testable import Linkage

/// The export bench/ hands to Splink, and the links it scores: the candidate events are exactly the
/// engine's (the same rows, the same values once cut as the rules compare them), the cohort is the
/// valid lines in their canonical form, the links are the run's, and nothing in them is a NIR.
@Suite struct ComparisonExportTests {
    let f: IndirectFixture
    let export: URL
    let description: ComparisonExport.Description
    let rules: IndirectRules
    let cohort: IndirectCohort

    init() throws {
        f = try IndirectFixture.shared.get()
        rules = try IndirectRules.load(IndirectFixture.defaultRules, reference: IndirectFixture.reference)
        cohort = try IndirectCohort(file: CohortFile(url: f.cohortFile, columns: rules.cohortColumns), rules: rules)
        export = f.folder.deletingLastPathComponent().appendingPathComponent("export-\(UUID().uuidString)")
        description = try ComparisonExport.write(cohort: cohort, rules: rules, dataset: f.dataset.files, into: export)
    }

    func records(_ name: String) throws -> [[String]] {
        var reader = DelimitedReader(bytes: [UInt8](try Data(contentsOf: export.appendingPathComponent(name))))
        var out: [[String]] = []
        while let r = try reader.next() { out.append(r.fields) }
        return out
    }

    @Test func theCandidatesAreTheEnginesEventsWithTheirValues() throws {
        let rows = try records(ComparisonExport.candidatesFile)
        // The default rules compare FINESS at the legal entity: its entity comes in a last column.
        #expect(rows.first == ["EVENT", "BEN_IDT_ANO"] + rules.criteria.map(\.column) + ["FINESS_ENTITE"])
        #expect(rows.count - 1 == f.summary.candidates.events)
        #expect(description.candidateRows == f.summary.candidates.events)
        #expect(description.candidatePersons == Set(rows.dropFirst().map { $0[1] }).count)
        // The exported values, cut by the rules' comparisons with the engine's own SQL, are the
        // engine's candidate values: same multiset of (person, values).
        let database = try f.dataset.open()
        defer { try? database.close() }
        _ = try CandidateEvents(rules: rules, database: database, years: f.dataset.manifest.years)
        let n = rules.criteria.count
        let (onlyExported, onlyEngine) = try database.queue.inDatabase { db -> (Int, Int) in
            try db.execute(sql: "CREATE TEMP TABLE exported (person TEXT\((0..<n).map { ", r\($0)" }.joined()))")
            let insert = try db.makeStatement(sql: "INSERT INTO temp.exported VALUES (?\(String(repeating: ", ?", count: n)))")
            for r in rows.dropFirst() {
                try insert.execute(arguments: StatementArguments([r[1]] + r.dropFirst(2).prefix(n).map { $0.isEmpty ? nil : $0 }))
            }
            let cut = rules.criteria.enumerated().map { i, c in CriterionValues.sql("r\(i)", c.normalisation, c.comparison) }
            let exported =
                "SELECT person\(cut.map { ", " + $0 }.joined()), COUNT(*) FROM temp.exported GROUP BY 1\((0..<n).map { ", \($0 + 2)" }.joined())"
            let engines =
                "SELECT person\((0..<n).map { ", v\($0)" }.joined()), COUNT(*) FROM temp.candidates GROUP BY 1\((0..<n).map { ", \($0 + 2)" }.joined())"
            return (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(exported) EXCEPT \(engines))") ?? -1,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM (\(engines) EXCEPT \(exported))") ?? -1
            )
        }
        #expect(onlyExported == 0)
        #expect(onlyEngine == 0)
        // The entity column is the FINESS compared at the legal entity: some sites differ from it.
        let finess = try #require(rules.criteria.firstIndex { $0.column == "FINESS" })
        #expect(rows.dropFirst().contains { $0[2 + finess] != $0[2 + n] })
        #expect(rows.dropFirst().allSatisfy { $0[2 + n].count == 9 })
        // Full values, not cut: diagnoses keep their 4th character, dates are days.
        let diagnosis = try #require(rules.criteria.firstIndex { $0.column == "DIAGNOSTIC" })
        #expect(rows.dropFirst().contains { $0[2 + diagnosis].count > 3 })
        let entry = try #require(rules.criteria.firstIndex { $0.column == "DATE_ENTREE" })
        #expect(rows.dropFirst().allSatisfy { CalendarDate(iso: $0[2 + entry]) != nil })
    }

    @Test func theCohortIsItsValidLinesInCanonicalForm() throws {
        let rows = try records(ComparisonExport.cohortFile)
        #expect(rows.first == ["NS"] + rules.criteria.map(\.column) + ["FINESS_ENTITE"])
        #expect(rows.dropFirst().map { Array($0.prefix(1 + rules.criteria.count)) } == cohort.subjects.map { [$0.ns] + $0.values.map { $0 ?? "" } })
        #expect(description.cohortLines + description.rejected.values.reduce(0, +) == f.summary.counts.submitted)
        // Formats are settled: no M/F sex, no dotted code, no DD/MM/YYYY date left.
        let sex = try #require(rules.criteria.firstIndex { $0.column == "SEXE" })
        #expect(rows.dropFirst().allSatisfy { ["1", "2", ""].contains($0[1 + sex]) })
        #expect(!rows.dropFirst().contains { $0.joined().contains(".") || $0.joined().contains("/") })
    }

    @Test func theLinksAreTheRunsAndScoreAsTheEvaluationDoes() throws {
        let links = try ComparisonExport.links(of: f.folder, key: f.dataset.key)
        #expect(links.count == f.summary.counts.found)
        #expect(Set(links.map(\.ns)).count == links.count)
        let outcomes = try IndirectFixture.outcomes(of: f.folder, key: f.dataset.key)
        let byNS = Dictionary(uniqueKeysWithValues: links.map { ($0.ns, $0) })
        for t in f.truth.entries {
            guard let o = outcomes[t.line], o.status == "found" else { continue }
            #expect(byNS[t.ns]?.person == o.person)
            #expect(byNS[t.ns]?.group == o.group)
        }
        let right = f.truth.entries.filter { t in byNS[t.ns].map { $0.person == t.benIdtAno } ?? false }.count
        #expect(right == f.evaluation.correct)
        let file = export.appendingPathComponent("links.csv")
        try ComparisonExport.writeLinks(links, to: file)
        let attributes = try FileManager.default.attributesOfItem(atPath: file.path)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOf: file, encoding: .utf8).split(separator: "\n").count == links.count + 1)
    }

    /// A previous export is not overwritten unless asked; a links file cannot be written where no
    /// folder is, nor read from a folder that does not exist: each with its own error, nothing left.
    @Test func outputsAreReplacedOnlyWhenAsked() throws {
        #expect(throws: OutputError.exists(export.appendingPathComponent(ComparisonExport.candidatesFile).path)) {
            _ = try ComparisonExport.write(cohort: cohort, rules: rules, dataset: f.dataset.files, into: export)
        }
        let again = try ComparisonExport.write(cohort: cohort, rules: rules, dataset: f.dataset.files, into: export, replaceExisting: true)
        #expect(again == description)
        let links = try ComparisonExport.links(of: f.folder, key: f.dataset.key)
        let file = export.appendingPathComponent("links-\(UUID().uuidString).csv")
        try ComparisonExport.writeLinks(links, to: file)
        #expect(throws: OutputError.exists(file.path)) { try ComparisonExport.writeLinks(links, to: file) }
        try ComparisonExport.writeLinks(links, to: file, replaceExisting: true)
        let nowhere = export.appendingPathComponent("no-such-folder/links.csv")
        #expect(throws: OutputError.cannotReplace(nowhere.path, "No such file or directory")) { try ComparisonExport.writeLinks(links, to: nowhere) }
        #expect(!FileManager.default.fileExists(atPath: nowhere.deletingLastPathComponent().path))
        #expect(throws: LinkageError.self) { _ = try ComparisonExport.links(of: export.appendingPathComponent("no-run"), key: f.dataset.key) }
        let names = try FileManager.default.contentsOfDirectory(atPath: export.path)
        #expect(!names.contains { $0.contains(".partial-") }, "\(names)")
    }

    /// An indirect run whose results.csv lost a link's group is refused, not exported with a hole.
    @Test func aLinkWithoutItsGroupIsRefused() throws {
        let copy = export.appendingPathComponent("run-copy")
        try FileManager.default.copyItem(at: f.folder, to: copy)
        let results = copy.appendingPathComponent("results.csv")
        var lines = try String(contentsOf: results, encoding: .utf8).components(separatedBy: "\n")
        let found = try #require(lines.firstIndex { $0.split(separator: ";", omittingEmptySubsequences: false).dropFirst(2).first == "found" })
        var fields = lines[found].components(separatedBy: ";")
        fields[4] = ""
        lines[found] = fields.joined(separator: ";")
        try lines.joined(separator: "\n").write(to: results, atomically: true, encoding: .utf8)
        #expect { _ = try ComparisonExport.links(of: copy, key: f.dataset.key) } throws: { "\($0)".contains("changed after the run wrote it") }
        // Sealed again with the key, the hole is still refused by the reader itself.
        try RunIntegrity.seal(RunFolder.sealed, in: copy, key: f.dataset.key)
        #expect { _ = try ComparisonExport.links(of: copy, key: f.dataset.key) } throws: { "\($0)".contains("found without a group") }
    }

    /// bench/score.py, the scorer both arms of the Splink comparison share, agrees with `evaluate`
    /// on a real run: the same links, right and wrong, precision and recall.
    @Test func theBenchScorerAgreesWithTheEvaluation() throws {
        let links = try ComparisonExport.links(of: f.folder, key: f.dataset.key)
        let file = export.appendingPathComponent("scored-links.csv")
        try ComparisonExport.writeLinks(links, to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", IndirectFixture.checkout.appendingPathComponent("bench/score.py").path,
            "--truth", f.truthFile.path, "--links", file.path, "--score-column", "GROUP", "--lower-is-better",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let scored = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let e = f.evaluation
        #expect(scored["links"] as? Int == e.linked)
        #expect(scored["right"] as? Int == e.correct)
        #expect(scored["wrong"] as? Int == e.wrong)
        #expect(abs((scored["precision"] as? Double ?? -1) - (e.precision ?? -2)) < 1e-12)
        #expect(abs((scored["recall"] as? Double ?? -1) - (e.recall ?? -2)) < 1e-12)
        #expect(abs((scored["found_rate"] as? Double ?? -1) - e.foundRate) < 1e-12)
    }

    @Test func nothingExportedHoldsANIR() throws {
        let nirs = Set(try f.dataset.correspondence().flatMap { [$0.beneficiaryNIR.body, $0.ouvreurNIR.body] })
        #expect(!nirs.isEmpty)
        for name in [ComparisonExport.candidatesFile, ComparisonExport.cohortFile, ComparisonExport.descriptionFile] {
            let text = try String(contentsOf: export.appendingPathComponent(name), encoding: .utf8)
            // In the CSVs, no run of 13 digits at all (FINESS has 9, events and years fewer): no NIR
            // can hide. (export.json holds a hexadecimal digest, which may have such a run.)
            if name.hasSuffix(".csv") { #expect(text.range(of: "[0-9]{13}", options: .regularExpression) == nil, "\(name)") }
            #expect(!nirs.contains { text.contains($0) })
        }
    }
}
