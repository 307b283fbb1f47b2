import Hardening

/// A French social security number (NIR, "numéro d'inscription au répertoire"): 13 positions and a
/// 2-digit control key.
///
/// | positions | meaning |
/// |---|---|
/// | 1 | sex (1 man, 2 woman; 3, 4, 7, 8 for temporary or provisional numbers) |
/// | 2–3 | year of birth |
/// | 4–5 | month of birth (01–12; 20, 30–42, 50–99 when the month is unknown) |
/// | 6–7 | département of birth (`2A`/`2B` for Corsica from 1976, `20` before; `97`/`98` overseas, whose département takes position 8 too; `99` born abroad) |
/// | 8–10 | commune of birth (or country code after `99`) |
/// | 11–13 | order number of the birth in that month and commune |
/// | 14–15 | key = 97 − (13-digit number mod 97), with `2A` read as `19` and `2B` as `18` |
///
/// A NIR is the most sensitive value this tool handles: its `description` is redacted, so that
/// string interpolation in a log or an error message cannot leak it. The clear value is reachable
/// only through ``clearText``, whose few callers hash it or seal it.
public struct NIR: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The 13 positions, uppercase ASCII.
    public let body: String
    /// The control key, 1…97.
    public let key: Int

    /// Builds a NIR from its parts and computes its key.
    ///
    /// - Parameters:
    ///   - birthPlace: five characters: département of birth (2) + commune (3), e.g. `75056`,
    ///     `2A004`, `97101` (overseas), `99350` (born in Morocco).
    public init(sexDigit: Int, birthYear: Int, birthMonth: Int, birthPlace: String, order: Int) {
        precondition((1...9).contains(sexDigit) && (1...999).contains(order) && birthPlace.utf8.count == 5)
        let body = String(sexDigit) + pad(birthYear % 100, 2) + pad(birthMonth, 2) + birthPlace + pad(order, 3)
        self.body = body
        self.key = NIR.key(forBody: body)!
    }

    /// Validates a NIR of 15 positions (13 and the key), its groups separated or not (see
    /// ``read(_:)``). Errors never contain the NIR itself.
    public init(validating text: String) throws(NIRError) {
        let (nir, keyGiven) = try Self.read(text)
        guard keyGiven else { throw .missingKey }
        self = nir
    }

    private init(body: String, key: Int) {
        self.body = body
        self.key = key
    }

    /// Reads a NIR as files write it: 15 positions (13 and the key), or the 13 positions alone —
    /// common, and enough, since the pseudonym is computed from those 13; the key is then computed
    /// and `keyGiven` is false (nothing checked the positions against it). Groups may be separated
    /// by white space of any kind (word processors and spreadsheets use no-break spaces, U+00A0,
    /// U+202F), dots, dashes or slashes: `1.70.04.99.234.774-85`. A number a spreadsheet turned
    /// into `2,77080E+14` is named as such: its last positions are lost.
    public static func read(_ text: String) throws(NIRError) -> (nir: NIR, keyGiven: Bool) {
        if isScientificNotation(text) { throw .spreadsheetNumber }
        var chars: [UInt8] = []
        chars.reserveCapacity(15)
        for scalar in text.unicodeScalars where !Self.isSeparator(scalar) {
            // a–z → A–Z; any other non-ASCII character is one position, refused by the structure check.
            let c = scalar.isASCII ? UInt8(scalar.value) : 0xFF
            chars.append(c >= 97 && c <= 122 ? c - 32 : c)
            if chars.count > 15 { throw .wrongLength(Self.significantLength(text)) }
        }
        guard chars.count == 15 || chars.count == 13 else { throw .wrongLength(chars.count) }
        try Self.checkStructure(chars)
        let body = String(decoding: chars[0..<13], as: UTF8.self)
        guard let expected = Self.key(forBody: body) else { throw .invalidCharacter(position: 1) }
        guard chars.count == 15 else { return (NIR(body: body, key: expected), false) }
        guard let keyValue = CalendarDate.number(chars[13..<15]), (1...97).contains(keyValue) else {
            throw .invalidKey
        }
        guard expected == keyValue else { throw .keyMismatch(given: keyValue, expected: expected) }
        return (NIR(body: body, key: keyValue), true)
    }

    /// Reads a NIR whose key a file keeps in a column of its own: `key` (one or two digits, `5`
    /// as a spreadsheet keeps `05`) checks the 13 positions; when the NIR cell holds its key too,
    /// the two must agree. An empty `key` reads the NIR cell alone. The key's digits never count
    /// as positions of the NIR: 11 positions and a 2-digit key are not 13 positions.
    public static func read(_ text: String, key: String) throws(NIRError) -> (nir: NIR, keyGiven: Bool) {
        let (nir, keyGiven) = try read(text)
        let digits = key.unicodeScalars.filter { !isSeparator($0) }
        guard !digits.isEmpty else { return (nir, keyGiven) }
        guard digits.count <= 2, digits.allSatisfy({ ("0"..."9").contains($0) }), let value = Int(String(String.UnicodeScalarView(digits))),
            (1...97).contains(value)
        else { throw .invalidKey }
        guard value == nir.key else {
            // The key the NIR cell gave is the one compared, when it gave one: it disagrees.
            throw .keyMismatch(given: value, expected: nir.key)
        }
        return (nir, true)
    }

    /// `2,77080E+14`, `2.7708e+14`: a digit, a decimal separator and digits, an exponent.
    private static func isScientificNotation(_ text: String) -> Bool {
        let t = Array(text.uppercased().unicodeScalars.filter { !$0.properties.isWhitespace })
        guard let e = t.firstIndex(of: "E"), e >= 1, e + 1 < t.count else { return false }
        let mantissa = t[..<e], exponent = t[(e + 1)...].drop { $0 == "+" }
        return mantissa.allSatisfy { ("0"..."9").contains($0) || $0 == "," || $0 == "." }
            && mantissa.first.map { ("0"..."9").contains($0) } == true
            && !exponent.isEmpty && exponent.allSatisfy { ("0"..."9").contains($0) }
    }

    /// Checks positions 1–13, and the key's positions when there are 15.
    static func checkStructure(_ c: [UInt8]) throws(NIRError) {
        func digit(_ i: Int) -> Int? { c[i] >= 48 && c[i] <= 57 ? Int(c[i] - 48) : nil }
        for i in 0..<c.count where !(i == 5 || i == 6) {
            guard digit(i) != nil else { throw .invalidCharacter(position: i + 1) }
        }
        let sex = digit(0)!
        guard [1, 2, 3, 4, 7, 8].contains(sex) else { throw .invalidSex }
        let month = digit(3)! * 10 + digit(4)!
        guard (1...12).contains(month) || month == 20 || (30...42).contains(month) || month >= 50 else {
            throw .invalidMonth
        }
        switch (c[5], c[6]) {
        case (UInt8(ascii: "2"), UInt8(ascii: "A")), (UInt8(ascii: "2"), UInt8(ascii: "B")): break
        default:
            guard let d1 = digit(5), let d2 = digit(6), d1 * 10 + d2 >= 1 else {
                throw .invalidDepartement
            }
        }
        guard (digit(7)! * 100 + digit(8)! * 10 + digit(9)!) != 0 else { throw .invalidCommune }
        guard (digit(10)! * 100 + digit(11)! * 10 + digit(12)!) != 0 else { throw .invalidOrder }
    }

    /// The key of 13 positions: 97 − (number mod 97), with Corsica's `2A` → `19`, `2B` → `18`.
    /// Returns nil when the positions are not digits (or 2A/2B at positions 6–7).
    public static func key(forBody body: String) -> Int? {
        let u = Array(body.utf8)
        guard u.count == 13 else { return nil }
        var number: Int64 = 0
        for (i, c) in u.enumerated() {
            var d: Int64
            if c >= 48 && c <= 57 {
                d = Int64(c - 48)
            } else if i == 6 && u[5] == UInt8(ascii: "2") && (c == UInt8(ascii: "A") || c == UInt8(ascii: "B")) {
                // "2A" → "19", "2B" → "18": replace the whole pair; position 6's 2 becomes 1.
                number = number - 2 + 1
                d = c == UInt8(ascii: "A") ? 9 : 8
            } else {
                return nil
            }
            number = number * 10 + d
        }
        return Int(97 - number % 97)
    }

    /// Length of the text without spaces, for error messages.
    /// Positions as a reader counts them: characters, white space left out.
    private static func significantLength(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + (isSeparator($1) ? 0 : 1) }
    }

    /// White space of any kind, and the dots, dashes and slashes people put between a NIR's groups.
    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        scalar == " " || scalar == "." || scalar == "-" || scalar == "/"
            || (scalar.value > 0x20 ? scalar.properties.isWhitespace : scalar == "\t")
    }

    /// The 15 positions in clear. Call only to hash or to seal; never print it.
    public var clearText: String { body + pad(key, 2) }

    /// Sex digit (position 1).
    public var sexDigit: Int { Int(body.utf8.first! - 48) }

    /// Département of birth as written at positions 6–7 (`75`, `2A`, `20`, `97`, `99`…).
    public var birthDepartementPositions: String { String(body.dropFirst(5).prefix(2)) }

    public var description: String { "NIR(redacted)" }
    public var debugDescription: String { "NIR(redacted)" }
}

/// Why a text is not a valid NIR. Messages describe the defect, never the NIR.
public enum NIRError: Error, Equatable, Sendable, CustomStringConvertible {
    case wrongLength(Int)
    case invalidCharacter(position: Int)
    case invalidSex
    case invalidMonth
    case invalidDepartement
    case invalidCommune
    case invalidOrder
    case invalidKey
    case keyMismatch(given: Int, expected: Int)
    /// 13 positions where the key is required (15).
    case missingKey
    /// A spreadsheet showed the column as a number in scientific notation: positions are lost.
    case spreadsheetNumber

    public var description: String {
        switch self {
        case .wrongLength(let n): "NIR has \(n) positions, expected 15 (13 and the 2-digit key) or 13"
        case .invalidCharacter(let p): "NIR position \(p) is not a digit"
        case .invalidSex: "NIR position 1 (sex) is not 1, 2, 3, 4, 7 or 8"
        case .invalidMonth: "NIR positions 4–5 (month of birth) are not 01–12, 20, 30–42 or 50–99"
        case .invalidDepartement: "NIR positions 6–7 (département of birth) are not 01–99, 2A or 2B"
        case .invalidCommune: "NIR positions 8–10 (commune of birth) are 000"
        case .invalidOrder: "NIR positions 11–13 (order number) are 000"
        case .invalidKey: "NIR key (positions 14–15) is not a number from 01 to 97"
        case .keyMismatch(let given, let expected):
            "NIR key \(pad(given, 2)) does not match the 13 positions (expected \(pad(expected, 2)))"
        case .missingKey: "NIR has 13 positions without its key, where 15 are required"
        case .spreadsheetNumber:
            "the NIR was turned into a number by a spreadsheet (written like 2,77E+14): its last positions are lost; format the column as text before saving"
        }
    }
}

extension NIRError: ExitStatusProviding {
    public var exitStatus: ExitStatus { .badInput }
}
