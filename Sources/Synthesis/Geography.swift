import SNDSModel

/// Communes of each département, from the SNDS nomenclature IR_GEO_V.
///
/// IR_GEO_V writes a commune as its département on three positions (`075`, `02A`, `971`) and its
/// commune number on three (`056`, `101`); the INSEE code and the NIR's birth place join them
/// (`75056`, `2A004`, `97101` — overseas, the département's third digit is the commune's first).
/// Placeholder entries (`000` "commune absente", `999` "inconnue") are left out.
///
/// No open commune population was at hand, so communes are drawn uniformly within their
/// département (docs/identity-model.md); the département itself follows INSEE's figures.
public struct Geography: Sendable {
    public static let nomenclature = "IR_GEO_V"
    /// Commune numbers (three positions) by département.
    public let communes: [Departement: [String]]

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
    }

    /// A commune of `departement`, drawn uniformly.
    public func commune(in departement: Departement, using rng: inout SeededGenerator) -> String {
        guard let list = communes[departement], !list.isEmpty else { return "999" }
        return rng.pick(list)
    }

    /// NIR positions 6–10 for a birth in `departement` and `commune`, on `birthDate`: Corsica was
    /// département `20` until 1976, overseas départements write `97` then the commune.
    public static func nirBirthPlace(departement: Departement, commune: String, birthDate: CalendarDate) -> String {
        if departement.isOverseas { return "97" + commune }
        if departement.isCorsica, birthDate.year < 1976 { return "20" + commune }
        return departement.code + commune
    }
}
