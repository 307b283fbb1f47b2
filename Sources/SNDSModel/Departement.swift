/// A French département, kept in its INSEE form (`01`…`95`, `2A`, `2B`, `971`…`976`).
///
/// SNDS writes the same département several ways, and a linkage must move between them:
/// referentials use three positions (`075`, `02A`, `971` — IR_DPT_V, BEN_RES_DPT), PMSI uses two
/// (`75`, `2A`), and the NIR has two positions (`75`, `2A`, `97` followed by a commune of which the
/// first digit completes the overseas département).
public struct Departement: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// INSEE code: two characters in mainland France and Corsica, three overseas.
    public let code: String

    /// Accepts INSEE (`75`, `2A`, `971`) or referential (`075`, `02A`) forms; `20` is not a
    /// département since 1976 and is refused here (it survives only inside old NIRs).
    public init?(_ text: String) {
        guard let code = Self.normalise(text) else { return nil }
        self.code = code
    }

    private static func normalise(_ text: String) -> String? {
        let t = text.uppercased()
        if t.count == 3, t.hasPrefix("0") { return normalise(String(t.dropFirst())) }
        if t == "2A" || t == "2B" { return t }
        guard t.allSatisfy(\.isASCII), let n = Int(t) else { return nil }
        switch t.count {
        case 2 where (1...95).contains(n) && n != 20: return t
        case 3 where (971...976).contains(n) && n != 975: return t
        default: return nil
        }
    }

    /// Three positions as in IR_DPT_V / BEN_RES_DPT / IR_GEO_V: `075`, `02A`, `971`.
    public var referentialCode: String { code.count == 2 ? "0" + code : code }

    /// Two positions as in PMSI (BDI_DEP): `75`, `2A`; overseas keeps `97` + its digit (`971`).
    public var pmsiCode: String { code }

    public var isCorsica: Bool { code == "2A" || code == "2B" }
    public var isOverseas: Bool { code.count == 3 }

    public static func < (lhs: Departement, rhs: Departement) -> Bool { lhs.code < rhs.code }
    public var description: String { code }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let d = Departement(text) else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: decoder.codingPath,
                    debugDescription: "not a département: \(text)"))
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(code)
    }
}
