import Foundation

/// Why a linkage could not run. Messages name the file and the line, never an identifier's value.
public enum LinkageError: Error, Equatable, CustomStringConvertible {
    /// The cohort file cannot be read or is not a cohort (empty, no data, wrong columns…).
    case badCohort(String, String)
    /// The database cannot be linked to with this key.
    case keyMismatch(database: String, expected: String, given: String)
    /// Indirect linkage hashes nothing, but seals its correspondence with the dataset's key.
    case keyMismatchForSealing(database: String, expected: String, given: String)
    /// A finished run's folder lacks what a command needs.
    case badRun(String, String)

    public var description: String {
        switch self {
        case .badCohort(let path, let why): "\(path): \(why)"
        case .keyMismatch(let database, let expected, let given):
            "\(database) was pseudonymised with the key of fingerprint \(expected), but the key given has fingerprint \(given): the pseudonyms would not match; give the dataset's key file"
        case .badRun(let path, let why): "\(path): \(why)"
        case .keyMismatchForSealing(let database, let expected, let given):
            "\(database) was pseudonymised with the key of fingerprint \(expected), but the key given has fingerprint \(given): the run's correspondence is sealed with the dataset's key; give the dataset's key file"
        }
    }
}
