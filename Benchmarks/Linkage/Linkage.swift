// End-to-end throughput of direct linkage against its hashing limit, measured in the same run.
// Goal (issue 4): hashing is ≥ 90 % of the time for cohorts of 10,000 lines or more.
//
//     swift package --allow-writing-to-package-directory benchmark --target LinkageBenchmarks
//
// Set-up (untimed, once): a synthetic SNDS with the default argon2id parameters (t=2, m=1 MiB) and
// a direct cohort drawn from it with the shipped noise profile. Then, alternating in each
// iteration: the hashing limit — the very argon2id calls the linkage makes (the distinct
// identities of the valid lines, on every core) and nothing else; the linkage alone (`direct
// --no-extraction`: read, validate, hash, resolve through IR_BEN_R, write the sealed
// correspondence, results and rejects); the linkage with the extraction of the linked people's
// data (SQLite and CSV). APPARIEMENT_BENCH_BENEFICIARIES and APPARIEMENT_BENCH_COHORT set the
// sizes (default 14,000 people, 10,000 lines).
import Benchmark
import Foundation
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis

let environment = ProcessInfo.processInfo.environment
let people = Int(environment["APPARIEMENT_BENCH_BENEFICIARIES"] ?? "") ?? 14_000
let lines = Int(environment["APPARIEMENT_BENCH_COHORT"] ?? "") ?? 10_000
let threads = ProcessInfo.processInfo.activeProcessorCount

/// The dataset and the cohort, made once for all iterations.
struct Setup: @unchecked Sendable {
    let directory: URL
    let files: DatasetFiles
    let key: SecretKey
    let cohort: URL
    let inputs: [PseudonymInput]
    let pseudonymiser: Pseudonymiser

    static let shared: Setup = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-linkage-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var options = GenerationOptions()
        options.beneficiaries = people
        options.files = DatasetFiles(database: directory.appendingPathComponent("snds.sqlite"))
        let reference = try! SynthesisReference(data: ReferenceData.locate())
        let key = SecretKey.random()
        let manifest = try! SyntheticSNDSGenerator(reference: reference, options: options).generate(key: key)
        let profile = try! DirectNoiseProfile.load(nil, reference: reference.data)
        let entries = try! Correspondence.read(from: options.files.correspondence, key: key)
        let made = try! DirectCohortGenerator(correspondence: entries, profile: profile).make(size: lines, seed: 1)
        let cohort = directory.appendingPathComponent("cohort.csv")
        try! made.csv.write(to: cohort, atomically: true, encoding: .utf8)
        // The identities the linkage hashes: those of the valid lines, each once.
        let file = try! CohortFile(url: cohort, columns: DirectCohort.columns)
        let requests = try! DirectCohort(file: file, today: CalendarDate.today).requests
        var seen = Set<PseudonymInput>()
        let inputs = requests.map { PseudonymInput.beneficiary(ouvreur: $0.nir, birthDate: $0.birthDate, sex: $0.sex) }
            .filter { seen.insert($0).inserted }
        return Setup(
            directory: directory, files: options.files, key: key, cohort: cohort, inputs: inputs,
            pseudonymiser: try! Pseudonymiser(key: key, parameters: manifest.pseudonymisation))
    }()
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let start = ContinuousClock.now
    try body()
    let (s, atto) = (ContinuousClock.now - start).components
    return Double(s) + Double(atto) / 1e18
}

func metric(_ name: String, larger: Bool = true) -> BenchmarkMetric {
    .custom(name, polarity: larger ? .prefersLarger : .prefersSmaller, useScalingFactor: false)
}
let hashingShare = metric("hashing share ‰ of the linkage")
let hashingShareWithExtraction = metric("hashing share ‰ with the extraction")
let linkageRate = metric("linkage, lines/s")
let extractionRate = metric("linkage + extraction, lines/s")
let hashingRate = metric("hashing limit, lines/s")

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "direct linkage vs its hashing limit (\(lines) lines, \(people) people)",
        configuration: .init(
            metrics: [hashingShare, hashingShareWithExtraction, linkageRate, extractionRate, hashingRate],
            warmupIterations: 0, maxDuration: .seconds(900), maxIterations: 3)
    ) { benchmark in
        let setup = Setup.shared
        let hashing = try! seconds { _ = try setup.pseudonymiser.pseudonyms(of: setup.inputs, threads: threads) }
        func run(extraction: Bool) -> Double {
            var options = DirectRun.Options(
                cohort: setup.cohort, dataset: setup.files,
                output: setup.directory.appendingPathComponent("run-\(extraction)"))
            options.extraction = extraction
            options.replaceExisting = true
            options.threads = threads
            return try! seconds { _ = try DirectRun.run(options, key: setup.key) }
        }
        let linkage = run(extraction: false)
        let withExtraction = run(extraction: true)
        benchmark.measurement(hashingShare, Int((hashing / linkage * 1000).rounded()))
        benchmark.measurement(hashingShareWithExtraction, Int((hashing / withExtraction * 1000).rounded()))
        benchmark.measurement(linkageRate, Int((Double(lines) / linkage).rounded()))
        benchmark.measurement(extractionRate, Int((Double(lines) / withExtraction).rounded()))
        benchmark.measurement(hashingRate, Int((Double(lines) / hashing).rounded()))
    }
}
