import Foundation
import GRDB
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import TestSupport
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
        // The dataset's three files, and the stamp that its database was verified (written last).
        #expect(names == ["snds.correspondence.sealed", "snds.manifest.json", "snds.sqlite", "snds.verified.json"])
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

/// A dataset is trusted only when it matches its manifest.
@Suite struct DatasetVerifierTests {
    @Test func anIntactDatasetVerifiesAndEveryAlterationIsFound() throws {
        let dataset = try GeneratedDataset.make(size: 300, seed: 11, key: GeneratedDataset.sharedKey)
        #expect(try DatasetVerifier.verify(dataset.files).datasetId == dataset.manifest.datasetId)

        // Another generation's sealed file in place of this one's.
        let other = try GeneratedDataset.make(size: 300, seed: 12, key: GeneratedDataset.sharedKey)
        let saved = try Data(contentsOf: dataset.files.correspondence)
        try FileManager.default.removeItem(at: dataset.files.correspondence)
        try FileManager.default.copyItem(at: other.files.correspondence, to: dataset.files.correspondence)
        #expect(throws: StoreError.self) { try DatasetVerifier.verify(dataset.files) }
        try saved.write(to: dataset.files.correspondence)
        try DatasetVerifier.verify(dataset.files)

        // Another generation's manifest: the dataset ids differ.
        let manifest = try Data(contentsOf: dataset.files.manifest)
        try Data(contentsOf: other.files.manifest).write(to: dataset.files.manifest)
        let foreign = Result { () throws(StoreError) in try DatasetVerifier.verify(dataset.files) }
        if case .failure(let error) = foreign {
            #expect(error.description.contains("another dataset id"))
        } else {
            Issue.record("a foreign manifest was accepted")
        }
        try manifest.write(to: dataset.files.manifest)

        // A nomenclature edited by hand.
        let queue = try DatabaseQueue(path: dataset.files.database.path)
        try queue.write { db in try db.execute(sql: "UPDATE IR_SEX_V SET SEX_LIB = 'X' WHERE SEX_COD = 1") }
        try queue.close()
        #expect(throws: StoreError.self) { try DatasetVerifier.verify(dataset.files) }
    }
}
