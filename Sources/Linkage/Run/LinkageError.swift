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
    /// A run's file differs from what the run wrote and sealed (integrity.json), or its figures do
    /// not reconcile: nothing computed from it can be trusted.
    case runAltered(String, String)
    /// The key given is not the one the run's files were sealed with (the dataset's).
    case runKey(String, sealedWith: String, given: String)
    /// A projection asked to a base smaller than the dataset (it scales the pool up).
    case projectionBelowDataset(String, standsFor: Int, asked: Int)

    public var description: String {
        switch self {
        case .badCohort(let path, let why): "\(path): \(why)"
        case .columnsOfRules(let path, let why, let rules): "\(path): \(why) — the columns expected are those of \(rules)"
        case .badRun(let path, let why): "\(path): \(why)"
        case .runAltered(let path, let why): "\(path): \(why)"
        case .projectionBelowDataset(let path, let standsFor, let asked):
            "--project-to \(asked) is smaller than the \(standsFor) people \(path) stands for: a projection scales the SNDS up; give \(standsFor) or more (67000000, the default, is the real SNDS)"
        case .runKey(let path, let sealed, let given):
            "\(path) was sealed with the key of fingerprint \(sealed), but the key given has fingerprint \(given): give the key of the dataset it linked to"
        }
    }

    public var exitStatus: ExitStatus {
        switch self {
        case .runAltered: .integrity
        case .runKey: .key
        case .badCohort, .columnsOfRules, .badRun, .projectionBelowDataset: .badInput
        }
    }

    /// The rules file is named by --criteria, where the command has it.
    public var remedy: Remedy? {
        if case .columnsOfRules = self { .criteria } else { nil }
    }
}
