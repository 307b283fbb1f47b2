import SNDSModel

/// Affiliation bodies (ORG_AFF_BEN): a scheme drawn by its share of beneficiaries
/// (`assumptions/affiliation_schemes.csv`), then a body of that scheme from IR_ORG_V, in the
/// beneficiary's département when the nomenclature has one there.
///
/// A beneficiary is affiliated to a caisse (a CPAM, an MSA, a mutualist section), not to one of
/// its dozens of payment centres: IR_ORG_V lists every centre (42,000 for the general scheme), so
/// each caisse (ORG_BSE_NUM) is represented by its first body. A département then has a handful of
/// affiliation bodies, as in the real referential, not one per beneficiary.
public struct AffiliationBodies: Sendable {
    public static let file = "assumptions/affiliation_schemes.csv"
    public static let nomenclature = "IR_ORG_V"

    private let schemes: [Int]
    private let schemeSampler: WeightedSampler
    /// Bodies by scheme and by département (INSEE code), and by scheme alone.
    private let local: [Int: [Departement: [String]]]
    private let national: [Int: [String]]

    public init(reference: ReferenceData) throws {
        let shares = try reference.readTable(Self.file)
        let g = try shares.column("ORG_GRG_COD", in: Self.file), w = try shares.column("SHARE_PERCENT", in: Self.file)
        var schemes: [Int] = [], weights: [Double] = []
        for (i, row) in shares.rows.enumerated() {
            guard let scheme = Int(row[g]), let weight = Double(row[w]), weight > 0 else {
                throw ReferenceDataError.malformed(Self.file, line: i + 2, "unreadable row")
            }
            schemes.append(scheme)
            weights.append(weight)
        }

        let (_, csv) = try reference.nomenclature(named: Self.nomenclature)
        let bodies = try ReferenceData.readTable(at: csv, name: "IR_ORG_V.csv")
        let number = try bodies.column("ORG_NUM", in: "IR_ORG_V.csv"), scheme = try bodies.column("ORG_GRG_COD", in: "IR_ORG_V.csv")
        let place = try bodies.column("GEO_DPT_COD", in: "IR_ORG_V.csv"), tec = try bodies.column("TEC_COL", in: "IR_ORG_V.csv")
        let caisse = try bodies.column("ORG_BSE_NUM", in: "IR_ORG_V.csv")
        var local: [Int: [Departement: [String]]] = [:]
        var national: [Int: [String]] = [:]
        // Each caisse's bodies: it is represented by its first located body numbered as a caisse
        // (`01C…`, not an agency `01A…`), else its first located body, else its first; it serves
        // every département where one of its bodies is (by GEO_DPT_COD, else by the caisse number
        // inside ORG_NUM: 01C751… → 75) — an MSA covering three départements serves all three.
        var members: [String: [[String]]] = [:]
        for row in bodies.rows where row[tec] == "0" && row[number].count == 9 {
            members[row[caisse].isEmpty ? row[number] : row[caisse], default: []].append(row)
        }
        for key in members.keys.sorted() {
            let rows = members[key]!.sorted { $0[number] < $1[number] }
            func location(_ row: [String]) -> Departement? {
                Departement(row[place]) ?? Departement(String(row[number].dropFirst(3).prefix(2)))
            }
            let isCaisse = { (row: [String]) in Array(row[number])[2] == "C" && Departement(row[place]) != nil }
            let representative = rows.first(where: isCaisse) ?? rows.first { Departement($0[place]) != nil } ?? rows[0]
            guard let s = Int(representative[scheme]) else { continue }
            national[s, default: []].append(representative[number])
            for departement in Set(rows.compactMap(location)) {
                local[s, default: [:]][departement, default: []].append(representative[number])
            }
        }
        let missing = schemes.filter { national[$0] == nil }
        guard missing.isEmpty else {
            throw ReferenceDataError.malformed(Self.file, line: 0, "schemes without any body in IR_ORG_V: \(missing)")
        }
        self.schemes = schemes
        self.schemeSampler = WeightedSampler(weights: weights)
        self.local = local
        self.national = national
    }

    /// An affiliation body for someone living in `departement`.
    public func body(for departement: Departement, using rng: inout SeededGenerator) -> String {
        let scheme = schemes[schemeSampler.sample(using: &rng)]
        if let nearby = local[scheme]?[departement], !nearby.isEmpty { return rng.pick(nearby) }
        return rng.pick(national[scheme]!)
    }
}
