import Foundation
import Linkage
import Pseudonymisation
import Reporting
import SNDSModel
import Synthesis
import TestSupport

/// A direct and an indirect run on the shared test dataset, each evaluated and reported: what the
/// reporting tests read.
struct ReportFixture: @unchecked Sendable {
    struct Run {
        let folder: URL
        let cohortFile: URL
        let truthFile: URL
        let evaluation: Evaluation
        let report: LinkageReport
        var html: String { (try? String(contentsOf: folder.appendingPathComponent(LinkageReport.htmlFile), encoding: .utf8)) ?? "" }
        var json: Data { (try? Data(contentsOf: folder.appendingPathComponent(LinkageReport.jsonFile))) ?? Data() }
    }

    let dataset: GeneratedDataset
    let direct: Run
    let indirect: Run

    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let defaultRules = checkout.appendingPathComponent("rules/default.yml")

    static let shared: Result<ReportFixture, any Error> = Result { try make() }

    static func make() throws -> ReportFixture {
        let dataset = try GeneratedDataset.shared()
        let folder = dataset.directory.appendingPathComponent("reports-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let direct = try directRun(dataset, size: 1_200, seed: 21, in: folder, name: "direct", language: .fr, audience: .team)
        let indirect = try indirectRun(dataset, size: 800, seed: 22, in: folder, name: "indirect", language: .en, audience: .team)
        return ReportFixture(dataset: dataset, direct: direct, indirect: indirect)
    }

    /// A direct cohort drawn with the shipped noise profile, linked, evaluated, reported.
    static func directRun(
        _ dataset: GeneratedDataset, size: Int, seed: UInt64, in folder: URL, name: String,
        language: ReportBuilder.Language = .fr, minCell: Int = 10, audience: ReportBuilder.Audience = .public, residence: Bool = false
    ) throws -> Run {
        let profile = try DirectNoiseProfile.load(nil, reference: GeneratedDataset.reference.data)
        // With `residence`, the cohort carries its patients' département, as `cohort direct` writes it.
        let places = residence ? try DirectCohortGenerator.residences(in: dataset.open()) : [:]
        let cohort = try DirectCohortGenerator(correspondence: dataset.correspondence(), profile: profile, residence: places)
            .make(size: size, seed: seed)
        let cohortFile = folder.appendingPathComponent("\(name).csv"), truthFile = folder.appendingPathComponent("\(name).truth.csv")
        try cohort.csv.write(to: cohortFile, atomically: true, encoding: .utf8)
        try cohort.truth.text.write(to: truthFile, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("run-\(name)")
        var options = DirectRun.Options(cohort: cohortFile, dataset: dataset.files, output: run)
        options.extraction = false
        options.replaceExisting = true
        _ = try DirectRun.run(options, key: dataset.key)
        return try report(
            run, cohortFile: cohortFile, truthFile: truthFile, key: dataset.key, language: language, minCell: minCell, audience: audience)
    }

    /// An indirect cohort of the default scenario, linked with rules/default.yml, evaluated, reported.
    static func indirectRun(
        _ dataset: GeneratedDataset, size: Int, seed: UInt64, in folder: URL, name: String,
        language: ReportBuilder.Language = .fr, minCell: Int = 10, audience: ReportBuilder.Audience = .public
    ) throws -> Run {
        let database = try dataset.open()
        let generator = try IndirectCohortGenerator(
            database: database, years: dataset.manifest.years,
            scenario: IndirectScenario.named("sejours")!,
            profile: IndirectNoiseProfile.load(nil, reference: GeneratedDataset.reference.data))
        let cohort = try generator.make(size: size, seed: seed)
        try database.close()
        let cohortFile = folder.appendingPathComponent("\(name).csv"), truthFile = folder.appendingPathComponent("\(name).truth.csv")
        try cohort.csv.write(to: cohortFile, atomically: true, encoding: .utf8)
        try cohort.truth.text.write(to: truthFile, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("run-\(name)")
        var options = IndirectRun.Options(cohort: cohortFile, rules: defaultRules, dataset: dataset.files, output: run)
        options.extraction = false
        options.replaceExisting = true
        _ = try IndirectRun.run(options, key: dataset.key, reference: GeneratedDataset.reference.data)
        return try report(
            run, cohortFile: cohortFile, truthFile: truthFile, key: dataset.key, language: language, minCell: minCell, audience: audience)
    }

    static func report(
        _ run: URL, cohortFile: URL, truthFile: URL, key: SecretKey, language: ReportBuilder.Language,
        minCell: Int, audience: ReportBuilder.Audience = .public
    ) throws -> Run {
        let evaluation = try Evaluation.evaluate(run: run, truthFile: truthFile, key: key)
        let report = ReportBuilder(
            smallCellThreshold: minCell, language: language, audience: audience, regions: try Regions.load(from: GeneratedDataset.reference.data)
        )
        .build(run: run, summary: try RunSummary.read(from: run), evaluation: evaluation)
        try ReportWriter.write(report, into: run)
        return Run(folder: run, cohortFile: cohortFile, truthFile: truthFile, evaluation: evaluation, report: report)
    }
}
