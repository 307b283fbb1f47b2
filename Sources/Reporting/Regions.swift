import SNDSModel

/// The region of each département, as the SNDS's own referential gives it (IR_DPT_V: GEO_DPT_COD →
/// GEO_REG_COD, INSEE region codes), for the report's bias check by region.
///
/// Linked rates by département are noise at the size of most cohorts (about 40 départements of
/// 25 lines each in a 1,000-line cohort, every rate ±20 points): the report gives them by region
/// (13 in metropolitan France, and overseas), each with its 95 % confidence interval.
public enum Regions {
    /// Département codes as a cohort's profile holds them (`59`, `20` for Corsica, `97` for any
    /// overseas département, as PMSI codes them; `971` to `976` when a file gives them) → region.
    public static func load(from reference: ReferenceData) throws(ReferenceDataError) -> [String: String] {
        let file = "nomenclatures/ORAVAL/IR_DPT_V.csv"
        let table = try reference.readTable(file)
        let code = try table.column("GEO_DPT_COD", in: file), region = try table.column("GEO_REG_COD", in: file)
        var out: [String: String] = [:]
        for row in table.rows {
            let d = row[code], r = row[region].count == 1 ? "0" + row[region] : row[region]
            guard d.count == 3, r != "99", !r.isEmpty else { continue }
            if d.hasPrefix("97") {
                out[d] = r
                out["97"] = overseas
            } else if d.hasPrefix("02A") || d.hasPrefix("02B") {
                out[String(d.dropFirst())] = r
                out["20"] = r
            } else if d.hasPrefix("0") {
                out[String(d.dropFirst())] = r
            }
        }
        return out
    }

    /// The overseas départements together, when a file gives them as PMSI does (`97`).
    public static let overseas = "DOM"

    /// INSEE's region names (Code officiel géographique), by code.
    public static let names: [String: String] = [
        "01": "Guadeloupe", "02": "Martinique", "03": "Guyane", "04": "La Réunion", "06": "Mayotte",
        "11": "Île-de-France", "24": "Centre-Val de Loire", "27": "Bourgogne-Franche-Comté", "28": "Normandie",
        "32": "Hauts-de-France", "44": "Grand Est", "52": "Pays de la Loire", "53": "Bretagne", "75": "Nouvelle-Aquitaine",
        "76": "Occitanie", "84": "Auvergne-Rhône-Alpes", "93": "Provence-Alpes-Côte d'Azur", "94": "Corse",
    ]
}
