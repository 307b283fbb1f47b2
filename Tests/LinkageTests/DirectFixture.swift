import Foundation
import GRDB
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis
import TestSupport

/// A direct cohort drawn from the shared test dataset with every defect at a raised rate, linked
/// once, and evaluated against its truth: what the direct-linkage tests look at.
struct DirectFixture: @unchecked Sendable {
    let dataset: GeneratedDataset
    let folder: URL
    let cohortFile: URL
    let cohortText: String
    let truth: CohortTruth
    let summary: DirectSummary
    let evaluation: Evaluation

    /// Defects far more frequent than in real files, so that each one is exercised many times.
    static let profileYAML = """
        defects:
          wrong_nir_key: 0.03
          transposed_digits: 0.03
          beneficiary_nir: 0.08
          absent_from_snds: 0.05
          duplicate_ns: 0.02
          missing_value: 0.04
          duplicate_patient: 0.01
        twins: {share: 0.06, without_rank: 0.5}
        formats:
          birth_date: {"YYYY-MM-DD": 1, "DD/MM/YYYY": 1, "YYYYMMDD": 1}
          sex: {"1/2": 1, "M/F": 1, "H/F": 1}
          nir_with_spaces: 0.3
        """

    static func profile(in folder: URL) throws -> DirectNoiseProfile {
        let url = folder.appendingPathComponent("noise.yml")
        try profileYAML.write(to: url, atomically: true, encoding: .utf8)
        return try DirectNoiseProfile.load(url, reference: GeneratedDataset.reference.data)
    }

    static let shared: Result<DirectFixture, any Error> = Result { try make() }

    static func make() throws -> DirectFixture {
        let dataset = try GeneratedDataset.shared()
        let folder = dataset.directory.appendingPathComponent("direct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cohort = try DirectCohortGenerator(correspondence: dataset.correspondence(), profile: profile(in: folder))
            .make(size: 1_500, seed: 11)
        let cohortFile = folder.appendingPathComponent("cohort.csv")
        try cohort.csv.write(to: cohortFile, atomically: true, encoding: .utf8)
        let truthFile = folder.appendingPathComponent("cohort.truth.csv")
        try cohort.truth.text.write(to: truthFile, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("run")
        let summary = try DirectRun.run(DirectRun.Options(cohort: cohortFile, dataset: dataset.files, output: run), key: dataset.key)
        let evaluation = try Evaluation.evaluate(run: run, truthFile: truthFile, key: dataset.key)
        return DirectFixture(
            dataset: dataset, folder: run, cohortFile: cohortFile, cohortText: cohort.csv, truth: cohort.truth,
            summary: summary, evaluation: evaluation)
    }

    /// A CSV output of the run, as rows of fields (header first).
    func csv(_ name: String) throws -> [[String]] {
        var reader = DelimitedReader(bytes: [UInt8](try Data(contentsOf: folder.appendingPathComponent(name))))
        return try reader.readAll().map(\.fields)
    }

    /// Each line's outcome: found, not_found, ambiguous (results.csv) or rejected (rejects.csv).
    func statusByLine() throws -> [Int: String] {
        var status: [Int: String] = [:]
        for r in try csv("results.csv").dropFirst() { status[Int(r[0])!] = r[2] }
        for r in try csv("rejects.csv").dropFirst() { status[Int(r[0])!] = "rejected" }
        return status
    }

    /// NS carried by more than one line.
    var repeatedNS: Set<String> {
        Set(Dictionary(truth.entries.map { ($0.ns, 1) }, uniquingKeysWith: +).filter { $0.value > 1 }.keys)
    }

    /// The extraction database (not a synthetic SNDS: opened with GRDB directly).
    func extraction() throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.readonly = true
        return try DatabaseQueue(path: folder.appendingPathComponent("extraction.sqlite").path, configuration: configuration)
    }
}
