import Hardening

/// A cohort line that cannot be linked as written, whatever the kind of cohort: rejects.csv's line.
/// `detail` says what is wrong for a person to fix; it never holds a NIR, and `ns` is empty when the
/// value under NS may be one. An `Error` so that a line's validation can be a `Result`; it is
/// written to rejects.csv, never thrown to the command line (if it were: bad input).
public struct Rejection: Error, Sendable, Equatable, ExitStatusProviding {
    public let line: Int
    public let ns: String
    public let reason: RejectionReason
    public let detail: String

    public init(line: Int, ns: String, reason: RejectionReason, detail: String) {
        self.line = line
        self.ns = ns
        self.reason = reason
        self.detail = detail
    }

    public var exitStatus: ExitStatus { .badInput }
}
