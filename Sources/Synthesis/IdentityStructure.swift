import Pseudonymisation
import SNDSModel

/// One row of the beneficiary referential IR_BEN_R before hashing: a person under one ouvreur de
/// droits, for a period.
public struct BeneficiaryRow: Sendable {
    /// Whose rights cover the person under this pseudonym.
    public enum Cover: String, Sendable, Codable {
        /// The person's own rights (their own NIR).
        case ownRights = "own"
        /// A parent's rights, as a child.
        case parent
        /// A spouse's rights, before the 2016 reform.
        case spouse
    }

    public let person: Int
    /// The person whose NIR is hashed (the ouvreur de droits); the person themself for own rights.
    public let ouvreur: Int
    public let cover: Cover
    /// BEN_RNG_GEM.
    public internal(set) var rank: Int
    public let validFrom: CalendarDate
    /// First day the row no longer applies; nil while it does.
    public let validUntil: CalendarDate?
    /// Index of this row's BEN_NIR_PSA in ``IdentityStructure/pseudonymInputs``.
    public internal(set) var pseudonym: Int

    public func isValid(on date: CalendarDate) -> Bool {
        validFrom <= date && (validUntil.map { date < $0 } ?? true)
    }
}

/// The SNDS identity structure of a population: its IR_BEN_R rows, their ranks, and what must be
/// hashed.
///
/// BEN_NIR_PSA hashes (ouvreur's NIR, beneficiary's birth date, beneficiary's sex), so rows that
/// agree on those three share a pseudonym: same-sex twins covered by one parent, or an ouvreur and
/// a dependant born the same day. Within such a group BEN_RNG_GEM tells rows apart — 1 for the
/// ouvreur's own row, then in order of birth — as in SNDS's rule.
public struct IdentityStructure: Sendable {
    public let rows: [BeneficiaryRow]
    /// Distinct BEN_NIR_PSA inputs; `rows[i].pseudonym` indexes them.
    public let pseudonymInputs: [PseudonymInput]

    init(population: Population, assumptions: IdentityAssumptions) {
        let people = population.people
        var rows: [BeneficiaryRow] = []
        rows.reserveCapacity(people.count * 13 / 10)
        for p in people {
            let adulthood = p.birthday(assumptions.adulthoodAge)
            // A parent covers a child until the child's 18th birthday, or until the parent dies.
            var coveredUntil = p.birthDate
            for parent in p.coveringParents {
                let until = min(adulthood, people[parent].deathDate ?? adulthood)
                guard until > p.birthDate else { continue }
                rows.append(
                    BeneficiaryRow(
                        person: p.id, ouvreur: parent, cover: .parent, rank: 0,
                        validFrom: p.birthDate, validUntil: until, pseudonym: -1))
                coveredUntil = max(coveredUntil, until)
            }
            if let spouse = p.formerSpouseCover {
                rows.append(
                    BeneficiaryRow(
                        person: p.id, ouvreur: spouse, cover: .spouse, rank: 0,
                        validFrom: assumptions.historyStart, validUntil: assumptions.pumaReform,
                        pseudonym: -1))
            }
            // Own rights from adulthood — or as soon as no parent covers the child any more (no
            // parent in the population, or the parents died), a simplification of the guardian's
            // cover SNDS would show.
            let ownFrom = min(adulthood, coveredUntil)
            if ownFrom <= population.end, p.deathDate.map({ ownFrom < $0 }) ?? true {
                rows.append(
                    BeneficiaryRow(
                        person: p.id, ouvreur: p.id, cover: .ownRights, rank: 0,
                        validFrom: ownFrom, validUntil: nil, pseudonym: -1))
            }
        }

        struct GroupKey: Hashable {
            let ouvreur: Int
            let birthDate: CalendarDate
            let sex: Sex
        }
        var groups: [GroupKey: [Int]] = [:]
        var order: [GroupKey] = []
        for (i, row) in rows.enumerated() {
            let p = people[row.person]
            let key = GroupKey(ouvreur: row.ouvreur, birthDate: p.birthDate, sex: p.sex)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(i)
        }
        var inputs: [PseudonymInput] = []
        inputs.reserveCapacity(order.count)
        for key in order {
            let members = groups[key]!.sorted { a, b in
                let (ra, rb) = (rows[a], rows[b])
                if (ra.cover == .ownRights) != (rb.cover == .ownRights) { return ra.cover == .ownRights }
                let (pa, pb) = (people[ra.person], people[rb.person])
                return (pa.birthRank, pa.id) < (pb.birthRank, pb.id)
            }
            for (rank, i) in members.enumerated() {
                rows[i].rank = rank + 1
                rows[i].pseudonym = inputs.count
            }
            inputs.append(.beneficiary(ouvreur: people[key.ouvreur].nir, birthDate: key.birthDate, sex: key.sex))
        }
        self.rows = rows
        self.pseudonymInputs = inputs
    }

    /// Headline counts of the structure, for the manifest and the tests.
    func summary(of population: Population) -> [String: Int] {
        let people = population.people
        var pseudonymsPerPerson: [Int: Set<Int>] = [:]
        var ouvreursWithChildren = Set<Int>()
        var sharedPseudonyms: [Int: Int] = [:]
        for row in rows {
            pseudonymsPerPerson[row.person, default: []].insert(row.pseudonym)
            if row.cover == .parent { ouvreursWithChildren.insert(row.ouvreur) }
            sharedPseudonyms[row.pseudonym, default: 0] += 1
        }
        let twins = people.filter { $0.twin != nil && $0.birthRank == 2 }
        return [
            "persons": people.count,
            "personsOnFirstJanuary": people.filter { !$0.bornDuringPeriod }.count,
            "birthsDuringPeriod": people.filter(\.bornDuringPeriod).count,
            "deathsDuringPeriod": people.filter { $0.deathDate != nil }.count,
            "bornAbroad": people.filter { $0.birthPlace.hasPrefix("99") }.count,
            "movedDepartement": people.filter { $0.movedOn != nil }.count,
            "referentialRows": rows.count,
            "distinctBEN_NIR_PSA": pseudonymInputs.count,
            "personsWithSeveralBEN_NIR_PSA": pseudonymsPerPerson.values.filter { $0.count >= 2 }.count,
            "rowsCoveredByAParent": rows.filter { $0.cover == .parent }.count,
            "personsCoveredByBothParents": people.filter { $0.coveringParents.count == 2 }.count,
            "ouvreursWithChildren": ouvreursWithChildren.count,
            "rowsCoveredByASpouse": rows.filter { $0.cover == .spouse }.count,
            "twinPairs": twins.count,
            "sameSexTwinPairs": twins.filter { people[$0.twin!].sex == $0.sex }.count,
            "BEN_NIR_PSAWithSeveralRanks": sharedPseudonyms.values.filter { $0 >= 2 }.count,
        ]
    }
}
