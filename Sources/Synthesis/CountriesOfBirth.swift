import SNDSModel

/// Countries of birth of people born abroad (`synthetic/reference/assumptions/countries_of_birth.csv`):
/// INSEE country codes, the three positions that follow `99` in a NIR.
public struct CountriesOfBirth: Sendable {
    public static let file = "assumptions/countries_of_birth.csv"
    public let codes: [String]
    private let sampler: WeightedSampler

    public init(reference: ReferenceData) throws {
        let table = try reference.readTable(Self.file)
        let c = try table.column("CODE", in: Self.file), w = try table.column("SHARE_PERCENT", in: Self.file)
        var codes: [String] = [], weights: [Double] = []
        for (i, row) in table.rows.enumerated() {
            guard row[c].count == 3, Int(row[c]) != nil, let weight = Double(row[w]), weight > 0 else {
                throw ReferenceDataError.malformed(Self.file, line: i + 2, "unreadable row")
            }
            codes.append(row[c])
            weights.append(weight)
        }
        guard !codes.isEmpty else { throw ReferenceDataError.malformed(Self.file, line: 1, "no country") }
        self.codes = codes
        self.sampler = WeightedSampler(weights: weights)
    }

    /// NIR positions 6–10 of someone born abroad: `99` and a country code.
    public func birthPlace(using rng: inout SeededGenerator) -> String {
        "99" + codes[sampler.sample(using: &rng)]
    }
}
