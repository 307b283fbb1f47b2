import Foundation

/// Secret key material, held in memory that is overwritten when the key is released.
///
/// The project's one secret (the 32-byte key of a key file) makes pseudonyms irreversible and opens
/// sealed files. It lives in a single heap allocation that `deinit` cleanses with
/// `OPENSSL_cleanse`, is never `Codable`, and prints as its fingerprint only. Subkeys for each use
/// (argon2's secret input, a sealed file's AES key) are derived with HKDF so that no primitive ever
/// sees the master key itself.
public final class SecretKey: @unchecked Sendable, CustomStringConvertible {
    private let storage: UnsafeMutableRawBufferPointer

    /// Number of bytes.
    public var count: Int { storage.count }

    /// Copies `bytes` into protected storage and overwrites the caller's array.
    public init(consuming bytes: inout [UInt8]) {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 16)
        storage.copyBytes(from: bytes)
        bytes.withUnsafeMutableBytes { LibCrypto.cleanse($0.baseAddress!, count: $0.count) }
        bytes.removeAll()
    }

    /// A fresh random 256-bit key.
    public static func random() -> SecretKey {
        var bytes = LibCrypto.randomBytes(32)
        return SecretKey(consuming: &bytes)
    }

    deinit {
        LibCrypto.cleanse(storage.baseAddress!, count: storage.count)
        storage.deallocate()
    }

    /// Gives `body` a read-only view of the key bytes for the duration of the call.
    public func withBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(storage.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    /// Derives an independent subkey for one purpose (HKDF-SHA256, RFC 5869).
    public func derive(purpose: String, salt: [UInt8] = [], length: Int = 32) -> SecretKey {
        var bytes = LibCrypto.hkdfSHA256(key: UnsafeRawBufferPointer(storage), salt: salt, info: purpose, length: length)
        return SecretKey(consuming: &bytes)
    }

    /// A short public identifier of the key: the first 8 bytes of HMAC-SHA256(key, a fixed label),
    /// in hex. It tells which key made a file without revealing anything usable about the key.
    public var fingerprint: String {
        let mac = LibCrypto.hmacSHA256(key: UnsafeRawBufferPointer(storage), data: Array("appariement/key-fingerprint/v1".utf8))
        return mac.prefix(8).map { String(format: "%02x", $0) }.joined()
    }

    public var description: String { "SecretKey(fingerprint \(fingerprint))" }
}
