import GRDB
import SNDSModel
import SNDSStore

/// The pseudonyms of a population once hashed: BEN_NIR_PSA per referential row group, and the
/// person's own pseudonym (BEN_NIR_ANO, which is also their BEN_IDT_ANO).
public struct PopulationPseudonyms: Sendable {
    /// Indexed like ``IdentityStructure/pseudonymInputs``.
    public let beneficiary: [String]
    /// Indexed by person id.
    public let individual: [String]

    public func benNirPsa(_ row: BeneficiaryRow) -> String { beneficiary[row.pseudonym] }
}

/// Writes IR_BEN_R from a population, its identity structure and its pseudonyms.
///
/// Column values follow SNDS conventions: BEN_IDT_ANO is the person's own pseudonymised NIR
/// (BEN_IDT_TOP = 1), ASS_NIR_ANO the ouvreur's; residence and affiliation are those of the
/// person for rows still in force, and of the ouvreur for rows that ended (a young adult's
/// childhood pseudonym shows the parent's home); dates are ISO `YYYY-MM-DD`.
struct BeneficiaryReferential {
    static let table = "IR_BEN_R"

    let population: Population
    let identity: IdentityStructure
    let pseudonyms: PopulationPseudonyms
    let assumptions: IdentityAssumptions
    let seed: UInt64
    /// Which rows care was billed under, and their latest processing day.
    let usage: Beneficiaries?

    func write(to database: SNDSDatabase, schema: TableSchema) throws {
        let columns = schema.columnNames
        func position(_ name: String) throws -> Int {
            guard let i = columns.firstIndex(of: name) else {
                throw StoreError.schemaMismatch(Self.table, "the shipped schema has no column \(name)")
            }
            return i
        }
        let psa = try position("BEN_NIR_PSA"), rank = try position("BEN_RNG_GEM"), ano = try position("BEN_NIR_ANO")
        let idt = try position("BEN_IDT_ANO"), idtTop = try position("BEN_IDT_TOP"), ass = try position("ASS_NIR_ANO")
        let idtMaj = try position("BEN_IDT_MAJ"), cdi = try position("BEN_CDI_NIR"), year = try position("BEN_NAI_ANN")
        let month = try position("BEN_NAI_MOI"), sex = try position("BEN_SEX_COD"), death = try position("BEN_DCD_DTE")
        let deathMonth = try position("BEN_DCD_AME"), org = try position("ORG_AFF_BEN"), dpt = try position("BEN_RES_DPT")
        let com = try position("BEN_RES_COM"), consumer = try position("BEN_TOP_CNS"), orgCle = try position("ORG_CLE_NEW")
        let maxProcessing = try position("MAX_TRT_DTD")
        let inserted = try position("BEN_DTE_INS"), updated = try position("BEN_DTE_MAJ")

        var rng = SeededGenerator.stream(seed: seed, purpose: "referential")
        let people = population.people
        let start = population.start, end = population.end
        try database.transaction { db in
            let inserter = try BulkInserter(db, table: Self.table, columns: columns)
            for (index, row) in identity.rows.enumerated() {
                let p = people[row.person]
                let ouvreur = people[row.ouvreur]
                let inForce = row.validUntil.map { $0 > end } ?? true
                let home = inForce ? p.residence : ouvreur.residence
                let body = row.cover == .ownRights ? p.affiliation : ouvreur.affiliation
                // Entered when the row began (not before the referential's history), a few days
                // after a birth; last updated at its end, at death, or late in the period.
                var insertedOn = max(row.validFrom, assumptions.historyStart)
                if row.validFrom == p.birthDate { insertedOn = min(insertedOn.adding(days: rng.uniform(31)), end) }
                var updatedOn: CalendarDate
                if let until = row.validUntil, until <= end {
                    updatedOn = until
                } else if let died = p.deathDate {
                    updatedOn = min(died.adding(days: 1 + rng.uniform(60)), end)
                } else {
                    updatedOn = end.adding(days: -rng.uniform(120))
                }
                updatedOn = max(updatedOn, insertedOn)
                // A consumer: care was billed under the row during the period (or, without care
                // tables, the row was in force then).
                let active =
                    usage.map { $0.used[index] }
                    ?? ((row.validUntil.map { $0 > start } ?? true) && (p.deathDate.map { $0 >= start } ?? true))
                let lastProcessing = usage.flatMap {
                    $0.lastProcessing[index] >= 0 ? CalendarDate(daysSinceEpoch: $0.lastProcessing[index]).iso : nil
                }

                try inserter.insert { b in
                    b.bind(pseudonyms.benNirPsa(row), at: psa)
                    b.bind(row.rank, at: rank)
                    b.bind(pseudonyms.individual[p.id], at: ano)
                    b.bind(pseudonyms.individual[p.id], at: idt)
                    b.bind(1, at: idtTop)
                    b.bind(pseudonyms.individual[ouvreur.id], at: ass)
                    b.bind(insertedOn.iso, at: idtMaj)
                    b.bind("00", at: cdi)
                    b.bind(pad(p.birthDate.year, 4), at: year)
                    b.bind(pad(p.birthDate.month, 2), at: month)
                    b.bind(p.sex.code, at: sex)
                    b.bind(p.deathDate?.iso, at: death)
                    b.bind(p.deathDate.map { pad($0.year, 4) + pad($0.month, 2) }, at: deathMonth)
                    b.bind(body, at: org)
                    b.bind(home.departement.referentialCode, at: dpt)
                    b.bind(home.commune, at: com)
                    b.bind(active ? 1 : 0, at: consumer)
                    b.bind(lastProcessing, at: maxProcessing)
                    b.bind(body, at: orgCle)
                    b.bind(insertedOn.iso, at: inserted)
                    b.bind(updatedOn.iso, at: updated)
                }
            }
        }
    }
}
