/// How a line's value compares with an event's on one criterion: the levels of a Fellegi–Sunter
/// comparison vector.
///
/// A prefix comparison (`DIAGNOSTIC` on 3 characters) is already made on the prefix by the
/// normalisation, so it has the exact levels; a date compared within ±d days tells the same day
/// from a day or a few apart, since a true match lands on the same day far more often than a chance
/// one does.
public enum ComparisonLevel: Int, Sendable, Codable, CaseIterable {
    /// The same value (the same day for a date).
    case exact = 0
    /// A date 1 to d days away under `within_days: d`.
    case withinTolerance = 1
    case disagree = 2
    /// Either side has no value: no evidence either way, it adds nothing to the weight.
    case missing = 3

    /// The levels a criterion compared this way can take, missing aside.
    static func levels(for comparison: IndirectRules.Comparison) -> [ComparisonLevel] {
        if case .withinDays = comparison { return [.exact, .withinTolerance, .disagree] }
        return [.exact, .disagree]
    }

    /// How well a level agrees, to pick among a person's events the one that speaks for it.
    var agreement: Int {
        switch self {
        case .exact: 2
        case .withinTolerance: 1
        case .missing: 0
        case .disagree: -1
        }
    }

    public var label: String {
        switch self {
        case .exact: "agrees"
        case .withinTolerance: "within tolerance"
        case .disagree: "disagrees"
        case .missing: "missing"
        }
    }
}
