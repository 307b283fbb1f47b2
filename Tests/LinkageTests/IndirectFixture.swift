import Foundation
import GRDB
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis
import TestSupport

/// An indirect cohort of the default scenario (shipped noise profile, shipped rules/default.yml)
/// drawn from the shared test dataset, linked once and evaluated against its truth.
struct IndirectFixture: @unchecked Sendable {
    let dataset: GeneratedDataset
    let folder: URL
    let cohortFile: URL
    let truthFile: URL
    let truth: CohortTruth
    let summary: IndirectSummary
    let evaluation: Evaluation

    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let defaultRules = checkout.appendingPathComponent("rules/default.yml")
    static var reference: ReferenceData { GeneratedDataset.reference.data }

    /// rules/default.yml with another number of criteria that may be dropped.
    static func defaultRulesText(maxDropped: Int) throws -> String {
        try String(contentsOf: defaultRules, encoding: .utf8).replacingOccurrences(of: "max_dropped: 1", with: "max_dropped: \(maxDropped)")
    }

    static let shared: Result<IndirectFixture, any Error> = Result { try make() }

    static func make() throws -> IndirectFixture {
        let dataset = try GeneratedDataset.shared()
        let folder = dataset.directory.appendingPathComponent("indirect-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cohort = try drawCohort(dataset, size: 800, seed: 5)
        let cohortFile = folder.appendingPathComponent("cohort.csv"), truthFile = folder.appendingPathComponent("cohort.truth.csv")
        try cohort.csv.write(to: cohortFile, atomically: true, encoding: .utf8)
        try cohort.truth.text.write(to: truthFile, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("run")
        let summary = try link(cohortFile, rules: defaultRules, dataset: dataset, to: run)
        let evaluation = try Evaluation.evaluate(run: run, truthFile: truthFile, key: dataset.key)
        return IndirectFixture(
            dataset: dataset, folder: run, cohortFile: cohortFile, truthFile: truthFile, truth: cohort.truth,
            summary: summary, evaluation: evaluation)
    }

    static func drawCohort(
        _ dataset: GeneratedDataset, scenario: String = "sejours", size: Int, seed: UInt64
    ) throws -> IndirectCohortGenerator.Cohort {
        let database = try dataset.open()
        defer { try? database.close() }
        let generator = try IndirectCohortGenerator(
            database: database, years: dataset.manifest.years,
            scenario: IndirectScenario.named(scenario)!,
            profile: IndirectNoiseProfile.load(nil, reference: reference))
        return try generator.make(size: size, seed: seed)
    }

    @discardableResult
    static func link(
        _ cohort: URL, rules: URL, dataset: GeneratedDataset, to run: URL, extraction: Bool = false, projectTo: Int? = nil
    ) throws -> IndirectSummary {
        var options = IndirectRun.Options(cohort: cohort, rules: rules, dataset: dataset.files, output: run)
        options.extraction = extraction
        if let projectTo { options.projectTo = projectTo }
        options.replaceExisting = true
        return try IndirectRun.run(options, key: dataset.key, reference: reference)
    }

    /// Writes rules text to a file next to the run.
    static func rulesFile(_ text: String, in folder: URL, name: String = UUID().uuidString) throws -> URL {
        let url = folder.appendingPathComponent("\(name).yml")
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url
    }

    /// results.csv as LINE → (status, reason, group, person via the sealed correspondence).
    static func outcomes(of run: URL, key: SecretKey) throws -> [Int: (status: String, reason: String, group: Int?, person: String?)] {
        let links = try RunCorrespondence.read(in: run, key: key)
        var personOfNS: [String: String] = [:]
        for l in links { personOfNS[l.ns] = l.benIdtAno }
        let data = try Data(contentsOf: run.appendingPathComponent("results.csv"))
        var reader = DelimitedReader(bytes: [UInt8](data))
        _ = try reader.next()
        var out: [Int: (status: String, reason: String, group: Int?, person: String?)] = [:]
        while let r = try reader.next() {
            let f = r.fields
            out[Int(f[0])!] = (f[2], f[3], Int(f[4]), f[2] == "found" ? personOfNS[f[1]] : nil)
        }
        return out
    }
}
