import Foundation
import GRDB
import Pseudonymisation
import SNDSModel
import SNDSStore
import TestSupport
import Testing

@testable import Synthesis

/// The SNDS identity structure on generated data: valid NIRs, ouvreurs and their children, twins,
/// people with several pseudonyms, and pseudonyms computed from the ouvreur's NIR with the key.
@Suite struct IdentityStructureTests {
    let dataset: GeneratedDataset
    let entries: [Correspondence.Entry]

    init() throws {
        dataset = try GeneratedDataset.shared()
        entries = try dataset.correspondence()
    }

    @Test func everyNIRIsValidAndDescribesItsHolder() throws {
        #expect(!entries.isEmpty)
        for entry in entries {
            let own = try NIR(validating: entry.beneficiaryNIR.clearText)
            _ = try NIR(validating: entry.ouvreurNIR.clearText)
            #expect(own.sexDigit == entry.sex.code)
            #expect(own.body.dropFirst(1).prefix(2) == pad(entry.birthDate.year % 100, 2))
            #expect(own.body.dropFirst(3).prefix(2) == pad(entry.birthDate.month, 2))
            let place = own.birthDepartementPositions
            if place == "2A" || place == "2B" { #expect(entry.birthDate.year >= 1976) }
            if place == "20" { #expect(entry.birthDate.year < 1976) }
        }
        // Unique: one NIR per person.
        var nirByPerson: [String: String] = [:]
        for entry in entries {
            if let known = nirByPerson[entry.benIdtAno] { #expect(known == entry.beneficiaryNIR.body) }
            nirByPerson[entry.benIdtAno] = entry.beneficiaryNIR.body
        }
        #expect(Set(nirByPerson.values).count == nirByPerson.count)
        // Some are born abroad, some in Corsica or overseas: the special cases are exercised.
        let places = Set(nirByPerson.values.map { String($0.dropFirst(5).prefix(2)) })
        #expect(places.contains("99"))
        #expect(places.contains("97"))
        #expect(!places.isDisjoint(with: ["2A", "2B", "20"]))
    }

    @Test func pseudonymsAreTheKeyedHashOfTheOuvreursNIRAndTheBeneficiarysBirthAndSex() throws {
        let hasher = try dataset.pseudonymiser()
        var children = 0
        for entry in entries.enumerated().filter({ $0.offset % 7 == 0 || $0.element.cover != .ownRights }).map(\.element).prefix(600) {
            let expected = try hasher.pseudonym(of: .beneficiary(ouvreur: entry.ouvreurNIR, birthDate: entry.birthDate, sex: entry.sex))
            #expect(expected == entry.benNirPsa)
            #expect(try hasher.pseudonym(of: .individual(entry.beneficiaryNIR)) == entry.benIdtAno)
            if entry.cover == .parent {
                children += 1
                // Hashing the child's own NIR — the classic mistake — gives something else.
                let wrong = try hasher.pseudonym(of: .beneficiary(ouvreur: entry.beneficiaryNIR, birthDate: entry.birthDate, sex: entry.sex))
                #expect(wrong != entry.benNirPsa)
            }
        }
        #expect(children > 0)
    }

    @Test func ouvreursCoverChildrenAndAreBeneficiariesThemselves() throws {
        let parentRows = entries.filter { $0.cover == .parent }
        #expect(parentRows.count > dataset.options.beneficiaries / 20)
        let people = Set(entries.map(\.beneficiaryNIR.body))
        let ownRights = Dictionary(
            entries.filter { $0.cover == .ownRights }.map { ($0.beneficiaryNIR.body, $0) },
            uniquingKeysWith: { a, _ in a })
        for row in parentRows {
            #expect(row.ouvreurNIR != row.beneficiaryNIR)
            #expect(people.contains(row.ouvreurNIR.body))
            if let parent = ownRights[row.ouvreurNIR.body] {
                let gap = parent.birthDate.age(on: row.birthDate)
                #expect(gap >= 16 && gap <= 60, "parent aged \(gap) at the child's birth")
            }
            // Covered until 18 at the latest (earlier if the parent dies: see the next test).
            #expect(row.validUntil != nil && row.validUntil! <= row.birthDate.adding(years: 18))
        }
        #expect(Set(parentRows.map(\.ouvreurNIR.body)).count > 10)
        #expect(entries.contains { $0.cover == .spouse })
    }

    /// An ouvreur covers only while alive: alive at the child's birth, and the cover ends at death.
    @Test func coverNeedsALivingAdultOuvreur() throws {
        let people = Dictionary(
            entries.filter { $0.cover == .ownRights }.map { ($0.beneficiaryNIR.body, $0) },
            uniquingKeysWith: { a, _ in a })
        let deaths = try Dictionary(
            dataset.referential().compactMap { row -> (String, String)? in
                guard let death = row["BEN_DCD_DTE"] as String? else { return nil }
                return (row["BEN_IDT_ANO"] as String, death)
            }, uniquingKeysWith: { a, _ in a })
        for row in entries where row.cover != .ownRights {
            guard let ouvreur = people[row.ouvreurNIR.body] else { continue }
            if let died = deaths[ouvreur.benIdtAno].flatMap(CalendarDate.init(iso:)) {
                #expect(died > row.validFrom || row.cover == .spouse)
                if let until = row.validUntil {
                    #expect(until <= died || row.cover == .spouse, "a row outlives its ouvreur")
                }
            }
            if row.cover == .spouse {
                #expect(row.birthDate.age(on: dataset.options.assumptions.historyStart) >= 18)
                #expect(ouvreur.birthDate.age(on: dataset.options.assumptions.historyStart) >= 18)
            }
        }
        // Every person is covered by someone throughout the period, until death.
        let byPerson = Dictionary(grouping: entries, by: \.benIdtAno)
        let end = CalendarDate(year: dataset.options.years.upperBound, month: 12, day: 31)!
        for (person, rows) in byPerson {
            let lastEnd = rows.map { $0.validUntil ?? end.adding(days: 1) }.max()!
            let died = deaths[person].flatMap(CalendarDate.init(iso:))
            #expect(lastEnd > end || (died.map { lastEnd >= $0 } ?? false), "someone is left uncovered before the end")
        }
    }

    @Test func sameSexTwinsUnderOneOuvreurShareTheirPseudonymAndDifferByRank() throws {
        let rows = try dataset.referential()
        let byPseudonym = Dictionary(grouping: rows, by: { $0["BEN_NIR_PSA"] as String })
        let shared = byPseudonym.values.filter { $0.count >= 2 }
        #expect(shared.count >= 5, "too few pseudonyms shared by twins: \(shared.count)")
        for group in shared {
            let ranks = group.map { $0["BEN_RNG_GEM"] as Int }
            #expect(Set(ranks).count == group.count)
            #expect(Set(ranks) == Set(1...group.count))
            #expect(Set(group.map { $0["BEN_IDT_ANO"] as String }).count == group.count, "one person twice under one pseudonym")
            #expect(Set(group.map { ($0["BEN_SEX_COD"] as Int) }).count == 1)
            #expect(Set(group.map { ($0["BEN_NAI_ANN"] as String) + ($0["BEN_NAI_MOI"] as String) }).count == 1)
        }
        // The twins' entries agree: same ouvreur, same birth date.
        let entriesByPseudonym = Dictionary(grouping: entries, by: \.benNirPsa)
        for group in shared {
            let twins = entriesByPseudonym[group[0]["BEN_NIR_PSA"] as String]!
            #expect(Set(twins.map(\.ouvreurNIR)).count == 1)
            #expect(Set(twins.map(\.birthDate)).count == 1)
        }
        // (BEN_NIR_PSA, BEN_RNG_GEM) identifies a row, as in SNDS.
        let keys = rows.map { ($0["BEN_NIR_PSA"] as String) + "/" + String($0["BEN_RNG_GEM"] as Int) }
        #expect(Set(keys).count == rows.count)
    }

    @Test func somePeopleHaveSeveralPseudonymsTiedByOneBENIDTANO() throws {
        let rows = try dataset.referential()
        let byPerson = Dictionary(grouping: rows, by: { $0["BEN_IDT_ANO"] as String })
        let several = byPerson.filter { Set($0.value.map { $0["BEN_NIR_PSA"] as String }).count >= 2 }
        #expect(Double(several.count) / Double(byPerson.count) > 0.05)
        for (_, group) in several.prefix(200) {
            #expect(Set(group.map { $0["BEN_NAI_ANN"] as String }).count == 1)
            #expect(Set(group.map { $0["BEN_SEX_COD"] as Int }).count == 1)
            #expect(Set(group.map { $0["BEN_NIR_ANO"] as String }).count == 1)
        }
        #expect(dataset.manifest.population["personsWithSeveralBEN_NIR_PSA"] == several.count)
    }

    @Test func theReferentialAndTheCorrespondenceDescribeTheSameRows() throws {
        let rows = try dataset.referential()
        #expect(rows.count == entries.count)
        let fromEntries = Set(entries.map { "\($0.benNirPsa)/\($0.rank)/\($0.benIdtAno)" })
        let fromRows = Set(rows.map { "\($0["BEN_NIR_PSA"] as String)/\($0["BEN_RNG_GEM"] as Int)/\($0["BEN_IDT_ANO"] as String)" })
        #expect(fromEntries == fromRows)
    }
}
