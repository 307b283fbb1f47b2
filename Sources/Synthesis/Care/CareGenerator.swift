import Dispatch
import Foundation
import GRDB
import SNDSModel
import SNDSStore
import Terminal

/// Generates the care tables of a synthetic SNDS — DCIR, PMSI MCO per year, CépiDC — and the
/// referentials they point to (BE_IDE_R establishments, IR_PHA_R drugs).
///
/// People are simulated in blocks on all cores (``CareSimulator`` is pure per person), then
/// written block by block in id order on GRDB's connection, so the tables are the same whatever
/// the number of threads.
struct CareGenerator {
    let reference: SynthesisReference
    let model: CareModel
    let codes: CareCodes
    let acts: ActCatalogue
    let population: Population
    let seed: UInt64
    let threads: Int

    /// Tables this generator creates, from their shipped schemas (yearly PMSI tables by template).
    static let tables = ["ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "ER_ETE_F", "ER_BIO_F", "ER_TRS_F", "IR_IMB_R", "KI_CCI_R", "KI_ECD_R", "BE_IDE_R"]
    static let yearlyTables = [
        "T_MCOaaC", "T_MCOaaB", "T_MCOaaD", "T_MCOaaA", "T_SSRaaC", "T_SSRaaS", "T_SSRaaB", "T_SSRaaD", "T_HADaaC",
        "T_HADaaB", "T_HADaaS", "T_HADaaD",
    ]
    /// Nomenclatures the care tables take codes from, loaded beside them.
    static let nomenclatures = [
        "IR_NAT_V", "IR_SPE_V", "IR_ACT_V", "IR_EXO_V", "IR_RGM_V", "IR_TYT_V", "IR_NEM_T",
        "IR_SGN_V", "IR_CET_V", "IR_TYE_V", "IR_MDT_V", "IR_SEQ_V", "IR_CCAM_V63", "XC_ATE_V",
        "MS_CIM_V", "IR_CIM_V", "MS_SOR_V", "MS_PRV_V", "DS_LIE_V", "DS_CER_V", "DS_STA_V", "DS_VER_V",
        "IR_HAD_PEC_PAL", "IR_BIO_R", "IR_ALD_V", "IR_ETM_V",
    ]

    /// What the generation produced beyond the tables.
    struct Outcome {
        let beneficiaries: Beneficiaries
        let rows: [String: Int]
        /// People with each condition of the model.
        let conditionIds: [String]
        let conditionCounts: [Int]
        /// Seconds spent simulating, and writing each table family (DCIR, PMSI, CépiDC).
        let seconds: [String: Double]
    }

    init(reference: SynthesisReference, population: Population, seed: UInt64, threads: Int) throws {
        self.reference = reference
        model = try CareModel.load(from: reference.data)
        codes = try CareCodes(reference: reference.data)
        try codes.validate(model)
        acts = try ActCatalogue(reference: reference.data, codes: codes, model: model)
        self.population = population
        self.seed = seed
        self.threads = threads
    }

    func generate(
        into database: SNDSDatabase, identity: IdentityStructure, pseudonyms: PopulationPseudonyms,
        progress: ProgressReporter
    ) throws -> Outcome {
        var schemas: [String: TableSchema] = [:]
        for name in Self.tables + Self.yearlyTables { schemas[name] = try reference.data.schema(named: name) }
        for name in Self.tables { try database.createTable(schemas[name]!) }
        for template in Self.yearlyTables {
            for year in population.years { try database.createTable(schemas[template]!.forYear(year)) }
        }

        let establishments = try EstablishmentDirectory(reference: reference, rules: model.establishments)
        // Professionals per département in proportion to its real population (INSEE), so a GP has
        // a realistic list of patients whatever the synthetic population's size.
        let residents = reference.population.byDepartement
        // Pools for every specialty the model names: services, stay operators, discharge prescribers.
        let specialties = Array(
            Set(
                model.services.compactMap(\.specialty)
                    + model.hospitalEvents.compactMap(\.operatorSpecialty)
                    + model.hospitalEvents.compactMap { $0.followUp?.prescriberSpecialty } + [4, 7])
        ).sorted()
        let practitioners = PractitionerDirectory(residents: residents, specialties: specialties, rules: model.practitioners)
        let drugs = DrugCatalogue(atcLabels: codes.atc, rules: model.drugs)
        let simulator = CareSimulator(
            model: model, population: population, establishments: establishments,
            practitioners: practitioners, drugs: drugs, seed: seed)
        let start = population.start.daysSinceEpoch, end = population.end.daysSinceEpoch
        let days = DayStrings(from: start - 400, through: end + 120)

        var beneficiaries = Beneficiaries(population: population, identity: identity, pseudonyms: pseudonyms)
        var conditionCounts = [Int](repeating: 0, count: model.conditions.count)
        var rows: [String: Int] = [:]
        var spent: [String: Duration] = ["simulation": .zero, "dcir": .zero, "pmsi": .zero, "cepidc": .zero]
        let clock = ContinuousClock()
        let people = population.people
        progress.begin("care: claims, stays and deaths", total: people.count)
        try database.transaction { db in
            let dcir = try DCIRWriter(
                db, schemas: schemas, days: days, model: model, acts: acts, biologyCoefficients: codes.biologyCoefficients)
            let pmsi = try PMSIWriter(db, schemas: schemas, years: population.years, days: days, chaining: model.chaining)
            let ssr = try SSRWriter(db, schemas: schemas, years: population.years, days: days, chaining: model.chaining)
            let had = try HADWriter(db, schemas: schemas, years: population.years, days: days, chaining: model.chaining)
            let exemptions = try LongTermConditionWriter(
                db, schema: schemas["IR_IMB_R"]!, model: model, period: start...end)
            let cepidc = try CepiDCWriter(
                db, schemas: schemas, days: days, rules: model.causesOfDeath,
                lastYear: population.years.upperBound)
            let blockSize = 1024
            var blockStart = 0
            while blockStart < people.count {
                let block = blockStart..<min(people.count, blockStart + blockSize)
                var cares: [PersonCare] = []
                spent["simulation"]! += clock.measure { cares = Self.simulate(block, simulator: simulator, threads: threads) }
                for (offset, care) in cares.enumerated() {
                    let person = people[block.lowerBound + offset]
                    var rng = simulator.stream(person.id, "writer")
                    for ci in care.conditions { conditionCounts[ci] += 1 }
                    var stayNumber = 0
                    for stay in care.stays {
                        stayNumber += 1
                        switch stay.field {
                        case .mco:
                            spent["pmsi"]! += try clock.measure {
                                try pmsi.write(stay, number: stayNumber, person: person, beneficiaries: &beneficiaries, rng: &rng)
                            }
                            spent["dcir"]! += try clock.measure {
                                try dcir.writeClinicStay(stay, person: person, beneficiaries: &beneficiaries, rng: &rng)
                            }
                        case .ssr:
                            spent["pmsi"]! += try clock.measure {
                                try ssr.write(stay, number: stayNumber, person: person, beneficiaries: &beneficiaries, rng: &rng)
                            }
                        case .had:
                            spent["pmsi"]! += try clock.measure {
                                try had.write(stay, number: stayNumber, person: person, beneficiaries: &beneficiaries, rng: &rng)
                            }
                        }
                    }
                    spent["dcir"]! += try clock.measure {
                        // Deliveries exempt the mother from the cost shares around them.
                        let deliveries = care.stays.filter { $0.field == .mco && $0.dp.hasPrefix("O8") }.map(\.entry)
                        var ledger = CostSharingLedger(person: person, deliveries: deliveries, rules: model.costSharing)
                        // Billed in day order, so the cost shares meet their yearly caps as the
                        // person's care comes (contacts, then dispensations, then trips on a day).
                        var billed: [(day: Int, kind: TownBill, index: Int)] = []
                        billed += care.contacts.indices.map { (care.contacts[$0].day, .contact, $0) }
                        billed += care.dispensations.indices.map { (care.dispensations[$0].day, .dispensation, $0) }
                        billed += care.trips.indices.map { (care.trips[$0].day, .trip, $0) }
                        billed.sort { ($0.day, $0.kind.rawValue, $0.index) < ($1.day, $1.kind.rawValue, $1.index) }
                        for item in billed {
                            switch item.kind {
                            case .contact:
                                try dcir.write(
                                    care.contacts[item.index], person: person, beneficiaries: &beneficiaries, ledger: &ledger, rng: &rng)
                            case .dispensation:
                                try dcir.write(
                                    care.dispensations[item.index], person: person, beneficiaries: &beneficiaries, ledger: &ledger,
                                    rng: &rng)
                            case .trip:
                                let trip = care.trips[item.index]
                                let home = person.residence(on: CalendarDate(daysSinceEpoch: trip.day)).departement
                                try dcir.write(
                                    trip, person: person, beneficiaries: &beneficiaries, ledger: &ledger,
                                    transporter: practitioners.pick(.transporter, in: home, using: &rng), rng: &rng)
                            }
                        }
                        for leave in care.sickLeaves {
                            try dcir.write(leave, person: person, beneficiaries: &beneficiaries, rng: &rng)
                        }
                    }
                    try exemptions.write(care.longTermConditions, person: person, beneficiaries: &beneficiaries, rng: &rng)
                    if let death = care.death {
                        spent["cepidc"]! += try clock.measure {
                            try cepidc.write(death, person: person, individualPseudonym: pseudonyms.individual[person.id], rng: &rng)
                        }
                    }
                }
                progress.advance(by: block.count)
                blockStart = block.upperBound
            }
            rows.merge(dcir.rows) { $1 }
            rows.merge(pmsi.rows) { $1 }
            rows.merge(ssr.rows) { $1 }
            rows.merge(had.rows) { $1 }
            rows.merge(cepidc.rows) { $1 }
            rows["IR_IMB_R"] = exemptions.rows
            rows["BE_IDE_R"] = try Self.writeEstablishments(establishments, db: db, schema: schemas["BE_IDE_R"]!)
        }
        progress.end()
        let pharmacySchema = try reference.data.nomenclatureSchema(named: "IR_PHA_R")
        try database.createTable(pharmacySchema)
        rows["IR_PHA_R"] = try Self.writeDrugs(drugs, database: database, schema: pharmacySchema)
        return Outcome(
            beneficiaries: beneficiaries, rows: rows, conditionIds: model.conditions.map(\.id),
            conditionCounts: conditionCounts, seconds: spent.mapValues(\.seconds))
    }

    /// Simulates a block of people on `threads` cores; results in id order.
    static func simulate(_ block: Range<Int>, simulator: CareSimulator, threads: Int) -> [PersonCare] {
        let slots = CareSlots(count: block.count)
        let workers = max(1, min(threads, block.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            while i < block.count {
                slots.store(simulator.simulate(block.lowerBound + i), at: i)
                i += workers
            }
        }
        return slots.values()
    }

    private static func writeEstablishments(_ directory: EstablishmentDirectory, db: Database, schema: TableSchema) throws -> Int {
        let table = try CareTable(
            db, schema: schema,
            columns: [
                "IDE_ETA_NUM", "IDE_ETA_NU8", "IDE_ETA_NOM", "IDE_BDI_COD", "IDE_INS_COM", "IDE_GES_NUM", "IDE_PSH_CAT",
                "IDE_IMP_DPT",
            ])
        for e in directory.all {
            try table.insert { f in
                let place = (e.departement.isOverseas ? "97" : e.departement.code) + e.commune
                f.add(e.finess); f.add(e.finess8); f.add(String(e.name.prefix(38))); f.add(place); f.add(place)
                f.add(e.legalFiness); f.add(String(e.category)); f.add(e.departement.referentialCode)
            }
        }
        return directory.all.count
    }

    private static func writeDrugs(_ catalogue: DrugCatalogue, database: SNDSDatabase, schema: TableSchema) throws -> Int {
        try database.transaction { db in
            let table = try CareTable(
                db, schema: schema,
                columns: [
                    "PHA_CIP_C13", "PHA_PRS_IDE", "PHA_MED_NOM", "PHA_MED_GEN", "PHA_PRI_UNI", "PHA_ATC_C07", "PHA_ATC_L07",
                    "PHA_ATC_C03",
                ])
            for p in catalogue.presentations {
                try table.insert { f in
                    f.add(p.cip13); f.add(p.cip7); f.add(p.label); f.add(p.generic ? "G" : "R")
                    f.add(String(format: "%.2f", p.price)); f.add(p.atc); f.add(p.substance)
                    f.add(String(p.atc.prefix(3)))
                }
            }
        }
        return catalogue.presentations.count
    }
}

/// A person's town care, in the order it is billed on a day.
private enum TownBill: Int { case contact, dispensation, trip }

/// Results of one block, written by distinct workers at distinct indices (a raw buffer, so
/// concurrent writes to different slots do not trip exclusivity checks).
private final class CareSlots: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<PersonCare>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: PersonCare())
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func store(_ care: PersonCare, at index: Int) { buffer[index] = care }
    func values() -> [PersonCare] { Array(buffer) }
}
