import Foundation
import Reporting
import SNDSModel
import Synthesis
import TestSupport
import Testing

@testable import Linkage

/// A cascade: a registry that gives both the patient's identity and the stay is linked directly
/// first, and the lines the NIR did not find are linked indirectly on the same file's criteria
/// (`probabiliste --from-direct`). The indirect fixture's registry, given the identities of its
/// patients — some with a miscopied NIR key, some without a NIR — is linked both ways.
@Suite struct CascadeTests {
    struct Cascade {
        let cohort: URL
        let direct: URL
        let directSummary: DirectSummary
        let step: DirectStep
        let indirect: URL
        let summary: IndirectSummary
        let evaluation: Evaluation
        /// Lines given a wrong NIR key or no NIR: the direct step must pass them on.
        let spoilt: Set<Int>
    }

    static let shared: Result<Cascade, any Error> = Result { try make() }

    static let criteria = ["FINESS", "DATE_ENTREE", "DATE_SORTIE", "DIAGNOSTIC", "REGIME"]

    /// The fixture's registry with NIR and birth date instead of the year and month of birth.
    static func make() throws -> Cascade {
        let f = try IndirectFixture.shared.get()
        let folder = f.dataset.directory.appendingPathComponent("cascade-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let rows = try Dictionary(grouping: f.dataset.correspondence(), by: \.benIdtAno)
        var reader = DelimitedReader(bytes: [UInt8](try Data(contentsOf: f.cohortFile)))
        let records = try reader.readAll()
        let header = records[0].fields
        func column(_ name: String) -> Int { header.firstIndex(of: name)! }
        let personOfLine = Dictionary(uniqueKeysWithValues: f.truth.entries.map { ($0.line, $0.benIdtAno) })
        // The study's own NS header and a comment column, which the direct run maps and leaves
        // unread: the indirect step reuses both without being told.
        var lines = [(["IDENT", "NIR", "DATE_NAISSANCE", "SEXE", "DEPARTEMENT"] + criteria + ["COMMENTAIRE"]).joined(separator: ";")]
        var spoilt = Set<Int>()
        var absent = 0
        for r in records.dropFirst() {
            let values = criteria.map { r.fields[column($0)] }
            var nir = "", birth = ""
            if let person = personOfLine[r.line] ?? nil, let row = rows[person]?.first(where: { $0.validUntil == nil }) ?? rows[person]?.first {
                nir = row.ouvreurNIR.clearText
                // A third of the birth dates as YYYYMMDD: the year and month are read from it too.
                birth = r.line % 3 == 0 ? row.birthDate.compact : row.birthDate.iso
                switch r.line % 9 {
                case 0:  // a miscopied key: rejected by the direct step
                    let key = Int(nir.suffix(2))!
                    nir = String(nir.prefix(13)) + String(format: "%02d", key % 97 + 1)
                    spoilt.insert(r.line)
                case 4:  // no NIR at all
                    nir = ""
                    spoilt.insert(r.line)
                default: break
                }
            } else {
                // Absent from the SNDS: an identity nobody has.
                absent += 1
                let n = NIR(sexDigit: 1, birthYear: 1961, birthMonth: 3, birthPlace: "75056", order: 900 + absent % 99)
                nir = n.clearText
                birth = "1961-03-15"
            }
            lines.append(
                ([r.fields[column("NS")], nir, birth, r.fields[column("SEXE")], r.fields[column("DEPARTEMENT")]] + values + ["vu en consultation"])
                    .joined(separator: ";"))
        }
        let cohort = folder.appendingPathComponent("registre.csv")
        try (lines.joined(separator: "\n") + "\n").write(to: cohort, atomically: true, encoding: .utf8)
        var directOptions = DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: folder.appendingPathComponent("direct"))
        directOptions.header = HeaderMapping(names: ["NS": "IDENT"], ignored: criteria + ["COMMENTAIRE"])
        directOptions.extraction = false
        let directSummary = try DirectRun.run(directOptions, key: f.dataset.key)
        let step = try DirectStep.read(directOptions.output, key: f.dataset.key)
        var options = IndirectRun.Options(
            cohort: cohort, rules: IndirectFixture.defaultRules, dataset: f.dataset.files, output: folder.appendingPathComponent("indirect"))
        options.directStep = step
        options.extraction = false
        let summary = try IndirectRun.run(options, key: f.dataset.key, reference: IndirectFixture.reference)
        let evaluation = try Evaluation.evaluate(run: options.output, truthFile: f.truthFile, key: f.dataset.key)
        return Cascade(
            cohort: cohort, direct: directOptions.output, directSummary: directSummary, step: step, indirect: options.output, summary: summary,
            evaluation: evaluation, spoilt: spoilt)
    }

    /// The indirect step links exactly the lines the direct step did not find, at their line numbers.
    @Test func theSecondStepHasExactlyTheLinesTheFirstDidNotFind() throws {
        let c = try Self.shared.get()
        #expect(c.step.found == c.directSummary.counts.found)
        #expect(c.step.passedOn.count == c.directSummary.counts.submitted - c.directSummary.counts.found)
        #expect(c.summary.counts.submitted == c.step.passedOn.count)
        let results = try Evaluation.readCSV(c.indirect.appendingPathComponent("results.csv"), expecting: IndirectRun.resultColumns)
        let rejects = try Evaluation.readCSV(c.indirect.appendingPathComponent("rejects.csv"), expecting: RejectsCSV.columns)
        #expect(Set((results + rejects).map { Int($0[0])! }) == Set(c.step.passedOn))
        #expect(c.spoilt.isSubset(of: Set(c.step.passedOn)))
        #expect(c.spoilt.count > 100)
    }

    /// The identity is not read by the indirect step: the NIR left unread, the birth date read for
    /// the year and month only.
    @Test func theIdentityColumnsAreNotCriteria() throws {
        let c = try Self.shared.get()
        let mapping = try #require(c.summary.cohort.headerMapping)
        #expect(mapping.ignored.contains("NIR") && mapping.ignored.contains("COMMENTAIRE"))
        #expect(mapping.names["NS"] == "IDENT")
        #expect(mapping.names["ANNEE_NAISSANCE"] == "DATE_NAISSANCE" && mapping.names["MOIS_NAISSANCE"] == "DATE_NAISSANCE")
        #expect(c.summary.rules.criteria.allSatisfy { $0.column != "NIR" })
        // Every criterion read: no line rejected for an unreadable birth date part.
        #expect((c.summary.quality["ANNEE_NAISSANCE"]?.invalid ?? 1) == 0)
        #expect((c.summary.quality["ANNEE_NAISSANCE"]?.reformatted ?? 0) > 0)
    }

    /// Both steps find more than the direct step alone, and at least as many as the indirect step
    /// alone (which, on a registry this clean, may already find every findable line), at a
    /// precision that stays; the lines the NIR could not find (a wrong key, no NIR) are found on
    /// their stay.
    @Test func bothStepsTogetherFindMoreAtTheSamePrecision() throws {
        let c = try Self.shared.get()
        let f = try IndirectFixture.shared.get()
        let d = try #require(c.summary.directStep)
        #expect(d.foundInAll == c.step.found + c.summary.counts.found)
        #expect(d.foundInAll > c.step.found)
        #expect(d.foundInAll >= f.summary.counts.found)
        let e = c.evaluation
        #expect(e.byGroup[Evaluation.directGroup]?.linked == c.step.found)
        #expect(e.byGroup[Evaluation.directGroup]?.wrong == 0)
        #expect((e.precision ?? 0) >= 0.998)
        #expect((e.recall ?? 0) >= (f.evaluation.recall ?? 1))
        let results = try Evaluation.readCSV(c.indirect.appendingPathComponent("results.csv"), expecting: IndirectRun.resultColumns)
        let foundSpoilt = results.filter { c.spoilt.contains(Int($0[0])!) && $0[2] == "found" }.count
        #expect(Double(foundSpoilt) >= 0.9 * Double(c.spoilt.count), "\(foundSpoilt) of \(c.spoilt.count)")
    }

    /// One report shows both steps: the cascade's counts tie to the funnel, the whole cohort's
    /// verdict and precision are the run's and the evaluation's.
    @Test func oneReportShowsBothSteps() throws {
        let c = try Self.shared.get()
        let report = ReportBuilder(language: .fr).build(run: c.indirect, summary: .indirect(c.summary), evaluation: c.evaluation)
        let cascade = try #require(report.cascade)
        #expect(cascade.submitted == c.step.submitted && cascade.passedOn == report.outcome.submitted)
        #expect(cascade.foundDirectly == .count(c.step.found))
        #expect(cascade.foundInAll == .count(c.summary.directStep!.foundInAll))
        #expect(cascade.verdict == c.summary.directStep!.verdict)
        #expect(cascade.precision == c.evaluation.precision.map { ($0 * 10_000).rounded() / 10_000 })
        // The evaluation section is the indirect step's, tied to its funnel.
        #expect(report.evaluation?.linked == report.outcome.found)
        let html = HTMLReport(report).html
        #expect(html.contains("id=\"cascade\""))
        #expect(html.contains("data-key=\"cascade.foundInAll\"") && html.contains("data-key=\"cascade.verdict\""))
    }

    /// A cascade needs the direct run's own file, and a direct run.
    @Test func aCascadeRefusesAnotherFileOrAnIndirectRun() throws {
        let c = try Self.shared.get()
        let f = try IndirectFixture.shared.get()
        var options = IndirectRun.Options(
            cohort: f.cohortFile, rules: IndirectFixture.defaultRules, dataset: f.dataset.files,
            output: c.indirect.deletingLastPathComponent().appendingPathComponent("other"))
        options.directStep = c.step
        #expect { try IndirectRun.run(options, key: f.dataset.key, reference: IndirectFixture.reference) } throws: {
            "\($0)".contains("is not the file the direct run")
        }
        #expect(!FileManager.default.fileExists(atPath: options.output.path))
        // The same file read otherwise than the direct run read it: refused.
        options.cohort = c.cohort
        options.encoding = .latin1
        #expect { try IndirectRun.run(options, key: f.dataset.key, reference: IndirectFixture.reference) } throws: {
            "\($0)".contains("leave --encoding out")
        }
        #expect(!FileManager.default.fileExists(atPath: options.output.path))
        #expect { try DirectStep.read(c.indirect, key: f.dataset.key) } throws: { "\($0)".contains("--from-direct takes a direct run") }
        // A direct run that found every line leaves nothing to link.
        let results = try Evaluation.readCSV(c.direct.appendingPathComponent("results.csv"), expecting: DirectRun.resultColumns)
        let found = Set(results.filter { $0[2] == "found" }.map { Int($0[0])! })
        let text =
            try String(contentsOf: c.cohort, encoding: .utf8).split(separator: "\n").enumerated()
            .filter { $0.offset == 0 || found.contains($0.offset + 1) }.map { String($0.element) }.joined(separator: "\n") + "\n"
        let all = c.direct.deletingLastPathComponent().appendingPathComponent("all-found.csv")
        try text.write(to: all, atomically: true, encoding: .utf8)
        var direct = DirectRun.Options(
            cohort: all, dataset: f.dataset.files, output: c.direct.deletingLastPathComponent().appendingPathComponent("all"))
        direct.header = HeaderMapping(names: ["NS": "IDENT"], ignored: Self.criteria + ["COMMENTAIRE"])
        direct.extraction = false
        #expect(try DirectRun.run(direct, key: f.dataset.key).counts.found > 0)
        #expect { try DirectStep.read(direct.output, key: f.dataset.key) } throws: { "\($0)".contains("no line is left to link indirectly") }
    }
}
