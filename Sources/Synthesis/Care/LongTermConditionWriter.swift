import GRDB
import SNDSModel
import SNDSStore

/// Writes the long-term conditions (ALD, affections de longue durée) that exempt a beneficiary
/// from the copayment as the medical service records them in IR_IMB_R: one row per person and
/// condition, under the pseudonym and rank the person's claims use, with the ALD number
/// (IR_ALD_V), the motive (IMB_ETM_NAT 41, a condition of the list) and the ICD-10 diagnosis.
///
/// An exemption is granted for five years and renewed: the rows are the grant in force on the
/// period's first day (or the condition's) and its renewals through the period. A condition present on the first day was recognised up to ten years before (not
/// before birth); one acquired during the period (coronary disease after an infarction) from that
/// day, decided (INS_DTE) a few weeks later.
final class LongTermConditionWriter {
    static let columns = [
        "BEN_NIR_PSA", "BEN_RNG_GEM", "IMB_ALD_NUM", "IMB_ALD_DTD", "IMB_ALD_DTF", "IMB_ETM_NAT", "MED_MTF_COD", "INS_DTE",
    ]
    /// Years an exemption is granted for before its renewal.
    static let grantYears = 5

    private let table: CareTable
    private let model: CareModel
    private let start: Int, end: Int
    private(set) var rows = 0

    init(_ db: Database, schema: TableSchema, model: CareModel, period: ClosedRange<Int>) throws {
        table = try CareTable(db, schema: schema, columns: Self.columns)
        self.model = model
        start = period.lowerBound
        end = period.upperBound
    }

    func write(
        _ conditions: [(condition: Int, since: Int)], person: Person, beneficiaries: inout Beneficiaries,
        rng: inout SeededGenerator
    ) throws {
        let birth = person.birthDate.daysSinceEpoch
        for (index, since) in conditions {
            let c = model.conditions[index]
            // A condition acquired after the period (home from rehabilitation next year) is not yet
            // in the referential.
            guard let number = c.ald, since <= end else { continue }
            // A condition present on the first day was recognised up to ten years before; one
            // acquired during the period from its first day, the request being decided some weeks
            // later (INS_DTE) — the exemption is backdated, as the 100 % lines since then say.
            var granted = since <= start ? max(birth, since - rng.uniform(3_653)) : since
            var decided = since <= start ? granted : since + 14 + rng.uniform(76)
            // The grant in force on the first day it matters, then its renewals every five years
            // through the period, each decided a month before it starts.
            func fiveYears(from day: Int) -> Int { CalendarDate(daysSinceEpoch: day).adding(years: Self.grantYears).daysSinceEpoch - 1 }
            var until = fiveYears(from: granted)
            while until < max(start, since) {
                granted = until + 1
                until = fiveYears(from: granted)
                decided = granted - 30
            }
            let row = beneficiaries.row(of: person.id, on: max(since, start), using: &rng)
            repeat {
                // Grants reach years before and after the generated period: dated by the calendar.
                let (from, to, inserted) = (granted, until, decided)
                try table.insert { f in
                    f.add(beneficiaries.psa(row)); f.add(beneficiaries.rank(row)); f.add(number)
                    f.add(CalendarDate(daysSinceEpoch: from).iso); f.add(CalendarDate(daysSinceEpoch: to).iso); f.add(41); f.add(c.icd10)
                    f.add(CalendarDate(daysSinceEpoch: inserted).iso)
                }
                rows += 1
                granted = until + 1
                until = fiveYears(from: granted)
                decided = granted - 30
            } while granted <= end
        }
    }
}
