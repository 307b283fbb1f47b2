import SNDSModel

/// INSEE's population on 1 January 2023 by département, sex and five-year age band
/// (`synthetic/reference/insee/insee_population_2023.csv`), the distribution the synthetic
/// population is drawn from and compared with.
public struct PopulationReference: Sendable {
    public struct Cell: Sendable {
        public let departement: Departement
        public let sex: Sex
        public let ageMin: Int
        public let ageMax: Int
        public let population: Int
    }

    public static let file = "insee/insee_population_2023.csv"
    /// The day the figures describe.
    public static let date = CalendarDate(year: 2023, month: 1, day: 1)!

    public let cells: [Cell]
    public let total: Int

    public init(reference: ReferenceData) throws {
        let table = try reference.readTable(Self.file)
        let d = try table.column("DEPARTEMENT", in: Self.file), s = try table.column("SEXE", in: Self.file)
        let lo = try table.column("AGE_MIN", in: Self.file), hi = try table.column("AGE_MAX", in: Self.file)
        let p = try table.column("POPULATION", in: Self.file)
        var cells: [Cell] = []
        for (i, row) in table.rows.enumerated() {
            guard let departement = Departement(row[d]), let sexCode = Int(row[s]), let sex = Sex(rawValue: sexCode),
                let ageMin = Int(row[lo]), let ageMax = Int(row[hi]), let population = Int(row[p]),
                ageMin <= ageMax, population >= 0
            else {
                throw ReferenceDataError.malformed(Self.file, line: i + 2, "unreadable row")
            }
            cells.append(Cell(departement: departement, sex: sex, ageMin: ageMin, ageMax: ageMax, population: population))
        }
        self.cells = cells
        self.total = cells.reduce(0) { $0 + $1.population }
    }

    /// Population by département (INSEE code).
    public var byDepartement: [Departement: Int] {
        cells.reduce(into: [:]) { $0[$1.departement, default: 0] += $1.population }
    }

    /// Share of each sex.
    public func share(of sex: Sex) -> Double {
        Double(cells.filter { $0.sex == sex }.reduce(0) { $0 + $1.population }) / Double(total)
    }

    /// Share of the population aged `ages` (band bounds must align with five-year bands).
    public func share(ages: ClosedRange<Int>) -> Double {
        Double(cells.filter { ages.contains($0.ageMin) }.reduce(0) { $0 + $1.population }) / Double(total)
    }
}
