import Foundation
import Hardening

/// Why a linkage could not run. Messages name the file and the line, never an identifier's value.
public enum LinkageError: Error, Equatable, CustomStringConvertible, ExitStatusProviding {
    /// The cohort file cannot be read or is not a cohort (empty, no data, wrong columns…).
    case badCohort(String, String)
    /// A finished run's folder lacks what a command needs.
    case badRun(String, String)

    public var description: String {
        switch self {
        case .badCohort(let path, let why): "\(path): \(why)"
        case .badRun(let path, let why): "\(path): \(why)"
        }
    }

    public var exitStatus: ExitStatus { .badInput }
}
