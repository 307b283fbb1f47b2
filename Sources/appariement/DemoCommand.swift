import ArgumentParser
import Foundation
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis
import Linkage
import Terminal

/// `appariement demo`: the main job on the embedded defaults, what the README's first command runs.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on defaults: the default synthetic SNDS (SQLite) under synthetic/, then a direct linkage of a synthetic cohort, evaluated.",
        discussion: """
            Then draws a direct-linkage cohort from it (cohorts/demo-direct.csv and its truth), links it \
            (runs/demo-direct) and evaluates the run against the truth. Re-running reuses the dataset in \
            place when it is complete, unaltered (checked against its manifest), of the size asked and made \
            with the key given, and the run when it was made from the same cohort and dataset; otherwise \
            it says why and makes them again. --fresh always makes everything again.
            """)

    @Option(parsing: .unconditional, help: "People in the default synthetic SNDS.")
    var beneficiaries = 20_000

    @Flag(help: "Generate everything again instead of reusing what exists.")
    var fresh = false

    @OptionGroup var key: KeyOption

    func run() throws {
        try Failure.reporting {
            let files = DatasetFiles(database: URL(fileURLWithPath: DatasetFiles.defaultDatabase))
            if !fresh, let manifest = try reusable(files) {
                print("Reusing the synthetic SNDS in place (verified against its manifest; --fresh generates it again).")
                Generate.printSummary(manifest, files: files)
            } else {
                var options = GenerationOptions()
                options.beneficiaries = beneficiaries
                options.files = files
                options.replaceExisting = true
                try Generate.generate(options, keyLocation: key.location)
            }
            try directLinkage(files)
        }
    }

    /// A direct cohort drawn from the dataset, linked and evaluated (cohorts/demo-direct.*,
    /// runs/demo-direct). A finished run of this very cohort on this very dataset is reused.
    private func directLinkage(_ files: DatasetFiles) throws {
        let manifest = try DatasetVerifier.verifyIdentity(files)
        let cohort = URL(fileURLWithPath: "cohorts/demo-direct.csv"), truth = URL(fileURLWithPath: "cohorts/demo-direct.truth.csv")
        let run = URL(fileURLWithPath: "runs/demo-direct")
        if !fresh, let previous = try? DirectSummary.read(from: run),
           previous.dataset.contentDigest == manifest.contentDigest,
           FileManager.default.fileExists(atPath: truth.path),
           previous.cohort.sha256 == FileDigest.sha256(of: cohort) {
            print("\nReusing the direct linkage in \(run.relativePath) (same cohort, same dataset; --fresh redoes it).")
            Direct.print(previous, folder: run)
            return
        }
        print("\nDirect linkage of a synthetic cohort (NIR + birth date + sex):")
        // 1,000 lines, fewer for a small dataset (a cohort is drawn without repeating people).
        try CohortDirect.draw(size: max(1, min(1_000, manifest.beneficiariesRequested / 4)), seed: 1, name: "demo-direct", directory: cohort.deletingLastPathComponent(),
                              database: files.database.path, noise: nil, keyFile: key.location.url, force: true)
        var options = DirectRun.Options(cohort: cohort, dataset: files, output: run)
        options.replaceExisting = true
        let secret = try KeyFile.load(at: key.location.url)
        let summary = try DirectRun.run(options, key: secret, progress: ProgressReporter())
        Direct.print(summary, folder: run)
        let evaluation = try Evaluation.evaluate(run: run, truthFile: truth, key: secret)
        try evaluation.write(into: run)
        print("")
        Evaluate.print(evaluation, run: run.relativePath, truth: truth.relativePath, folder: run)
    }

    /// The dataset in place if it can be reused as is; nil (after saying why) if it must be made again.
    private func reusable(_ files: DatasetFiles) throws -> DatasetManifest? {
        guard files.all.contains(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return nil }
        let manifest: DatasetManifest
        do {
            manifest = try DatasetVerifier.verify(files)
        } catch {
            print("The synthetic SNDS in place cannot be reused: \(error)")
            return nil
        }
        let location = key.location
        guard FileManager.default.fileExists(atPath: location.url.path) else {
            print("Its key file \(location.url.relativePath) is missing: generating a new dataset with a new key.")
            return nil
        }
        let secret = try KeyFile.load(at: location.url)
        guard secret.fingerprint == manifest.keyFingerprint else {
            throw CommandError.keyMismatch(dataset: files.database.relativePath, expected: manifest.keyFingerprint,
                                           keyFile: location.url.relativePath, given: secret.fingerprint)
        }
        guard manifest.beneficiariesRequested == beneficiaries else {
            print("The synthetic SNDS in place has \(manifest.beneficiariesRequested.formatted()) people; generating one with \(beneficiaries.formatted()).")
            return nil
        }
        return manifest
    }
}
