import Foundation
import Hardening

/// Everything, apart from the secret key, that decides the pseudonyms of a synthetic SNDS.
///
/// Recorded in the database's manifest and in every sealed file's header, so that a later linkage
/// hashes a cohort exactly as the generator hashed the population, and refuses when it cannot.
public struct PseudonymParameters: Codable, Equatable, Sendable {
    /// Always `argon2id`, version 0x13 (the RFC 9106 variant).
    public var algorithm: String = "argon2id"
    public var version: Int = 0x13
    /// argon2's `t_cost`: passes over memory.
    public var iterations: Int
    /// argon2's `m_cost` in KiB.
    public var memoryKiB: Int
    /// argon2's lanes (each hash runs on one thread; parallelism comes from hashing many at once).
    public var lanes: Int
    /// Raw argon2 output length in bytes, of which the 17-character pseudonym keeps 85 bits.
    public var outputBytes: Int = 16
    /// The per-project salt, hex. Public: its job is to make two projects' pseudonyms unrelated.
    public var saltHex: String
    /// How the raw output becomes 17 characters.
    public var encoding: String = PseudonymParameters.encodingName

    /// Crockford base32 of the first 85 bits of the argon2 output (see `PseudonymEncoding`).
    public static let encodingName = "crockford-base32-85bit"

    /// Defaults chosen so that a 100,000-person population (about 230,000 hashes) hashes in under
    /// two minutes on two cores: t = 2, m = 1 MiB costs about 0.9 ms per hash on this machine kind
    /// (docs/benchmarks.md). The secret key, not argon2's cost, is what keeps pseudonyms
    /// irreversible; the cost only slows down someone who stole the key and enumerates NIRs. Raise
    /// `memoryKiB` and `iterations` for a deployment where hashing time matters less.
    public static let defaultIterations = 2
    public static let defaultMemoryKiB = 1024
    public static let defaultLanes = 1

    public init(
        iterations: Int = defaultIterations, memoryKiB: Int = defaultMemoryKiB, lanes: Int = defaultLanes,
        salt: [UInt8]
    ) {
        self.iterations = iterations
        self.memoryKiB = memoryKiB
        self.lanes = lanes
        self.saltHex = salt.map { String(format: "%02x", $0) }.joined()
    }

    public var salt: [UInt8] {
        var bytes: [UInt8] = []
        var chars = Array(saltHex.utf8)[...]
        while chars.count >= 2, let byte = UInt8(String(decoding: chars.prefix(2), as: UTF8.self), radix: 16) {
            bytes.append(byte)
            chars = chars.dropFirst(2)
        }
        return bytes
    }

    /// Checks the values argon2 accepts, with a message naming the option to change.
    public func validate() throws(PseudonymParametersError) {
        guard algorithm == "argon2id", version == 0x13 else {
            throw .invalid("unsupported algorithm \(algorithm) v\(version); only argon2id v19 is known")
        }
        guard (1...64).contains(iterations) else { throw .invalid("argon2 iterations must be 1…64, not \(iterations)") }
        guard (1...16).contains(lanes) else { throw .invalid("argon2 lanes must be 1…16, not \(lanes)") }
        guard memoryKiB >= 8 * lanes, memoryKiB <= 4 * 1024 * 1024 else {
            throw .invalid("argon2 memory must be 8×lanes KiB to 4 GiB, not \(memoryKiB) KiB")
        }
        guard outputBytes >= 11, outputBytes <= 64 else {
            throw .invalid("argon2 output must be 11…64 bytes to fill 17 characters, not \(outputBytes)")
        }
        guard salt.count >= 8, salt.count * 2 == saltHex.count else {
            throw .invalid("the salt must be at least 8 bytes of hex")
        }
        guard encoding == Self.encodingName else {
            throw .invalid("unknown pseudonym encoding \(encoding)")
        }
    }
}

public enum PseudonymParametersError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    public var description: String {
        switch self {
        case .invalid(let why): "invalid pseudonymisation parameters: \(why)"
        }
    }
}

extension PseudonymParametersError: ExitStatusProviding {
    /// Parameters asked for (generate) or read from a manifest that cannot hash: wrong usage.
    public var exitStatus: ExitStatus { .usage }
}
