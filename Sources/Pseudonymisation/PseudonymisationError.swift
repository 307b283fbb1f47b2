import Hardening

/// Failures of hashing and of sealed files, with messages a user can act on.
public enum PseudonymisationError: Error, Equatable, CustomStringConvertible {
    case invalidParameters(String)
    case hashingFailed(String)
    case notASealedFile(String)
    case unsupportedSealedVersion(String, found: Int)
    case damagedHeader(String, String)
    case wrongKey(String, expected: String, given: String)
    case tampered(String, chunk: Int)
    case truncated(String)
    /// The file to read is missing or unreadable (an input problem).
    case unreadable(String)
    /// The path is not a regular file (a directory, a device, a pipe): refused before reading it.
    case notAFile(String, String)
    /// The file being written could not be (an output problem).
    case io(String, String)

    public var description: String {
        switch self {
        case .invalidParameters(let why): why
        case .hashingFailed(let why): "argon2id hashing failed: \(why)"
        case .notASealedFile(let path): "\(path) is not a sealed appariement file"
        case .unsupportedSealedVersion(let path, let found):
            "\(path) is a sealed file of format version \(found), which this version of appariement cannot read"
        case .damagedHeader(let path, let why): "\(path): the sealed file's header is damaged (\(why))"
        case .wrongKey(let path, let expected, let given):
            "\(path) was sealed with the key of fingerprint \(expected), but the key given has fingerprint \(given): wrong key file"
        case .tampered(let path, let chunk):
            "\(path) failed authentication at block \(chunk): the file was altered or damaged, and nothing of it is trusted"
        case .truncated(let path): "\(path) is truncated: its last block is missing"
        case .unreadable(let path): "\(path) does not exist or cannot be read"
        case .notAFile(let path, let why): "\(path): \(why)"
        case .io(let path, let why): "\(path): \(why)"
        }
    }
}

extension PseudonymisationError: ExitStatusProviding {
    public var exitStatus: ExitStatus {
        switch self {
        case .wrongKey: .key
        case .invalidParameters: .usage
        // Not a sealed file at all — missing, not a regular file, another kind of file or of
        // format version — is refused input; a sealed file damaged, cut or tampered with is 5.
        case .unreadable, .notAFile, .notASealedFile, .unsupportedSealedVersion: .badInput
        case .io: .output
        // argon2id fails only for want of memory (its parameters are checked before): not the
        // data's fault.
        case .hashingFailed: .resources
        case .damagedHeader, .tampered, .truncated: .integrity
        }
    }
}
