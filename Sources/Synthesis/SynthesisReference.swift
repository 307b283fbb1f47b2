import SNDSModel

/// All reference tables generation draws from, read once.
public struct SynthesisReference: Sendable {
    public let data: ReferenceData
    public let population: PopulationReference
    public let geography: Geography
    public let mortality: Mortality
    public let countries: CountriesOfBirth
    public let affiliation: AffiliationBodies

    public init(data: ReferenceData) throws {
        self.data = data
        population = try PopulationReference(reference: data)
        geography = try Geography(reference: data)
        mortality = try Mortality(reference: data)
        countries = try CountriesOfBirth(reference: data)
        affiliation = try AffiliationBodies(reference: data)
        let withoutCommunes = Set(population.cells.map(\.departement)).filter { geography.communes[$0]?.isEmpty ?? true }
        guard withoutCommunes.isEmpty else {
            throw ReferenceDataError.malformed(
                "IR_GEO_V.csv", line: 0,
                "no commune for départements \(withoutCommunes.map(\.code).sorted())")
        }
    }
}
