import SNDSModel

/// Annual death rates by sex and age (`synthetic/reference/assumptions/mortality.csv`, a documented
/// assumption approximating France's rates of 2019–2022).
public struct Mortality: Sendable {
    public static let file = "assumptions/mortality.csv"
    /// Probability of dying within a year, by sex code and single year of age 0…120.
    private let rates: [Sex: [Double]]

    public init(reference: ReferenceData) throws {
        let table = try reference.readTable(Self.file)
        let s = try table.column("SEXE", in: Self.file), lo = try table.column("AGE_MIN", in: Self.file)
        let hi = try table.column("AGE_MAX", in: Self.file), r = try table.column("DEATHS_PER_1000", in: Self.file)
        var rates: [Sex: [Double]] = [.male: Array(repeating: -1, count: 121), .female: Array(repeating: -1, count: 121)]
        for (i, row) in table.rows.enumerated() {
            guard let code = Int(row[s]), let sex = Sex(rawValue: code), let a = Int(row[lo]), let b = Int(row[hi]),
                let perThousand = Double(row[r]), (0...120).contains(a), (a...120).contains(b), perThousand >= 0, perThousand < 1000
            else { throw ReferenceDataError.malformed(Self.file, line: i + 2, "unreadable row") }
            for age in a...b { rates[sex]![age] = perThousand / 1000 }
        }
        guard rates.values.allSatisfy({ $0.allSatisfy { $0 >= 0 } }) else {
            throw ReferenceDataError.malformed(Self.file, line: 0, "ages 0–120 are not all covered for both sexes")
        }
        self.rates = rates
    }

    /// Probability that a person of `sex` aged `age` dies within a year.
    public func annualProbability(sex: Sex, age: Int) -> Double {
        rates[sex]![min(max(age, 0), 120)]
    }
}
