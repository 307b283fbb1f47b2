import SNDSModel

/// What became of a cohort line, as results.csv's STATUS and the evaluation name it: one word per
/// outcome for every kind of run (a direct run's lines end found, not found or ambiguous; an
/// indirect run's found or excluded; any line may be rejected, in rejects.csv).
public enum LineStatus: String, Sendable, CaseIterable, Codable {
    case found
    case notFound = "not_found"
    /// Direct runs: same-sex twins without a rank.
    case ambiguous
    /// Indirect runs: not linked one to one (see ``IndirectEngine/Exclusion``).
    case excluded
    /// Refused before linking (rejects.csv).
    case rejected
}

extension LineStatus {
    /// The status a correct linkage gives a line whose truth expects `expected`.
    public init(_ expected: CohortTruth.Expected) {
        self =
            switch expected {
            case .found: .found
            case .notFound: .notFound
            case .ambiguous: .ambiguous
            case .rejected: .rejected
            }
    }
}
