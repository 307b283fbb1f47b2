import CArgon2
import Dispatch
import Foundation
import Hardening
import SNDSModel

/// What gets hashed into a pseudonym: the SNDS identity inputs, as bytes.
public struct PseudonymInput: Hashable, Sendable {
    public let bytes: [UInt8]

    /// BEN_NIR_PSA: the **ouvreur de droits'** NIR (13 positions, key excluded) ‖ the
    /// **beneficiary's** birth date (YYYYMMDD) ‖ the **beneficiary's** sex (1 or 2) — 22 bytes.
    /// A child covered by a parent is therefore hashed with the parent's NIR, and same-sex twins
    /// covered by the same parent get the same pseudonym.
    public static func beneficiary(ouvreur: NIR, birthDate: CalendarDate, sex: Sex) -> PseudonymInput {
        PseudonymInput(bytes: Array((ouvreur.body + birthDate.compact + String(sex.code)).utf8))
    }

    /// BEN_NIR_ANO (and BEN_IDT_ANO): the person's own NIR alone — 13 bytes, so it can never equal
    /// a BEN_NIR_PSA input.
    public static func individual(_ nir: NIR) -> PseudonymInput {
        PseudonymInput(bytes: Array(nir.body.utf8))
    }
}

/// Computes SNDS pseudonyms: keyed argon2id, encoded in 17 characters.
///
/// pseudonym = encode₈₅(argon2id(password: input, salt: project salt, secret: K_a, t, m, lanes)),
/// where K_a = HKDF(master key, "appariement/argon2-secret/v1"). Without the key nobody can
/// compute a pseudonym, even knowing the NIR, the date and the sex; with it, argon2's memory-hard
/// cost is what slows the enumeration of the (small) NIR space.
public struct Pseudonymiser: Sendable {
    public let parameters: PseudonymParameters
    public let keyFingerprint: String
    private let argon2Secret: SecretKey
    private let salt: [UInt8]

    public init(key: SecretKey, parameters: PseudonymParameters) throws(PseudonymisationError) {
        do { try parameters.validate() } catch { throw .invalidParameters(error.description) }
        self.parameters = parameters
        self.keyFingerprint = key.fingerprint
        self.argon2Secret = key.derive(purpose: "appariement/argon2-secret/v1")
        self.salt = parameters.salt
    }

    /// One pseudonym.
    public func pseudonym(of input: PseudonymInput) throws(PseudonymisationError) -> String {
        var raw = [UInt8](repeating: 0, count: parameters.outputBytes)
        try hash(input.bytes, into: &raw)
        return raw.withUnsafeBytes { PseudonymEncoding.encode($0) }
    }

    /// Many pseudonyms, in input order, hashed on `threads` cores at once.
    ///
    /// Each argon2id call is single-threaded and equally expensive, so the inputs are cut into one
    /// contiguous slice per thread; `progress` is called from the workers with the number of
    /// inputs just finished.
    public func pseudonyms(
        of inputs: [PseudonymInput], threads: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws(PseudonymisationError) -> [String] {
        let workers = max(1, min(threads, inputs.count))
        let results = ResultSlots(count: inputs.count)
        let failure = FirstFailure()
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let start = inputs.count * worker / workers
            let end = inputs.count * (worker + 1) / workers
            var raw = [UInt8](repeating: 0, count: parameters.outputBytes)
            var sinceReport = 0
            for i in start..<end {
                do throws(PseudonymisationError) {
                    try hash(inputs[i].bytes, into: &raw)
                } catch {
                    failure.record(error)
                    return
                }
                results.store(raw.withUnsafeBytes { PseudonymEncoding.encode($0) }, at: i)
                sinceReport += 1
                if sinceReport == 256 {
                    progress?(sinceReport)
                    sinceReport = 0
                }
            }
            if sinceReport > 0 { progress?(sinceReport) }
        }
        if let error = failure.error { throw error }
        return results.values()
    }

    /// argon2id into `out` (whose length is the output length).
    private func hash(_ password: [UInt8], into out: inout [UInt8]) throws(PseudonymisationError) {
        let code: Int32 = password.withUnsafeBufferPointer { pwd in
            salt.withUnsafeBufferPointer { saltBytes in
                argon2Secret.withBytes { secret in
                    out.withUnsafeMutableBufferPointer { output in
                        var context = argon2_context(
                            out: output.baseAddress, outlen: UInt32(output.count),
                            pwd: UnsafeMutablePointer(mutating: pwd.baseAddress), pwdlen: UInt32(pwd.count),
                            salt: UnsafeMutablePointer(mutating: saltBytes.baseAddress), saltlen: UInt32(saltBytes.count),
                            secret: UnsafeMutablePointer(mutating: secret), secretlen: UInt32(argon2Secret.count),
                            ad: nil, adlen: 0,
                            t_cost: UInt32(parameters.iterations), m_cost: UInt32(parameters.memoryKiB),
                            lanes: UInt32(parameters.lanes), threads: 1,
                            version: UInt32(ARGON2_VERSION_13.rawValue),
                            allocate_cbk: nil, free_cbk: nil, flags: 0)
                        return argon2_ctx(&context, Argon2_id)
                    }
                }
            }
        }
        guard code == ARGON2_OK.rawValue else {
            // Its memory is the one failure a user can act on: say how much each hash takes.
            if code == ARGON2_MEMORY_ALLOCATION_ERROR.rawValue {
                throw .hashingFailed(
                    "it could not allocate the \(MemoryBudget.shown(parameters.memoryKiB * 1024)) each hash takes (argon2 m = \(parameters.memoryKiB) KiB, times the hashing threads): give the process more memory (ulimit -v, the container's limit)"
                )
            }
            throw .hashingFailed(String(cString: argon2_error_message(code)))
        }
    }
}

/// Output slots written by distinct workers at distinct indices, read once all have finished.
/// A raw buffer (not an array property) so that concurrent writes to different slots do not
/// trip Swift's exclusivity checks.
private final class ResultSlots: @unchecked Sendable {
    private let buffer: UnsafeMutableBufferPointer<String>
    init(count: Int) {
        buffer = .allocate(capacity: count)
        buffer.initialize(repeating: "")
    }
    deinit {
        buffer.deinitialize()
        buffer.deallocate()
    }
    func store(_ value: String, at index: Int) { buffer[index] = value }
    func values() -> [String] { Array(buffer) }
}

/// The first error raised by any worker.
private final class FirstFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: PseudonymisationError?
    func record(_ error: PseudonymisationError) {
        lock.lock()
        if stored == nil { stored = error }
        lock.unlock()
    }
    var error: PseudonymisationError? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

extension PseudonymParameters {
    /// A project salt derived from the generation seed, so that the same seed and key always give
    /// the same pseudonyms (generation is reproducible) while two seeds give unrelated ones.
    public static func salt(forSeed seed: UInt64) -> [UInt8] {
        Array(LibCrypto.sha256(Array("appariement/project-salt/v1/\(seed)".utf8)).prefix(16))
    }
}
