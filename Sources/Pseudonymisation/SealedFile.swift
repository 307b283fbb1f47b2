import Foundation
import Hardening
import SNDSModel

/// The clear-text header of a sealed file: what it holds and how to open it, never a secret.
public struct SealedFileHeader: Codable, Equatable, Sendable {
    public static let currentFormat = 1

    public var format: Int
    /// What the payload is, e.g. `synthetic-correspondence`.
    public var contents: String
    public var cipher: String
    public var kdf: KeyDerivation
    /// Fingerprint of the master key the file was sealed with (see ``SecretKey/fingerprint``).
    public var keyFingerprint: String
    /// Plaintext bytes per authenticated block.
    public var blockBytes: Int
    /// First 4 bytes of every block's nonce (hex); the last 8 are the block number.
    public var noncePrefixHex: String
    /// The pseudonymisation the payload's pseudonyms were computed with.
    public var pseudonymisation: PseudonymParameters?
    /// Column names of a tabular payload.
    public var columns: [String]?
    public var createdBy: String

    public struct KeyDerivation: Codable, Equatable, Sendable {
        public var algorithm: String
        public var saltHex: String
        public var info: String
    }
}

/// Layout shared by the writer and the reader.
///
/// ```
/// "APSEALED" · format (u16 BE) · header length (u32 BE) · header JSON
/// then blocks: plaintext length (u32 BE) · ciphertext · 16-byte GCM tag
/// ```
/// Block *i* is AES-256-GCM with key HKDF(master, header salt, info), nonce = prefix ‖ i (u64 BE)
/// and associated data SHA-256(everything before the first block) ‖ i ‖ final-flag. So the header
/// is authenticated by every block, blocks cannot be reordered, dropped or moved between files,
/// and a file cut short is detected because its last block lacks the final flag.
enum SealedFileLayout {
    static let magic = Array("APSEALED".utf8)
    static let purpose = "appariement/sealed-file/v1"

    static func associatedData(headerDigest: [UInt8], block: UInt64, final: Bool) -> [UInt8] {
        headerDigest + bigEndian(block) + [final ? 1 : 0]
    }

    static func nonce(prefix: [UInt8], block: UInt64) -> [UInt8] { prefix + bigEndian(block) }

    static func bigEndian(_ value: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: value >> (56 - 8 * $0)) } }
    static func bigEndian32(_ value: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: value >> (24 - 8 * $0)) } }
}

/// Writes a sealed file block by block, so memory stays flat whatever the payload's size.
///
/// Write to a temporary path and move it into place once ``finish()`` returned (see
/// `StagedOutputs`): a sealed file is either complete and authenticated, or absent.
public final class SealedFileWriter {
    public let header: SealedFileHeader
    private let path: String
    private let handle: FileHandle
    private let blockKey: SecretKey
    private let noncePrefix: [UInt8]
    private let headerDigest: [UInt8]
    private var pending: [UInt8] = []
    private var block: UInt64 = 0
    private var finished = false

    public init(
        url: URL, key: SecretKey, contents: String, pseudonymisation: PseudonymParameters? = nil,
        columns: [String]? = nil, createdBy: String, blockBytes: Int = 1 << 20
    ) throws(PseudonymisationError) {
        let salt = LibCrypto.randomBytes(32)
        noncePrefix = LibCrypto.randomBytes(4)
        header = SealedFileHeader(
            format: SealedFileHeader.currentFormat, contents: contents, cipher: "AES-256-GCM",
            kdf: .init(algorithm: "HKDF-SHA256", saltHex: hex(salt), info: SealedFileLayout.purpose),
            keyFingerprint: key.fingerprint, blockBytes: blockBytes, noncePrefixHex: hex(noncePrefix),
            pseudonymisation: pseudonymisation, columns: columns, createdBy: createdBy)
        blockKey = key.derive(purpose: SealedFileLayout.purpose, salt: salt)
        path = url.path

        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json: [UInt8]
        do { json = Array(try encoder.encode(header)) } catch { throw .io(url.path, "cannot encode header: \(error)") }
        let prefix =
            SealedFileLayout.magic + [0, UInt8(SealedFileHeader.currentFormat)]
            + SealedFileLayout.bigEndian32(UInt32(json.count)) + json
        headerDigest = LibCrypto.sha256(prefix)

        // open(2) rather than FileManager.createFile, which says only "false": a full disk or a
        // folder without write permission is named, under the path the user gave.
        let shownPath = StagedOutputs.finalPath(of: url)
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw .io(shownPath, "cannot create the file: \(String(cString: strerror(errno)))")
        }
        // A file already there keeps its own mode through O_TRUNC: owner-only, whatever it was.
        _ = fchmod(descriptor, 0o600)
        let handle = FileHandle(fileDescriptor: descriptor, closeOnDealloc: true)
        do { try handle.write(contentsOf: Data(prefix)) } catch {
            try? FileManager.default.removeItem(at: url)
            throw .io(shownPath, "cannot write the file: \(OutputError.reason(of: error))")
        }
        self.handle = handle
        pending.reserveCapacity(blockBytes)
    }

    deinit {
        if !finished {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        pending.withUnsafeMutableBytes { if let base = $0.baseAddress { LibCrypto.cleanse(base, count: $0.count) } }
    }

    /// Appends bytes to the payload.
    public func write(_ bytes: some Collection<UInt8>) throws(PseudonymisationError) {
        var remaining = bytes[...]
        while !remaining.isEmpty {
            let room = header.blockBytes - pending.count
            pending.append(contentsOf: remaining.prefix(room))
            remaining = remaining.dropFirst(room)
            if pending.count == header.blockBytes { try flush(final: false) }
        }
    }

    /// Appends one line of text and a newline.
    public func write(line: String) throws(PseudonymisationError) {
        try write(Array(line.utf8) + [UInt8(ascii: "\n")])
    }

    /// Seals the last block, syncs the file to disk and closes it.
    public func finish() throws(PseudonymisationError) {
        try flush(final: true)
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw .io(StagedOutputs.finalPath(of: URL(fileURLWithPath: path)), "cannot write the file: \(OutputError.reason(of: error))")
        }
        finished = true
    }

    private func flush(final: Bool) throws(PseudonymisationError) {
        let aad = SealedFileLayout.associatedData(headerDigest: headerDigest, block: block, final: final)
        let nonce = SealedFileLayout.nonce(prefix: noncePrefix, block: block)
        let sealed = pending.withUnsafeBytes { AESGCM.seal($0, key: blockKey, nonce: nonce, aad: aad) }
        var record = SealedFileLayout.bigEndian32(UInt32(pending.count))
        record += sealed.ciphertext
        record += sealed.tag
        do { try handle.write(contentsOf: record) } catch {
            throw .io(StagedOutputs.finalPath(of: URL(fileURLWithPath: path)), "cannot write the file: \(OutputError.reason(of: error))")
        }
        pending.withUnsafeMutableBytes { if let base = $0.baseAddress { LibCrypto.cleanse(base, count: $0.count) } }
        pending.removeAll(keepingCapacity: true)
        block += 1
    }
}

/// Opens a sealed file: checks its header and key, then yields authenticated blocks.
public struct SealedFileReader {
    public let header: SealedFileHeader
    private let url: URL
    private let bodyOffset: UInt64
    private let headerDigest: [UInt8]
    private let blockKey: SecretKey

    public init(url: URL, key: SecretKey) throws(PseudonymisationError) {
        self.url = url
        let handle = try Self.open(url)
        defer { try? handle.close() }
        let fixed = [UInt8]((try? handle.read(upToCount: 14)) ?? Data())
        guard fixed.count == 14 else {
            // A sealed file cut inside its fixed header is truncated (5); without the magic bytes,
            // the file is not a sealed file at all (3).
            guard fixed.starts(with: SealedFileLayout.magic) else { throw .notASealedFile(url.path) }
            throw .truncated(url.path)
        }
        guard Array(fixed[0..<8]) == SealedFileLayout.magic else { throw .notASealedFile(url.path) }
        let format = Int(fixed[8]) << 8 | Int(fixed[9])
        guard format == SealedFileHeader.currentFormat else { throw .unsupportedSealedVersion(url.path, found: format) }
        let length = fixed[10..<14].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length < 1 << 20 else { throw .damagedHeader(url.path, "impossible header length \(length)") }
        let json = [UInt8]((try? handle.read(upToCount: length)) ?? Data())
        guard json.count == length else { throw .truncated(url.path) }
        let decoded: SealedFileHeader
        do {
            decoded = try JSONDecoder().decode(SealedFileHeader.self, from: Data(json))
        } catch {
            throw .damagedHeader(url.path, "not readable JSON")
        }
        guard decoded.cipher == "AES-256-GCM", decoded.kdf.algorithm == "HKDF-SHA256",
            decoded.kdf.info == SealedFileLayout.purpose,
            let salt = unhex(decoded.kdf.saltHex), salt.count == 32,
            let prefix = unhex(decoded.noncePrefixHex), prefix.count == 4,
            decoded.blockBytes > 0, decoded.blockBytes <= 1 << 26
        else {
            throw .damagedHeader(url.path, "unknown cipher, key derivation or block layout")
        }
        let given = key.fingerprint
        guard given == decoded.keyFingerprint else {
            throw .wrongKey(url.path, expected: decoded.keyFingerprint, given: given)
        }
        header = decoded
        bodyOffset = UInt64(14 + length)
        headerDigest = LibCrypto.sha256(fixed + json)
        blockKey = key.derive(purpose: SealedFileLayout.purpose, salt: salt)
    }

    /// Calls `body` with each block's plaintext, in order, after authenticating it. Throws
    /// before yielding anything unauthenticated; a caller that must not act on a partial payload
    /// should collect the blocks and act only once this returns.
    public func forEachBlock(_ body: ([UInt8]) throws -> Void) throws {
        let handle = try Self.open(url)
        defer { try? handle.close() }
        try handle.seek(toOffset: bodyOffset)
        let prefix = unhex(header.noncePrefixHex)!
        var block: UInt64 = 0
        while true {
            let lengthBytes = [UInt8]((try? handle.read(upToCount: 4)) ?? Data())
            guard lengthBytes.count == 4 else { throw PseudonymisationError.truncated(url.path) }
            let length = lengthBytes.reduce(0) { $0 << 8 | Int($1) }
            guard length <= header.blockBytes else { throw PseudonymisationError.tampered(url.path, chunk: Int(block)) }
            let sealed = [UInt8]((try? handle.read(upToCount: length + AESGCM.tagBytes)) ?? Data())
            guard sealed.count == length + AESGCM.tagBytes else { throw PseudonymisationError.truncated(url.path) }
            let ciphertext = Array(sealed[0..<length])
            let tag = Array(sealed[length...])
            let nonce = SealedFileLayout.nonce(prefix: prefix, block: block)
            // The writer always ends with a short (possibly empty) block flagged final, and every
            // other block is full: the length says which flag the block must authenticate with.
            let final = length < header.blockBytes
            let aad = SealedFileLayout.associatedData(headerDigest: headerDigest, block: block, final: final)
            guard var clear = AESGCM.open(ciphertext, tag: tag, key: blockKey, nonce: nonce, aad: aad) else {
                throw PseudonymisationError.tampered(url.path, chunk: Int(block))
            }
            try body(clear)
            clear.withUnsafeMutableBytes { if let base = $0.baseAddress { LibCrypto.cleanse(base, count: $0.count) } }
            block += 1
            if final {
                let trailing = (try? handle.read(upToCount: 1)) ?? Data()
                guard trailing.isEmpty else { throw PseudonymisationError.tampered(url.path, chunk: Int(block)) }
                return
            }
        }
    }

    /// Opens the file only if it is a regular file, decided from its metadata before any read:
    /// a named pipe would block the open forever, a device never end.
    private static func open(_ url: URL) throws(PseudonymisationError) -> FileHandle {
        do { return try InputFile.openForReading(url) } catch {
            switch error {
            case .directory: throw .notAFile(url.path, "is a directory, not a sealed file")
            case .notRegular: throw .notAFile(url.path, "is not a regular file (a device or a pipe): give a sealed file")
            case .missing, .tooLarge, .unreadable: throw .unreadable(url.path)
            }
        }
    }

    /// Authenticates the whole file and returns its payload.
    public func readAll() throws -> [UInt8] {
        var all: [UInt8] = []
        try forEachBlock { all += $0 }
        return all
    }

    /// Authenticates the whole file without keeping the payload; returns its size in bytes.
    public func verify() throws -> Int {
        var total = 0
        try forEachBlock { total += $0.count }
        return total
    }
}

func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

func unhex(_ text: String) -> [UInt8]? {
    let chars = Array(text.utf8)
    guard chars.count % 2 == 0 else { return nil }
    var out: [UInt8] = []
    out.reserveCapacity(chars.count / 2)
    var i = 0
    while i < chars.count {
        guard let byte = UInt8(String(decoding: chars[i..<i + 2], as: UTF8.self), radix: 16) else { return nil }
        out.append(byte)
        i += 2
    }
    return out
}
