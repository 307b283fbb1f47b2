import ArgumentParser
import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis
import Terminal

/// `appariement generate`: a synthetic SNDS, its sealed correspondence and its manifest.
struct Generate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Generate a synthetic SNDS: population, pseudonyms, IR_BEN_R, DCIR, PMSI MCO, CépiDC and nomenclatures.",
        discussion: """
            Writes NAME.sqlite, NAME.correspondence.sealed (clear identities ↔ pseudonyms, AES-256-GCM) \
            and NAME.manifest.json (written last: its presence means the dataset is complete). The key \
            file is created (mode 0600) if it does not exist. The same seed and key give the same tables.
            """)

    @Option(parsing: .unconditional, help: "People alive on 1 January of the first year (births during the years come on top).")
    var beneficiaries = 20_000

    @Option(parsing: .unconditional, help: "Seed of the random draws.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Years to generate: one year or a range.", valueName: "YYYY[-YYYY]"))
    var years = "2023-2024"

    @Option(name: .customLong("out"), help: ArgumentHelp("Database to write.", valueName: "path"))
    var output = DatasetFiles.defaultDatabase

    @OptionGroup var key: KeyOption

    @Option(name: .customLong("argon2-iterations"), parsing: .unconditional, help: "argon2id passes (t).")
    var iterations = PseudonymParameters.defaultIterations

    @Option(name: .customLong("argon2-memory"), parsing: .unconditional, help: ArgumentHelp("argon2id memory per hash in KiB (m).", valueName: "KiB"))
    var memoryKiB = PseudonymParameters.defaultMemoryKiB

    @Option(name: .customLong("argon2-lanes"), parsing: .unconditional, help: "argon2id lanes (p).")
    var lanes = PseudonymParameters.defaultLanes

    @Option(parsing: .unconditional, help: "Threads for hashing; the default is the number of cores.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(help: "Replace an existing dataset at the same place.")
    var force = false

    func run() throws {
        try Failure.reporting(offering: [.force]) {
            var options = GenerationOptions()
            options.beneficiaries = beneficiaries
            options.seed = seed
            options.years = try Self.parseYears(years)
            options.files = DatasetFiles(database: URL(fileURLWithPath: output))
            options.iterations = iterations
            options.memoryKiB = memoryKiB
            options.lanes = lanes
            options.threads = threads
            options.replaceExisting = force
            try Self.generate(options, keyLocation: key.location)
        }
    }

    /// Shared with `demo`.
    static func generate(_ options: GenerationOptions, keyLocation: (url: URL, source: KeyFile.Source)) throws {
        let reference = try SynthesisReference(data: try ReferenceData.locate())
        let generator = SyntheticSNDSGenerator(reference: reference, options: options, progress: ProgressReporter())
        try generator.preflight()
        let (secret, created) = try KeyFile.loadOrCreate(at: keyLocation.url)
        if created {
            print("Created key file \(keyLocation.url.relativePath) (fingerprint \(secret.fingerprint), mode 0600): keep it private.")
        }
        let manifest = try generator.generate(key: secret)
        printSummary(manifest, files: options.files)
    }

    static func printSummary(_ manifest: DatasetManifest, files: DatasetFiles) {
        let p = manifest.population
        func count(_ key: String) -> String { (p[key] ?? 0).formatted() }
        print(
            """
            Synthetic SNDS (seed \(manifest.seed), years \(manifest.years.first!)–\(manifest.years.last!), key \(manifest.keyFingerprint)):
              database        \(files.database.relativePath)
              correspondence  \(files.correspondence.relativePath) (sealed)
              manifest        \(files.manifest.relativePath)
            Population: \(count("persons")) persons (\(count("personsOnFirstJanuary")) on 1 January, \(count("birthsDuringPeriod")) births, \(count("deathsDuringPeriod")) deaths)
            IR_BEN_R: \(count("referentialRows")) rows, \(count("distinctBEN_NIR_PSA")) BEN_NIR_PSA; \(count("personsWithSeveralBEN_NIR_PSA")) persons with several; \(count("sameSexTwinPairs")) same-sex twin pair\((p["sameSexTwinPairs"] ?? 0) == 1 ? "" : "s")
            Hashing: argon2id t=\(manifest.pseudonymisation.iterations) m=\(manifest.pseudonymisation.memoryKiB) KiB, \(String(format: "%.1f", manifest.timings["hashing"] ?? 0)) s on \(manifest.threads) thread\(manifest.threads == 1 ? "" : "s"); total \(String(format: "%.1f", manifest.timings["total"] ?? 0)) s
            """)
    }

    static func parseYears(_ text: String) throws(GenerationError) -> ClosedRange<Int> {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        switch parts.count {
        case 1 where parts[0] != nil: return parts[0]!...parts[0]!
        case 2 where parts[0] != nil && parts[1] != nil:
            guard parts[0]! <= parts[1]! else { throw .invalidOption("--years \(text) ends before it starts: write the earlier year first") }
            return parts[0]!...parts[1]!
        default: throw .invalidOption("--years takes YYYY or YYYY-YYYY (e.g. 2023-2024), not \(text)")
        }
    }
}
