import Foundation
import GRDB
import SNDSModel
import TestSupport
import Testing

@testable import Synthesis

/// The population drawn against INSEE's figures shipped in synthetic/reference, and the stated
/// orders of magnitude of the identity assumptions. Tolerances are several standard errors at
/// 20,000 people, so the tests fail on a real drift, not on sampling noise.
@Suite struct PopulationDistributionTests {
    let dataset: GeneratedDataset
    let insee: PopulationReference
    let people: [Row]

    init() throws {
        dataset = try GeneratedDataset.shared(size: 20_000, seed: 7)
        insee = GeneratedDataset.reference.population
        // One row per person: their own-rights row if any, else their first row.
        people = try dataset.open().read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT BEN_IDT_ANO, MIN(BEN_SEX_COD) sex, MIN(BEN_NAI_ANN) year, MIN(BEN_NAI_MOI) month, MIN(BEN_RES_DPT) dpt, MIN(BEN_DCD_DTE) death FROM IR_BEN_R GROUP BY BEN_IDT_ANO"
            )
        }
    }

    /// People alive on the first 1 January (the generated equivalent of INSEE's count).
    var population: [Row] { people.filter { ($0["year"] as String) < String(dataset.options.years.lowerBound) } }

    @Test func sexSharesMatchINSEE() {
        let women = Double(population.filter { $0["sex"] as Int == 2 }.count) / Double(population.count)
        #expect(abs(women - insee.share(of: .female)) < 0.015, "women: \(women) vs \(insee.share(of: .female))")
    }

    @Test(arguments: [0...19, 20...39, 40...59, 60...74, 75...120])
    func ageBandSharesMatchINSEE(band: ClosedRange<Int>) {
        let first = dataset.options.years.lowerBound
        // Completed years on the first 1 January (exact but for people born on a 1 January).
        let inBand = population.filter { band.contains(first - 1 - Int($0["year"] as String)!) }.count
        let share = Double(inBand) / Double(population.count)
        let expected = insee.share(ages: band)
        #expect(abs(share - expected) < 0.02, "ages \(band): \(share) vs \(expected)")
    }

    @Test func departementsFollowINSEE() {
        let counts = Dictionary(grouping: population, by: { $0["dpt"] as String }).mapValues(\.count)
        let expected = insee.byDepartement
        var distance = 0.0
        for (departement, inhabitants) in expected {
            let share = Double(counts[departement.referentialCode] ?? 0) / Double(population.count)
            distance += abs(share - Double(inhabitants) / Double(insee.total))
        }
        // Total variation distance; about 0.045 is expected from sampling 20,000 over 101 départements.
        #expect(distance / 2 < 0.07, "total variation distance \(distance / 2)")
        let paris = Double(counts["075"] ?? 0) / Double(population.count)
        #expect(abs(paris - Double(expected[Departement("75")!]!) / Double(insee.total)) < 0.006)
        #expect(counts.keys.allSatisfy { Departement($0) != nil })
    }

    @Test func deathsAndBirthsHaveFrenchOrdersOfMagnitude() {
        let years = Double(dataset.options.years.count)
        let size = Double(dataset.manifest.population["personsOnFirstJanuary"]!)
        let deaths = Double(dataset.manifest.population["deathsDuringPeriod"]!) / size / years * 1000
        let births = Double(dataset.manifest.population["birthsDuringPeriod"]!) / size / years * 1000
        #expect((7.5...11.5).contains(deaths), "deaths per 1,000 a year: \(deaths)")
        #expect((8.0...12.0).contains(births), "births per 1,000 a year: \(births)")
        let deathsOfPeopleOver79 = people.filter {
            ($0["death"] as String?) != nil && Int($0["year"] as String)! <= dataset.options.years.lowerBound - 80
        }.count
        // Most deaths are of old people.
        #expect(Double(deathsOfPeopleOver79) / (deaths * size * years / 1000) > 0.5)
    }

    @Test func identitySharesArePlausible() {
        let p = dataset.manifest.population
        let persons = Double(p["persons"]!)
        let twins = Double(2 * p["twinPairs"]!) / persons
        #expect((0.015...0.045).contains(twins), "twins: \(twins)")
        let abroad = Double(p["bornAbroad"]!) / persons
        #expect((0.08...0.16).contains(abroad), "born abroad: \(abroad)")
        let several = Double(p["personsWithSeveralBEN_NIR_PSA"]!) / persons
        #expect((0.10...0.45).contains(several), "several BEN_NIR_PSA: \(several)")
        let sameSex = Double(p["sameSexTwinPairs"]!) / Double(p["twinPairs"]!)
        #expect((0.5...0.8).contains(sameSex))
    }
}
