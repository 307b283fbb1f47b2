import SNDSModel

/// Turns raw hash output into a 17-character SNDS-shaped pseudonym, and back to its bits.
///
/// SNDS pseudonyms (BEN_NIR_PSA, BEN_NIR_ANO, BEN_IDT_ANO) are 17 characters. Crockford's base32
/// alphabet (digits and capitals without I, L, O, U) gives 5 bits a character, so 17 characters carry
/// 85 bits: with a million beneficiaries, the chance that two pseudonyms collide is below 10⁻¹³.
public enum PseudonymEncoding {
    public static let name = PseudonymParameters.encodingName
    public static let length = 17
    static let alphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

    /// The first 85 bits of `bytes` (at least 11 bytes) as 17 characters.
    public static func encode(_ bytes: UnsafeRawBufferPointer) -> String {
        precondition(bytes.count >= 11)
        return String(unsafeUninitializedCapacity: length) { out in
            var accumulator: UInt32 = 0
            var bits = 0
            var produced = 0
            var index = 0
            while produced < length {
                if bits < 5 {
                    accumulator = (accumulator << 8) | UInt32(bytes[index])
                    index += 1
                    bits += 8
                }
                bits -= 5
                out[produced] = alphabet[Int((accumulator >> UInt32(bits)) & 0x1F)]
                produced += 1
            }
            return length
        }
    }

    /// Whether `text` has the shape of a pseudonym (17 characters of the alphabet).
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == length && text.utf8.allSatisfy { alphabet.contains($0) }
    }
}
