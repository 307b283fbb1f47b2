import SNDSModel

/// CCAM acts as DCIR bills them: each act's tariff on a day, from a stated table
/// (`assumptions/ccam_tariffs.csv`), and its nature of service (PRS_NAT_REF), the IR_NAT_V nature
/// whose short code is the act's CCAM group (ADC surgery 1321, ACO obstetrics 1322, ADE
/// echography 1324, ADI imaging 1351, ATM technical acts 1352, SDE dental care 1451, AXI
/// prophylaxis 1453, END endodontics 1470). A chest X-ray is then billed 21.28 € as imaging, not a
/// random price under a surgical nature.
struct ActCatalogue: Sendable {
    static let file = "assumptions/ccam_tariffs.csv"

    private let tariffs: [String: [(fromDay: Int, tariff: Double)]]
    private let natures: [String: Int]

    /// Reads the tariffs and checks that every act the model names has a tariff and a nature.
    init(reference: ReferenceData, codes: CareCodes, model: CareModel) throws {
        let table = try reference.readTable(Self.file)
        let c = try table.column("CODE", in: Self.file), t = try table.column("TARIFF", in: Self.file)
        let f = try table.column("FROM", in: Self.file)
        var tariffs: [String: [(fromDay: Int, tariff: Double)]] = [:]
        for (i, row) in table.rows.enumerated() {
            guard codes.acts.contains(row[c]), let tariff = Double(row[t]), tariff >= 0, tariff < 10_000,
                let from = CalendarDate(iso: row[f])?.daysSinceEpoch
            else {
                throw ReferenceDataError.malformed(Self.file, line: i + 2, "a CCAM code of IR_CCAM_V63, a tariff in euros and a date (YYYY-MM-DD)")
            }
            tariffs[row[c], default: []].append((from, tariff))
        }
        for code in tariffs.keys { tariffs[code]!.sort { $0.fromDay < $1.fromDay } }
        var natures: [String: Int] = [:]
        for code in model.actCodes {
            guard tariffs[code] != nil else {
                throw ReferenceDataError.malformed(Self.file, line: 0, "\(code), an act of the care model, has no tariff")
            }
            guard let group = codes.actGroups[code], let nature = codes.natureOfActGroup[group] else {
                throw ReferenceDataError.malformed(
                    CareModel.file, line: 0, "\(code): its CCAM group (\(codes.actGroups[code] ?? "none")) has no open nature in IR_NAT_V")
            }
            natures[code] = nature
        }
        self.tariffs = tariffs
        self.natures = natures
    }

    /// The act's tariff on a day (days since 1970-01-01): the last change on or before it, or the
    /// first known tariff for an earlier day.
    /// Every act the model names was checked at load time: an unknown one is a programming error.
    func tariff(_ code: String, onDay day: Int) -> Double {
        guard let dated = tariffs[code] else { preconditionFailure("\(code) is not an act of the care model") }
        return dated.last { $0.fromDay <= day }?.tariff ?? dated[0].tariff
    }

    /// PRS_NAT_REF of the act's line.
    func nature(_ code: String) -> Int {
        guard let nature = natures[code] else { preconditionFailure("\(code) is not an act of the care model") }
        return nature
    }
}
