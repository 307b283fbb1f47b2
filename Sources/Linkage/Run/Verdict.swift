/// Whether a run found enough of its cohort: the CNAM's rule compares the share of the cohort
/// found with a threshold (90 % by default). Written to summary.json as `success` / `failure`.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case success
    case failure

    public init(foundRate: Double, threshold: Double) {
        self = foundRate >= threshold ? .success : .failure
    }

    /// The word printed at the end of a run's summary.
    public var shouted: String {
        switch self {
        case .success: "SUCCESS"
        case .failure: "FAILURE"
        }
    }
}
