/// The exit statuses of `appariement`, one per kind of failure, so that a script can tell a bad
/// cohort from a wrong key or a full disk without reading the message (docs/usage.md lists them).
public enum ExitStatus: Int32, Sendable, CaseIterable {
    case success = 0
    /// A bug: an error nothing expected. Reaching it is itself a defect to report.
    case unexpected = 1
    /// `probabiliste --require-success`: the run is written but its verdict is failure.
    case verdictFailure = 2
    /// Bad input data or reference data: a cohort, a rules file, a database that is not one.
    case badInput = 3
    /// A key problem: missing, malformed, too open, or not the key the data was made with.
    case key = 4
    /// An integrity failure: a sealed file or a dataset altered, truncated or mismatched.
    case integrity = 5
    /// An output problem: it exists (without --force) or cannot be written (a full disk included).
    case output = 6
    /// The machine lacks what the command needs: memory for argon2id's hashing.
    case resources = 7
    /// Wrong usage: an invalid option or an impossible combination of parameters.
    case usage = 64
}

/// An error that knows which ``ExitStatus`` it ends the process with. Every error type of this
/// package that a command can meet conforms, so the command line maps none of them by guesswork;
/// an error of another type (Foundation's, GRDB's) reaching it is a bug, exit 1.
public protocol ExitStatusProviding: Error {
    var exitStatus: ExitStatus { get }
}

/// The options of the command line that an error's message may point to. A command says which it
/// has (``Remedy/option``), so that a message never names an option the command lacks.
public enum CommandOption: String, Sendable, Hashable, CaseIterable {
    case force = "--force"
    case fresh = "--fresh"
    case criteria = "--criteria"
}

/// A way out of an error, or a word on it, that names an option: worded by the command line only
/// when the command that failed has that option.
public enum Remedy: Sendable, Hashable {
    /// Replace what exists.
    case force
    /// Make the dataset again (the demo).
    case fresh
    /// Draw the demo's cohort again over one edited by hand.
    case freshDraw
    /// The rules file, which names the cohort's columns.
    case criteria
    /// --force was given, but what exists is not a previous output of the command, which it only
    /// replaces (`what`: "a previous run", "a previous dataset").
    case forceReplacesOnly(what: String)

    /// The option the remedy names.
    public var option: CommandOption {
        switch self {
        case .force, .forceReplacesOnly: .force
        case .fresh, .freshDraw: .fresh
        case .criteria: .criteria
        }
    }

    /// The words appended to the error's message, punctuation included.
    public var appended: String {
        switch self {
        case .force: "; use --force to replace it"
        case .fresh: ", or use --fresh to generate it again with this key"
        case .freshDraw: ", or use --fresh to draw it again (your edits are lost)"
        case .criteria: " (--criteria)"
        case .forceReplacesOnly(let what): "; --force only replaces \(what)"
        }
    }
}

/// An error whose message can end with a ``Remedy``.
public protocol RemedyProviding: Error {
    var remedy: Remedy? { get }
}
