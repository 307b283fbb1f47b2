import Foundation
import GRDB
import Linkage
import Pseudonymisation
import SNDSModel
import Synthesis
import TestSupport
import Testing

/// Direct linkage on a generated cohort whose truth comes from the clear identities: no wrong link,
/// every findable line found, every defect in its bucket, twins, people with several pseudonyms.
@Suite struct DirectLinkageTests {
    let f: DirectFixture
    init() throws { f = try DirectFixture.shared.get() }

    @Test func noNSIsEverLinkedToAWrongPerson() {
        #expect(f.evaluation.linked > 1_000)
        #expect(f.evaluation.wrong == 0)
        #expect(f.evaluation.precision == 1.0)
    }

    @Test func everyFindableValidLineIsFound() {
        #expect(f.evaluation.findable > 1_000)
        #expect(f.evaluation.findableFoundRate == 1.0)
    }

    @Test func everyLineEndsWhereItsTruthSays() {
        #expect(f.evaluation.mismatches.isEmpty, "\(f.evaluation.mismatches.prefix(5))")
        #expect(f.evaluation.asExpected == f.evaluation.lines)
    }

    /// Each defect is exercised, and lands only in the outcome it must.
    @Test(arguments: [
        ("wrong_nir_key", ["rejected"]), ("transposed_digits", ["rejected"]), ("missing_value", ["rejected"]),
        ("duplicate_ns", ["rejected"]), ("absent_from_snds", ["not_found"]), ("twin_without_rank", ["ambiguous"]),
        ("beneficiary_nir", ["found"]), ("duplicate_patient", ["found"]), ("none", ["found"]),
    ])
    func eachDefectLandsInItsBucket(defect: String, outcomes: [String]) throws {
        // A line whose NS a later line repeats is rejected with it, whatever its own defect.
        let status = try f.statusByLine()
        let repeated = f.repeatedNS
        let lines = f.truth.entries.filter { $0.defect == defect && (defect == "duplicate_ns" || !repeated.contains($0.ns)) }
        let seen = Dictionary(lines.map { (status[$0.line]!, 1) }, uniquingKeysWith: +)
        #expect(lines.count >= 5, "\(defect) is hardly exercised: \(seen)")
        #expect(Set(seen.keys).isSubset(of: outcomes), "\(defect) ended as \(seen)")
    }

    /// Rejections name the right reason: the key for a miscopied or transposed NIR, the empty
    /// field for a missing value, the repetition for a duplicated NS.
    @Test func rejectionsGiveTheirReason() throws {
        let rejects = try f.csv("rejects.csv")
        #expect(rejects.first == ["LINE", "NS", "REASON", "DETAIL"])
        var reasonOfLine: [Int: String] = [:]
        for r in rejects.dropFirst() { reasonOfLine[Int(r[0])!] = r[2] }
        for t in f.truth.entries {
            let reason = reasonOfLine[t.line]
            switch t.defect {
            case "wrong_nir_key": #expect(reason == "nir_key")
            case "transposed_digits": #expect(reason?.hasPrefix("nir_") == true)
            case "missing_value": #expect(["missing_nir", "missing_birth_date", "missing_sex"].contains(reason ?? ""))
            case "duplicate_ns": #expect(reason == "duplicate_ns")
            default: break
            }
        }
    }

    /// A patient registered twice is found on both lines, to the same person, and each line of
    /// results.csv names the other: the policy both modes share (docs/direct-linkage.md).
    @Test func aPatientUnderTwoNSIsFoundOnBothLinesEachNamingTheOther() throws {
        let results = try f.csv("results.csv").dropFirst()
        let noteOfLine = Dictionary(uniqueKeysWithValues: results.map { (Int($0[0])!, $0[3]) })
        let twice = f.truth.entries.filter { $0.defect == "duplicate_patient" && !f.repeatedNS.contains($0.ns) }
        #expect(twice.count >= 3)
        var people = Set<String>()
        for t in twice {
            // The earlier line may have been rejected since (its NS repeated by a later line).
            let others = f.truth.entries.filter { $0.benIdtAno == t.benIdtAno && $0.line != t.line && $0.expected == .found }
            if !others.isEmpty { people.insert(t.benIdtAno!) }
            for o in others {
                #expect(noteOfLine[t.line]?.contains("same person as line") == true)
                #expect(noteOfLine[t.line]?.contains(String(o.line)) == true, "line \(t.line) does not name line \(o.line)")
                #expect(noteOfLine[o.line]?.contains(String(t.line)) == true, "line \(o.line) does not name line \(t.line)")
            }
        }
        #expect(people.count >= 3)
        #expect(f.summary.people.reachedBySeveralNS >= people.count)
    }

    @Test func twinsAreResolvedWithARankAndAmbiguousWithout() throws {
        var reader = DelimitedReader(bytes: Array(f.cohortText.utf8))
        let lines = try reader.readAll()
        let rankedLines = Set(lines.dropFirst().filter { !$0.fields[4].isEmpty }.map(\.line))
        let status = try f.statusByLine()
        let ranked = f.truth.entries.filter { rankedLines.contains($0.line) && $0.expected == .found }
        #expect(ranked.count >= 5)
        #expect(ranked.allSatisfy { status[$0.line] == "found" })
        let unranked = f.truth.entries.filter { $0.defect == "twin_without_rank" && !f.repeatedNS.contains($0.ns) }
        #expect(unranked.count >= 5)
        #expect(unranked.allSatisfy { status[$0.line] == "ambiguous" })
    }

    @Test func countsReconcile() throws {
        let c = f.summary.counts
        #expect(c.submitted == f.truth.entries.count)
        #expect(c.submitted == c.rejected + c.found + c.notFound + c.ambiguous)
        #expect(c.accepted == c.found + c.notFound + c.ambiguous)
        #expect(try f.csv("results.csv").count - 1 == c.accepted)
        #expect(try f.csv("rejects.csv").count - 1 == c.rejected)
        #expect(f.summary.rejectedByReason.values.reduce(0, +) == c.rejected)
        #expect(f.summary.notFoundByReason.values.reduce(0, +) == c.notFound)
        #expect(f.evaluation.byReason["rejected"] == Dictionary(uniqueKeysWithValues: f.summary.rejectedByReason.map { ($0.key.rawValue, $0.value) }))
        #expect(
            f.evaluation.byReason["not_found"] == Dictionary(uniqueKeysWithValues: f.summary.notFoundByReason.map { ($0.key.rawValue, $0.value) }))
    }

    /// The NS of a person with several BEN_NIR_PSA receives the claims of every one of them.
    @Test func aPersonWithSeveralPseudonymsGetsTheDataOfAll() throws {
        let links = try RunCorrespondence.read(in: f.folder, key: f.dataset.key)
        let byNS = Dictionary(grouping: links, by: \.ns).filter { Set($0.value.map(\.benNirPsa)).count > 1 }
        #expect(byNS.count >= 20)
        let source = try f.dataset.open()
        let extraction = try f.extraction()
        var withClaimsUnderASecondPseudonym = 0
        for (ns, rows) in byNS {
            let perPseudonym = try source.read { db in
                try rows.map {
                    try Int.fetchOne(
                        db, sql: "SELECT COUNT(*) FROM ER_PRS_F WHERE BEN_NIR_PSA = ? AND BEN_RNG_GEM = ?", arguments: [$0.benNirPsa, $0.rank])!
                }
            }
            let delivered = try extraction.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ER_PRS_F WHERE NS = ?", arguments: [ns])! }
            #expect(delivered == perPseudonym.reduce(0, +), "NS \(ns)")
            if perPseudonym.filter({ $0 > 0 }).count > 1 { withClaimsUnderASecondPseudonym += 1 }
        }
        #expect(withClaimsUnderASecondPseudonym >= 5)
    }

    @Test func theExtractionIsKeyedByNSWithoutPseudonyms() throws {
        let extraction = try f.extraction()
        let found = Set(try f.csv("results.csv").dropFirst().filter { $0[2] == "found" }.map { $0[1] })
        try extraction.read { db in
            let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            #expect(tables.contains("ER_PRS_F") && tables.contains("IR_BEN_R") && tables.contains("KI_CCI_R"))
            #expect(tables.contains { $0.hasPrefix("T_MCO") })
            for table in tables {
                let columns = try db.columns(in: table).map(\.name)
                #expect(columns.first == "NS")
                #expect(Set(columns).isDisjoint(with: Extraction.pseudonymColumns), "\(table) has a pseudonym column")
                let nss = Set(try String.fetchAll(db, sql: "SELECT DISTINCT NS FROM \(table)"))
                #expect(nss.isSubset(of: found), "\(table) has rows for an NS that was not found")
            }
            // Every linked person's referential rows are there; detail tables hang on their lines.
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT NS) FROM IR_BEN_R") == found.count)
            let nine = [
                "FLX_DIS_DTD", "FLX_TRT_DTD", "FLX_EMT_TYP", "FLX_EMT_NUM", "FLX_EMT_ORD", "ORG_CLE_NUM",
                "DCT_ORD_NUM", "PRS_ORD_NUM", "REM_TYP_AFF",
            ].map { "d.\($0) = p.\($0)" }.joined(separator: " AND ")
            #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ER_PHA_F") ?? 0 > 0)
            #expect(
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ER_PHA_F d WHERE NOT EXISTS (SELECT 1 FROM ER_PRS_F p WHERE p.NS = d.NS AND \(nine))")
                    == 0)
            // Every stay comes with all its diagnoses and acts.
            for year in f.dataset.options.years {
                let aa = pad(year % 100, 2)
                let b = "T_MCO\(aa)B"
                #expect(try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(b)") ?? 0 > 0)
                #expect(try Int.fetchOne(db, sql: "SELECT SUM(NBR_DGN) FROM \(b)") == (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM T_MCO\(aa)D")))
                #expect(try Int.fetchOne(db, sql: "SELECT SUM(NBR_ACT) FROM \(b)") == (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM T_MCO\(aa)A")))
            }
        }
        // Extraction CSVs hold the same rows.
        let prs = try f.csv("extraction/ER_PRS_F.csv")
        #expect(prs.count - 1 == f.summary.extraction?.rows["ER_PRS_F"])
    }

    /// Every stay and death certificate of the linked people is delivered, under each NS linked to
    /// them (a patient listed twice gets them twice), except stays under a pseudonym same-sex twins
    /// share, which are counted instead.
    @Test func theExtractionHasEveryStayAndDeathOfThePeople() throws {
        let links = try RunCorrespondence.read(in: f.folder, key: f.dataset.key)
        let nsOfPseudonym = Dictionary(grouping: links, by: \.benNirPsa).mapValues { Set($0.map(\.ns)).count }
        let nsOfPerson = Dictionary(grouping: links, by: \.benIdtAno).mapValues { Set($0.map(\.ns)).count }
        #expect(nsOfPerson.values.contains { $0 > 1 }, "the fixture has no patient under two NS")
        let source = try f.dataset.open()
        let extraction = try f.extraction()
        var sourceStays = 0, deliveredStays = 0
        for year in f.dataset.options.years {
            let c = "T_MCO\(pad(year % 100, 2))C"
            sourceStays += try source.read { db in
                try String.fetchAll(db, sql: "SELECT NIR_ANO_17 FROM \(c)").reduce(0) { $0 + (nsOfPseudonym[$1] ?? 0) }
            }
            deliveredStays += try extraction.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(c)")! }
        }
        let shared = f.summary.extraction!.staysUnattributable
        #expect(deliveredStays > 50)
        #expect(deliveredStays + shared == sourceStays, "\(deliveredStays) delivered + \(shared) shared ≠ \(sourceStays)")
        let sourceDeaths = try source.read { db in
            try String.fetchAll(db, sql: "SELECT BEN_IDT_ANO FROM KI_CCI_R WHERE BEN_IDT_ANO IS NOT NULL").reduce(0) { $0 + (nsOfPerson[$1] ?? 0) }
        }
        #expect(sourceDeaths > 0)
        #expect(try extraction.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM KI_CCI_R")! } == sourceDeaths)
    }

    /// One patient listed under two NS: both NS are linked to the person and receive the same data.
    @Test func twoNSForOnePersonBothReceiveTheData() throws {
        let entry = try f.dataset.correspondence().first { $0.cover == .ownRights }!
        let line = "\(entry.ouvreurNIR.clearText);\(entry.birthDate.iso);\(entry.sex.code)"
        let folder = f.folder.deletingLastPathComponent().appendingPathComponent("twice-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cohort = folder.appendingPathComponent("twice.csv")
        try "NS;NIR;DATE_NAISSANCE;SEXE\nFIRST;\(line)\nSECOND;\(line)\n".write(to: cohort, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("run")
        let summary = try DirectRun.run(DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: run), key: f.dataset.key)
        #expect(summary.counts.found == 2 && summary.people.linked == 1 && summary.people.reachedBySeveralNS == 1)
        var configuration = Configuration()
        configuration.readonly = true
        let extraction = try DatabaseQueue(path: run.appendingPathComponent("extraction.sqlite").path, configuration: configuration)
        let counts = try extraction.read { db in
            try ["FIRST", "SECOND"].map { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ER_PRS_F WHERE NS = ?", arguments: [$0])! }
        }
        #expect(counts[0] == counts[1])
    }

    /// --force replaces a previous run, never a folder of other files.
    @Test func forceReplacesOnlyARun() throws {
        let folder = f.folder.deletingLastPathComponent().appendingPathComponent("force-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "mine".write(to: folder.appendingPathComponent("thesis.txt"), atomically: true, encoding: .utf8)
        var options = DirectRun.Options(cohort: f.cohortFile, dataset: f.dataset.files, output: folder)
        options.replaceExisting = true
        options.extraction = false
        #expect(throws: (any Error).self) { try DirectRun.run(options, key: f.dataset.key) }
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("thesis.txt").path))
        options.output = folder.appendingPathComponent("run")
        _ = try DirectRun.run(options, key: f.dataset.key)
        _ = try DirectRun.run(options, key: f.dataset.key)
        options.replaceExisting = false
        #expect(throws: (any Error).self) { try DirectRun.run(options, key: f.dataset.key) }
    }

    /// The same cohort with its birth dates written as Excel (`4/1/1970`), R and pandas
    /// (`1970-01-04 00:00:00`), SAS (`04JAN1970`) and a hospital export with a time write them:
    /// every line ends as it did, none rejected for its date.
    @Test func birthDatesAsToolsWriteThemLinkAsBefore() throws {
        let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]
        var reader = DelimitedReader(bytes: Array(f.cohortText.utf8))
        let rows = try reader.readAll().map(\.fields)
        let column = try #require(rows[0].firstIndex(of: "DATE_NAISSANCE"))
        var rewritten = 0
        let lines = rows.enumerated().map { index, row -> String in
            var fields = row
            if index > 0, column < fields.count, case .date(let d) = DateLayouts.read(fields[column]) {
                fields[column] =
                    [
                        "\(d.day)/\(d.month)/\(d.year)", "\(d.iso) 00:00:00", String(format: "%02d%@%d", d.day, months[d.month - 1], d.year),
                        "\(String(format: "%02d/%02d", d.day, d.month))/\(d.year) 00:00",
                    ][index % 4]
                rewritten += 1
            }
            return fields.joined(separator: ";")
        }
        #expect(rewritten > 1_000)
        let (folder, summary, results) = try relink(lines, as: "layouts")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(summary.counts.found == f.summary.counts.found)
        #expect(summary.rejectedByReason == f.summary.rejectedByReason)
        #expect(results.map { $0[2] } == (try f.csv("results.csv")).dropFirst().map { $0[2] })
    }

    /// The fixture's cohort rewritten as `lines`, linked again without extraction: the run's
    /// folder (for the caller to remove), summary and results.csv's records.
    private func relink(_ lines: [String], as name: String) throws -> (folder: URL, summary: DirectSummary, results: [[String]]) {
        let folder = f.folder.deletingLastPathComponent().appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cohort = folder.appendingPathComponent("cohort.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: cohort, atomically: true, encoding: .utf8)
        var options = DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.extraction = false
        let summary = try DirectRun.run(options, key: f.dataset.key)
        var reader = DelimitedReader(bytes: [UInt8](try Data(contentsOf: options.output.appendingPathComponent("results.csv"))))
        return (folder, summary, try reader.readAll().dropFirst().map(\.fields))
    }

    /// The same cohort with its NIRs as hospital systems hold them: the 13 positions alone, the
    /// key in a column of its own, groups separated by dots and a dash. Every line ends as it did;
    /// those without a key are counted and flagged, since no key checked them.
    @Test func nirsWithoutKeyOrSplitOrDottedLinkAsBefore() throws {
        var reader = DelimitedReader(bytes: Array(f.cohortText.utf8))
        let rows = try reader.readAll().map(\.fields)
        let column = try #require(rows[0].firstIndex(of: "NIR"))
        var unkeyed = Set<Int>()
        // Lines found through the patient's own NIR keep a key: that path is not tried unchecked.
        let ownPath = Set(try f.csv("results.csv").dropFirst().filter { $0[3].contains("own NIR") }.map { Int($0[0])! })
        #expect(!ownPath.isEmpty)
        var lines = [(rows[0] + ["CLE_NIR"]).joined(separator: ";")]
        for (index, row) in rows.enumerated().dropFirst() {
            var fields = row, key = ""
            if column < fields.count, let (nir, keyGiven) = try? NIR.read(fields[column]), keyGiven {
                let t = Array(nir.clearText)
                switch ownPath.contains(index + 1) ? 2 : index % 3 {
                case 0:
                    fields[column] = String(t[0..<13])
                    unkeyed.insert(index + 1)
                case 1:
                    // As a spreadsheet keeps a key column of numbers: `5` for `05`.
                    fields[column] = String(t[0..<13])
                    key = String(Int(String(t[13...]))!)
                default:
                    fields[column] =
                        [t[0..<1], t[1..<3], t[3..<5], t[5..<7], t[7..<10], t[10..<13]].map { String($0) }.joined(separator: ".")
                        + "-" + String(t[13...])
                }
            }
            lines.append((fields + [key]).joined(separator: ";"))
        }
        #expect(unkeyed.count > 300)
        let (folder, summary, results) = try relink(lines, as: "nirs")
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(summary.counts.found == f.summary.counts.found)
        #expect(summary.rejectedByReason == f.summary.rejectedByReason)
        // Counted among the accepted lines (a line rejected for its birth date is not linked at all).
        #expect(summary.nirWithoutKey == results.filter { unkeyed.contains(Int($0[0])!) }.count)
        #expect(results.map { $0[2] } == (try f.csv("results.csv")).dropFirst().map { $0[2] })
        let flagged = Set(results.filter { $0[3].contains("NIR without its key") }.map { Int($0[0])! })
        #expect(flagged == Set(results.filter { unkeyed.contains(Int($0[0])!) }.map { Int($0[0])! }))
        #expect(!flagged.isEmpty)
        // A patient found through their own NIR is not found through it unchecked (no key): a
        // miscopied digit would reach someone else on sex, year and month alone.
        let ownLine = try #require(rows.dropFirst().enumerated().first { ownPath.contains($0.offset + 2) }?.element)
        var bare = ownLine
        bare[column] = String(try NIR.read(ownLine[column]).nir.body)
        let unchecked = folder.appendingPathComponent("unchecked.csv")
        try (rows[0].joined(separator: ";") + "\n" + bare.joined(separator: ";") + "\n").write(to: unchecked, atomically: true, encoding: .utf8)
        var uncheckedOptions = DirectRun.Options(cohort: unchecked, dataset: f.dataset.files, output: folder.appendingPathComponent("unchecked"))
        uncheckedOptions.extraction = false
        let alone = try DirectRun.run(uncheckedOptions, key: f.dataset.key)
        #expect(alone.counts.notFound == 1 && alone.foundByOwnNIR == 0)
        // The key column's digits never complete a short NIR: 11 positions and a key are rejected.
        let short = folder.appendingPathComponent("short.csv")
        let read = rows.dropFirst().lazy.compactMap { $0.count > column ? try? NIR.read($0[column]) : nil }
        let t = Array(try #require(read.first).nir.clearText)
        let line = "A1;\(String(t[0..<11]));\(String(t[11..<13]));1970-01-01;1"
        try "NS;NIR;CLE_NIR;DATE_NAISSANCE;SEXE\n\(line)\n".write(to: short, atomically: true, encoding: .utf8)
        let file = try CohortFile(url: short, columns: DirectCohort.columns)
        #expect(try DirectCohort(file: file, today: .today).rejections.map(\.reason) == [.nirLength])
    }

    /// The cohort's lines come from clear identities only: the same dataset seed, cohort seed and
    /// profile give the same file under another key (only the truth's BEN_IDT_ANO change).
    @Test func theCohortDoesNotDependOnTheKey() throws {
        let other = try GeneratedDataset.make(size: f.dataset.options.beneficiaries, seed: f.dataset.options.seed, key: .random())
        defer { try? FileManager.default.removeItem(at: other.directory) }
        let profile = try DirectFixture.profile(in: other.directory)
        let a = try DirectCohortGenerator(correspondence: f.dataset.correspondence(), profile: profile).make(size: 300, seed: 4)
        let b = try DirectCohortGenerator(correspondence: other.correspondence(), profile: profile).make(size: 300, seed: 4)
        #expect(a.csv == b.csv)
        #expect(a.truth.entries.map(\.expected) == b.truth.entries.map(\.expected))
        #expect(a.truth.entries.map(\.benIdtAno) != b.truth.entries.map(\.benIdtAno))
        let c = try DirectCohortGenerator(correspondence: f.dataset.correspondence(), profile: profile).make(size: 300, seed: 5)
        #expect(a.csv != c.csv)
    }
}

/// A run's files edited by hand: the seal (integrity.json) names the file changed; figures that do
/// not reconcile are refused even when the seal was made again; a status the tool never writes is
/// refused, named by its line, even in a file sealed again.
@Suite struct EditedRunTests {
    /// A copy of the shared direct run, removed by the caller.
    static func copy(_ f: DirectFixture) throws -> URL {
        let copy = f.folder.deletingLastPathComponent().appendingPathComponent("edited-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: f.folder, to: copy)
        return copy
    }

    @Test func anEditedResultsFileIsNamedByTheSeal() throws {
        let f = try DirectFixture.shared.get()
        let copy = try Self.copy(f)
        defer { try? FileManager.default.removeItem(at: copy) }
        let truth = copy.appendingPathComponent("truth.csv")
        try f.truth.text.write(to: truth, atomically: true, encoding: .utf8)
        // Untouched, the run verifies with its key and without.
        #expect(try RunIntegrity.verify(copy, reading: RunFolder.sealed, key: f.dataset.key) == .authenticated)
        #expect(try RunIntegrity.verify(copy, reading: RunFolder.sealed, key: nil) == .digestsOnly)
        let results = copy.appendingPathComponent(RunFolder.results)
        let text = try String(contentsOf: results, encoding: .utf8)
        try text.replacingOccurrences(of: ";not_found;", with: ";found;").write(to: results, atomically: true, encoding: .utf8)
        #expect {
            _ = try Evaluation.evaluate(run: copy, truthFile: truth, key: f.dataset.key)
        } throws: { error in
            guard case LinkageError.runAltered(let path, let why) = error else { return false }
            return path == results.path && why.contains("changed after the run wrote it") && (error as? LinkageError)?.exitStatus == .integrity
        }
        // A seal made again without the key does not verify with it.
        try RunIntegrity.seal(RunFolder.sealed, in: copy, key: SecretKey.random())
        #expect(throws: LinkageError.self) { try RunIntegrity.verify(copy, reading: RunFolder.sealed, key: f.dataset.key) }
    }

    @Test func figuresThatDoNotReconcileAreRefusedWhateverTheSeal() throws {
        let f = try DirectFixture.shared.get()
        let copy = try Self.copy(f)
        defer { try? FileManager.default.removeItem(at: copy) }
        let summaryURL = copy.appendingPathComponent(RunFolder.summary)
        var summary = try DirectSummary.read(from: copy)
        #expect(summary.figuresProblem == nil)
        // "2,000 % found": the count and the rate raised together, the funnel no longer adds up.
        summary.counts.found *= 20
        summary.counts.foundRate *= 20
        try FileManager.default.removeItem(at: summaryURL)
        try summary.write(to: summaryURL)
        try RunIntegrity.seal(RunFolder.sealed, in: copy, key: f.dataset.key)
        #expect { _ = try RunSummary.read(from: copy) } throws: { "\($0)".contains("its figures do not reconcile") }

        var evaluation = try Evaluation.evaluate(
            run: f.folder,
            truthFile: { () throws -> URL in
                let truth = copy.appendingPathComponent("truth.csv")
                try f.truth.text.write(to: truth, atomically: true, encoding: .utf8)
                return truth
            }(), key: f.dataset.key)
        #expect(evaluation.figuresProblem == nil)
        evaluation.precision = -7.5
        #expect(evaluation.figuresProblem?.contains("precision is -7.5") == true)
    }

    @Test func anUnknownStatusInResultsIsRefused() throws {
        let f = try DirectFixture.shared.get()
        let copy = f.folder.deletingLastPathComponent().appendingPathComponent("edited-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: f.folder, to: copy)
        defer { try? FileManager.default.removeItem(at: copy) }
        let results = copy.appendingPathComponent(RunFolder.results)
        var lines = try String(contentsOf: results, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var fields = lines[1].split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        fields[2] = "maybe"
        lines[1] = fields.joined(separator: ";")
        try lines.joined(separator: "\n").write(to: results, atomically: true, encoding: .utf8)
        // Sealed again with the key: the reader's own check is what refuses it.
        try RunIntegrity.seal(RunFolder.sealed, in: copy, key: f.dataset.key)
        let truth = copy.appendingPathComponent("truth.csv")
        try f.truth.text.write(to: truth, atomically: true, encoding: .utf8)
        #expect(throws: LinkageError.badRun(results.path, "line \(fields[0]) has an unknown status")) {
            _ = try Evaluation.evaluate(run: copy, truthFile: truth, key: f.dataset.key)
        }
    }
}

/// summary.json keeps its layout when its values are enums: dictionaries keyed by a reason are JSON
/// objects keyed by the reason's code, kinds and verdicts are their codes.
@Suite struct SummaryLayoutTests {
    private func object(_ url: URL) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    @Test func aDirectSummaryKeysItsReasonsByCode() throws {
        let f = try DirectFixture.shared.get()
        let json = try object(f.folder.appendingPathComponent(RunFolder.summary))
        #expect(json["kind"] as? String == "direct")
        let rejected = try #require(json["rejectedByReason"] as? [String: Int])
        #expect(!rejected.isEmpty && rejected.keys.allSatisfy { RejectionReason(rawValue: $0) != nil }, "\(rejected)")
        let notFound = try #require(json["notFoundByReason"] as? [String: Int])
        #expect(!notFound.isEmpty && Set(notFound.keys).isSubset(of: NotFoundReason.Code.allCases.map(\.rawValue)), "\(notFound)")
        #expect(rejected.values.reduce(0, +) == f.summary.counts.rejected)
    }

    @Test func anIndirectSummaryKeysItsReasonsByCode() throws {
        let f = try IndirectFixture.shared.get()
        let json = try object(f.folder.appendingPathComponent(RunFolder.summary))
        #expect(json["kind"] as? String == "probabiliste")
        #expect(json["verdict"] as? String == f.summary.verdict.rawValue)
        let excluded = try #require(json["excludedByReason"] as? [String: Int])
        #expect(!excluded.isEmpty && Set(excluded.keys).isSubset(of: IndirectEngine.Exclusion.allCases.map(\.rawValue)), "\(excluded)")
        #expect(excluded.values.reduce(0, +) == f.summary.counts.excluded)
    }
}
