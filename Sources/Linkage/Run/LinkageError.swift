import Foundation
import Hardening

/// Why a linkage could not run. Messages name the file and the line, never an identifier's value.
public enum LinkageError: Error, Equatable, CustomStringConvertible, ExitStatusProviding, RemedyProviding {
    /// The cohort file cannot be read or is not a cohort (empty, no data, wrong columns…).
    case badCohort(String, String)
    /// The cohort's columns are not those the rules file names.
    case columnsOfRules(String, String, rules: String)
    /// A finished run's folder lacks what a command needs.
    case badRun(String, String)

    public var description: String {
        switch self {
        case .badCohort(let path, let why): "\(path): \(why)"
        case .columnsOfRules(let path, let why, let rules): "\(path): \(why) — the columns expected are those of \(rules)"
        case .badRun(let path, let why): "\(path): \(why)"
        }
    }

    public var exitStatus: ExitStatus { .badInput }

    /// The rules file is named by --criteria, where the command has it.
    public var remedy: Remedy? {
        if case .columnsOfRules = self { .criteria } else { nil }
    }
}
