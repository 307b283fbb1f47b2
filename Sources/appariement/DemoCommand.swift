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
        discussion: "Re-running reuses a complete dataset already in place; --fresh generates it again.")

    @Option(help: "People in the default synthetic SNDS.")
    var beneficiaries = 20_000

    @Flag(help: "Generate everything again instead of reusing what exists.")
    var fresh = false

    @OptionGroup var key: KeyOption

    func run() throws {
        try Failure.reporting {
            let files = DatasetFiles(database: URL(fileURLWithPath: DatasetFiles.defaultDatabase))
            if !fresh, let manifest = try? DatasetManifest.load(for: files),
               FileManager.default.fileExists(atPath: files.database.path) {
                print("Reusing the synthetic SNDS in place (use --fresh to generate it again).")
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
}
