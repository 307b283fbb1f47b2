/// Why a valid line of a direct cohort reached no person, with its wording in results.csv and its
/// code in summary.json's `notFoundByReason`, in one place.
public enum NotFoundReason: Sendable, Hashable {
    /// No IR_BEN_R row has the line's pseudonym: this NIR, birth date and sex are unknown together.
    case noBeneficiary
    /// The pseudonym exists, but not with the twin rank the line gives.
    case twinRankMismatch(rank: Int)

    /// results.csv's REASON for the line.
    public var wording: String {
        switch self {
        case .noBeneficiary: "no beneficiary with this NIR, birth date and sex"
        case .twinRankMismatch(let rank): "the pseudonym exists but not with twin rank \(rank)"
        }
    }

    /// The reason results.csv's REASON `wording` stands for: the inverse of ``wording``, kept beside
    /// it so that a reader of results.csv (the evaluation) never matches a sentence of its own.
    /// Notes after the reason (`; NIR without its key: not checked`) are not part of it.
    public init?(wording full: String) {
        let wording = full.components(separatedBy: "; ")[0]
        if wording == Self.noBeneficiary.wording {
            self = .noBeneficiary
        } else if let rank = wording.split(separator: " ").last.flatMap({ Int($0) }),
            Self.twinRankMismatch(rank: rank).wording == wording
        {
            self = .twinRankMismatch(rank: rank)
        } else {
            return nil
        }
    }

    /// The key the reason is counted under (the rank apart: one key per reason, not per rank).
    public var code: Code {
        switch self {
        case .noBeneficiary: .noBeneficiary
        case .twinRankMismatch: .twinRankMismatch
        }
    }

    /// The reasons as summary.json and the report count them.
    public enum Code: String, Codable, CodingKeyRepresentable, Sendable, CaseIterable, Comparable {
        case noBeneficiary = "no_beneficiary"
        case twinRankMismatch = "twin_rank_mismatch"

        public static func < (a: Code, b: Code) -> Bool { a.rawValue < b.rawValue }
    }
}
