import CLibCrypto
import Foundation

/// The few OpenSSL libcrypto primitives the project uses, behind Swift signatures.
///
/// libcrypto (not a Swift reimplementation) because it is the audited implementation every
/// health-data platform already trusts, it is on every Debian machine, and its AES-GCM runs at
/// several GB/s with AES-NI.
public enum LibCrypto {
    /// Cryptographically secure random bytes from OpenSSL's generator.
    public static func randomBytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "the system random generator failed")
        return bytes
    }

    public static func sha256(_ data: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let ok = data.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer {
                EVP_Digest(input.baseAddress, input.count, $0.baseAddress, &size, EVP_sha256(), nil)
            }
        }
        precondition(ok == 1)
        return out
    }

    public static func hmacSHA256(key: some ContiguousBytes, data: some ContiguousBytes) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: 32)
        var size: UInt32 = 0
        let result = key.withUnsafeBytes { k in
            data.withUnsafeBytes { d in
                out.withUnsafeMutableBufferPointer {
                    HMAC(
                        EVP_sha256(), k.baseAddress, Int32(k.count), d.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        d.count, $0.baseAddress, &size)
                }
            }
        }
        precondition(result != nil && size == 32, "HMAC-SHA256 failed in libcrypto")
        return out
    }

    /// HKDF-SHA256 (RFC 5869) through `EVP_PKEY_HKDF`.
    public static func hkdfSHA256(key: some ContiguousBytes, salt: [UInt8], info: String, length: Int) -> [UInt8] {
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else { fatalError("HKDF unavailable in libcrypto") }
        defer { EVP_PKEY_CTX_free(ctx) }
        var out = [UInt8](repeating: 0, count: length)
        var outLength = length
        let infoBytes = Array(info.utf8)
        let ok: Bool = key.withUnsafeBytes { k in
            EVP_PKEY_derive_init(ctx) == 1
                && EVP_PKEY_CTX_set_hkdf_md(ctx, EVP_sha256()) == 1
                && EVP_PKEY_CTX_set1_hkdf_salt(ctx, salt, Int32(salt.count)) == 1
                && EVP_PKEY_CTX_set1_hkdf_key(ctx, k.baseAddress?.assumingMemoryBound(to: UInt8.self), Int32(k.count)) == 1
                && EVP_PKEY_CTX_add1_hkdf_info(ctx, infoBytes, Int32(infoBytes.count)) == 1
                && EVP_PKEY_derive(ctx, &out, &outLength) == 1
        }
        precondition(ok && outLength == length, "HKDF failed in libcrypto")
        return out
    }

    /// Overwrites memory in a way the compiler may not optimise away.
    public static func cleanse(_ pointer: UnsafeMutableRawPointer, count: Int) {
        OPENSSL_cleanse(pointer, count)
    }

    /// Constant-time comparison, for fingerprints and tags.
    public static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return CRYPTO_memcmp(a, b, a.count) == 0
    }
}

/// AES-256-GCM on one buffer at a time: the building block of sealed files.
struct AESGCM {
    static let nonceBytes = 12
    static let tagBytes = 16

    /// Encrypts `plaintext`, authenticating `aad` too; returns ciphertext and tag.
    static func seal(
        _ plaintext: UnsafeRawBufferPointer, key: SecretKey, nonce: [UInt8], aad: [UInt8]
    )
        -> (ciphertext: [UInt8], tag: [UInt8])
    {
        precondition(nonce.count == nonceBytes && key.count == 32)
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("libcrypto: no cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + 16)
        var tag = [UInt8](repeating: 0, count: tagBytes)
        var length: Int32 = 0
        var total: Int32 = 0
        let ok: Bool = key.withBytes { k in
            EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1
                && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceBytes), nil) == 1
                && EVP_EncryptInit_ex(ctx, nil, nil, k, nonce) == 1
                && EVP_EncryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1
                && ciphertext.withUnsafeMutableBufferPointer { out in
                    EVP_EncryptUpdate(
                        ctx, out.baseAddress, &length,
                        plaintext.baseAddress?.assumingMemoryBound(to: UInt8.self),
                        Int32(plaintext.count)) == 1
                        && {
                            total = length; return true
                        }()
                        && EVP_EncryptFinal_ex(ctx, out.baseAddress! + Int(total), &length) == 1
                }
                && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, Int32(tagBytes), &tag) == 1
        }
        precondition(ok, "AES-256-GCM encryption failed in libcrypto")
        ciphertext.removeLast(ciphertext.count - Int(total + length))
        return (ciphertext, tag)
    }

    /// Decrypts and verifies; nil when the tag does not match (wrong key, or altered bytes).
    static func open(_ ciphertext: [UInt8], tag: [UInt8], key: SecretKey, nonce: [UInt8], aad: [UInt8]) -> [UInt8]? {
        guard tag.count == tagBytes, nonce.count == nonceBytes else { return nil }
        guard let ctx = EVP_CIPHER_CTX_new() else { fatalError("libcrypto: no cipher context") }
        defer { EVP_CIPHER_CTX_free(ctx) }
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var tagCopy = tag
        var length: Int32 = 0
        var total: Int32 = 0
        let ok: Bool = key.withBytes { k in
            EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), nil, nil, nil) == 1
                && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceBytes), nil) == 1
                && EVP_DecryptInit_ex(ctx, nil, nil, k, nonce) == 1
                && EVP_DecryptUpdate(ctx, nil, &length, aad, Int32(aad.count)) == 1
                && plaintext.withUnsafeMutableBufferPointer { out in
                    EVP_DecryptUpdate(ctx, out.baseAddress, &length, ciphertext, Int32(ciphertext.count)) == 1
                        && {
                            total = length; return true
                        }()
                        && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, Int32(tagBytes), &tagCopy) == 1
                        && EVP_DecryptFinal_ex(ctx, out.baseAddress! + Int(total), &length) == 1
                }
        }
        guard ok else {
            ERR_clear_error()
            plaintext.withUnsafeMutableBytes { LibCrypto.cleanse($0.baseAddress!, count: $0.count) }
            return nil
        }
        plaintext.removeLast(plaintext.count - Int(total + length))
        return plaintext
    }
}
