import SNDSModel

/// The synthetic population over the generated years.
public struct Population: Sendable {
    public internal(set) var people: [Person]
    /// The years generated, consecutive.
    public let years: ClosedRange<Int>
    /// 1 January of the first year: the population is drawn as it stands that day.
    public var start: CalendarDate { CalendarDate(year: years.lowerBound, month: 1, day: 1)! }
    /// 31 December of the last year.
    public var end: CalendarDate { CalendarDate(year: years.upperBound, month: 12, day: 31)! }
}

/// Draws people like France's population and gives them births, NIRs, deaths and moves.
///
/// Steps, each on its own random stream so that changing one leaves the others' draws intact:
/// 1. people alive on the first 1 January, by INSEE's département × sex × age figures, some with
///    a twin; 2. a commune of residence; 3. a place of birth (abroad, locally or elsewhere in
///    France); 4. a NIR valid by construction, unique, consecutive for twins; 5. deaths by age and
///    sex; 6. adults' moves between départements; 7. births over the years, to women of the
///    population (after the moves, so a newborn is born where its mother lives that day).
/// Family ties (who covers whom) are added afterwards by ``FamilyLinker``.
struct PopulationBuilder {
    let reference: SynthesisReference
    let assumptions: IdentityAssumptions
    let seed: UInt64
    let years: ClosedRange<Int>

    private var departementSampler: WeightedSampler
    private var departements: [Departement]

    init(reference: SynthesisReference, assumptions: IdentityAssumptions, seed: UInt64, years: ClosedRange<Int>) {
        self.reference = reference
        self.assumptions = assumptions
        self.seed = seed
        self.years = years
        let byDepartement = reference.population.byDepartement.sorted { $0.key < $1.key }
        departements = byDepartement.map(\.key)
        departementSampler = WeightedSampler(weights: byDepartement.map { Double($0.value) })
    }

    func build(size: Int) -> Population {
        var population = Population(people: [], years: years)
        var people = drawPeople(size: size)
        placeBirths(&people)
        assignNIRs(&people)
        applyDeaths(&people, from: 0)
        // Moves before births: a newborn's NIR names the commune where its mother lived that day.
        applyMoves(&people, start: population.start, end: population.end)
        addBirths(&people)
        applyDeaths(&people, from: people.firstIndex { $0.bornDuringPeriod } ?? people.count)
        population.people = people
        return population
    }

    // MARK: 1–2. People alive on the first 1 January, and where they live.

    private func drawPeople(size: Int) -> [Person] {
        var rng = SeededGenerator.stream(seed: seed, purpose: "population")
        let cells = reference.population.cells
        let sampler = WeightedSampler(weights: cells.map { Double($0.population) })
        let start = CalendarDate(year: years.lowerBound, month: 1, day: 1)!
        var people: [Person] = []
        people.reserveCapacity(size)
        while people.count < size {
            let cell = cells[sampler.sample(using: &rng)]
            // 95+: fewer at each year of age (about one in six 95+ is a centenarian, as in France).
            let age = cell.ageMax >= 100 ? cell.ageMin + min(geometric(0.3, &rng), 14) : rng.uniform(in: cell.ageMin...cell.ageMax)
            // Born in the year ending on the `age`-th birthday before `start`.
            let latest = start.adding(years: -age)
            let earliest = start.adding(years: -(age + 1)).adding(days: 1)
            let birth = earliest.adding(days: rng.uniform(earliest.days(until: latest) + 1))
            let residence = Residence(
                departement: cell.departement,
                commune: reference.geography.commune(in: cell.departement, using: &rng))
            let id = people.count
            people.append(person(id: id, sex: cell.sex, birth: birth, residence: residence, newborn: false, rng: &rng))
            if people.count < size, rng.chance(assumptions.twinChance(birthYear: birth.year)) {
                let sameSex = rng.chance(assumptions.sameSexTwinShare)
                // Adult twins often live apart; children live together.
                var twinResidence = residence
                if age >= assumptions.adulthoodAge, rng.chance(0.5) {
                    let elsewhere = departements[departementSampler.sample(using: &rng)]
                    twinResidence = Residence(departement: elsewhere, commune: reference.geography.commune(in: elsewhere, using: &rng))
                }
                var twin = person(
                    id: id + 1, sex: sameSex ? cell.sex : cell.sex.opposite, birth: birth,
                    residence: twinResidence, newborn: false, rng: &rng)
                twin.twin = id
                twin.birthRank = 2
                people[id].twin = id + 1
                people.append(twin)
            }
        }
        return people
    }

    private func person(
        id: Int, sex: Sex, birth: CalendarDate, residence: Residence, newborn: Bool,
        rng: inout SeededGenerator
    ) -> Person {
        Person(
            id: id, sex: sex, birthDate: birth, birthPlace: "", nir: NIR.placeholder, residence: residence,
            previousResidence: nil, movedOn: nil, deathDate: nil, twin: nil, birthRank: 1, coveringParents: [],
            formerSpouseCover: nil, partner: nil,
            affiliation: reference.affiliation.body(for: residence.departement, using: &rng),
            bornDuringPeriod: newborn)
    }

    private func geometric(_ p: Double, _ rng: inout SeededGenerator) -> Int {
        var k = 0
        while !rng.chance(p) { k += 1 }
        return k
    }

    // MARK: 3. Place of birth.

    private func placeBirths(_ people: inout [Person]) {
        var rng = SeededGenerator.stream(seed: seed, purpose: "birthplace")
        let start = CalendarDate(year: years.lowerBound, month: 1, day: 1)!
        for i in people.indices {
            if people[i].birthRank == 2, let twin = people[i].twin {
                people[i].birthPlace = people[twin].birthPlace
                continue
            }
            people[i].birthPlace = birthPlace(
                age: people[i].birthDate.age(on: start), birth: people[i].birthDate,
                residence: people[i].residence, rng: &rng)
        }
    }

    private func birthPlace(age: Int, birth: CalendarDate, residence: Residence, rng: inout SeededGenerator) -> String {
        if rng.chance(assumptions.bornAbroadShare(age: age)) {
            return reference.countries.birthPlace(using: &rng)
        }
        let departement =
            rng.chance(assumptions.bornLocallyShare(age: age))
            ? residence.departement : departements[departementSampler.sample(using: &rng)]
        let commune = reference.geography.commune(in: departement, using: &rng)
        return Geography.nirBirthPlace(departement: departement, commune: commune, birthDate: birth)
    }

    // MARK: 4. NIRs.

    private func assignNIRs(_ people: inout [Person], from first: Int = 0) {
        var rng = SeededGenerator.stream(seed: seed &+ UInt64(first), purpose: "nir")
        var used = Set<String>(people[..<first].map(\.nir.body))
        for i in first..<people.count {
            if people[i].birthRank == 2, let twin = people[i].twin, twin < i {
                // The co-twin's order number follows its sibling's (same month, same commune).
                let sibling = people[twin].nir
                let order = Int(sibling.body.suffix(3))! % 999 + 1
                people[i].nir = nir(for: people[i], order: order)
                if used.insert(people[i].nir.body).inserted { continue }
            }
            while true {
                let candidate = nir(for: people[i], order: rng.uniform(in: 1...999))
                if used.insert(candidate.body).inserted {
                    people[i].nir = candidate
                    break
                }
            }
        }
    }

    private func nir(for person: Person, order: Int) -> NIR {
        NIR(
            sexDigit: person.sex.code, birthYear: person.birthDate.year, birthMonth: person.birthDate.month,
            birthPlace: person.birthPlace, order: order)
    }

    // MARK: 5. Deaths.

    private func applyDeaths(_ people: inout [Person], from first: Int) {
        var rng = SeededGenerator.stream(seed: seed &+ UInt64(first), purpose: "deaths")
        for i in first..<people.count {
            for year in years {
                let yearStart = CalendarDate(year: year, month: 1, day: 1)!
                let yearEnd = CalendarDate(year: year, month: 12, day: 31)!
                guard people[i].deathDate == nil, people[i].birthDate <= yearEnd else { continue }
                let from = max(yearStart, people[i].birthDate)
                let exposure = Double(from.days(until: yearEnd) + 1) / Double(CalendarDate.daysInYear(year))
                let age = people[i].birthDate.age(on: from)
                if rng.chance(reference.mortality.annualProbability(sex: people[i].sex, age: age) * exposure) {
                    people[i].deathDate = from.adding(days: rng.uniform(from.days(until: yearEnd) + 1))
                }
            }
        }
    }

    // MARK: 6. Births.

    private func addBirths(_ people: inout [Person]) {
        var rng = SeededGenerator.stream(seed: seed, purpose: "births")
        let firstNewborn = people.count
        // Women by birth year, for choosing mothers.
        var womenByBirthYear: [Int: [Int]] = [:]
        for p in people where p.sex == .female { womenByBirthYear[p.birthDate.year, default: []].append(p.id) }
        let baseSize = Double(firstNewborn)
        for year in years {
            let count = rng.poisson(baseSize * assumptions.birthsPerThousand / 1000)
            for _ in 0..<count {
                let day = CalendarDate(year: year, month: 1, day: 1)!.adding(days: rng.uniform(CalendarDate.daysInYear(year)))
                guard let mother = chooseMother(on: day, womenByBirthYear, people, &rng) else { continue }
                let home = people[mother].residence(on: day)
                let sex: Sex = rng.chance(assumptions.maleBirthShare) ? .male : .female
                let id = people.count
                var baby = person(id: id, sex: sex, birth: day, residence: home, newborn: true, rng: &rng)
                baby.affiliation = people[mother].affiliation
                baby.birthPlace = Geography.nirBirthPlace(departement: home.departement, commune: home.commune, birthDate: day)
                baby.coveringParents = [mother]
                people.append(baby)
                if rng.chance(assumptions.twinChance(birthYear: year)) {
                    var twin = person(
                        id: id + 1, sex: rng.chance(assumptions.sameSexTwinShare) ? sex : sex.opposite,
                        birth: day, residence: home, newborn: true, rng: &rng)
                    twin.affiliation = baby.affiliation
                    twin.birthPlace = baby.birthPlace
                    twin.coveringParents = [mother]
                    twin.twin = id
                    twin.birthRank = 2
                    people[id].twin = id + 1
                    people.append(twin)
                }
            }
        }
        assignNIRs(&people, from: firstNewborn)
    }

    private func chooseMother(
        on day: CalendarDate, _ women: [Int: [Int]], _ people: [Person],
        _ rng: inout SeededGenerator
    ) -> Int? {
        for _ in 0..<8 {
            let age = Int(rng.normal(mean: assumptions.motherAgeMean, sd: assumptions.parentAgeSD).rounded())
            guard (16...46).contains(age), let candidates = women[day.year - age], !candidates.isEmpty else { continue }
            let mother = rng.pick(candidates)
            if people[mother].isAlive(on: day), people[mother].birthDate.age(on: day) >= 16 { return mother }
        }
        return nil
    }

    // MARK: 7. Moves.

    private func applyMoves(_ people: inout [Person], start: CalendarDate, end: CalendarDate) {
        var rng = SeededGenerator.stream(seed: seed, purpose: "moves")
        let yearsCount = Double(years.count)
        for i in people.indices {
            // Children move with the parent they live with (FamilyLinker), not on their own.
            guard people[i].birthDate.age(on: start) >= assumptions.adulthoodAge else { continue }
            let from = max(start, people[i].birthDate)
            let until = min(end, people[i].deathDate ?? end)
            guard from < until else { continue }
            let yearly = assumptions.moveChance(age: people[i].birthDate.age(on: start))
            let chance = 1 - pow1p(-yearly, yearsCount)
            guard rng.chance(chance) else { continue }
            var previous = people[i].residence.departement
            while previous == people[i].residence.departement {
                previous = departements[departementSampler.sample(using: &rng)]
            }
            people[i].previousResidence = Residence(
                departement: previous,
                commune: reference.geography.commune(in: previous, using: &rng))
            people[i].movedOn = from.adding(days: 1 + rng.uniform(from.days(until: until)))
        }
    }

    /// (1 + x)^n for small integer n, without Foundation.
    private func pow1p(_ x: Double, _ n: Double) -> Double {
        var result = 1.0
        for _ in 0..<Int(n) { result *= 1 + x }
        return result
    }
}

extension NIR {
    /// A structurally valid NIR used only as a placeholder while a person is being built.
    static let placeholder = NIR(sexDigit: 1, birthYear: 0, birthMonth: 1, birthPlace: "75056", order: 1)
}
