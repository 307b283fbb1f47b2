import Foundation
import SNDSModel

/// The SNDS side of an indirect linkage: the *events* a cohort line may describe, one candidate
/// row each, tied to the person behind it.
///
/// A registry line describes an event (a stay, a diagnosis) more than a person; the engine joins
/// the cohort with the events and counts distinct persons. Each source says which tables its
/// criteria may name and how its events are assembled in SQL.
public enum EventSource: String, Sendable, CaseIterable, Codable {
    /// PMSI MCO stays of every year of the dataset with a reliable chaining (all the *_RET quality
    /// codes 0): T_MCOaaC joined to T_MCOaaB on ETA_NUM + RSA_NUM, and to IR_BEN_R on
    /// NIR_ANO_17 = BEN_NIR_PSA. A pseudonym shared by same-sex twins gives one row per twin, so
    /// such a stay has two candidate persons and is never linked by itself.
    case mcoStays = "mco_stays"

    /// Tables (as the rules name them) whose columns criteria may use.
    public var tables: [String] {
        switch self {
        case .mcoStays: ["T_MCOaaC", "T_MCOaaB", "IR_BEN_R"]
        }
    }

    /// What one candidate row is, for messages and reports.
    public var label: String {
        switch self {
        case .mcoStays: "MCO stays with a reliable chaining"
        }
    }

    /// The SELECT giving, for one year, `person`, `psa`, `rank` then `values` (SQL expressions over
    /// the aliases `c`, `b` and `r` for T_MCOaaC, T_MCOaaB, IR_BEN_R), filtered by `conditions`.
    func select(year: Int, values: [String], conditions: [String]) -> String {
        switch self {
        case .mcoStays:
            let aa = pad(year % 100, 2)
            let reliable = PMSIChaining.reliableConditions(on: "c")
            return """
                SELECT r.BEN_IDT_ANO, c.NIR_ANO_17, r.BEN_RNG_GEM\(values.map { ", " + $0 }.joined())
                FROM main.T_MCO\(aa)C c
                JOIN main.T_MCO\(aa)B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM
                JOIN main.IR_BEN_R r ON r.BEN_NIR_PSA = c.NIR_ANO_17
                WHERE \((reliable + conditions).joined(separator: " AND "))
                """
        }
    }

    /// The SQL alias of a table in ``select(year:values:conditions:)``.
    func alias(of table: String) -> String {
        switch table {
        case "T_MCOaaC": "c"
        case "T_MCOaaB": "b"
        default: "r"
        }
    }
}
