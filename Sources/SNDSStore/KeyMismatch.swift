import Hardening

/// The one check every command makes before using a dataset with a key: the key given must be the
/// key the dataset was pseudonymised with (its fingerprint is in the manifest). What fails depends
/// on what the key is for, so the message says that, in one place for every command.
public struct KeyMismatch: Error, Equatable, Sendable, CustomStringConvertible, ExitStatusProviding, RemedyProviding {
    /// What the command needs the dataset's key for.
    public enum Use: Sendable, Equatable {
        /// Direct linkage hashes the cohort's identities: with another key no pseudonym matches.
        case hashing
        /// Indirect linkage hashes nothing, but seals its correspondence with the dataset's key.
        case sealing
        /// Reading the dataset's sealed correspondence (drawing a direct cohort).
        case readingCorrespondence
        /// Reusing a dataset made with this key (the demo), which could be made again instead.
        case reusing
    }

    public let dataset: String
    public let expected: String
    public let given: String
    /// The key file given, when the caller knows it (a default or an environment variable's file is
    /// worth naming: the user may not know which file was read).
    public let keyFile: String?
    public let use: Use

    public init(dataset: String, expected: String, given: String, keyFile: String? = nil, use: Use) {
        self.dataset = dataset
        self.expected = expected
        self.given = given
        self.keyFile = keyFile
        self.use = use
    }

    public var description: String {
        let key = keyFile.map { "the key given (\($0))" } ?? "the key given"
        let head = "\(dataset) was pseudonymised with the key of fingerprint \(expected), but \(key) has fingerprint \(given)"
        return switch use {
        case .hashing: head + ": the pseudonyms would not match; give the dataset's key file"
        case .sealing: head + ": the run's correspondence is sealed with the dataset's key; give the dataset's key file"
        case .readingCorrespondence: head + ": its sealed correspondence cannot be read; give the dataset's key file"
        case .reusing: head + ": give the key it was made with"
        }
    }

    public var exitStatus: ExitStatus { .key }

    /// Only a dataset the command could make again offers to (the demo's --fresh).
    public var remedy: Remedy? { use == .reusing ? .fresh : nil }
}

extension DatasetManifest {
    /// Throws unless `fingerprint` is the fingerprint of the key this dataset was made with.
    public func requireKey(fingerprint: String, database: String, keyFile: String? = nil, for use: KeyMismatch.Use) throws(KeyMismatch) {
        guard fingerprint == keyFingerprint else {
            throw KeyMismatch(dataset: database, expected: keyFingerprint, given: fingerprint, keyFile: keyFile, use: use)
        }
    }
}
