import SNDSModel

/// Communes of each département, from the SNDS nomenclature IR_GEO_V, weighted by their
/// population (INSEE, populations légales).
///
/// IR_GEO_V writes a commune as its département on three positions (`075`, `02A`, `971`) and its
/// commune number on three (`056`, `101`); the INSEE code and the NIR's birth place join them
/// (`75056`, `2A004`, `97101` — overseas, the département's third digit is the commune's first).
/// Placeholder entries (`000` "commune absente", `999` "inconnue") are left out.
///
/// People live where people live: a commune is drawn in proportion to its municipal population
/// (Marseille holds about 43 % of its département, Toulouse a third of Haute-Garonne), and the
/// hospitals of a département stand in its largest communes. IR_GEO_V entries INSEE no longer
/// counts (merged communes, Paris as a whole beside its arrondissements) get no residents; a
/// département without any population figure falls back to a uniform draw.
public struct Geography: Sendable {
    public static let nomenclature = "IR_GEO_V"
    public static let populationFile = "insee/insee_communes_population.csv"
    /// Commune numbers (three positions) by département.
    public let communes: [Departement: [String]]
    /// Municipal population of each commune of `communes`, in the same order (0 when unknown).
    public let populations: [Departement: [Int]]
    private let samplers: [Departement: WeightedSampler]

    public init(reference: ReferenceData) throws {
        let (_, csv) = try reference.nomenclature(named: Self.nomenclature)
        let table = try ReferenceData.readTable(at: csv, name: "IR_GEO_V.csv")
        let d = try table.column("GEO_DPT_COD", in: "IR_GEO_V.csv"), c = try table.column("GEO_COM_COD", in: "IR_GEO_V.csv")
        let label = try table.column("GEO_COM_LIB", in: "IR_GEO_V.csv")
        var communes: [Departement: [String]] = [:]
        for row in table.rows {
            // "097"/"098" group overseas communes under a generic code; the 971…976 entries are used.
            guard row[d] != "097", row[d] != "098", let departement = Departement(row[d]),
                row[c].count == 3, row[c] != "000", row[c] != "999",
                !row[label].hasPrefix("COMMUNE ABSENTE"), !row[label].hasPrefix("COMMUNE INCONNUE")
            else { continue }
            communes[departement, default: []].append(row[c])
        }
        for key in communes.keys { communes[key]!.sort() }
        self.communes = communes

        let counts = try reference.readTable(Self.populationFile)
        let code = try counts.column("COM", in: Self.populationFile), p = try counts.column("PMUN", in: Self.populationFile)
        var byCode: [String: Int] = [:]
        for (i, row) in counts.rows.enumerated() {
            guard row[code].count == 5, let population = Int(row[p]), population >= 0 else {
                throw ReferenceDataError.malformed(Self.populationFile, line: i + 2, "a commune code (5 characters) and a population")
            }
            byCode[row[code]] = population
        }
        var populations: [Departement: [Int]] = [:], samplers: [Departement: WeightedSampler] = [:]
        for (departement, list) in communes {
            let counts = list.map { byCode[Self.inseeCode(departement: departement, commune: $0)] ?? 0 }
            populations[departement] = counts
            let known = counts.contains { $0 > 0 }
            samplers[departement] = WeightedSampler(weights: known ? counts.map(Double.init) : counts.map { _ in 1 })
        }
        self.populations = populations
        self.samplers = samplers
    }

    /// The INSEE code of an IR_GEO_V commune: `13` + `201`, `2A` + `004`, overseas `97` + `101`.
    public static func inseeCode(departement: Departement, commune: String) -> String {
        (departement.isOverseas ? "97" : departement.code) + commune
    }

    /// A commune of `departement`, drawn in proportion to its population.
    public func commune(in departement: Departement, using rng: inout SeededGenerator) -> String {
        guard let list = communes[departement], let sampler = samplers[departement] else { return "999" }
        return list[sampler.sample(using: &rng)]
    }

    /// The département's communes from the most populous down (ties by code), at most `count`.
    public func largestCommunes(in departement: Departement, count: Int) -> [String] {
        guard let list = communes[departement], let counts = populations[departement] else { return [] }
        return zip(list, counts).sorted { ($1.1, $0.0) < ($0.1, $1.0) }.prefix(count).map(\.0)
    }

    /// NIR positions 6–10 for a birth in `departement` and `commune`, on `birthDate`: Corsica was
    /// département `20` until 1976, overseas départements write `97` then the commune.
    public static func nirBirthPlace(departement: Departement, commune: String, birthDate: CalendarDate) -> String {
        if departement.isOverseas { return "97" + commune }
        if departement.isCorsica, birthDate.year < 1976 { return "20" + commune }
        return departement.code + commune
    }
}
