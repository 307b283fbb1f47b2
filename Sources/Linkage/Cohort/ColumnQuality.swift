/// The data quality of one cohort column over a run's lines: values missing, written in another
/// layout than the canonical one (reformatted), unreadable, and lines rejected because of it.
///
/// Each column is read on its own: a line with a bad NIR and a bad sex counts in both columns, but
/// is rejected for the first fault only (the rejection names one reason).
public struct ColumnQuality: Codable, Sendable, Equatable {
    public var missing = 0
    public var reformatted = 0
    public var invalid = 0
    public var rejected = 0
    public init() {}
}
