import Hardening
import SNDSModel

/// What a run extracts: the tables and the years a study's protocol names as its perimeter — a
/// CNIL authorisation covers the data the protocol lists, not the whole of the linked people's SNDS.
///
/// Tables are named as in the SNDS (`ER_PHA_F`, `T_MCOaaC` for the MCO stays of every year
/// extracted), or by product (`DCIR`, `PMSI_MCO`, `CEPIDC`). Years restrict what is dated by care:
/// DCIR lines by their date of care (EXE_SOI_DTD), the PMSI tables of those years, deaths by their
/// date (BEN_DCD_DTE); the referential IR_BEN_R is not dated and is extracted whole for the people.
public struct ExtractionScope: Codable, Sendable, Equatable {
    /// Every table an extraction can hold, in extraction order (`aa`: every year).
    public static let allTables = [
        "IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "ER_ETE_F", "ER_BIO_F", "ER_TRS_F", "IR_IMB_R", "T_MCOaaC", "T_MCOaaB", "T_MCOaaD",
        "T_MCOaaA", "KI_CCI_R",
        "KI_ECD_R",
    ]
    /// Products, as users name them, and their tables.
    public static let products: [String: [String]] = [
        "DCIR": ["ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "ER_ETE_F", "ER_BIO_F", "ER_TRS_F"],
        "PMSI_MCO": ["T_MCOaaC", "T_MCOaaB", "T_MCOaaD", "T_MCOaaA"],
        "CEPIDC": ["KI_CCI_R", "KI_ECD_R"],
    ]

    /// The tables asked for (among ``allTables``), in extraction order.
    public var tables: [String]
    /// The years asked for; nil for every year of the dataset.
    public var years: [Int]?

    /// Everything: every table, every year.
    public static let everything = ExtractionScope(checkedTables: allTables, years: nil)

    private init(checkedTables: [String], years: [Int]?) {
        tables = checkedTables
        self.years = years
    }

    /// Reads `--tables` (names or products, any case; nil for every table) and `--years`.
    public init(tables names: [String]?, years: [Int]?) throws(ScopeError) {
        var wanted = Set<String>()
        for name in names ?? Self.allTables {
            let upper = name.uppercased().replacingOccurrences(of: "T_MCOAA", with: "T_MCOaa")
            if let product = Self.products[upper] {
                wanted.formUnion(product)
            } else if Self.allTables.contains(upper) {
                wanted.insert(upper)
            } else {
                throw .unknownTable(name)
            }
        }
        guard !wanted.isEmpty else { throw .noTable }
        if let years, years.isEmpty { throw .noYear }
        self.init(checkedTables: Self.allTables.filter(wanted.contains), years: years.map { Array(Set($0)).sorted() })
    }

    public var isEverything: Bool { tables == Self.allTables && years == nil }

    /// Whether the scope asks for `table` (a name of ``allTables``).
    public func includes(_ table: String) -> Bool { tables.contains(table) }

    /// The years to extract among the dataset's; an error names a year the dataset does not cover.
    public func years(in dataset: [Int]) throws(ScopeError) -> [Int] {
        guard let years else { return dataset }
        if let outside = years.first(where: { !dataset.contains($0) }) {
            throw .yearOutsideDataset(outside, dataset: dataset)
        }
        return years
    }

    /// Why `--tables` or `--years` cannot be used.
    public enum ScopeError: Error, Equatable, Sendable, CustomStringConvertible, ExitStatusProviding {
        case unknownTable(String)
        case noTable
        case noYear
        case notAYear(String)
        case yearOutsideDataset(Int, dataset: [Int])

        public var exitStatus: ExitStatus { .usage }

        public var description: String {
            switch self {
            case .unknownTable(let name) where name.range(of: #"^T_MCO[0-9]{2}[CBDA]$"#, options: [.regularExpression, .caseInsensitive]) != nil:
                "--tables: '\(name)' is one year's table: write T_MCOaa\(name.suffix(1).uppercased()) and choose the year with --years 20\(name.dropFirst(5).prefix(2))"
            case .unknownTable(let name):
                "--tables: '\(name)' is not a table an extraction holds (known: \(ExtractionScope.allTables.joined(separator: ", ")); or the products \(ExtractionScope.products.keys.sorted().joined(separator: ", ")))"
            case .noTable: "--tables names no table"
            case .noYear: "--years names no year"
            case .notAYear(let text): "--years: '\(text)' is not a year (e.g. 2023)"
            case .yearOutsideDataset(let year, let dataset):
                "--years: the dataset covers \(dataset.map(String.init).joined(separator: ", ")), not \(year)"
            }
        }
    }
}
