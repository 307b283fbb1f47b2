import Foundation
import Linkage
import SNDSModel
import SNDSStore
import TestSupport
import Testing

@testable import Reporting

/// Reports of real runs on generated data: the page and its JSON twin say the same, they say what
/// the run did, and they never show a small count or an identifier.
@Suite struct ReportTests {
    static func fixture() throws -> ReportFixture { try ReportFixture.shared.get() }

    static func json(_ run: ReportFixture.Run) throws -> Any { try JSONSerialization.jsonObject(with: run.json) }

    @Test(arguments: ["direct", "indirect"])
    func everyFigureOfThePageAgreesWithTheJSON(kind: String) throws {
        let f = try Self.fixture()
        let run = kind == "direct" ? f.direct : f.indirect
        let json = try Self.json(run)
        let figures = ReportFigures.figures(inHTML: run.html)
        #expect(figures.count > 40, "only \(figures.count) figures on the page")
        let labels = ReportLabels(ReportBuilder.Language(rawValue: run.report.language)!)
        let disagreements = figures.compactMap { ReportFigures.disagreement($0, json: json, language: run.report.language, labels: labels) }
        #expect(disagreements.isEmpty, "\(disagreements.prefix(10))")
        // And the other way: every count of the JSON is on the page.
        let shown = Set(figures.map(\.key))
        let missing = ReportFigures.countCells(in: json).map(\.key).filter { !shown.contains($0) }
        #expect(missing.isEmpty, "counts of the JSON not on the page: \(missing.prefix(10))")
    }

    @Test func theReportSaysWhatTheRunDid() throws {
        let f = try Self.fixture()
        for run in [f.direct, f.indirect] {
            let r = run.report
            let summary = try RunSummary.read(from: run.folder)
            let (submitted, found, rejected): (Int, Int, Int) =
                switch summary {
                case .direct(let s): (s.counts.submitted, s.counts.found, s.counts.rejected)
                case .indirect(let s): (s.counts.submitted, s.counts.found, s.counts.rejected)
                }
            #expect(r.outcome.submitted == submitted)
            #expect(r.funnel.first { $0.key == "found" }!.count.value.map { $0 == found } ?? true)
            #expect(r.funnel.first { $0.key == "rejected" }!.count.value.map { $0 == rejected } ?? true)
            // A direct run has no threshold unless one is asked for (report --threshold): no verdict.
            if case .direct = summary {
                #expect(r.outcome.threshold == nil && r.outcome.verdict == nil)
            } else {
                #expect(r.outcome.verdict == (Double(found) / Double(submitted) >= r.outcome.threshold! ? .success : .failure))
            }
            // At this size the headline is shown, and the evaluation is the run's.
            #expect(
                r.outcome.found == .count(found),
                "funnel \(r.funnel.map { "\($0.key) \($0.count)" }), groups \(r.groups?.map { "\($0.linked)" } ?? [])"
            )
            #expect(r.evaluation?.precision == run.evaluation.precision.map { ($0 * 10_000).rounded() / 10_000 })
            #expect(r.evaluation?.wrongLinks.count == run.evaluation.mismatches.filter { $0.actual == "found_wrong_person" }.count)
            // Each bias table covers the whole cohort once.
            for table in [r.bias.sex, r.bias.ageBand] {
                let lines = table.compactMap(\.lines.value)
                if lines.count == table.count { #expect(lines.reduce(0, +) == submitted) }
                // The team's report merges no category: each is shown as it is.
                #expect(table.allSatisfy { $0.members == nil && $0.lines.value != nil })
            }
        }
        // The indirect run: its groups add up to what it found, and its criteria are all measured.
        let r = f.indirect.report
        #expect(r.groups?.compactMap(\.linked.value).reduce(0, +) ?? 0 <= r.outcome.found.value ?? .max)
        #expect(r.groups?.last?.cumulative == r.outcome.found)
        #expect(r.discriminance?.count == 9)
        #expect(r.bias.departementColumn == "DEPARTEMENT")
        // By region, not département: every row a region of INSEE's, the overseas together, or unknown;
        // each rate with its interval, which holds it, and a region flagged only when it leaves out the overall rate.
        let regions = try #require(r.bias.region)
        #expect(r.bias.departement.isEmpty && regions.count >= 5 && regions.count <= 20)
        #expect(regions.allSatisfy { Regions.names[$0.category] != nil || [Regions.overseas, CohortProfile.unknown].contains($0.category) })
        #expect(regions.map { $0.lines.value ?? 0 }.reduce(0, +) == r.outcome.submitted)
        let overall = try #require(r.bias.overallLinkedRate)
        for row in regions + r.bias.sex + r.bias.ageBand {
            guard let rate = row.linkedRate, let ci = row.linkedRateInterval else { continue }
            #expect(ci[0] <= rate + 1e-4 && rate <= ci[1] + 1e-4, "\(row.category)")
            // (Bounds within rounding of the overall rate say nothing either way.)
            guard abs(ci[1] - overall) > 1e-3, abs(ci[0] - overall) > 1e-3 else { continue }
            let expected: LinkageReport.Differs? =
                row.category == CohortProfile.unknown ? nil : ci[1] < overall ? .below : ci[0] > overall ? .above : nil
            #expect(row.differs == expected, "\(row.category): \(ci) against \(overall)")
        }
        #expect(r.provenance.rules?.sha256 == FileDigest.sha256(of: ReportFixture.defaultRules))
        // The direct cohort has a département only when its file gives one.
        #expect(f.direct.report.bias.departementColumn == nil)
        #expect(f.direct.report.quality.map(\.column).starts(with: ["NS", "NIR", "DATE_NAISSANCE", "SEXE"]))
    }

    @Test func noClearIdentifierReachesAReport() throws {
        let f = try Self.fixture()
        let cohort = try String(contentsOf: f.direct.cohortFile, encoding: .utf8)
        let nirs = cohort.split(separator: "\n").dropFirst().compactMap { line -> String? in
            let fields = line.split(separator: ";", omittingEmptySubsequences: false)
            guard fields.count > 1 else { return nil }
            let nir = fields[1].replacingOccurrences(of: " ", with: "")
            return nir.count >= 13 ? String(nir.prefix(13)) : nil
        }
        #expect(nirs.count > 1_000)
        for run in [f.direct, f.indirect] {
            let texts = [run.html, String(decoding: run.json, as: UTF8.self)]
            for text in texts {
                let leaked = nirs.filter { text.contains($0) }
                #expect(leaked.isEmpty, "\(leaked.count) NIR bodies in \(run.folder.lastPathComponent)'s report")
            }
            // Report files are private, like the run's other files.
            for name in [LinkageReport.htmlFile, LinkageReport.jsonFile] {
                let mode = try FileManager.default.attributesOfItem(atPath: run.folder.appendingPathComponent(name).path)[.posixPermissions] as? Int
                #expect(mode == 0o600)
            }
        }
    }

    @Test func theSmallCellRuleHoldsOnATinyCohort() throws {
        let f = try Self.fixture()
        let folder = f.dataset.directory.appendingPathComponent("tiny-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tinyDirect = try ReportFixture.directRun(f.dataset, size: 40, seed: 3, in: folder, name: "tiny-direct")
        let tinyIndirect = try ReportFixture.indirectRun(f.dataset, size: 30, seed: 4, in: folder, name: "tiny-indirect")
        var hidden = 0
        for run in [tinyDirect, tinyIndirect] {
            let json = try Self.json(run)
            let k = run.report.smallCellThreshold
            #expect(k == 10)
            for (key, value) in ReportFigures.countCells(in: json) {
                if let n = (value as? NSNumber)?.intValue {
                    #expect(n == 0 || n >= k, "\(key) = \(n) in \(run.folder.lastPathComponent)")
                } else {
                    #expect(["<10", "masked"].contains(value as? String), "\(key) = \(value)")
                    hidden += 1
                }
            }
            // The page shows no count of 1 to 9 either.
            for figure in ReportFigures.figures(inHTML: run.html) where figure.format == "count" {
                if let n = ReportFigures.number(figure.text, language: run.report.language) {
                    #expect(n == 0 || n >= Double(k), "\(figure.key) shows \(figure.text)")
                }
            }
            // Bias categories below the threshold are merged, never shown on their own.
            let b = run.report.bias
            for row in b.sex + b.ageBand + b.departement + (b.region ?? []) {
                #expect((row.lines.value ?? k) >= k, "\(row.category) has \(row.lines)")
            }
            // No hidden count can be worked out by one subtraction, within a table or across tables.
            for (name, members) in Self.sums(in: run.report) {
                let derived = Self.derivable(members)
                #expect(derived == nil || derived == 0 || derived! >= k, "\(name) in \(run.folder.lastPathComponent): \(members)")
            }
        }
        #expect(hidden > 0, "a cohort of 30 to 40 lines must have small counts to hide")

        // With a threshold of 1 nothing is hidden: the rule, not the data, hid those counts.
        let unprotected = ReportBuilder(smallCellThreshold: 1, audience: .public).build(
            run: tinyDirect.folder, summary: try .read(from: tinyDirect.folder),
            evaluation: tinyDirect.evaluation)
        #expect(unprotected.funnel.allSatisfy { $0.count.value != nil })
        #expect((unprotected.bias.sex + unprotected.bias.ageBand).allSatisfy { $0.linked.value != nil && $0.notLinked.value != nil })
    }

    /// For the team that holds the run (the default), no count of the cohort's lines is hidden —
    /// results.csv gives each line's outcome — while candidates (SNDS people outside the cohort)
    /// stay under the rule; for readers beyond it, no list of lines appears beside hidden counts.
    @Test func theTeamSeesItsLineCountsAndThePublicNoListOfLines() throws {
        let f = try Self.fixture()
        let folder = f.dataset.directory.appendingPathComponent("team-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let runs = [
            try ReportFixture.directRun(f.dataset, size: 40, seed: 3, in: folder, name: "team-direct", audience: .team),
            try ReportFixture.indirectRun(f.dataset, size: 30, seed: 4, in: folder, name: "team-indirect", audience: .team),
        ]
        for run in runs {
            let json = try Self.json(run)
            for (key, value) in ReportFigures.countCells(in: json) {
                #expect(value is NSNumber, "\(key) = \(value) hidden in the team's report")
            }
            #expect(run.report.audience == .team)
            #expect(run.report.bias.sex.allSatisfy { $0.members == nil }, "no category merged for the team")
            #expect(run.html.contains("--audience public"))
        }
        // Candidates are SNDS people the team holds no file of: small ones hidden all the same.
        let candidates = runs[1].report.configurations?.compactMap(\.candidates) ?? []
        #expect(!candidates.isEmpty)
        #expect(candidates.allSatisfy { ($0.value ?? 10) == 0 || ($0.value ?? 10) >= 10 })
        // Beyond the team: the same run, without its lists of lines.
        let wide = ReportBuilder(audience: .public).build(
            run: f.direct.folder, summary: try .read(from: f.direct.folder), evaluation: f.direct.evaluation)
        #expect(wide.severalNS == nil && wide.evaluation?.wrongLinks.isEmpty == true)
        let team = ReportBuilder(audience: .team).build(
            run: f.direct.folder, summary: try .read(from: f.direct.folder), evaluation: f.direct.evaluation)
        #expect(team.severalNS != nil)
    }

    /// The sums a reader can form from a report's tables (a total and its parts), rebuilt from the
    /// report alone, independently of the builder's own equations.
    static func sums(in r: LinkageReport) -> [(String, [Cell])] {
        let stage = Dictionary(uniqueKeysWithValues: r.funnel.map { ($0.key, $0.count) })
        let submitted = Cell.count(r.outcome.submitted)
        var out: [(String, [Cell])] = [
            ("submitted = rejected + accepted", [submitted, stage["rejected"]!, stage["accepted"]!]),
            ("submitted = found + not linked", [submitted, stage["found"]!, stage["not_linked"]!]),
            ("rejected = its reasons", [stage["rejected"]!] + r.rejections.map(\.count)),
        ]
        if r.run.kind == .direct {
            out.append(("accepted = found + not found + ambiguous", [stage["accepted"]!, stage["found"]!, stage["not_found"]!, stage["ambiguous"]!]))
            out.append(("not found = its reasons", [stage["not_found"]!] + r.exclusions.filter { $0.reason != "ambiguous" }.map(\.count)))
            let fieldCount = r.rejections.first { $0.reason == "field_count" }?.count ?? .count(0)
            out.append(("rejected = per column + field count", [stage["rejected"]!, fieldCount] + r.quality.map(\.rejected)))
        } else {
            let groups = r.funnel.filter { $0.group != nil }.map(\.count)
            out.append(("accepted = groups + excluded", [stage["accepted"]!, stage["excluded"]!] + groups))
            out.append(("found = groups", [stage["found"]!] + groups))
            out.append(("excluded = its reasons", [stage["excluded"]!] + r.exclusions.map(\.count)))
            let invalid = r.rejections.first { $0.reason == "invalid_value" }?.count ?? .count(0)
            out.append(("invalid values = per column", [invalid] + r.quality.map(\.rejected)))
            // The weighted group has no configuration.
            for g in r.groups ?? [] where g.weighted != true {
                out.append(
                    ("group \(g.group) = its configurations", [g.linked] + (r.configurations ?? []).filter { $0.group == g.group }.map(\.linked)))
            }
        }
        for (name, table) in [("sex", r.bias.sex), ("age", r.bias.ageBand), ("département", r.bias.departement), ("region", r.bias.region ?? [])]
        where !table.isEmpty {
            out.append(("\(name): lines", [submitted] + table.map(\.lines)))
            out.append(("\(name): linked", [stage["found"]!] + table.map(\.linked)))
            out.append(("\(name): not linked", [stage["not_linked"]!] + table.map(\.notLinked)))
            for row in table { out.append(("\(name) \(row.category)", [row.lines, row.linked, row.notLinked])) }
        }
        if let e = r.evaluation {
            out.append(("found = right + wrong", [stage["found"]!, e.correct, e.wrong]))
            for g in e.groups { out.append(("group \(g.group) = right + wrong", [g.linked, g.correct, g.wrong])) }
        }
        return out
    }

    /// What a reader works out from a sum (total first, then its parts) with exactly one count
    /// hidden: the total less the parts shown, or the sum of the parts; nil when it cannot.
    static func derivable(_ members: [Cell]) -> Int? {
        let hidden = members.indices.filter { members[$0].value == nil }
        guard hidden.count == 1 else { return nil }
        let shownParts = members.dropFirst().compactMap(\.value).reduce(0, +)
        return hidden[0] == 0 ? shownParts : members[0].value! - shownParts
    }

    /// Many tiny cohorts: the small-cell rule holds across the whole report whatever the draw.
    @Test func theSmallCellRuleHoldsAcrossTablesOnManyTinyCohorts() throws {
        let f = try Self.fixture()
        let folder = f.dataset.directory.appendingPathComponent("tiny-many-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for seed in UInt64(30)..<36 {
            let runs = [
                try ReportFixture.directRun(f.dataset, size: 20 + Int(seed % 4) * 15, seed: seed, in: folder, name: "d\(seed)"),
                try ReportFixture.indirectRun(f.dataset, size: 20 + Int(seed % 4) * 15, seed: seed, in: folder, name: "i\(seed)"),
            ]
            for run in runs {
                let r = run.report, k = r.smallCellThreshold
                for (name, members) in Self.sums(in: r) {
                    let derived = Self.derivable(members)
                    #expect(derived == nil || derived == 0 || derived! >= k, "seed \(seed) \(r.run.kind): \(name): \(members)")
                }
                // Differences a reader can take are not small either: lines with a candidate less
                // the links of a configuration.
                for c in r.configurations ?? [] {
                    if let matched = c.linesMatched.value, let linked = c.linked.value {
                        #expect(matched - linked == 0 || matched - linked >= k, "configuration \(c.id): \(matched) − \(linked)")
                    }
                }
                // A group's rates are hidden with its count (its cumulative recall would give it back).
                for g in r.evaluation?.groups ?? [] where g.linked.value == nil {
                    #expect(g.precision == nil && g.cumulativeRecall == nil)
                }
                if r.outcome.found.value == nil { #expect(r.evaluation?.foundRate == nil) }
            }
        }
    }

    @Test func bothLanguagesCarryTheSameFigures() throws {
        let f = try Self.fixture()
        let summary = try RunSummary.read(from: f.indirect.folder)
        let date = Date(timeIntervalSince1970: 1_800_000_000)
        let fr = ReportBuilder(language: .fr, audience: .public, createdAt: date).build(
            run: f.indirect.folder, summary: summary, evaluation: f.indirect.evaluation)
        var en = ReportBuilder(language: .en, audience: .public, createdAt: date).build(
            run: f.indirect.folder, summary: summary, evaluation: f.indirect.evaluation)
        #expect(en.language == "en")
        en.language = "fr"
        #expect(en == fr)
        let frPage = HTMLReport(fr).html, enPage = HTMLReport(en.withLanguage("en")).html
        #expect(frPage.contains("Entonnoir") && frPage.contains("lang=\"fr\""))
        #expect(enPage.contains("Funnel") && enPage.contains("lang=\"en\""))
        #expect(ReportFigures.figures(inHTML: frPage).map(\.key) == ReportFigures.figures(inHTML: enPage).map(\.key))
        #expect(frPage.contains("Projection sur un SNDS plus grand") && enPage.contains("Projection to a larger SNDS"))
    }

    /// One patient under several NS: the report lists the lines of each such person, as the
    /// summary has them, in both modes (the indirect fixture's registry holds patients twice).
    @Test func theReportListsThePatientsUnderSeveralNS() throws {
        let f = try Self.fixture()
        for run in [f.direct, f.indirect] {
            let people: PeopleCounts =
                switch try RunSummary.read(from: run.folder) {
                case .direct(let s): s.people
                case .indirect(let s): s.people
                }
            let listed = try #require(run.report.severalNS)
            #expect(listed.people == people.reachedBySeveralNS)
            #expect(listed.linesOfPeople == Array((people.linesOfPeopleWithSeveralNS ?? []).prefix(LinkageReport.SeveralNS.listed)))
            #expect(listed.lines == (people.linesOfPeopleWithSeveralNS ?? []).reduce(0) { $0 + $1.count })
            #expect(run.html.contains("id=\"several_ns\""))
            for lines in listed.linesOfPeople {
                #expect(lines.count > 1)
                #expect(run.html.contains("<td>" + lines.map(String.init).joined(separator: ", ") + "</td>"), "\(lines)")
            }
        }
        #expect(f.direct.report.severalNS!.people + f.indirect.report.severalNS!.people > 0)
    }

    /// No English word in the French page, no French one in the English page: each fixture run's
    /// report and a tiny one, for both audiences, read word by word against the other language's
    /// list (Glossary) — labels, notes, the provenance the tool writes, categories, regions.
    @Test func noWordOfTheOtherLanguage() throws {
        let f = try Self.fixture()
        let folder = f.dataset.directory.appendingPathComponent("glossary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let tiny = try ReportFixture.directRun(f.dataset, size: 20, seed: 8, in: folder, name: "glossary-tiny")
        let regions = try Regions.load(from: GeneratedDataset.reference.data)
        for run in [f.direct, f.indirect, tiny] {
            let summary = try RunSummary.read(from: run.folder)
            for language in ReportBuilder.Language.allCases {
                for audience in ReportBuilder.Audience.allCases {
                    let report = ReportBuilder(language: language, audience: audience, regions: regions)
                        .build(run: run.folder, summary: summary, evaluation: run.evaluation)
                    let words = Set(Glossary.words(ofPage: HTMLReport(report).html))
                    #expect(words.count > 150)
                    let foreign = words.intersection(language == .fr ? Glossary.english : Glossary.french)
                    #expect(foreign.isEmpty, "\(run.folder.lastPathComponent), \(language), \(audience): \(foreign.sorted())")
                }
            }
        }
    }

    /// Every label the page asks for exists in both languages: a missing one prints its key
    /// (`projection_range` once did, in every report).
    @Test func everyLabelThePageUsesExistsInBothLanguages() throws {
        let source = try String(
            contentsOf: ReportFixture.checkout.appendingPathComponent("Sources/Reporting/HTMLReport.swift"), encoding: .utf8)
        let regex = try NSRegularExpression(pattern: #"\bt\("([a-z_]+)"\)"#)
        let keys = Set(
            regex.matches(in: source, range: NSRange(source.startIndex..., in: source)).map { m in
                String(source[Range(m.range(at: 1), in: source)!])
            })
        #expect(keys.count > 50)
        #expect(keys.subtracting(ReportLabels.french.keys).isEmpty, "missing in French: \(keys.subtracting(ReportLabels.french.keys))")
        #expect(keys.subtracting(ReportLabels.english.keys).isEmpty, "missing in English: \(keys.subtracting(ReportLabels.english.keys))")
    }

    /// A direct cohort may carry the département of residence: it feeds the bias check, is counted in
    /// the data quality, and rejects nothing.
    @Test func aDirectCohortsDepartementFeedsTheBiasCheckOnly() throws {
        let f = try Self.fixture()
        let folder = f.dataset.directory.appendingPathComponent("dep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let lines = try String(contentsOf: f.direct.cohortFile, encoding: .utf8).split(separator: "\n").map(String.init)
        let departements = ["75", "13", "069", "2A", "xx", ""]
        var text = lines[0] + ";DEPARTEMENT\n"
        for (i, line) in lines.dropFirst().enumerated() { text += line + ";" + departements[i % departements.count] + "\n" }
        let cohort = folder.appendingPathComponent("with-dep.csv")
        try text.write(to: cohort, atomically: true, encoding: .utf8)
        var options = DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.extraction = false
        let summary = try DirectRun.run(options, key: f.dataset.key)
        let plain = try DirectSummary.read(from: f.direct.folder)
        #expect(summary.counts == plain.counts, "the département changed the linkage")
        #expect(summary.profile.departementColumn == "DEPARTEMENT")
        let indices = 0..<(lines.count - 1)
        let q = try #require(summary.quality["DEPARTEMENT"])
        #expect(q.invalid == indices.filter { $0 % 6 == 4 }.count)
        #expect(q.missing == indices.filter { $0 % 6 == 5 }.count)
        // 069 → 69, and 2A → 20 as the PMSI codes Corsica.
        #expect(q.reformatted == indices.filter { $0 % 6 == 2 || $0 % 6 == 3 }.count)
        #expect(q.rejected == 0)
        #expect(Set(summary.profile.departement.map(\.category)) == ["75", "13", "69", "20", CohortProfile.unknown])
        #expect(summary.profile.departement.map(\.lines).reduce(0, +) == summary.counts.submitted)
    }

    @Test func aReportIsWrittenWholeOrNotAtAll() throws {
        let f = try Self.fixture()
        // A folder that is no run: refused, nothing written.
        let notARun = f.dataset.directory.appendingPathComponent("not-a-run-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: notARun, withIntermediateDirectories: true)
        #expect(throws: LinkageError.self) { try RunSummary.read(from: notARun) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: notARun.path).isEmpty)
        // A report read back is the report written.
        #expect(try ReportWriter.read(from: f.indirect.folder) == f.indirect.report)
        // No temporary file is left beside the pair.
        let names = try FileManager.default.contentsOfDirectory(atPath: f.indirect.folder.path)
        #expect(!names.contains { $0.contains(".partial") })
    }
}

extension LinkageReport {
    func withLanguage(_ language: String) -> LinkageReport {
        var copy = self
        copy.language = language
        return copy
    }
}
