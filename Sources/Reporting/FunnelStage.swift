/// The stages of a report's funnel, besides the groups of an indirect run (`group_N`): the keys of
/// `LinkageReport.funnel`, the names of their count cells, and the prefixes of the reason cells
/// under them ("rejected.nir_key").
public enum FunnelStage: String, Sendable, CaseIterable {
    case submitted
    case rejected
    case accepted
    case found
    /// Direct runs: accepted, no person.
    case notFound = "not_found"
    /// Direct runs: same-sex twins without a rank.
    case ambiguous
    /// Indirect runs: accepted, not linked one to one.
    case excluded
    /// Every line not found, whatever the reason.
    case notLinked = "not_linked"
}
