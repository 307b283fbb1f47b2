/// The two kinds of linkage run. A run's summary.json names its kind (`kind`), and every reader of
/// a run folder — the report, the evaluation, the demo — dispatches on this value, never on a string.
public enum RunKind: String, Codable, Sendable, CaseIterable {
    /// `appariement direct`: NIR + birth date + sex hashed into BEN_NIR_PSA.
    case direct
    /// `appariement probabiliste`: indirect linkage on non-identifying criteria, group by group.
    case probabiliste

    /// What the run's sealed correspondence says it holds (its header's `contents`).
    public var correspondenceContents: String {
        switch self {
        case .direct: "direct-linkage-correspondence"
        case .probabiliste: "indirect-linkage-correspondence"
        }
    }
}
