import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore

/// The seal of a run's folder (`integrity.json`): the SHA-256 of each file the run wrote and that a
/// later command reads (summary.json, results.csv, rejects.csv, correspondence.sealed, then
/// evaluation.json), authenticated by an HMAC-SHA256 under a subkey of the dataset's key.
///
/// `evaluate` and `report` compute figures from these files and print them as the run's: a hand-
/// edited summary.json made the report say "2,000 % found", an edited results.csv changed an
/// evaluation. A plain digest would be recomputed by whoever edits the file; the HMAC cannot be
/// without the key, which never leaves the machine that holds it. A reader with the key verifies
/// the seal; one without it (a report from a machine without the key file) can only compare the
/// digests, and says so. The extraction is not sealed: no command reads it back, and digesting
/// hundreds of megabytes would double the cost of writing it.
public struct RunIntegrity: Codable, Sendable, Equatable {
    public static let file = "integrity.json"
    /// What the HMAC key is derived for: a seal made for anything else never verifies here.
    static let purpose = "appariement/run-integrity/v1"

    public var format = 1
    public var tool = "appariement"
    /// The key the seal was made with (its fingerprint only).
    public var keyFingerprint: String
    /// File name → SHA-256 (hex) of the bytes the run wrote.
    public var files: [String: String]
    /// HMAC-SHA256 (hex) over the format, the fingerprint and the sorted (name, digest) pairs.
    public var mac: String

    /// How far a reader could check the run's files.
    public enum Check: Sendable, Equatable {
        /// The seal verified with the dataset's key, and every file read has its sealed digest.
        case authenticated
        /// No key at hand: the digests match, but whoever edits a file could have recomputed them.
        case digestsOnly
    }

    /// Seals `names` (files of `folder`) with `key`, writing integrity.json in `folder`, whole or
    /// not at all.
    public static func seal(_ names: [String], in folder: URL, key: SecretKey) throws {
        var files: [String: String] = [:]
        for name in names { files[name] = try digest(of: folder.appendingPathComponent(name)) }
        try write(files, in: folder, key: key)
    }

    /// Adds `name` to the seal of a run checked before (evaluate's evaluation.json): the digests
    /// already sealed, just verified, are kept, only the new file is read.
    public static func add(_ name: String, to folder: URL, key: SecretKey) throws {
        var files = try read(from: folder).files
        files[name] = try digest(of: folder.appendingPathComponent(name))
        try write(files, in: folder, key: key)
    }

    private static func write(_ files: [String: String], in folder: URL, key: SecretKey) throws {
        let seal = RunIntegrity(keyFingerprint: key.fingerprint, files: files, mac: mac(files: files, key: key))
        let staged = StagedOutputs()
        try RunJSON.write(seal, to: staged.stage(folder.appendingPathComponent(file)))
        try staged.commit(replacingExisting: true)
    }

    /// Checks that `reading` (files of `run` a command is about to read) are as the run sealed
    /// them: with `key`, the seal's HMAC first. Throws `LinkageError.runAltered` (exit 5) naming the
    /// first file that differs.
    @discardableResult
    public static func verify(_ run: URL, reading: [String], key: SecretKey?) throws -> Check {
        let seal = try read(from: run)
        if let key {
            guard seal.keyFingerprint == key.fingerprint else {
                throw LinkageError.runKey(run.path, sealedWith: MessageText.shown(seal.keyFingerprint), given: key.fingerprint)
            }
            let expected = mac(files: seal.files, key: key)
            guard LibCrypto.constantTimeEqual(Array(expected.utf8), Array(seal.mac.utf8)) else {
                throw LinkageError.runAltered(
                    run.appendingPathComponent(file).path,
                    "does not verify with the dataset's key: the run's files or their seal were edited — run the linkage again")
            }
        }
        for name in reading {
            guard let sealed = seal.files[name] else {
                throw LinkageError.runAltered(
                    run.appendingPathComponent(name).path,
                    "not among the files the run sealed (integrity.json): added afterwards — run the command that writes it again")
            }
            let url = run.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.path) else {
                throw LinkageError.runAltered(url.path, "missing, though the run sealed it (integrity.json) — run the linkage again")
            }
            guard try digest(of: url) == sealed else {
                throw LinkageError.runAltered(
                    url.path,
                    "changed after the run wrote it (its SHA-256 is not the one sealed in integrity.json): nothing computed from it can be trusted — run the linkage again"
                )
            }
        }
        return key == nil ? .digestsOnly : .authenticated
    }

    static func read(from run: URL) throws -> RunIntegrity {
        // What is not a run at all is said as such, before its seal is looked for.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: run.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LinkageError.badRun(run.path, "no such folder")
        }
        guard RunFolder.isRun(run) else {
            throw LinkageError.badRun(run.path, "no summary.json of appariement: not a finished linkage run")
        }
        let url = run.appendingPathComponent(file)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw LinkageError.runAltered(
                url.path, "missing: the run's files cannot be checked (a run of an older version, or files copied in) — run the linkage again")
        }
        let seal: RunIntegrity
        do { seal = try RunJSON.read(RunIntegrity.self, file: file, in: run, what: " as a run's seal") } catch {
            throw LinkageError.runAltered(url.path, "cannot be read as a run's seal — run the linkage again")
        }
        guard seal.format == 1, seal.tool == "appariement" else {
            throw LinkageError.runAltered(url.path, "not a seal this version reads — run the linkage again")
        }
        return seal
    }

    /// The HMAC over what the seal vouches for, in a fixed order.
    static func mac(files: [String: String], key: SecretKey) -> String {
        var text = "format 1\nkey \(key.fingerprint)\n"
        for name in files.keys.sorted() { text += "\(name)\t\(files[name]!)\n" }
        let subkey = key.derive(purpose: purpose)
        let mac = subkey.withBytes { LibCrypto.hmacSHA256(key: UnsafeRawBufferPointer(start: $0, count: subkey.count), data: Array(text.utf8)) }
        return mac.map { String(format: "%02x", $0) }.joined()
    }

    /// The SHA-256 of a run's file, read with the special-file guard (a pipe is not opened).
    static func digest(of url: URL) throws -> String {
        guard let digest = FileDigest.sha256(of: url) else {
            throw LinkageError.runAltered(url.path, "cannot be read to check it (not a regular file, or unreadable)")
        }
        return digest
    }
}
