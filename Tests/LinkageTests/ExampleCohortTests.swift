import Foundation
import Synthesis
import TestSupport
import Testing

/// The example cohort shipped in cohorts/ is what `cohort direct --size 200 --seed 1` draws from
/// the default synthetic SNDS (seed 1, 20,000 people), as cohorts/README.md says: a cohort depends
/// on the population, never on the key or the argon2 parameters, so cheap hashing gives it too.
@Suite struct ExampleCohortTests {
    @Test func theShippedExampleIsWhatTheGeneratorDraws() throws {
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let shipped = try String(contentsOf: checkout.appendingPathComponent("cohorts/example.csv"), encoding: .utf8)
        let dataset = try GeneratedDataset.make(size: 20_000, seed: 1, key: .random())
        defer { try? FileManager.default.removeItem(at: dataset.directory) }
        let profile = try DirectNoiseProfile.load(nil, reference: GeneratedDataset.reference.data)
        let database = try dataset.open()
        let residence = try DirectCohortGenerator.residences(in: database)
        try database.close()
        let drawn = try DirectCohortGenerator(correspondence: dataset.correspondence(), profile: profile, residence: residence)
            .make(size: 200, seed: 1)
        #expect(drawn.csv == shipped)
    }
}
