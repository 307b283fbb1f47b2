// Fuzzes the NIR validator, `NIR(validating:)`, and its key, `NIR.key(forBody:)` (SNDSModel/NIR.swift).
//
// Each input is used three ways: as UTF-8 text (invalid bytes repaired), as Latin-1 text (how a
// cohort file in Latin-1 reaches the validator), and as the seed of a NIR built to be valid (its
// digits taken from the bytes, spaces and lower case mixed in), so that the properties of valid
// NIRs are checked on every run and not only on the few random inputs whose key happens to match.
//
// Properties:
// - validation never traps: it returns a NIR or throws a NIRError;
// - a NIR accepted is the input without its white space, upper-cased; its 13 positions and key recompute
//   (the validator's key, and an independent mod-97 computation, agree); its clear text validates to
//   the same NIR; its description is redacted; it looks like a NIR to the cohort reader
//   (`SubjectNumber.looksLikeNIR`, which keeps NIR-like values out of rejects files);
// - changing any one digit of a valid NIR, or swapping two different adjacent digits among its 13
//   positions, is detected (97 is prime and prime to 10: mod 97 catches both);
// - a NIR rejected for its key (`keyMismatch`) becomes valid with the key the error expects;
// - `wrongLength` gives the length in characters without white space; no error message repeats the input;
// - `NIR.key(forBody:)` agrees with an independent computation on any 13 positions.
import FuzzSupport
import Linkage
import SNDSModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNIR(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    checkValidation(String(decoding: bytes, as: UTF8.self))
    checkValidation(String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) })))
    checkKey(bytes)
    if let built = buildValid(from: bytes) {
        guard let nir = checkValidation(built) else {
            require(false, "a NIR built valid (key computed independently) is refused")
            return 0
        }
        checkDetection(nir)
    }
    return 0
}

private let space = UInt8(ascii: " ")

private func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }

/// The text without white space (spaces, tabs, no-break spaces…), a–z upper-cased, one position per
/// character (any non-ASCII one stands as 0xFF, never a digit): what the validator works on.
private func significant(_ text: String) -> [UInt8] {
    // White space of any kind, and the dots, dashes and slashes between a NIR's groups.
    text.unicodeScalars.filter {
        !($0 == " " || $0 == "." || $0 == "-" || $0 == "/" || ($0.value > 0x20 ? $0.properties.isWhitespace : $0 == "\t"))
    }
    .map { $0.isASCII ? UInt8($0.value) : 0xFF }
    .map { $0 >= 97 && $0 <= 122 ? $0 - 32 : $0 }
}

/// The key of 13 positions, computed independently of `NIR.key(forBody:)`: Corsica's 2A/2B read as
/// 19/18, then the remainder by 97 digit by digit.
private func referenceKey(_ body: [UInt8]) -> Int? {
    guard body.count == 13 else { return nil }
    var digits = body
    if body[5] == UInt8(ascii: "2"), body[6] == UInt8(ascii: "A") || body[6] == UInt8(ascii: "B") {
        digits[5] = UInt8(ascii: "1")
        digits[6] = body[6] == UInt8(ascii: "A") ? UInt8(ascii: "9") : UInt8(ascii: "8")
    }
    guard digits.allSatisfy(isDigit) else { return nil }
    var remainder = 0
    for d in digits { remainder = (remainder * 10 + Int(d - 48)) % 97 }
    return 97 - remainder
}

private func twoDigits(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// Validates `text` and checks what the result says; returns the NIR when valid.
@discardableResult
private func checkValidation(_ text: String) -> NIR? {
    let chars = significant(text)
    do {
        let nir = try NIR(validating: text)
        let clear = nir.clearText
        require(Array(clear.utf8) == chars, "the NIR accepted is not the input without spaces, upper-cased")
        require(nir.body.utf8.count == 13 && (1...97).contains(nir.key), "a NIR accepted has \(nir.body.utf8.count) positions or a key out of 1…97")
        require(NIR.key(forBody: nir.body) == nir.key, "the key of a NIR accepted does not recompute")
        require(referenceKey(Array(nir.body.utf8)) == nir.key, "the key of a NIR accepted differs from mod 97 computed independently")
        require((try? NIR(validating: clear)) == nir, "the clear text of a NIR accepted does not validate to the same NIR")
        require(
            nir.description == "NIR(redacted)" && "\(nir)" == "NIR(redacted)" && !String(reflecting: nir).contains(clear),
            "a NIR's description shows more than NIR(redacted)")
        require(SubjectNumber.looksLikeNIR(text), "a valid NIR does not look like a NIR to SubjectNumber.looksLikeNIR")
        return nir
    } catch {
        require(!RejectionReason(error).rawValue.isEmpty && !error.description.isEmpty, "an error without reason or message")
        if chars.count >= 6 {
            // Byte for byte (Foundation's contains ignores NULs).
            let message = Array(error.description.utf8)
            let repeats =
                message.count >= chars.count
                && (0...(message.count - chars.count)).contains { message[$0..<($0 + chars.count)].elementsEqual(chars) }
            require(!repeats, "an error message repeats the input")
        }
        require(!hasDigitRun(error.description, length: 5), "an error message holds a run of digits")
        switch error {
        case .wrongLength(let n):
            require(n == chars.count && n != 15 && n != 13, "wrongLength(\(n)) for \(chars.count) positions")
        case .missingKey:
            // 13 valid positions: NIR.read takes them, its key computed and not given.
            require(chars.count == 13, "missingKey on \(chars.count) positions")
            let read = try? NIR.read(text)
            require(read?.keyGiven == false && read?.nir.key == referenceKey(chars), "13 valid positions not read with their key computed")
        case .spreadsheetNumber:
            require(text.uppercased().contains("E"), "spreadsheetNumber without an exponent")
        case .keyMismatch(let given, let expected):
            require(chars.count == 15, "keyMismatch on \(chars.count) positions")
            require(given != expected && (1...97).contains(given) && (1...97).contains(expected), "keyMismatch(\(given), \(expected))")
            require(referenceKey(Array(chars[0..<13])) == expected, "keyMismatch expects a key that mod 97 does not give")
            let fixed = String(decoding: chars[0..<13], as: UTF8.self) + twoDigits(expected)
            require((try? NIR(validating: fixed)) != nil, "a NIR refused for its key is still refused with the key expected")
        default:
            require(chars.count == 15 || chars.count == 13, "\(RejectionReason(error).rawValue) on \(chars.count) positions (expected wrongLength)")
        }
        return nil
    }
}

/// `NIR.key(forBody:)` against the independent computation, on the input's first 13 bytes.
private func checkKey(_ bytes: [UInt8]) {
    let body = String(decoding: bytes.prefix(13), as: UTF8.self)
    let expected = body.utf8.count == 13 ? referenceKey(Array(body.utf8)) : nil
    require(NIR.key(forBody: body) == expected, "NIR.key(forBody:) disagrees with mod 97 computed independently")
}

/// A NIR made valid from the input's bytes: sex, month, département, commune and order brought into
/// their ranges, the key computed independently, spaces and lower case (2a/2b) mixed in as the bytes
/// say. Nil when the input is too short.
private func buildValid(from bytes: [UInt8]) -> String? {
    guard bytes.count >= 14 else { return nil }
    func d(_ i: Int) -> UInt8 { 48 + bytes[i] % 10 }
    var body = [UInt8](repeating: 0, count: 13)
    body[0] = Array("12347878".utf8)[Int(bytes[0] % 8)]
    body[1] = d(1); body[2] = d(2)
    let months = Array(1...12) + [20] + Array(30...42) + Array(50...99)
    let month = months[Int(bytes[3]) % months.count]
    body[3] = 48 + UInt8(month / 10); body[4] = 48 + UInt8(month % 10)
    switch bytes[5] % 8 {
    case 0: body[5] = UInt8(ascii: "2"); body[6] = UInt8(ascii: "A")
    case 1: body[5] = UInt8(ascii: "2"); body[6] = UInt8(ascii: "B")
    default:
        let departement = 1 + Int(bytes[6]) % 99
        body[5] = 48 + UInt8(departement / 10); body[6] = 48 + UInt8(departement % 10)
    }
    let commune = 1 + (Int(bytes[7]) << 8 | Int(bytes[8])) % 999
    let order = 1 + (Int(bytes[9]) << 8 | Int(bytes[10])) % 999
    for (i, c) in String(format3(commune) + format3(order)).utf8.enumerated() { body[7 + i] = c }
    guard let key = referenceKey(body) else { return nil }
    // Cross-check with the constructor the generator uses.
    let place = String(decoding: body[5..<10], as: UTF8.self)
    let made = NIR(
        sexDigit: Int(body[0] - 48), birthYear: Int(body[1] - 48) * 10 + Int(body[2] - 48), birthMonth: month,
        birthPlace: place, order: order)
    require(made.key == key && Array(made.body.utf8) == body, "NIR(sexDigit:…) and mod 97 computed independently disagree")
    var text: [UInt8] = []
    let layout = bytes[11], spaces = bytes[12]
    for (i, c) in (body + Array(twoDigits(key).utf8)).enumerated() {
        if i > 0, spaces & (1 << UInt8(i % 8)) != 0, (bytes[13] >> UInt8(i % 8)) & 1 == 1 { text.append(space) }
        text.append(layout & 1 == 1 && (c == UInt8(ascii: "A") || c == UInt8(ascii: "B")) ? c + 32 : c)
    }
    if layout & 2 != 0 { text.insert(space, at: 0) }
    if layout & 4 != 0 { text.append(space) }
    return String(decoding: text, as: UTF8.self)
}

private func format3(_ n: Int) -> String { n < 10 ? "00\(n)" : n < 100 ? "0\(n)" : "\(n)" }

/// Every single-digit change and every swap of two different adjacent digits of the 13 positions
/// is refused.
private func checkDetection(_ nir: NIR) {
    let clear = Array(nir.clearText.utf8)
    for i in 0..<15 where isDigit(clear[i]) {
        for digit in UInt8(48)...UInt8(57) where digit != clear[i] {
            var changed = clear
            changed[i] = digit
            require(
                (try? NIR(validating: String(decoding: changed, as: UTF8.self))) == nil,
                "changing position \(i + 1) of a valid NIR is not detected")
        }
    }
    for i in 0..<12 where isDigit(clear[i]) && isDigit(clear[i + 1]) && clear[i] != clear[i + 1] {
        var swapped = clear
        swapped.swapAt(i, i + 1)
        require(
            (try? NIR(validating: String(decoding: swapped, as: UTF8.self))) == nil,
            "swapping positions \(i + 1) and \(i + 2) of a valid NIR is not detected")
    }
}
