import CLibCrypto
import Foundation
import Hardening
import SNDSModel

/// SHA-256 of a file, read in 1 MiB pieces (sealed files may be hundreds of megabytes), or of bytes.
public enum FileDigest {
    public static func sha256(_ data: Data) -> String {
        var digest = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        _ = data.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &digest, &size, EVP_sha256(), nil) }
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// Nil when the file cannot be read — or is not a regular file: a named pipe or a device is
    /// never opened for reading (the read would block, or never end).
    public static func sha256(of url: URL) -> String? {
        guard let handle = try? InputFile.openForReading(url), let context = EVP_MD_CTX_new() else { return nil }
        defer {
            try? handle.close()
            EVP_MD_CTX_free(context)
        }
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else { return nil }
        while let piece = try? handle.read(upToCount: 1 << 20), !piece.isEmpty {
            let ok = piece.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
            guard ok == 1 else { return nil }
        }
        var digest = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        guard EVP_DigestFinal_ex(context, &digest, &size) == 1 else { return nil }
        return digest.map { String(format: "%02x", $0) }.joined()
    }
}
