import Testing

@testable import SNDSModel

/// The NIR validator: keys, Corsica, structure, and that errors never reveal the number.
struct NIRTests {
    /// Key of a purely numeric body, computed independently of the implementation.
    static func referenceKey(_ digits: String) -> Int { 97 - Int(Int64(digits)! % 97) }

    static func randomBody(_ rng: inout SplitMix) -> String {
        let sex = [1, 2][Int(rng.next() % 2)]
        let year = Int(rng.next() % 100), month = Int(rng.next() % 12) + 1
        let dept = Int(rng.next() % 95) + 1, commune = Int(rng.next() % 999) + 1, order = Int(rng.next() % 999) + 1
        return "\(sex)" + pad(year, 2) + pad(month, 2) + pad(dept, 2) + pad(commune, 3) + pad(order, 3)
    }

    @Test func keyIsNinetySevenMinusTheNumberModuloNinetySeven() throws {
        var rng = SplitMix(seed: 7)
        for _ in 0..<2_000 {
            let body = Self.randomBody(&rng)
            #expect(NIR.key(forBody: body) == Self.referenceKey(body))
            let nir = try NIR(validating: body + pad(Self.referenceKey(body), 2))
            #expect(nir.body == body)
            #expect(nir.clearText == body + pad(Self.referenceKey(body), 2))
        }
    }

    @Test func corsicaCountsTwoAAsNineteenAndTwoBAsEighteen() throws {
        var rng = SplitMix(seed: 11)
        for _ in 0..<500 {
            let body = Self.randomBody(&rng)
            let a = String(body.prefix(5)) + "2A" + String(body.dropFirst(7))
            let b = String(body.prefix(5)) + "2B" + String(body.dropFirst(7))
            let keyA = Self.referenceKey(String(body.prefix(5)) + "19" + String(body.dropFirst(7)))
            let keyB = Self.referenceKey(String(body.prefix(5)) + "18" + String(body.dropFirst(7)))
            #expect(NIR.key(forBody: a) == keyA)
            #expect(NIR.key(forBody: b) == keyB)
            _ = try NIR(validating: a + pad(keyA, 2))
            _ = try NIR(validating: b.lowercased() + pad(keyB, 2))  // 2b accepted as 2B
        }
    }

    @Test func everySingleDigitErrorAndAdjacentTranspositionIsCaught() throws {
        var rng = SplitMix(seed: 3)
        for _ in 0..<200 {
            let body = Self.randomBody(&rng)
            let text = body + pad(Self.referenceKey(body), 2)
            var chars = Array(text)
            // Change one digit of the body (not the sex, which may stay valid either way).
            for position in 1..<13 {
                var altered = chars
                let digit = Int(String(altered[position]))!
                altered[position] = Character(String((digit + 1 + Int(rng.next() % 8)) % 10))
                #expect(throws: NIRError.self) { try NIR(validating: String(altered)) }
            }
            for position in 1..<12 where chars[position] != chars[position + 1] {
                chars.swapAt(position, position + 1)
                #expect(throws: NIRError.self) { try NIR(validating: String(chars)) }
                chars.swapAt(position, position + 1)
            }
        }
    }

    /// Thirteen positions are read (the key computed, not checked); dots, dashes and slashes
    /// between groups are separators; a spreadsheet's scientific notation is named as such.
    @Test func filesWriteNIRsWithoutKeyDottedOrAsNumbers() throws {
        let body = "1850578006084"
        let key = pad(Self.referenceKey(body), 2)
        let (bare, keyGiven) = try NIR.read(body)
        #expect(bare.body == body && bare.clearText == body + key && !keyGiven)
        for written in ["1.85.05.78.006.084-" + key, "1-85-05-78-006-084-" + key, "1/85/05/78/006/084/" + key, "1.85.05.78.006.084 " + key] {
            let (nir, given) = try NIR.read(written)
            #expect(nir.body == body && given, "\(written)")
        }
        #expect(try NIR.read("1.85.05.78.006.084").keyGiven == false)
        for number in ["1,85058E+14", "1.85058e+14", "1,8505780060840E+14", "2E+14"] {
            #expect(throws: NIRError.spreadsheetNumber, "\(number)") { try NIR.read(number) }
        }
        #expect(!NIRError.spreadsheetNumber.description.contains("185"))
        // A key in a column of its own checks the 13 positions, padded (`5` for `05`); with the NIR
        // cell's own key, both must agree; its digits never make up a short NIR's positions.
        let keyValue = Self.referenceKey(body)
        #expect(try NIR.read(body, key: key) == (bare, true))
        #expect(try NIR.read(body, key: String(keyValue)).keyGiven)
        #expect(try NIR.read(body + key, key: key).keyGiven)
        #expect(throws: NIRError.keyMismatch(given: keyValue % 97 + 1, expected: keyValue)) { try NIR.read(body, key: String(keyValue % 97 + 1)) }
        #expect(throws: NIRError.keyMismatch(given: keyValue % 97 + 1, expected: keyValue)) {
            try NIR.read(body + key, key: String(keyValue % 97 + 1))
        }
        #expect(throws: NIRError.wrongLength(11)) { try NIR.read(String(body.prefix(11)), key: String(body.suffix(2))) }
        #expect(throws: NIRError.invalidKey) { try NIR.read(body, key: "123") }
        #expect(throws: NIRError.missingKey) { try NIR(validating: body) }
        // 14 positions is neither: a key digit lost.
        #expect(throws: NIRError.wrongLength(14)) { try NIR.read(body + "1") }
    }

    @Test func spacesAreIgnored() throws {
        let body = "1850578006084"
        let key = pad(Self.referenceKey(body), 2)
        let spaced = "1 85 05 78 006 084 " + key
        #expect(try NIR(validating: spaced).body == body)
        // As word processors and spreadsheets group it: no-break spaces, narrow ones, tabs.
        for separator in ["\u{A0}", "\u{202F}", "\t"] {
            let grouped = ["1", "85", "05", "78", "006", "084", key].joined(separator: separator)
            #expect(try NIR(validating: grouped).body == body, "\(separator.unicodeScalars.first!.value)")
        }
        // Positions are characters: 16 digits grouped by no-break spaces are 16, not 16 + 2 per space.
        #expect(throws: NIRError.wrongLength(16)) { try NIR(validating: "1\u{A0}85\u{A0}05\u{A0}78\u{A0}006\u{A0}084\u{A0}123") }
        // A non-ASCII character is one position, refused where it stands.
        #expect(throws: NIRError.invalidCharacter(position: 1)) { try NIR(validating: "é" + body.dropFirst() + key) }
    }

    @Test(arguments: [
        ("", NIRError.wrongLength(0)),
        ("18505780060", NIRError.wrongLength(11)),
        ("1850578006084123", NIRError.wrongLength(16)),
        ("185057800608X12", NIRError.invalidCharacter(position: 13)),
        ("585057800608412", NIRError.invalidSex),
        ("185137800608412", NIRError.invalidMonth),
        ("185050000608412", NIRError.invalidDepartement),
        ("185057800008412", NIRError.invalidCommune),
        ("185057800600012", NIRError.invalidOrder),
        ("185057800608400", NIRError.invalidKey),
    ])
    func structuralDefectsAreNamed(text: String, expected: NIRError) {
        #expect(throws: expected) { try NIR(validating: text) }
    }

    @Test func aWrongKeyIsReportedWithoutTheNumber() {
        let body = "2550814168025"
        let right = Self.referenceKey(body)
        let wrong = right == 97 ? 1 : right + 1
        do {
            _ = try NIR(validating: body + pad(wrong, 2))
            Issue.record("a wrong key was accepted")
        } catch {
            #expect(error == .keyMismatch(given: wrong, expected: right))
            #expect(!error.description.contains(body))
            #expect(!error.description.contains("255081"))
        }
    }

    @Test func printingANIRNeverShowsIt() throws {
        let body = "2550814168025"
        let nir = try NIR(validating: body + pad(Self.referenceKey(body), 2))
        for text in ["\(nir)", String(describing: nir), String(reflecting: nir), "\([nir])"] {
            #expect(!text.contains(body))
        }
    }

    @Test func buildingANIRFromItsPartsGivesAValidOne() throws {
        let nir = NIR(sexDigit: 2, birthYear: 1955, birthMonth: 8, birthPlace: "2A004", order: 25)
        #expect(nir.body == "255082A004025")
        #expect(try NIR(validating: nir.clearText) == nir)
        #expect(nir.birthDepartementPositions == "2A")
        let overseas = NIR(sexDigit: 1, birthYear: 2001, birthMonth: 12, birthPlace: "97101", order: 999)
        #expect(try NIR(validating: overseas.clearText).body == "1011297101999")
    }
}

/// A tiny seeded generator for test inputs (independent of the code under test).
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
