import SNDSModel

/// Why a cohort line was rejected before any linking: the codes of rejects.csv's REASON column and
/// of summary.json's `rejectedByReason`, with the column each blames. Reports and tests read this
/// enum; its raw values are the codes users see (docs/direct-linkage.md, docs/indirect-linkage.md).
public enum RejectionReason: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable, Comparable {
    /// Missing or extra fields: the line as a whole is wrong.
    case fieldCount = "field_count"
    case missingNS = "missing_ns"
    case nsInvalid = "ns_invalid"
    case nsLooksLikeNIR = "ns_looks_like_nir"
    /// The NS is on several lines: none of them says which person it stands for.
    case duplicateNS = "duplicate_ns"
    case missingNIR = "missing_nir"
    case nirLength = "nir_length"
    case nirCharacter = "nir_character"
    case nirSex = "nir_sex"
    case nirMonth = "nir_month"
    case nirDepartement = "nir_departement"
    case nirCommune = "nir_commune"
    case nirOrder = "nir_order"
    case nirKeyFormat = "nir_key_format"
    case nirKey = "nir_key"
    /// A spreadsheet turned the NIR into a number in scientific notation (`2,77080E+14`).
    case nirSpreadsheetNumber = "nir_spreadsheet_number"
    case missingBirthDate = "missing_birth_date"
    case birthDateFormat = "birth_date_format"
    case birthDateInvalid = "birth_date_invalid"
    case birthDateFuture = "birth_date_future"
    case missingSex = "missing_sex"
    case sexInvalid = "sex_invalid"
    case twinRankInvalid = "twin_rank_invalid"
    /// Indirect cohorts: a criterion's value cannot be read for its kind.
    case invalidValue = "invalid_value"
    /// Indirect cohorts: every criterion is missing.
    case noCriteria = "no_criteria"

    /// The reason a NIR that fails validation gets (the one table of NIR rejection codes).
    public init(_ error: NIRError) {
        self =
            switch error {
            case .wrongLength, .missingKey: .nirLength
            case .invalidCharacter: .nirCharacter
            case .invalidSex: .nirSex
            case .invalidMonth: .nirMonth
            case .invalidDepartement: .nirDepartement
            case .invalidCommune: .nirCommune
            case .invalidOrder: .nirOrder
            case .invalidKey: .nirKeyFormat
            case .keyMismatch: .nirKey
            case .spreadsheetNumber: .nirSpreadsheetNumber
            }
    }

    /// The column of a direct cohort a rejection blames, nil for a fault of the whole line or of
    /// an indirect cohort's criteria (whose columns the rules name).
    public var directColumn: String? {
        switch self {
        case .missingNS, .nsInvalid, .nsLooksLikeNIR, .duplicateNS: "NS"
        case .missingNIR, .nirLength, .nirCharacter, .nirSex, .nirMonth, .nirDepartement, .nirCommune, .nirOrder,
            .nirKeyFormat, .nirKey, .nirSpreadsheetNumber:
            "NIR"
        case .missingBirthDate, .birthDateFormat, .birthDateInvalid, .birthDateFuture: "DATE_NAISSANCE"
        case .missingSex, .sexInvalid: "SEXE"
        case .twinRankInvalid: "RANG_GEMELLAIRE"
        case .fieldCount, .invalidValue, .noCriteria: nil
        }
    }

    /// Whether the value was absent rather than unreadable.
    public var isMissingValue: Bool { [.missingNS, .missingNIR, .missingBirthDate, .missingSex].contains(self) }

    /// The reason for a missing value in a direct cohort's column.
    public static func missing(inDirectColumn column: String) -> RejectionReason? {
        switch column {
        case "NS": .missingNS
        case "NIR": .missingNIR
        case "DATE_NAISSANCE": .missingBirthDate
        case "SEXE": .missingSex
        default: nil
        }
    }

    public static func < (a: RejectionReason, b: RejectionReason) -> Bool { a.rawValue < b.rawValue }
}
