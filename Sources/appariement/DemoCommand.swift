import ArgumentParser
import Foundation
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis

/// `appariement demo`: the main job on the embedded defaults, what the README's first command runs.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on defaults: the default synthetic SNDS (SQLite) under synthetic/.",
        discussion: """
            Re-running reuses the dataset in place when it is complete, unaltered (checked against its \
            manifest), of the size asked and made with the key given; otherwise it says why and \
            generates it again. --fresh always generates it again.
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
                return
            }
            var options = GenerationOptions()
            options.beneficiaries = beneficiaries
            options.files = files
            options.replaceExisting = true
            try Generate.generate(options, keyLocation: key.location)
        }
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
