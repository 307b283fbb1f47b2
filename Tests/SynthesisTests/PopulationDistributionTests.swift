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

    /// Residents follow the communes' populations (INSEE): Marseille's arrondissements hold about
    /// two in five of the Bouches-du-Rhône's residents, Toulouse about a third of the Haute-Garonne's
    /// — a uniform draw over the communes would give them a few per cent.
    @Test func communesFollowTheirPopulation() throws {
        let geography = GeneratedDataset.reference.geography
        func expectedShare(_ departement: String, _ communes: (String) -> Bool) -> Double {
            let d = Departement(departement)!
            let pairs = zip(geography.communes[d]!, geography.populations[d]!)
            let total = pairs.reduce(0) { $0 + $1.1 }
            return Double(pairs.filter { communes($0.0) }.reduce(0) { $0 + $1.1 }) / Double(total)
        }
        let residents = try dataset.open().read { db in
            try Row.fetchAll(
                db, sql: "SELECT BEN_RES_DPT dpt, BEN_RES_COM com FROM IR_BEN_R WHERE BEN_RES_DPT IN ('013', '031') GROUP BY BEN_IDT_ANO")
        }
        for (departement, city, isCity) in [
            ("13", "Marseille", { (c: String) in ("201"..."216").contains(c) }), ("31", "Toulouse", { (c: String) in c == "555" }),
        ] {
            let here = residents.filter { ($0["dpt"] as String) == "0" + departement }
            let share = Double(here.filter { isCity($0["com"] as String) }.count) / Double(here.count)
            let expected = expectedShare(departement, isCity)
            #expect(expected > 0.3 && abs(share - expected) < 0.08, "\(city): \(share) of \(here.count) residents, INSEE \(expected)")
        }
    }

    /// Affiliation bodies are caisses, a handful per département, not a payment centre per person;
    /// the self-employed belong to the general scheme since 2020.
    @Test func beneficiariesBelongToAFewCaisses() throws {
        let (bodies, rows, departements, selfEmployed) = try dataset.open().read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT ORG_AFF_BEN) FROM IR_BEN_R") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM IR_BEN_R") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT BEN_RES_DPT) FROM IR_BEN_R") ?? 0,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM IR_BEN_R WHERE substr(ORG_AFF_BEN, 1, 2) = '03'") ?? 0
            )
        }
        #expect(rows > 20_000 && bodies < departements * 15, "\(bodies) bodies for \(rows) rows in \(departements) départements")
        #expect(selfEmployed == 0)
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
