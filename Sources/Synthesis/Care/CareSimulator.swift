import Foundation
import SNDSModel

/// Draws one person's care over the period from the care model: chronic conditions and their
/// treatments, outpatient contacts, acute and elective stays, births, and the end of life.
///
/// Pure per person: everything comes from a random stream seeded by the generation seed and the
/// person's id, so people can be simulated in any order, on any number of threads, and give the
/// same result. Rules it keeps: nothing before birth or after death (a stay may end on the day of
/// death, its exit mode then "death"); stays do not overlap, and no outpatient contact falls inside
/// one; care after discharge follows the stay; a condition acquired in a stay (an infarction
/// becoming coronary heart disease) is treated from discharge on.
struct CareSimulator {
    /// Stays chained by transfers, the event that started them (none for births and deaths), and
    /// their priority when episodes overlap (deaths 4, births 3, events 1).
    typealias Episode = (stays: [Stay], event: Int?, priority: Int)

    let model: CareModel
    let population: Population
    let establishments: EstablishmentDirectory
    let practitioners: PractitionerDirectory
    let drugs: DrugCatalogue
    let seed: UInt64

    private let start: Int
    private let end: Int
    private let seasons: [String: [Double]]
    /// Per rhythm: the weights of Monday…Sunday then of a holiday, scaled so the largest is 1.
    private let rhythms: [String: [Double]]
    private let holidays: Set<Int>
    private let serviceIndex: [String: Int]
    private let eventIndex: [String: Int]
    private let conditionIndex: [String: Int]
    /// Mother id → the first newborn of each of her deliveries during the period.
    private let deliveries: [Int: [Int]]
    /// Parent id → birth days of the children they cover (for a mother's parity).
    private let childrenBirthDays: [Int: [Int]]
    private let acuteDrugSampler: [String: WeightedSampler]
    private let lineCounts: [Int]
    private let lineSampler: WeightedSampler
    private let boxCounts: [Int]
    private let boxSampler: WeightedSampler

    init(
        model: CareModel, population: Population, establishments: EstablishmentDirectory,
        practitioners: PractitionerDirectory, drugs: DrugCatalogue, seed: UInt64
    ) {
        self.model = model
        self.population = population
        self.establishments = establishments
        self.practitioners = practitioners
        self.drugs = drugs
        self.seed = seed
        start = population.start.daysSinceEpoch
        end = population.end.daysSinceEpoch
        // Monthly weights scaled so the largest is 1, for rejection sampling of days.
        seasons = model.seasonality.mapValues { months in
            let top = months.max() ?? 1
            return months.map { top > 0 ? $0 / top : 1 }
        }
        rhythms = model.rhythms.mapValues { r in
            let weights = r.week + [r.holiday]
            let top = weights.max() ?? 1
            return weights.map { $0 / top }
        }
        holidays = PublicHolidays.days(in: population.start.year...population.end.year)
        serviceIndex = Dictionary(uniqueKeysWithValues: model.services.enumerated().map { ($1.id, $0) })
        eventIndex = Dictionary(uniqueKeysWithValues: model.hospitalEvents.enumerated().map { ($1.id, $0) })
        conditionIndex = Dictionary(uniqueKeysWithValues: model.conditions.enumerated().map { ($1.id, $0) })
        var deliveries: [Int: [Int]] = [:]
        for p in population.people where p.bornDuringPeriod && p.birthRank == 1 {
            if let mother = p.coveringParents.first { deliveries[mother, default: []].append(p.id) }
        }
        self.deliveries = deliveries
        var children: [Int: [Int]] = [:]
        for p in population.people {
            for parent in p.coveringParents { children[parent, default: []].append(p.birthDate.daysSinceEpoch) }
        }
        childrenBirthDays = children
        // Acute drugs: one sampler per month (seasons shift the weights).
        var samplers: [String: WeightedSampler] = [:]
        for month in 1...12 {
            let weights = model.acuteDrugs.drugs.map { d in d.weight * (d.seasonality.map { model.seasonality[$0]![month - 1] } ?? 1) }
            samplers[String(month)] = WeightedSampler(weights: weights)
        }
        acuteDrugSampler = samplers
        lineCounts = model.acuteDrugs.lines.keys.sorted()
        lineSampler = WeightedSampler(weights: lineCounts.map { model.acuteDrugs.lines[$0]! })
        boxCounts = model.acuteDrugs.boxes.keys.sorted()
        boxSampler = WeightedSampler(weights: boxCounts.map { model.acuteDrugs.boxes[$0]! })
    }

    /// A person's random stream for `purpose`, independent of every other person's.
    func stream(_ person: Int, _ purpose: String) -> SeededGenerator {
        var g = SeededGenerator.stream(seed: seed, purpose: purpose)
        let mix = g.next() ^ (UInt64(person) &* 0x9E37_79B9_7F4A_7C15)
        return SeededGenerator(seed: mix)
    }

    // MARK: - One person

    func simulate(_ id: Int) -> PersonCare {
        let p = population.people[id]
        var care = PersonCare()
        let birth = p.birthDate.daysSinceEpoch
        let deathDay = p.deathDate?.daysSinceEpoch
        let first = max(start, birth)
        // Last day of ordinary care: the day before death (a stay may end on the death day).
        let last = min(end, (deathDay ?? end + 1) - 1)
        guard first <= end, deathDay.map({ $0 >= first }) ?? true else { return care }
        var rng = stream(id, "care")
        let age = max(0, p.birthDate.age(on: CalendarDate(daysSinceEpoch: first)))
        let band = model.band(forAge: age)
        let dies = deathDay.map { $0 <= end } ?? false
        // Rates follow age: the period is cut into calendar-year segments, each with the age band
        // of its middle day (an infant born in June is in band 0 that year, band 1 the next).
        let segments = ageSegments(p, first: first, last: last)

        // Chronic conditions on the first day; people about to die are more often ill.
        var conditions: [(index: Int, since: Int)] = []
        if !p.bornDuringPeriod {
            for (ci, c) in model.conditions.enumerated() {
                var prevalence = c.prevalence.values(for: p.sex)[band]
                if dies, let m = c.deathMultiplier, prevalence > 0 { prevalence = prevalence * m / (prevalence * m + 1 - prevalence) }
                if rng.chance(prevalence) { conditions.append((ci, first)) }
            }
        }

        // Stays, as episodes (stays chained by transfers): births, incident events,
        // condition-driven events, end of life.
        var stays: [Episode] = []
        if p.bornDuringPeriod, p.birthRank == 1 || p.twin == nil, let mother = p.coveringParents.first {
            stays.append(([birthStay(newborn: p, mother: mother, twins: p.twin != nil)], nil, 3))
        } else if p.bornDuringPeriod, let twin = p.twin, let mother = p.coveringParents.first {
            stays.append(([birthStay(newborn: population.people[twin], mother: mother, twins: true, forTwin: p)], nil, 3))
        }
        for newborn in deliveries[id] ?? [] {
            stays.append(([deliveryStay(mother: p, newborn: population.people[newborn])], nil, 3))
        }
        if last >= first {
            for (ei, e) in model.hospitalEvents.enumerated() {
                guard let incidence = e.incidence else { continue }
                for segment in segments {
                    let count = rng.poisson(incidence.values(for: p.sex)[segment.band] / 100_000 * segment.years)
                    for _ in 0..<count {
                        let emergency = rng.chance(e.emergency)
                        let day = seasonalDay(segment.from, segment.to, e.seasonality, admissionRhythm(emergency), &rng)
                        if let stay = makeStay(e, on: day, emergency: emergency, person: p, conditions: conditions, rng: &rng) {
                            stays.append((episode(stay, e, person: p, rng: &rng), ei, 1))
                        }
                    }
                }
            }
            for (ci, since) in conditions {
                for s in model.conditions[ci].stays ?? [] {
                    guard let ei = eventIndex[s.event] else { continue }
                    let count = rng.poisson(s.perYear * Double(last - since + 1) / 365.25)
                    for _ in 0..<count {
                        let emergency = rng.chance(model.hospitalEvents[ei].emergency)
                        let day = seasonalDay(since, last, model.hospitalEvents[ei].seasonality, admissionRhythm(emergency), &rng)
                        if let stay = makeStay(
                            model.hospitalEvents[ei], on: day, emergency: emergency, person: p, conditions: conditions,
                            condition: model.conditions[ci], rng: &rng)
                        {
                            stays.append((episode(stay, model.hospitalEvents[ei], person: p, rng: &rng), ei, 1))
                        }
                    }
                }
            }
        }
        var cause: String?
        if dies, let deathDay {
            cause = causeOfDeath(p, conditions: conditions.map(\.index), age: age, rng: &rng)
            let ageAtDeath = p.birthDate.age(on: CalendarDate(daysSinceEpoch: deathDay))
            let inHospital = rng.chance(model.endOfLife.inHospitalShare.values(for: p.sex)[model.band(forAge: ageAtDeath)])
            // A newborn who dies during its birth stay dies in that stay; a patient may die in
            // rehabilitation or at home in HAD after an acute stay.
            let diesInAStay = stays.contains { $0.stays.last!.exit == deathDay && $0.stays.last!.diedInStay }
            if inHospital, !diesInAStay {
                stays.append(([terminalStay(p, deathDay: deathDay, cause: cause!, conditions: conditions, rng: &rng)], nil, 4))
            } else if !diesInAStay, let homeCare = palliativeHomeCare(p, deathDay: deathDay, conditions: conditions, rng: &rng) {
                stays.append(([homeCare], nil, 4))
            }
        }
        // An episode whose first stay is still open on the last 31 December belongs to the next
        // (ungenerated) year; so does a later stay of an episode still open (an SSR stay after a
        // December fracture): the acute stay says where the patient went, the next year's files
        // hold the rest. The patient is busy during it all the same.
        let kept = nonOverlapping(stays.filter { $0.stays[0].exit <= end })
        care.stays = kept.flatMap { $0.stays.filter { $0.exit <= end } }
        let busy = kept.flatMap(\.stays)

        // Transports: home after a stay (more often the older the patient), there and back for a
        // share of sessions (a session's exit mode is home too); none after a death or a transfer.
        var travel = stream(id, "transport")
        let transport = model.transport
        // Births and deliveries go home as families do, without a prescribed transport.
        for stay in care.stays where stay.field == .mco && stay.exitMode == "8" && !stay.dp.hasPrefix("Z38") && !stay.dp.hasPrefix("O8") {
            let session = stay.ghm.hasPrefix("28")
            let ageThen = p.birthDate.age(on: CalendarDate(daysSinceEpoch: stay.exit))
            let share = session ? transport.sessionShare : transport.stayShare.values(for: p.sex)[model.band(forAge: ageThen)]
            guard travel.chance(share) else { continue }
            // Sessions go by taxi or VSL; ambulances for the frail after a stay.
            let modes = transport.modes.indices.filter { !session || transport.modes[$0].nature != 4212 }
            let mode = modes[pickIndex(modes.map { transport.modes[$0].weight }, &travel)]
            care.trips.append(
                Trip(day: stay.exit, mode: mode, establishment: stay.establishment, roundTrip: session, fullRate: session))
        }

        // After each stay: acquired conditions, follow-up care.
        var regimens: [Regimen] = []
        var extraVisits: [(service: Int, perYear: Double, from: Int, until: Int, fullRate: Bool, biology: [Int])] = []
        for (episodeStays, event, _) in kept {
            guard let ei = event else { continue }
            // Follow-up care starts when the patient goes home, after acute care or after
            // rehabilitation, prescribed by the establishment they leave.
            let home = episodeStays.last!.exit
            let e = model.hospitalEvents[ei]
            if let becomes = e.becomes, let ci = conditionIndex[becomes], !conditions.contains(where: { $0.index == ci }) {
                conditions.append((ci, home + 1))
            }
            if let followUp = e.followUp {
                let until = min(last, home + followUp.months * 30)
                for d in followUp.drugs ?? [] where rng.chance(d.share) {
                    regimens.append(
                        Regimen(
                            atc: d.atc, everyDays: d.everyDays, from: home + 1, until: until,
                            fullRate: false, hospital: episodeStays.last!.establishment, hospitalUntil: home + 31,
                            hospitalSpecialty: followUp.prescriberSpecialty ?? 1))
                }
                for v in followUp.visits ?? [] {
                    if let si = serviceIndex[v.service] { extraVisits.append((si, v.perYear, home + 1, until, false, [])) }
                }
            }
        }
        // Which conditions are exempted as long-term conditions (a draw of its own, so the share
        // changes nothing else).
        var exemption = stream(id, "ald")
        for (ci, since) in conditions {
            let c = model.conditions[ci]
            let ald = c.ald != nil && exemption.chance(c.aldShare ?? 1)
            if ald { care.longTermConditions.append((ci, since)) }
            for d in c.drugs ?? [] where rng.chance(d.share) {
                regimens.append(
                    Regimen(
                        atc: d.atc, everyDays: d.everyDays, from: since, until: last,
                        fullRate: ald, hospital: nil, hospitalUntil: 0, hospitalSpecialty: 1))
            }
            for v in c.visits ?? [] {
                if let si = serviceIndex[v.service] { extraVisits.append((si, v.perYear, since, last, ald, [])) }
            }
            if let biology = c.biologyPerYear, let si = serviceIndex["biology"] {
                extraVisits.append((si, biology, since, last, ald, c.biologyActs ?? []))
            }
        }
        care.conditions = conditions.map(\.index)

        // Outpatient contacts, outside stays.
        if last >= first {
            var gpByDepartement: [Departement: String] = [:]
            func ownGP(_ day: Int) -> String {
                let home = p.residence(on: CalendarDate(daysSinceEpoch: day)).departement
                if let gp = gpByDepartement[home] { return gp }
                var pick = stream(id, "gp-\(home.code)")
                let gp = practitioners.pick(.gp, in: home, using: &pick)
                gpByDepartement[home] = gp
                return gp
            }
            var contactDays: [(service: Int, day: Int, fullRate: Bool, biology: [Int])] = []
            // How much this person consults, beyond age and sex (mean 1): care for their
            // conditions and after their stays comes on top, whatever it is.
            var propensityDraw = stream(id, "propensity")
            let propensity = propensityDraw.gamma(shape: model.propensityShape) / model.propensityShape
            for (si, s) in model.services.enumerated() {
                for segment in segments {
                    let rate = s.rate.values(for: p.sex)[segment.band] * propensity
                    guard rate > 0 else { continue }
                    if let months = s.months {
                        // Seasonal one-off services (vaccines): at most once in each year's months.
                        let year = CalendarDate(daysSinceEpoch: segment.from).year
                        if rng.chance(min(1, rate)), let day = dayInMonths(months, year: year, segment.from, segment.to, s.rhythm, &rng) {
                            contactDays.append((si, day, false, []))
                        }
                        continue
                    }
                    let count = rng.poisson(rate * segment.years)
                    for _ in 0..<count { contactDays.append((si, seasonalDay(segment.from, segment.to, s.seasonality, s.rhythm, &rng), false, [])) }
                }
            }
            for v in extraVisits where v.until >= v.from {
                let count = rng.poisson(v.perYear * Double(v.until - v.from + 1) / 365.25)
                for _ in 0..<count {
                    let s = model.services[v.service]
                    contactDays.append((v.service, seasonalDay(v.from, v.until, s.seasonality, s.rhythm, &rng), v.fullRate, v.biology))
                }
            }
            contactDays.sort { ($0.day, $0.service) < ($1.day, $1.service) }
            for (si, day, fullRate, conditionTests) in contactDays where !inStay(day, busy) {
                let s = model.services[si]
                let ageThen = p.birthDate.age(on: CalendarDate(daysSinceEpoch: day))
                // A service billing acts bills one the patient can have; none, no visit.
                var act = s.act.flatMap { rng.chance($0.share) ? $0.code : nil }
                if let acts = s.acts {
                    let allowed = acts.filter { $0.allows(p.sex, age: ageThen) }
                    guard !allowed.isEmpty else { continue }
                    act = allowed[pickIndex(allowed.map(\.weight), &rng)].code
                }
                let home = p.residence(on: CalendarDate(daysSinceEpoch: day)).departement
                let executor: String
                var prescriber: String?
                switch CareModel.Executor(rawValue: s.executor)! {
                case .gp:
                    executor = rng.chance(practitioners.rules.ownGPShare) ? ownGP(day) : practitioners.pick(.gp, in: home, using: &rng)
                case .specialist:
                    executor = practitioners.pick(.specialist, specialty: s.specialty, in: home, using: &rng)
                    // Imaging is prescribed, by the patient's own doctor.
                    if s.acts != nil { prescriber = ownGP(day) }
                case let other:
                    executor = practitioners.pick(other, in: home, using: &rng)
                    prescriber = other == .pharmacy || other == .dentist ? nil : ownGP(day)
                }
                var establishment: Establishment?
                if let share = s.hospitalShare, rng.chance(share) {
                    establishment = establishments.site(for: .public, home: home, using: &rng)
                }
                let product = s.drug.flatMap { drugs.presentation(of: $0, using: &rng) }
                var contact = Contact(
                    day: day, service: si, executor: executor, prescriber: prescriber,
                    establishment: establishment, act: act, fullRate: fullRate, product: product)
                if CareModel.Executor(rawValue: s.executor) == .lab {
                    contact.biologyActs = biologyActs(sex: p.sex, age: ageThen, required: conditionTests, rng: &rng)
                }
                care.contacts.append(contact)
                if let chance = s.prescription, rng.chance(chance) {
                    let delay = rng.chance(0.7) ? 0 : (rng.chance(0.66) ? 1 : 2)
                    let dispensingDay = openDay(day + delay, model.dispensingRhythm, &rng)
                    guard dispensingDay <= last, !inStay(dispensingDay, busy) else { continue }
                    let lines = acuteLines(on: dispensingDay, age: age, rng: &rng)
                    if !lines.isEmpty {
                        care.dispensations.append(
                            Dispensation(
                                day: dispensingDay, pharmacy: practitioners.pick(.pharmacy, in: home, using: &rng),
                                prescriber: executor, prescriberSpecialty: s.specialty ?? 1,
                                prescribingEstablishment: nil,
                                prescriptionDay: day, lines: lines))
                    }
                }
            }

            // Sick leaves of people in work: spells through the year, and after a stay of some days.
            var work = stream(id, "work")
            let leave = model.sickLeave
            if work.chance(leave.employedShare.values(for: p.sex)[band]) {
                var starts: [(day: Int, length: Int)] = []
                for segment in segments where leave.employedShare.values(for: p.sex)[segment.band] > 0 {
                    for _ in 0..<work.poisson(leave.perYear * segment.years) {
                        starts.append((seasonalDay(segment.from, segment.to, "respiratory", "office", &work), length(leave.length, &work)))
                    }
                }
                // After a stay of some days, while of working age; a delivery is maternity leave, not
                // sickness.
                for stay in care.stays
                where stay.field == .mco && stay.lengthOfStay >= leave.afterStayFromDays && !stay.diedInStay && !stay.dp.hasPrefix("O8")
                    && leave.employedShare.values(for: p.sex)[model.band(forAge: p.birthDate.age(on: CalendarDate(daysSinceEpoch: stay.entry)))] > 0
                {
                    if work.chance(leave.afterStayShare) { starts.append((stay.entry, stay.lengthOfStay + length(leave.afterStayLength, &work))) }
                }
                let allowance = leave.dailyAllowance[0] + work.unit() * (leave.dailyAllowance[1] - leave.dailyAllowance[0])
                var coveredUntil = Int.min
                for (day, days) in starts.sorted(by: { $0.day < $1.day }) where day > coveredUntil {
                    let lastDay = min(last, day + days - 1)
                    let firstPaid = day + leave.waitingDays
                    guard firstPaid <= lastDay else { continue }
                    care.sickLeaves.append(
                        SickLeaveSpell(
                            firstPaidDay: firstPaid, lastDay: lastDay, dailyAllowance: (allowance * 100).rounded() / 100,
                            prescriber: ownGP(day)))
                    coveredUntil = lastDay
                }
            }

            // Chronic and follow-up treatments: a monthly visit to the pharmacy.
            if !regimens.isEmpty {
                care.dispensations += chronicDispensations(
                    regimens, first: first, last: last, stays: busy,
                    person: p, ownGP: ownGP, rng: &rng)
            }
        }
        care.dispensations.sort { $0.day < $1.day }
        if dies, let deathDay, let cause {
            care.death = deathRecord(
                p, day: deathDay, cause: cause, conditions: conditions.map(\.index),
                terminal: care.stays.last.flatMap { $0.diedInStay ? $0 : nil }, rng: &rng)
        }
        return care
    }

    /// The NABM acts of a laboratory visit: the condition's own, then acts drawn by weight
    /// (without repeating one) among those allowed at the patient's sex and age, up to the
    /// visit's drawn count.
    private func biologyActs(sex: Sex, age: Int, required: [Int], rng: inout SeededGenerator) -> [Int] {
        let b = model.biology
        let counts = b.actsPerVisit.keys.sorted()
        let count = counts[pickIndex(counts.map { b.actsPerVisit[$0]! }, &rng)]
        var acts = required
        var pool = b.acts.filter { $0.allows(sex, age: age) && !required.contains($0.code) }
        while acts.count < max(count, required.count), !pool.isEmpty {
            let i = pickIndex(pool.map(\.weight), &rng)
            acts.append(pool.remove(at: i).code)
        }
        return acts
    }

    // MARK: - Days

    /// Calendar-year pieces of [first, last] with the age band of each piece's middle day.
    private func ageSegments(_ p: Person, first: Int, last: Int) -> [(from: Int, to: Int, band: Int, years: Double)] {
        guard last >= first else { return [] }
        var result: [(Int, Int, Int, Double)] = []
        var from = first
        while from <= last {
            let year = CalendarDate(daysSinceEpoch: from).year
            let to = min(last, CalendarDate(year: year, month: 12, day: 31)!.daysSinceEpoch)
            let middle = CalendarDate(daysSinceEpoch: (from + to) / 2)
            result.append((from, to, model.band(forAge: max(0, p.birthDate.age(on: middle))), Double(to - from + 1) / 365.25))
            from = to + 1
        }
        return result
    }

    /// A day in [from, to], months weighted by the seasonality profile and days by the weekly and
    /// holiday rhythm (rejection sampling on their product).
    private func seasonalDay(_ from: Int, _ to: Int, _ season: String?, _ rhythm: String, _ rng: inout SeededGenerator) -> Int {
        guard to > from else { return from }
        let months = season.flatMap { seasons[$0] }
        let days = rhythms[rhythm]!
        for _ in 0..<256 {
            let day = from + rng.uniform(to - from + 1)
            let monthWeight = months.map { $0[CalendarDate(daysSinceEpoch: day).month - 1] } ?? 1
            if rng.unit() < monthWeight * dayWeight(day, days) { return day }
        }
        return from + rng.uniform(to - from + 1)
    }

    /// The weight of a day in a rhythm: the holiday's on a public holiday, else its weekday's.
    private func dayWeight(_ day: Int, _ weights: [Double]) -> Double {
        holidays.contains(day) ? weights[7] : weights[CalendarDate.weekday(daysSinceEpoch: day) - 1]
    }

    /// The day care planned for `day` happens under a rhythm: that day, or, when it is closed (by
    /// the day's weight), the next open one, up to three days later.
    private func openDay(_ day: Int, _ rhythm: String, _ rng: inout SeededGenerator) -> Int {
        let weights = rhythms[rhythm]!
        var candidate = day
        while candidate < day + 3, rng.unit() >= dayWeight(candidate, weights) { candidate += 1 }
        return candidate
    }

    private func admissionRhythm(_ emergency: Bool) -> String {
        emergency ? model.admissions.emergency : model.admissions.scheduled
    }

    private func dayInMonths(
        _ months: [Int], year: Int, _ first: Int, _ last: Int, _ rhythm: String, _ rng: inout SeededGenerator
    ) -> Int? {
        let weights = rhythms[rhythm]!
        var day = 0
        for _ in 0..<16 {
            let month = months[rng.uniform(months.count)]
            day = CalendarDate(year: year, month: month, day: 1 + rng.uniform(CalendarDate.daysInMonth(year: year, month: month)))!.daysSinceEpoch
            if rng.unit() < dayWeight(day, weights) { break }
        }
        return (first...last).contains(day) ? day : nil
    }

    private func inStay(_ day: Int, _ stays: [Stay]) -> Bool {
        stays.contains { day >= $0.entry && day <= $0.exit }
    }

    // MARK: - Stays

    private func length(_ d: CareModel.Duration, _ rng: inout SeededGenerator) -> Int {
        guard d.max > d.min else { return d.min }
        let v: Int
        if d.shape == .lognormal, d.mean > 0 {
            // The log-normal of this mean and standard deviation.
            let sigma2 = log1p(d.sd * d.sd / (d.mean * d.mean))
            let mu = log(d.mean) - sigma2 / 2
            v = Int(exp(rng.normal(mean: mu, sd: sigma2.squareRoot())).rounded())
        } else {
            v = Int(rng.normal(mean: d.mean, sd: d.sd).rounded())
        }
        return min(d.max, max(d.min, v))
    }

    private func pickDiagnosis(
        _ choices: [String: CareModel.DiagnosisChoice], _ rng: inout SeededGenerator
    )
        -> (code: String, choice: CareModel.DiagnosisChoice)
    {
        let code = pickCode(choices.mapValues(\.weight), &rng)
        return (code, choices[code]!)
    }

    /// An index drawn in proportion to positive weights (short lists: a linear scan).
    private func pickIndex(_ weights: [Double], _ rng: inout SeededGenerator) -> Int {
        var draw = rng.unit() * weights.reduce(0, +)
        for (i, w) in weights.enumerated() {
            draw -= w
            if draw < 0 { return i }
        }
        return weights.count - 1
    }

    private func pickCode(_ weights: [String: Double], _ rng: inout SeededGenerator) -> String {
        let keys = weights.keys.sorted()
        let total = keys.reduce(0) { $0 + weights[$1]! }
        var draw = rng.unit() * total
        for key in keys {
            draw -= weights[key]!
            if draw < 0 { return key }
        }
        return keys.last!
    }

    /// The full GHM from its root and the length of stay, following the classification's
    /// conventions: sessions (CMD 28) end in Z; obstetrics and newborns (CMD 14, 15) take levels
    /// A–D; elsewhere same-day surgical and interventional stays are J, very short medical stays
    /// T, and levels 2, 3 and 4 need at least 3, 4 and 5 days.
    private func ghm(_ root: String, los: Int, _ rng: inout SeededGenerator) -> String {
        let cmd = root.prefix(2), type = root.dropFirst(2).first!
        if cmd == "28" { return root + "Z" }
        if cmd == "14" || cmd == "15" {
            return root + (los <= 4 ? (rng.chance(0.85) ? "A" : "B") : (rng.chance(0.7) ? "B" : "C"))
        }
        if los == 0 { return root + (type == "M" ? "T" : "J") }
        if los <= 2 { return root + (type == "M" && los == 1 ? "T" : "1") }
        let ceiling = min(4, los - 1)
        let level = 1 + min(ceiling - 1, Int((rng.unit() * rng.unit() * Double(ceiling)).rounded(.down)))
        return root + String(level)
    }

    private func makeStay(
        _ e: CareModel.HospitalEvent, on day: Int, emergency: Bool, person p: Person,
        conditions: [(index: Int, since: Int)], condition: CareModel.Condition? = nil,
        rng: inout SeededGenerator
    ) -> Stay? {
        let los = length(e.los, &rng)
        let exit = day + los
        let lastAlive = (p.deathDate?.daysSinceEpoch ?? end + 1) - 1
        guard day >= max(start, p.birthDate.daysSinceEpoch), exit <= min(end, lastAlive) else { return nil }
        let home = p.residence(on: CalendarDate(daysSinceEpoch: day)).departement
        let site = establishments.site(for: CareModel.Setting(rawValue: e.setting)!, home: home, using: &rng)
        var (dp, choice) = pickDiagnosis(e.dp, &rng)
        var ghmRoot = choice.ghm ?? e.ghm
        if e.dpFromCondition == true, let condition {
            dp = condition.icd10
            ghmRoot = condition.ghm ?? e.ghm
        }
        // Associated diagnoses: the patient's conditions and the event's usual comorbidities, never
        // the principal diagnosis again.
        var das: [String] = []
        for (ci, since) in conditions where since <= day {
            let code = model.conditions[ci].icd10
            if rng.chance(0.7), code != dp, !das.contains(code) { das.append(code) }
        }
        for code in (e.das ?? [:]).keys.sorted() where rng.chance(e.das![code]!) && code != dp && !das.contains(code) { das.append(code) }
        var acts: [(String, Int)] = []
        if let act = choice.act { acts.append((act, 0)) }
        if let procedure = e.procedure, choice.act == nil { acts.append((pickCode(procedure, &rng), los > 0 ? rng.uniform(min(los, 2) + 1) : 0)) }
        for act in e.acts ?? [] where rng.chance(act.share) { acts.append((act.code, los > 0 ? rng.uniform(min(los, 2) + 1) : 0)) }
        let operatorSpecialty = e.operatorSpecialty ?? 4
        var stay = Stay(
            entry: day, exit: exit, establishment: site, dp: dp,
            dr: (e.drFromCondition ?? false) ? condition?.icd10 : nil, das: das, acts: acts,
            ghm: ghm(ghmRoot, los: los, &rng), entryMode: "8", origin: emergency ? "5" : nil,
            exitMode: "8", destination: nil, birthWeight: nil, gestationalAge: nil,
            operatingDoctor: acts.isEmpty ? nil : practitioners.pick(.specialist, specialty: operatorSpecialty, in: site.departement, using: &rng),
            operatorSpecialty: operatorSpecialty)
        stay.units = units(los: los, &rng)
        return stay
    }

    /// The delivery shared by a mother and her newborn(s): same establishment, same days.
    private func delivery(of newborn: Person, mother: Int) -> (caesarean: Bool, los: Int, site: Establishment) {
        var rng = stream(newborn.id, "delivery")
        let caesarean = rng.chance(model.births.caesareanShare)
        let los = length(caesarean ? model.births.caesarean.los : model.births.vaginal.los, &rng)
        let home = population.people[mother].residence(on: newborn.birthDate).departement
        let site = establishments.site(for: rng.chance(model.births.publicShare) ? .public : .private, maternity: true, home: home, using: &rng)
        return (caesarean, los, site)
    }

    /// The mother's stay: a vaginal delivery coded by parity and single or multiple birth, or a
    /// caesarean coded planned (weekdays only: planned ones are scheduled) or in emergency, its
    /// diagnosis and act agreeing.
    private func deliveryStay(mother: Person, newborn: Person) -> Stay {
        let (caesarean, los, site) = delivery(of: newborn, mother: mother.id)
        let births = model.births
        var rng = stream(newborn.id, "delivery-stay")
        let day = newborn.birthDate.daysSinceEpoch
        let deathDay = mother.deathDate?.daysSinceEpoch
        let exit = min(day + los, deathDay ?? Int.max)
        let twins = newborn.twin != nil
        let dp: String, act: String, ghmRoot: String
        if caesarean {
            let weekday = CalendarDate(daysSinceEpoch: day).weekday
            let planned = weekday < 6 && !holidays.contains(day) && rng.chance(births.caesarean.plannedShare)
            let kind = planned ? births.caesarean.planned : births.caesarean.emergency
            dp = twins ? births.caesarean.twinsDp : kind.dp
            act = pickCode(kind.acts, &rng)
            ghmRoot = births.caesarean.ghm
        } else {
            let older = (childrenBirthDays[mother.id] ?? []).contains { $0 < day }
            let motherAge = mother.birthDate.age(on: newborn.birthDate)
            let share = births.primiparaShare.last { $0.from <= motherAge }?.share ?? 0
            let primipara = !older && rng.chance(share)
            dp = twins ? births.vaginal.twinsDp : births.vaginal.dp
            act = births.vaginal.acts.act(twins: twins, primipara: primipara)
            ghmRoot = births.vaginal.ghm
        }
        return Stay(
            entry: day, exit: exit, establishment: site, dp: dp, dr: nil, das: twins ? [births.twinsDas] : [],
            acts: [(act, 0)], ghm: ghm(ghmRoot, los: exit - day, &rng), entryMode: "8", origin: nil,
            exitMode: exit == deathDay ? "9" : "8", destination: nil, birthWeight: nil, gestationalAge: nil,
            operatingDoctor: practitioners.pick(.specialist, specialty: 7, in: site.departement, using: &rng),
            operatorSpecialty: 7)
    }

    private func birthStay(newborn first: Person, mother: Int, twins: Bool, forTwin: Person? = nil) -> Stay {
        let (_, los, site) = delivery(of: first, mother: mother)
        let baby = forTwin ?? first
        var rng = stream(baby.id, "birth-stay")
        let n = model.births.newborn
        let weight = twins ? n.twinWeight : n.weight
        let weeks = twins ? n.twinGestationalAge : n.gestationalAge
        let day = baby.birthDate.daysSinceEpoch
        let deathDay = baby.deathDate?.daysSinceEpoch
        let exit = min(day + los, deathDay ?? Int.max)
        return Stay(
            entry: day, exit: exit, establishment: site, dp: twins ? n.twinsDp : n.dp, dr: nil, das: [], acts: [],
            ghm: ghm(n.ghm, los: exit - day, &rng), entryMode: "8", origin: nil,
            exitMode: exit == deathDay ? "9" : "8", destination: nil,
            birthWeight: max(400, Int(rng.normal(mean: weight.mean, sd: weight.sd).rounded())),
            gestationalAge: min(43, max(24, Int(rng.normal(mean: weeks.mean, sd: weeks.sd).rounded()))),
            operatingDoctor: nil, operatorSpecialty: nil)
    }

    private func terminalStay(
        _ p: Person, deathDay: Int, cause: String, conditions: [(index: Int, since: Int)],
        rng: inout SeededGenerator
    ) -> Stay {
        let los = length(model.endOfLife.los, &rng)
        let entry = max(deathDay - los, max(start, p.birthDate.daysSinceEpoch))
        let home = p.residence(on: CalendarDate(daysSinceEpoch: entry)).departement
        let site = establishments.site(for: rng.chance(model.endOfLife.publicShare) ? .public : .private, home: home, using: &rng)
        // The stay's principal diagnosis is clinical: the injury or poisoning of an external cause,
        // the condition the person dies of, a cancer cause itself, else a common terminal diagnosis
        // (pneumonia, sepsis…); it is grouped by that diagnosis.
        let dp: String, root: String?
        if let injury = model.externalCauseDiagnosis(cause) {
            (dp, root) = (injury, model.terminalGHM(injury))
        } else if let fatal = conditions.first(where: { model.conditions[$0.index].causeOfDeath == cause }) {
            let condition = model.conditions[fatal.index]
            (dp, root) = (condition.icd10, model.terminalGHM(condition.icd10, condition: condition))
        } else if cause.hasPrefix("C") {
            (dp, root) = (cause, model.terminalGHM(cause))
        } else {
            let code = pickCode(model.endOfLife.dp, &rng)
            (dp, root) = (code, model.terminalGHM(code))
        }
        var das = conditions.map { model.conditions[$0.index].icd10 }.filter { $0 != dp }
        if rng.chance(model.endOfLife.palliativeShare) { das.append(model.endOfLife.palliativeDas) }
        var stay = Stay(
            entry: entry, exit: deathDay, establishment: site, dp: dp, dr: nil, das: das, acts: [],
            ghm: ghm(root!, los: deathDay - entry, &rng), entryMode: "8",
            origin: rng.chance(0.7) ? "5" : nil, exitMode: "9", destination: nil, birthWeight: nil,
            gestationalAge: nil, operatingDoctor: nil, operatorSpecialty: nil)
        stay.units = units(los: deathDay - entry, &rng)
        return stay
    }

    /// Keeps episodes that do not overlap, favouring births and deaths, then the earliest.
    private func nonOverlapping(_ candidates: [Episode]) -> [Episode] {
        var kept: [Episode] = []
        func span(_ e: Episode) -> (entry: Int, exit: Int) { (e.stays[0].entry, e.stays.last!.exit) }
        for candidate in candidates.sorted(by: { ($1.priority, span($0).entry) < ($0.priority, span($1).entry) }) {
            let c = span(candidate)
            if kept.allSatisfy({ c.exit < span($0).entry || c.entry > span($0).exit }) { kept.append(candidate) }
        }
        return kept.sorted { span($0).entry < span($1).entry }
    }

    /// An event's stay with what chains to it: the first hospital it was transferred from, and
    /// rehabilitation (SSR) or hospital at home (HAD) after it. Transfers happen on one day: the
    /// earlier stay ends the day the next begins.
    private func episode(_ main: Stay, _ e: CareModel.HospitalEvent, person p: Person, rng: inout SeededGenerator) -> [Stay] {
        var main = main
        var stays: [Stay] = []
        let lastAlive = (p.deathDate?.daysSinceEpoch ?? end + 1) - 1
        if let from = e.transferredFrom, rng.chance(from.share) {
            let firstLength = length(from.los, &rng)
            let home = p.residence(on: CalendarDate(daysSinceEpoch: main.entry)).departement
            let site = establishments.site(for: CareModel.Setting(rawValue: from.setting)!, home: home, using: &rng)
            if site != main.establishment, main.exit + firstLength <= min(end, lastAlive) {
                let first = Stay(
                    entry: main.entry, exit: main.entry + firstLength, establishment: site, dp: main.dp, dr: nil,
                    das: main.das, acts: [], ghm: ghm(from.ghm, los: firstLength, &rng), entryMode: "8", origin: main.origin,
                    exitMode: "7", destination: "1", birthWeight: nil, gestationalAge: nil, operatingDoctor: nil,
                    operatorSpecialty: nil)
                stays.append(first)
                main.entry += firstLength
                main.exit += firstLength
                (main.entryMode, main.origin) = ("7", "1")
            }
        }
        stays.append(main)
        let age = p.birthDate.age(on: CalendarDate(daysSinceEpoch: main.exit))
        var draw = rng.unit()
        for next in e.dischargeTo ?? [] {
            draw -= next.share.values(for: p.sex)[model.band(forAge: age)]
            guard draw < 0 else { continue }
            let home = p.residence(on: CalendarDate(daysSinceEpoch: main.exit)).departement
            let site = establishments.site(for: CareModel.Setting(rawValue: next.setting)!, home: home, using: &rng)
            // Within the same establishment a change of field is a mutation (6), else a transfer.
            let mode = site == main.establishment ? "6" : "7"
            var exit = main.exit + length(next.los, &rng)
            var exitMode = "8"
            if let death = p.deathDate?.daysSinceEpoch, exit >= death { (exit, exitMode) = (death, "9") }
            stays[stays.count - 1].exitMode = mode
            stays[stays.count - 1].destination = next.to == .ssr ? "2" : "6"
            var after = Stay(
                entry: main.exit, exit: exit, establishment: site, dp: next.diagnosis, dr: next.etiology ?? main.dp,
                das: main.das, acts: [], ghm: "", entryMode: mode, origin: "1", exitMode: exitMode, destination: nil,
                birthWeight: nil, gestationalAge: nil, operatingDoctor: nil, operatorSpecialty: nil)
            after.field = next.to == .ssr ? .ssr : .had
            after.purpose = next.purpose
            stays.append(after)
            break
        }
        return stays
    }

    /// A death at home under hospital-at-home palliative care, for some of those dying of a
    /// listed condition (cancers) outside hospital.
    private func palliativeHomeCare(
        _ p: Person, deathDay: Int, conditions: [(index: Int, since: Int)], rng: inout SeededGenerator
    ) -> Stay? {
        let rules = model.endOfLife.palliativeHomeCare
        guard let condition = conditions.first(where: { rules.conditions.contains(model.conditions[$0.index].id) }),
            rng.chance(rules.share)
        else { return nil }
        let entry = max(deathDay - length(rules.los, &rng), max(start, p.birthDate.daysSinceEpoch))
        let home = p.residence(on: CalendarDate(daysSinceEpoch: entry)).departement
        var stay = Stay(
            entry: entry, exit: deathDay, establishment: establishments.site(for: .public, home: home, using: &rng),
            dp: model.conditions[condition.index].icd10, dr: nil,
            das: conditions.map { model.conditions[$0.index].icd10 }.filter { $0 != model.conditions[condition.index].icd10 },
            acts: [], ghm: "", entryMode: "8", origin: nil, exitMode: "9", destination: nil, birthWeight: nil,
            gestationalAge: nil, operatingDoctor: nil, operatorSpecialty: nil)
        stay.field = .had
        stay.purpose = rules.purpose
        return stay
    }

    /// Medical units a stay of `los` days went through.
    private func units(los: Int, _ rng: inout SeededGenerator) -> Int {
        let rules = model.units
        var count = 1
        if los >= rules.secondFromDays, rng.chance(rules.secondShare) {
            count += 1
            if los >= rules.thirdFromDays, rng.chance(rules.thirdShare) { count += 1 }
        }
        return count
    }

    // MARK: - Drugs

    private struct Regimen {
        let atc: String
        let everyDays: Int
        let from: Int
        let until: Int
        let fullRate: Bool
        /// Discharge prescriptions come from the hospital (a doctor of `hospitalSpecialty`) until
        /// `hospitalUntil`.
        let hospital: Establishment?
        let hospitalUntil: Int
        let hospitalSpecialty: Int
    }

    private func acuteLines(on day: Int, age: Int, rng: inout SeededGenerator) -> [DrugLine] {
        let month = CalendarDate(daysSinceEpoch: day).month
        let count = lineCounts[lineSampler.sample(using: &rng)]
        var chosen: [String] = []
        for _ in 0..<(count * 3) where chosen.count < count {
            let d = model.acuteDrugs.drugs[acuteDrugSampler[String(month)]!.sample(using: &rng)]
            if age >= (d.minAge ?? 0), !chosen.contains(d.atc) { chosen.append(d.atc) }
        }
        return chosen.compactMap { atc in
            drugs.presentation(of: atc, using: &rng).map {
                DrugLine(presentation: $0, boxes: boxCounts[boxSampler.sample(using: &rng)], fullRate: false)
            }
        }
    }

    private func chronicDispensations(
        _ regimens: [Regimen], first: Int, last: Int, stays: [Stay], person p: Person,
        ownGP: (Int) -> String, rng: inout SeededGenerator
    ) -> [Dispensation] {
        var result: [Dispensation] = []
        let from = regimens.map(\.from).min()!
        var visit = from + rng.uniform(28)
        var lastGiven: [String: Int] = [:]
        while visit <= last {
            // Pharmacies close on Sundays and holidays (but the one on duty): the visit moves on.
            visit = openDay(visit, model.dispensingRhythm, &rng)
            if visit >= first, visit <= last, !inStay(visit, stays) {
                var lines: [DrugLine] = []
                var hospital: Establishment?
                var hospitalSpecialty = 1
                var discharge = 0
                var since = first
                for r in regimens where visit >= r.from && visit <= r.until {
                    // Due when a box is finishing; a few renewals are skipped (adherence).
                    if let given = lastGiven[r.atc], visit - given < r.everyDays - 4 { continue }
                    guard rng.chance(0.93) else { continue }
                    guard !lines.contains(where: { $0.presentation.atc == r.atc }),
                        let presentation = drugs.presentation(of: r.atc, longTerm: r.everyDays >= 84, using: &rng)
                    else { continue }
                    lines.append(DrugLine(presentation: presentation, boxes: 1, fullRate: r.fullRate))
                    lastGiven[r.atc] = visit
                    since = max(since, r.from)
                    if visit <= r.hospitalUntil, let h = r.hospital {
                        hospital = h
                        hospitalSpecialty = r.hospitalSpecialty
                        discharge = r.from - 1
                    }
                }
                if !lines.isEmpty {
                    let home = p.residence(on: CalendarDate(daysSinceEpoch: visit)).departement
                    let prescriber =
                        hospital.map { practitioners.pick(.specialist, specialty: hospitalSpecialty, in: $0.departement, using: &rng) }
                        ?? ownGP(visit)
                    result.append(
                        Dispensation(
                            day: visit, pharmacy: practitioners.pick(.pharmacy, in: home, using: &rng),
                            prescriber: prescriber, prescriberSpecialty: hospital == nil ? 1 : hospitalSpecialty,
                            prescribingEstablishment: hospital,
                            prescriptionDay: hospital != nil ? discharge : max(since, visit - rng.uniform(60)),
                            lines: lines))
                }
            }
            visit += 28 + rng.uniform(6)
        }
        return result
    }

    // MARK: - Death

    private func causeOfDeath(_ p: Person, conditions: [Int], age: Int, rng: inout SeededGenerator) -> String {
        // The most lethal listed condition the person has (the model lists them in that order).
        for ci in conditions.sorted() {
            let c = model.conditions[ci]
            if let cause = c.causeOfDeath, rng.chance(c.causeShare ?? 0.5) { return cause }
        }
        let excluded = p.sex == .male ? model.causesOfDeath.femaleOnly : model.causesOfDeath.maleOnly
        let group = model.causesOfDeath.byAge.last { $0.from <= age } ?? model.causesOfDeath.byAge[0]
        let causes = group.causes.filter { cause in !excluded.contains { cause.key.hasPrefix($0) } }
        return pickCode(causes.isEmpty ? group.causes : causes, &rng)
    }

    private func deathRecord(
        _ p: Person, day: Int, cause: String, conditions: [Int], terminal: Stay?,
        rng: inout SeededGenerator
    ) -> DeathRecord {
        var contributing: [String] = []
        for ci in conditions {
            if let code = model.conditions[ci].causeOfDeath, code != cause, !contributing.contains(code), rng.chance(0.5) {
                contributing.append(code)
            }
        }
        if rng.chance(0.4) {
            let extra = pickCode(model.causesOfDeath.contributing, &rng)
            let excluded = p.sex == .male ? model.causesOfDeath.femaleOnly : model.causesOfDeath.maleOnly
            if extra != cause, !contributing.contains(extra), !excluded.contains(where: { extra.hasPrefix($0) }) {
                contributing.append(extra)
            }
        }
        let home = p.residence(on: CalendarDate(daysSinceEpoch: day))
        if let terminal, terminal.field == .had {
            // Hospital at home: the death is at home.
            return DeathRecord(
                day: day, cause: cause, contributing: Array(contributing.prefix(3)), place: 1,
                departement: home.departement, commune: home.commune)
        }
        if let terminal {
            return DeathRecord(
                day: day, cause: cause, contributing: Array(contributing.prefix(3)),
                place: terminal.establishment.sector == .public ? 2 : 3,
                departement: terminal.establishment.departement, commune: terminal.establishment.commune)
        }
        let places = model.endOfLife.placeOutsideHospital.keys.sorted()
        let sampler = WeightedSampler(weights: places.map { model.endOfLife.placeOutsideHospital[$0]! })
        return DeathRecord(
            day: day, cause: cause, contributing: Array(contributing.prefix(3)),
            place: places[sampler.sample(using: &rng)], departement: home.departement, commune: home.commune)
    }
}
