import Linkage

/// The names of the report's count cells that stand for a reason, built in one place from the
/// reasons' enums (a name is how a cell is found again: in the count system's sums, in the HTML
/// page's data attributes, in the tests).
enum CellName {
    /// Lines rejected for `reason`: "rejected.nir_key".
    static func rejected(_ reason: RejectionReason) -> String { self.reason(.rejected, reason.rawValue) }

    /// Lines of a stage (rejected, not found, excluded) counted under one reason's code.
    static func reason(_ stage: FunnelStage, _ code: String) -> String { "\(stage.rawValue).\(code)" }
}
