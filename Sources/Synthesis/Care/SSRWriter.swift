import GRDB
import SNDSModel
import SNDSStore

/// Writes rehabilitation stays as PMSI SSR does, one set of tables per year of discharge:
/// T_SSRaaC (the chaining: NIR_ANO_17, dates, quality codes), T_SSRaaS (the stay's summary:
/// length, entry and exit modes), T_SSRaaB (one row per week of the stay — the RHS, résumé
/// hebdomadaire standardisé — with the aim of care, the main morbid manifestation and its
/// etiology, days present on weekdays and at weekends, dependence scores) and T_SSRaaD
/// (associated diagnoses of each week), joined on ETA_NUM + RHA_NUM (+ RHS_NUM).
///
/// A stay is filed under its discharge year, as in MCO (the real files also hold the weeks of
/// stays still running at the end of a year); its entry follows an MCO stay's transfer on the same
/// day (ENT_MOD 7, or 6 within one establishment, ENT_PRV 1).
final class SSRWriter {
    static let cColumns =
        [
            "ETA_NUM", "RHA_NUM", "NIR_ANO_17", "SEJ_NUM", "ENT_DAT", "SOR_DAT", "EXE_SOI_DTD", "EXE_SOI_DTF", "EXE_SOI_AMD",
            "EXE_SOI_AMF", "SOR_MOI", "SOR_ANN", "MOI_LUN_1S", "ANN_LUN_1S",
        ] + PMSIChaining.qualityCodes
    static let sColumns = [
        "ETA_NUM", "RHA_NUM", "SEJ_NBJ", "PRE_JOU_NBR", "ENT_MOD", "ENT_PRV", "SOR_MOD", "SOR_DES", "NBR_RHA", "NBR_UM",
        "NBR_MUT", "ACT_TYP",
    ]
    static let bColumns = [
        "ETA_NUM", "RHA_NUM", "RHS_NUM", "AGE_ANN", "COD_SEX", "BDI_COD", "BDI_DEP", "HOS_TYP_UM", "ENT_MOD", "ENT_PRV",
        "SOR_MOD", "SOR_DES", "MOI_ANN", "JP_HWE", "JP_WE", "FP_PEC", "MOR_PRP", "ETL_AFF", "NBR_DGN", "NBR_CSARR",
        "NBR_CCAM", "RHS_ANT_SEJ_ENT", "MOI_ANN_SOR_SEJ", "HAB_DEP", "DPL_DEP", "ALI_DEP", "CON_DEP", "CPT_DEP", "REL_DEP",
        "TYP_GEN_RHA", "ACT_TYP",
    ]
    /// The aim of care (FP_PEC) was dropped from the weekly summary on 1 March 2023 (reform of
    /// rehabilitation, SSR becoming SMR): weeks from then on leave it empty.
    static let purposeDropped = CalendarDate(year: 2023, month: 3, day: 1)!.daysSinceEpoch
    static let dColumns = ["ETA_NUM", "RHA_NUM", "RHS_NUM", "DGN_COD"]

    private let tables: PMSIYearTables
    private let days: DayStrings
    private let chaining: StayChaining

    /// Rows written per table.
    var rows: [String: Int] { tables.rows }

    init(_ db: Database, schemas: [String: TableSchema], years: ClosedRange<Int>, days: DayStrings, chaining: CareModel.Chaining) throws {
        tables = try PMSIYearTables(
            db, schemas: schemas, years: years,
            columns: [("T_SSRaaC", Self.cColumns), ("T_SSRaaS", Self.sColumns), ("T_SSRaaB", Self.bColumns), ("T_SSRaaD", Self.dColumns)])
        self.days = days
        self.chaining = try StayChaining(rules: chaining, table: "T_SSRaaC")
    }

    func write(_ stay: Stay, number: Int, person: Person, beneficiaries: inout Beneficiaries, rng: inout SeededGenerator) throws {
        let exitDate = CalendarDate(daysSinceEpoch: stay.exit)
        let year = exitDate.year
        guard tables.has(year) else { return }
        let finess = stay.establishment.finess
        let rhaText = String(tables.nextStayNumber(establishment: finess, year: year))
        let row = beneficiaries.row(of: person.id, on: stay.entry, using: &rng)
        beneficiaries.record(row: row, processingDay: nil)
        let (nirAno, failed) = chaining.draw(row: row, newborn: false, beneficiaries: beneficiaries, rng: &rng)
        // Weeks run Monday to Sunday; the first week is the one holding the entry day.
        let firstMonday = stay.entry - (CalendarDate.weekday(daysSinceEpoch: stay.entry) - 1)
        let monday = CalendarDate(daysSinceEpoch: firstMonday)
        try tables.insert(0, year: year) { f in
            f.add(finess); f.add(rhaText); f.add(nirAno); f.add(String(number))
            f.add(days.date(stay.entry)); f.add(days.date(stay.exit)); f.add(days.date(stay.entry)); f.add(days.date(stay.exit))
            f.add(days.yearMonth(stay.entry)); f.add(days.yearMonth(stay.exit))
            f.add(pad(exitDate.month, 2)); f.add(pad(exitDate.year, 4))
            f.add(pad(monday.month, 2)); f.add(pad(monday.year, 4))
            for code in PMSIChaining.qualityCodes { f.add(code == failed ? 1 : 0) }
        }
        let lengthOfStay = stay.exit - stay.entry
        let weekCount = (stay.exit - firstMonday) / 7 + 1
        // Days present: every day from entry to the day before exit (full hospitalisation does
        // not count the exit day; a stay entered and left the same day counts one).
        let lastPresent = max(stay.entry, stay.exit - 1)
        try tables.insert(1, year: year) { f in
            f.add(finess); f.add(rhaText); f.add(lengthOfStay); f.add(lastPresent - stay.entry + 1)
            f.add(stay.entryMode); f.add(stay.origin); f.add(stay.exitMode); f.add(stay.destination)
            f.add(weekCount); f.add(1); f.add(0); f.add("1")
        }
        let home = person.residence(on: CalendarDate(daysSinceEpoch: stay.entry))
        let departement = home.departement.isOverseas ? "97" : home.departement.code
        let age = person.birthDate.age(on: CalendarDate(daysSinceEpoch: stay.entry))
        // Dependence (1 autonomous … 4 fully dependent) improves as rehabilitation goes on.
        let dependence = 1 + min(3, Int(Double(max(0, age - 60)) / 12) + rng.uniform(2))
        for week in 0..<weekCount {
            let weekStart = firstMonday + 7 * week
            let from = max(stay.entry, weekStart)
            // Days present, as the RHS codes them: one character per day, Monday to Friday
            // (JP_HWE) and Saturday to Sunday (JP_WE), 1 present, 0 not.
            let mask = (0..<7).map { offset -> Character in
                let day = weekStart + offset
                return day >= stay.entry && day <= lastPresent ? "1" : "0"
            }
            let level = String(max(1, dependence - week / 2))
            let first = week == 0, last = week == weekCount - 1
            try tables.insert(2, year: year) { f in
                f.add(finess); f.add(rhaText); f.add(String(week + 1)); f.add(age); f.add(String(person.sex.code))
                f.add(departement + home.commune); f.add(departement); f.add("1")
                // Entry on the first week's summary, exit on the last's.
                f.add(first ? stay.entryMode : nil); f.add(first ? stay.origin : nil)
                f.add(last ? stay.exitMode : nil); f.add(last ? stay.destination : nil)
                f.add(days.yearMonth(from)); f.add(String(mask.prefix(5))); f.add(String(mask.suffix(2)))
                f.add(weekStart + 6 < Self.purposeDropped ? stay.purpose : nil); f.add(stay.dp); f.add(stay.dr)
                f.add(stay.das.count); f.add(0); f.add(0)
                f.add(from - stay.entry); f.add(days.yearMonth(stay.exit))
                for _ in 0..<6 { f.add(level) }
                f.add("0"); f.add("1")
            }
            for code in stay.das {
                try tables.insert(3, year: year) { f in
                    f.add(finess); f.add(rhaText); f.add(String(week + 1)); f.add(code)
                }
            }
        }
    }
}
