import GRDB
import SNDSModel
import SNDSStore

/// Writes causes of death as CépiDC delivers them to SNDS: KI_CCI_R (one row per death
/// certificate: underlying cause, place, identity of the deceased) and KI_ECD_R (one row per cause
/// written on the certificate).
///
/// CépiDC arrives late and incomplete: deaths of the last generated year are covered less than
/// earlier ones; a few records are not matched to a beneficiary (BEN_IDT_TOP = 0, no BEN_IDT_ANO);
/// a few death dates differ by a day from the referential's.
final class CepiDCWriter {
    static let cciColumns = [
        "DCD_IDT_ENC", "DCD_IDT_TOP", "BEN_IDT_ANO", "BEN_IDT_TOP", "BEN_NIR_ANO", "FLX_PER_ANN", "CER_VER_NUM",
        "TRT_STA_COD", "TYP_CER_COD", "DCD_DPT_COD", "DCD_COM_COD", "BEN_RES_DPT", "BEN_RES_COM", "BEN_DCD_DTE",
        "BEN_DCD_AME", "DCD_LIE_COD", "BEN_NAI_ANN", "BEN_NAI_MOI", "BEN_SEX_COD", "DCD_CIM_COD",
    ]
    static let ecdColumns = [
        "DCD_IDT_ENC", "DCD_IDT_TOP", "BEN_IDT_ANO", "BEN_IDT_TOP", "BEN_NIR_ANO", "FLX_PER_ANN", "CER_LIG_NUM",
        "ECD_CAU_RNG", "ECD_CIM_COD", "BEN_DCD_DTE", "BEN_DCD_AME",
    ]

    private let cci: CareTable, ecd: CareTable
    private let days: DayStrings
    private let rules: CareModel.CausesOfDeath
    private let lastYear: Int
    private(set) var rows: [String: Int] = ["KI_CCI_R": 0, "KI_ECD_R": 0]

    init(_ db: Database, schemas: [String: TableSchema], days: DayStrings, rules: CareModel.CausesOfDeath, lastYear: Int) throws {
        cci = try CareTable(db, schema: schemas["KI_CCI_R"]!, columns: Self.cciColumns)
        ecd = try CareTable(db, schema: schemas["KI_ECD_R"]!, columns: Self.ecdColumns)
        self.days = days
        self.rules = rules
        self.lastYear = lastYear
    }

    func write(_ death: DeathRecord, person: Person, individualPseudonym: String, rng: inout SeededGenerator) throws {
        let date = CalendarDate(daysSinceEpoch: death.day)
        let coverage = date.year >= lastYear ? rules.coverage.lastYear : rules.coverage.earlierYears
        guard rng.chance(coverage) else { return }
        let linked = rng.chance(rules.linked)
        let recordedDay = rng.chance(rules.deathDateOffByOne) ? death.day + (rng.chance(0.5) ? 1 : -1) : death.day
        let identifier = Self.certificateIdentifier(&rng)
        let home = person.residence(on: date)
        let neonatal = person.birthDate.days(until: date) < 28
        let causes = [death.cause] + death.contributing
        try cci.insert { f in
            f.add(identifier); f.add(1)
            f.add(linked ? individualPseudonym : nil); f.add(linked ? 1 : 0); f.add(linked ? individualPseudonym : nil)
            f.add(pad(date.year, 4)); f.add(2); f.add(1); f.add(neonatal ? 2 : 1)
            f.add(death.departement.referentialCode); f.add(death.commune)
            f.add(home.departement.referentialCode); f.add(home.commune)
            f.add(days.date(recordedDay)); f.add(days.yearMonth(recordedDay))
            f.add(death.place)
            f.add(pad(person.birthDate.year, 4)); f.add(pad(person.birthDate.month, 2)); f.add(person.sex.code)
            f.add(String(death.cause.prefix(4)))
        }
        rows["KI_CCI_R"]! += 1
        for (rank, cause) in causes.enumerated() {
            try ecd.insert { f in
                f.add(identifier); f.add(1)
                f.add(linked ? individualPseudonym : nil); f.add(linked ? 1 : 0); f.add(linked ? individualPseudonym : nil)
                f.add(pad(date.year, 4)); f.add(rank + 1); f.add(rank + 1); f.add(String(cause.prefix(4)))
                f.add(days.date(recordedDay)); f.add(days.yearMonth(recordedDay))
            }
            rows["KI_ECD_R"]! += 1
        }
    }

    /// DCD_IDT_ENC: CépiDC's own identifier of the certificate, 64 hexadecimal characters. Drawn
    /// at random (not derived from the person), so a record CépiDC could not link to a beneficiary
    /// cannot be linked back through it either.
    static func certificateIdentifier(_ rng: inout SeededGenerator) -> String {
        (0..<4).map { _ in
            let text = String(rng.next(), radix: 16)
            return String(repeating: "0", count: 16 - text.count) + text
        }.joined()
    }
}
