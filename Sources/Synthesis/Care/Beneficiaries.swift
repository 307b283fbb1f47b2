import SNDSModel

/// Under which pseudonym a person's care is reimbursed on a given day, and what that row says
/// (affiliation, scheme).
///
/// A child covered by both parents has two pseudonyms valid at once and claims come under either
/// (more often the first parent's); a young adult's care moves to their own pseudonym on their
/// 18th birthday. Usage is recorded per IR_BEN_R row, for its BEN_TOP_CNS and MAX_TRT_DTD.
struct Beneficiaries {
    let population: Population
    let identity: IdentityStructure
    let pseudonyms: PopulationPseudonyms
    private let rowsByPerson: [[Int]]
    /// Per IR_BEN_R row: latest processing day of a claim under it (-1 when none), and whether a
    /// claim or a stay used it.
    private(set) var lastProcessing: [Int]
    private(set) var used: [Bool]

    init(population: Population, identity: IdentityStructure, pseudonyms: PopulationPseudonyms) {
        self.population = population
        self.identity = identity
        self.pseudonyms = pseudonyms
        var rows = [[Int]](repeating: [], count: population.people.count)
        for (i, row) in identity.rows.enumerated() { rows[row.person].append(i) }
        rowsByPerson = rows
        lastProcessing = [Int](repeating: -1, count: identity.rows.count)
        used = [Bool](repeating: false, count: identity.rows.count)
    }

    /// The IR_BEN_R row the person's care on `day` comes under.
    func row(of person: Int, on day: Int, using rng: inout SeededGenerator) -> Int {
        let date = CalendarDate(daysSinceEpoch: day)
        let candidates = rowsByPerson[person].filter { identity.rows[$0].isValid(on: date) && identity.rows[$0].cover != .spouse }
        guard !candidates.isEmpty else {
            // Outside every row's validity (cannot happen for a living person in the period):
            // the most recent row.
            return rowsByPerson[person].max { identity.rows[$0].validFrom < identity.rows[$1].validFrom }!
        }
        if candidates.count == 1 { return candidates[0] }
        return rng.chance(0.65) ? candidates[0] : candidates[1 + rng.uniform(candidates.count - 1)]
    }

    func psa(_ row: Int) -> String { pseudonyms.benNirPsa(identity.rows[row]) }
    func rank(_ row: Int) -> Int { identity.rows[row].rank }

    /// Affiliation body of the row: the ouvreur's.
    func affiliation(_ row: Int) -> String {
        let r = identity.rows[row]
        return population.people[r.cover == .ownRights ? r.person : r.ouvreur].affiliation
    }

    mutating func record(row: Int, processingDay: Int?) {
        used[row] = true
        if let day = processingDay, day > lastProcessing[row] { lastProcessing[row] = day }
    }
}

/// Scheme codes derived from an affiliation body (IR_ORG_V number): the grand régime in its first
/// two positions, as ER_PRS_F's RGM_GRG_COD / RGM_COD and the flow emitter FLX_EMT_TYP / _NUM show.
struct SchemeCodes {
    let grandRegime: Int
    let regime: Int
    let emitterType: Int
    let emitterNumber: Int

    /// General-scheme processing centres (IR_NEM_T, emitter type 1).
    private static let generalCentres = [1, 2, 4, 5, 6, 8, 10, 11, 13, 16, 17, 18, 19, 21, 22, 23, 25, 26, 27, 36]

    init(affiliation: String, departement: Departement) {
        let group = Int(affiliation.prefix(2)) ?? 1
        switch group {
        case 2: (grandRegime, regime, emitterType, emitterNumber) = (2, 1, 2, 2)
        case 3: (grandRegime, regime, emitterType, emitterNumber) = (3, 1, 3, 3)
        case 4: (grandRegime, regime, emitterType, emitterNumber) = (4, 676, 4, 4)
        case 5: (grandRegime, regime, emitterType, emitterNumber) = (5, 51, 5, 5)
        case 6, 7: (grandRegime, regime, emitterType, emitterNumber) = (group, 1, group, group)
        case 8: (grandRegime, regime, emitterType, emitterNumber) = (8, 108, 8, 8)
        case 91...99:
            // Mutualist local sections belong to the general scheme; their flows come from "SLM".
            (grandRegime, regime, emitterType, emitterNumber) = (1, 101, 1, 3)
        default:
            var h = 0
            for c in departement.code.utf8 { h = h &* 31 &+ Int(c) }
            let centre = departement.code == "976" ? 28 : Self.generalCentres[abs(h) % Self.generalCentres.count]
            (grandRegime, regime, emitterType, emitterNumber) = (1, 101, 1, centre)
        }
    }
}
