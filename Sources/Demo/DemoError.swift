import Hardening

/// Why the demo stops rather than make again what is in place.
public enum DemoError: Error, Equatable, Sendable, CustomStringConvertible, ExitStatusProviding, RemedyProviding {
    /// The demo's cohort was changed after the demo drew and linked it: drawing it again would
    /// replace a file the user edited (exit 6, like any output the command may not replace).
    case cohortEdited(cohort: String, run: String)
    /// No run of the demo's cohort is there, and the cohort in place is not the one the demo draws
    /// from this dataset (edited by hand, or drawn from another dataset).
    case cohortNotTheDemos(cohort: String)

    public var description: String {
        switch self {
        case .cohortEdited(let cohort, let run):
            "\(cohort) was changed since the demo drew it and linked it in \(run) (its SHA-256 is not the one the run recorded): the demo does not replace a file you edited — link it with `appariement direct` or `appariement probabiliste`, or move it away"
        case .cohortNotTheDemos(let cohort):
            "\(cohort) is not the cohort the demo draws from this dataset (edited by hand, or drawn from another one), and no run of it is there to tell which: the demo does not replace it — link it with `appariement direct` or `appariement probabiliste`, or move it away"
        }
    }

    public var exitStatus: ExitStatus { .output }
    public var remedy: Remedy? { .freshDraw }
}
