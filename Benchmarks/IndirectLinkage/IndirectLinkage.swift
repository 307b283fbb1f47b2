// End-to-end indirect linkage of a 10,000-line registry cohort (scenario `sejours`, shipped noise
// profile, rules/default.yml) against a synthetic SNDS of 100,000 or 1,000,000 beneficiaries:
// wall time, peak memory, and the time of each stage.
//
//     swift package --allow-writing-to-package-directory benchmark --target IndirectLinkageBenchmarks
//
// The dataset: APPARIEMENT_BENCH_DATABASE (an existing synthetic SNDS) with its key in
// APPARIEMENT_BENCH_KEY_FILE, else one generated in the set-up with APPARIEMENT_BENCH_BENEFICIARIES
// people (default 100,000; generating 1,000,000 takes most of an hour, so pass one made by
// `appariement generate`). APPARIEMENT_BENCH_COHORT sets the cohort's size (default 10,000). The
// cohort is drawn in the set-up; each iteration runs `probabiliste --no-extraction` (read and
// validate, build the candidate events, measure discriminance and uniqueness, link group by group,
// write the sealed correspondence, results and rejects), then the same with the extraction.
import Benchmark
import Foundation
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis

let environment = ProcessInfo.processInfo.environment
let lines = Int(environment["APPARIEMENT_BENCH_COHORT"] ?? "") ?? 10_000

struct Setup: @unchecked Sendable {
    let directory: URL
    let files: DatasetFiles
    let key: SecretKey
    let cohort: URL
    let people: Int
    let reference: ReferenceData

    static let shared: Setup = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-indirect-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reference = try! ReferenceData.locate()
        let files: DatasetFiles, key: SecretKey
        if let database = environment["APPARIEMENT_BENCH_DATABASE"] {
            files = DatasetFiles(database: URL(fileURLWithPath: database))
            key = try! KeyFile.load(at: URL(fileURLWithPath: environment["APPARIEMENT_BENCH_KEY_FILE"] ?? "synthetic/secret.key"))
        } else {
            var options = GenerationOptions()
            options.beneficiaries = Int(environment["APPARIEMENT_BENCH_BENEFICIARIES"] ?? "") ?? 100_000
            options.files = DatasetFiles(database: directory.appendingPathComponent("snds.sqlite"))
            key = SecretKey.random()
            _ = try! SyntheticSNDSGenerator(reference: SynthesisReference(data: reference), options: options).generate(key: key)
            files = options.files
        }
        let manifest = try! DatasetVerifier.verifyIdentity(files)
        let database = try! SNDSDatabase.openReadOnly(at: files.database)
        let generator = try! IndirectCohortGenerator(database: database, years: manifest.years,
                                                     scenario: IndirectScenario.named("sejours")!,
                                                     profile: IndirectNoiseProfile.load(nil, reference: reference))
        try! database.close()
        let made = try! generator.make(size: lines, seed: 1)
        let cohort = directory.appendingPathComponent("cohort.csv")
        try! made.csv.write(to: cohort, atomically: true, encoding: .utf8)
        return Setup(directory: directory, files: files, key: key, cohort: cohort,
                     people: manifest.population["personsOnFirstJanuary"] ?? 0, reference: reference)
    }()
}

func metric(_ name: String, larger: Bool = false) -> BenchmarkMetric {
    .custom(name, polarity: larger ? .prefersLarger : .prefersSmaller, useScalingFactor: false)
}
let linkageMs = metric("linkage end to end, ms")
let extractionMs = metric("linkage + extraction, ms")
let candidatesMs = metric("candidate events, ms")
let discriminanceMs = metric("discriminance and uniqueness, ms")
let joinsMs = metric("groups (joins), ms")
let foundPermille = metric("found ‰ of the cohort", larger: true)

let benchmarks: @Sendable () -> Void = {
    let rules = URL(fileURLWithPath: "rules/default.yml")
    Benchmark("indirect linkage (\(lines) lines)",
              configuration: .init(metrics: [.wallClock, .peakMemoryResident, linkageMs, extractionMs, candidatesMs, discriminanceMs,
                                             joinsMs, foundPermille],
                                   warmupIterations: 0, maxDuration: .seconds(1800), maxIterations: 3)) { benchmark in
        let setup = Setup.shared
        func run(extraction: Bool) -> IndirectSummary {
            var options = IndirectRun.Options(cohort: setup.cohort, rules: rules, dataset: setup.files,
                                              output: setup.directory.appendingPathComponent("run-\(extraction)"))
            options.extraction = extraction
            options.replaceExisting = true
            return try! IndirectRun.run(options, key: setup.key, reference: setup.reference)
        }
        let linkage = run(extraction: false)
        let withExtraction = run(extraction: true)
        func ms(_ s: Double?) -> Int { Int(((s ?? 0) * 1000).rounded()) }
        benchmark.measurement(linkageMs, ms(linkage.timings["total"]))
        benchmark.measurement(extractionMs, ms(withExtraction.timings["total"]))
        benchmark.measurement(candidatesMs, ms(linkage.timings["candidates"]))
        benchmark.measurement(discriminanceMs, ms(linkage.timings["discriminance"]))
        benchmark.measurement(joinsMs, ms(linkage.timings["linkage"]))
        benchmark.measurement(foundPermille, Int((linkage.counts.foundRate * 1000).rounded()))
        FileHandle.standardError.write(Data("\(setup.people) people, \(linkage.candidates.events) candidate events\n".utf8))
    }
}
