import Foundation
import GRDB
import Pseudonymisation
import SNDSStore
import TestSupport
import Testing

@testable import Synthesis

/// Same seed and key give the same tables; another seed or another key does not.
@Suite struct DeterminismTests {
    static func digests(_ dataset: GeneratedDataset) -> [String: String] {
        Dictionary(uniqueKeysWithValues: dataset.manifest.tables.map { ($0.name, $0.digest) })
    }

    @Test func sameSeedAndKeyGiveIdenticalTables() throws {
        let key = SecretKey.random()
        let a = try GeneratedDataset.make(size: 1_500, seed: 9, key: key)
        let b = try GeneratedDataset.make(size: 1_500, seed: 9, key: key)
        #expect(Self.digests(a) == Self.digests(b))
        // Not only the digests: the rows themselves, in the same order.
        let rowsA = try a.open().read { db in try Row.fetchAll(db, sql: "SELECT * FROM IR_BEN_R ORDER BY rowid") }
        let rowsB = try b.open().read { db in try Row.fetchAll(db, sql: "SELECT * FROM IR_BEN_R ORDER BY rowid") }
        #expect(rowsA == rowsB)
        #expect(a.manifest.datasetId != b.manifest.datasetId)
    }

    @Test func theNumberOfThreadsDoesNotChangeTheResult() throws {
        let key = SecretKey.random()
        var options = GenerationOptions()
        options.beneficiaries = 800
        options.seed = 21
        options.iterations = GeneratedDataset.cheapIterations
        options.memoryKiB = GeneratedDataset.cheapMemoryKiB
        var digests: [[String: String]] = []
        for threads in [1, 3] {
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("threads-\(UUID().uuidString)")
            defer { try? FileManager.default.removeItem(at: directory) }
            options.threads = threads
            options.files = DatasetFiles(database: directory.appendingPathComponent("snds.sqlite"))
            let manifest = try SyntheticSNDSGenerator(reference: GeneratedDataset.reference, options: options).generate(key: key)
            digests.append(Dictionary(uniqueKeysWithValues: manifest.tables.map { ($0.name, $0.digest) }))
        }
        #expect(digests[0] == digests[1])
    }

    @Test func anotherSeedGivesAnotherPopulation() throws {
        let key = SecretKey.random()
        let a = try GeneratedDataset.make(size: 1_500, seed: 9, key: key)
        let b = try GeneratedDataset.make(size: 1_500, seed: 10, key: key)
        #expect(Self.digests(a)["IR_BEN_R"] != Self.digests(b)["IR_BEN_R"])
        #expect(Self.digests(a)["IR_GEO_V"] == Self.digests(b)["IR_GEO_V"])
    }

    @Test func anotherKeyGivesUnrelatedPseudonymsForTheSamePeople() throws {
        let a = try GeneratedDataset.make(size: 1_500, seed: 9, key: .random())
        let b = try GeneratedDataset.make(size: 1_500, seed: 9, key: .random())
        #expect(Self.digests(a)["IR_BEN_R"] != Self.digests(b)["IR_BEN_R"])
        let psaA = Set(try a.referential().map { $0["BEN_NIR_PSA"] as String })
        let psaB = Set(try b.referential().map { $0["BEN_NIR_PSA"] as String })
        #expect(psaA.isDisjoint(with: psaB))
        // The same people: their clear identities are identical.
        let nirA = Set(try a.correspondence().map(\.beneficiaryNIR))
        let nirB = Set(try b.correspondence().map(\.beneficiaryNIR))
        #expect(nirA == nirB)
    }
}
