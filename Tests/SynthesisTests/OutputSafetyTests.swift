import Foundation
import Pseudonymisation
import SNDSModel
import SNDSStore
import Testing
@testable import Synthesis

/// Outputs appear complete or not at all, and an existing dataset is not overwritten by accident.
@Suite struct OutputSafetyTests {
    @Test func anExistingDatasetIsNotReplacedWithoutBeingAsked() throws {
        let dataset = try GeneratedDataset.make(size: 300, seed: 3, key: GeneratedDataset.sharedKey)
        let before = try dataset.files.all.map { try Data(contentsOf: $0) }
        var options = dataset.options
        options.seed = 4
        #expect(throws: OutputError.exists(dataset.files.database.path)) {
            try SyntheticSNDSGenerator(reference: GeneratedDataset.reference, options: options).generate(key: dataset.key)
        }
        #expect(try dataset.files.all.map { try Data(contentsOf: $0) } == before)
        options.replaceExisting = true
        let replaced = try SyntheticSNDSGenerator(reference: GeneratedDataset.reference, options: options).generate(key: dataset.key)
        #expect(replaced.seed == 4)
        #expect(try DatasetManifest.load(for: dataset.files).datasetId == replaced.datasetId)
    }

    @Test func leftoversOfAKilledRunAreRemovedAndNoTemporaryFileRemains() throws {
        let dataset = try GeneratedDataset.make(size: 200, seed: 5, key: GeneratedDataset.sharedKey)
        let leftover = dataset.directory.appendingPathComponent(".snds.sqlite.partial-99999")
        try Data("half a database".utf8).write(to: leftover)
        var options = dataset.options
        options.replaceExisting = true
        try SyntheticSNDSGenerator(reference: GeneratedDataset.reference, options: options).generate(key: dataset.key)
        let names = try FileManager.default.contentsOfDirectory(atPath: dataset.directory.path).sorted()
        #expect(names == ["snds.correspondence.sealed", "snds.manifest.json", "snds.sqlite"])
    }

    @Test func invalidOptionsFailBeforeWritingAnything() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("invalid-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = GenerationOptions()
        options.files = DatasetFiles(database: directory.appendingPathComponent("snds.sqlite"))
        options.memoryKiB = 2
        #expect(throws: GenerationError.self) {
            try SyntheticSNDSGenerator(reference: GeneratedDataset.reference, options: options).generate(key: .random())
        }
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }
}
