import SNDSModel

/// Ties people into families: who covered whom as a child, who is whose partner, and which spouse
/// covered whom before 2016.
///
/// Parents are chosen among the people already drawn, at a plausible age gap, so every ouvreur de
/// droits is a beneficiary of the same synthetic SNDS — as in the real one, where a parent's NIR
/// opens the rights of their children. Children live with their first covering parent (same
/// commune, same moves), so the département a child's pseudonym shows matches its parent's.
struct FamilyLinker {
    let assumptions: IdentityAssumptions
    let seed: UInt64

    private struct Key: Hashable {
        let departement: Departement?
        let sex: Sex
        let birthYear: Int
    }

    func link(_ population: inout Population) {
        var rng = SeededGenerator.stream(seed: seed, purpose: "family")
        var people = population.people
        let start = population.start
        // Adults on the first 1 January, by place, sex and birth year (and nationally).
        var adults: [Key: [Int]] = [:]
        for p in people where !p.bornDuringPeriod && p.birthDate.age(on: start) >= assumptions.adulthoodAge {
            adults[Key(departement: p.residence.departement, sex: p.sex, birthYear: p.birthDate.year), default: []].append(p.id)
            adults[Key(departement: nil, sex: p.sex, birthYear: p.birthDate.year), default: []].append(p.id)
        }

        for i in people.indices {
            let p = people[i]
            // Covered by a parent on the first 1 January (some come of age during the period).
            let isChild = p.bornDuringPeriod || p.birthDate.age(on: start) < assumptions.adulthoodAge
            if p.birthRank == 2, let twin = p.twin, twin < i {
                // Twins share their parents (and so, when of the same sex, their pseudonym).
                people[i].coveringParents = people[twin].coveringParents
            } else if p.bornDuringPeriod {
                if let mother = p.coveringParents.first, rng.chance(assumptions.coveredByBothParents),
                    let other = partner(of: mother, &people, adults, &rng), other != i,
                    canCover(people[other], childBornOn: p.birthDate)
                {
                    people[i].coveringParents.append(other)
                }
            } else {
                let wasMinorInHistory = p.birthday(assumptions.adulthoodAge) > assumptions.historyStart
                guard isChild || (wasMinorInHistory && rng.chance(assumptions.youngAdultKeepsChildPseudonym)) else {
                    continue
                }
                let local = isChild || rng.chance(0.5)
                guard let first = parent(for: p, local: local, people, adults, &rng) else { continue }
                people[i].coveringParents = [first]
                if rng.chance(assumptions.coveredByBothParents),
                    let other = partner(of: first, &people, adults, &rng), other != i,
                    canCover(people[other], childBornOn: p.birthDate)
                {
                    people[i].coveringParents.append(other)
                }
            }
            if isChild, let home = people[i].coveringParents.first { liveWith(home, child: i, &people) }
        }

        // Spouses covered by their partner before the 2016 reform keep that former pseudonym; both
        // were adults when the referential's history starts.
        let adultThen = { (p: Person) in p.birthDate.age(on: self.assumptions.historyStart) >= self.assumptions.adulthoodAge }
        for i in people.indices where !people[i].bornDuringPeriod && people[i].birthDate.age(on: start) >= 45 && adultThen(people[i]) {
            let share = people[i].sex == .female ? assumptions.formerSpouseCoverWomen : assumptions.formerSpouseCoverMen
            guard rng.chance(share), let spouse = partner(of: i, &people, adults, &rng), adultThen(people[spouse]) else { continue }
            people[i].formerSpouseCover = spouse
        }
        population.people = people
    }

    /// A parent for `child` among adults of a plausible age, in the child's département if `local`.
    private func parent(
        for child: Person, local: Bool, _ people: [Person], _ adults: [Key: [Int]],
        _ rng: inout SeededGenerator
    ) -> Int? {
        let motherFirst = rng.chance(assumptions.motherFirstShare)
        for sex in motherFirst ? [Sex.female, .male] : [.male, .female] {
            let mean = sex == .female ? assumptions.motherAgeMean : assumptions.fatherAgeMean
            let gap = Int(rng.normal(mean: mean, sd: assumptions.parentAgeSD).rounded())
            let targetYear = child.birthDate.year - min(max(gap, 17), 50)
            for place in local ? [child.residence.departement, nil] : [nil] {
                for offset in [0, -1, 1, -2, 2, -3, 3, -4, 4] {
                    let year = targetYear + offset
                    guard child.birthDate.year - year >= 17,
                        let candidates = adults[Key(departement: place, sex: sex, birthYear: year)]
                    else { continue }
                    let pick = rng.pick(candidates)
                    if pick != child.id, canCover(people[pick], childBornOn: child.birthDate) { return pick }
                }
            }
        }
        return nil
    }

    /// A parent is alive at the birth and at least 16 then.
    private func canCover(_ parent: Person, childBornOn birth: CalendarDate) -> Bool {
        parent.isAlive(on: birth) && parent.birthDate.age(on: birth) >= 16
    }

    /// The partner of `id`, found once and kept: someone of the other sex, in the same
    /// département, of a close age, without a partner yet.
    private func partner(of id: Int, _ people: inout [Person], _ adults: [Key: [Int]], _ rng: inout SeededGenerator) -> Int? {
        if let known = people[id].partner { return known }
        let me = people[id]
        let olderIfMan = Int(rng.normal(mean: 2.5, sd: 3).rounded())
        let target = me.birthDate.year + (me.sex == .female ? -olderIfMan : olderIfMan)
        for offset in [0, -1, 1, -2, 2, -3, 3] {
            guard
                let candidates = adults[
                    Key(
                        departement: me.residence.departement, sex: me.sex.opposite,
                        birthYear: target + offset)]
            else { continue }
            for _ in 0..<3 {
                let pick = rng.pick(candidates)
                if pick != id, people[pick].partner == nil {
                    people[id].partner = pick
                    people[pick].partner = id
                    return pick
                }
            }
        }
        return nil
    }

    /// A child shares the home of the parent they live with, and its moves after the child's birth.
    private func liveWith(_ parent: Int, child: Int, _ people: inout [Person]) {
        let home = people[parent]
        people[child].residence = home.residence
        if let moved = home.movedOn, moved > people[child].birthDate {
            people[child].previousResidence = home.previousResidence
            people[child].movedOn = moved
        } else {
            people[child].previousResidence = nil
            people[child].movedOn = nil
        }
    }
}
