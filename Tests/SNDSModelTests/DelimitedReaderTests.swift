import Testing

@testable import SNDSModel

struct DelimitedReaderTests {
    static func read(
        _ text: [UInt8], separator: UInt8 = UInt8(ascii: ";"), encoding: DelimitedReader.Encoding = .utf8
    ) throws -> [DelimitedReader.Record] {
        var reader = DelimitedReader(bytes: text, separator: separator, encoding: encoding)
        return try reader.readAll()
    }

    @Test func quotedFieldsHoldSeparatorsQuotesAndLineBreaks() throws {
        let text = Array("NS;NOM\r\n1;\"a;b\"\r\n2;\"dit \"\"non\"\"\"\r\n3;\"deux\r\nlignes\"\r\n4;\r\n".utf8)
        let records = try Self.read(text)
        #expect(records.map(\.fields) == [["NS", "NOM"], ["1", "a;b"], ["2", "dit \"non\""], ["3", "deux\r\nlignes"], ["4", ""]])
        #expect(records.map(\.line) == [1, 2, 3, 4, 6])
    }

    @Test func aByteOrderMarkAndBlankLinesAreSkipped() throws {
        let records = try Self.read([0xEF, 0xBB, 0xBF] + Array("a,b\n\n1,2\n".utf8), separator: UInt8(ascii: ","))
        #expect(records.map(\.fields) == [["a", "b"], ["1", "2"]])
        #expect(records.last?.line == 3)
    }

    @Test func latin1IsDecodedOnlyWhenDeclared() throws {
        let latin1: [UInt8] = Array("NOM\n".utf8) + [0x48, 0xE9, 0x6C, 0xE8, 0x6E, 0x65, 0x0A]  // Hélène
        #expect(throws: DelimitedError.invalidEncoding(line: 2, encoding: .utf8)) { try Self.read(latin1) }
        #expect(try Self.read(latin1, encoding: .latin1).last?.fields == ["Hélène"])
        #expect(DelimitedReader.detectEncoding(of: latin1) == .latin1)
        #expect(DelimitedReader.detectEncoding(of: Array("Hélène".utf8)) == .utf8)
    }

    @Test func windows1252IsToldFromLatin1ByItsBytesIn0x80To0x9F() throws {
        // "Cœur’s 5 €" as Excel on Windows writes it: œ 0x9C, ’ 0x92, € 0x80.
        let windows: [UInt8] = Array("NOM\n".utf8) + [0x43, 0x9C, 0x75, 0x72, 0x92, 0x73, 0x20, 0x35, 0x20, 0x80, 0x0A]
        #expect(DelimitedReader.encodingEvidence(of: windows) == .windows1252(line: 2))
        #expect(try Self.read(windows, encoding: .windows1252).last?.fields == ["C\u{0153}ur\u{2019}s 5 \u{20AC}"])
        // Latin-1 reads the same bytes as invisible C1 control characters.
        #expect(try Self.read(windows, encoding: .latin1).last?.fields.first?.unicodeScalars.contains { $0.value == 0x9C } == true)
        // Accented letters only (0xA0–0xFF): Latin-1, which Windows-1252 reads the same.
        let latin1: [UInt8] = Array("NOM\n".utf8) + [0x48, 0xE9, 0x6C, 0xE8, 0x6E, 0x65, 0x0A]
        #expect(DelimitedReader.encodingEvidence(of: latin1) == .latin1)
        #expect(try Self.read(latin1, encoding: .windows1252) == Self.read(latin1, encoding: .latin1))
        // The five bytes Windows-1252 leaves undefined are refused with their line.
        for undefined: UInt8 in [0x81, 0x8D, 0x8F, 0x90, 0x9D] {
            #expect(throws: DelimitedError.invalidEncoding(line: 2, encoding: .windows1252)) {
                try Self.read(Array("NOM\n".utf8) + [0x41, undefined, 0x0A], encoding: .windows1252)
            }
        }
    }

    @Test func theSeparatorIsReadFromTheFirstLineWithContent() {
        // Empty spreadsheet rows above a `;` header, written with commas: not the header's separator.
        #expect(DelimitedReader.detectSeparator(in: Array(",,,,,\r\n , ,\nNS;SEXE;ANNEE\n1;2;3\n".utf8)) == UInt8(ascii: ";"))
        #expect(DelimitedReader.detectSeparator(in: Array("NS,SEXE;ANNEE,X\n".utf8)) == UInt8(ascii: ","))
        #expect(DelimitedReader.detectSeparator(in: Array(";;;\n\n".utf8)) == UInt8(ascii: ";"))
        #expect(DelimitedReader.detectSeparator(in: Array("NS\n1\n".utf8)) == nil)
    }

    @Test func aFileMixingUTF8AndSingleBytesIsToldApart() {
        // Hélène in UTF-8 on line 2, a Latin-1 É on line 3: neither encoding reads it whole.
        let mixed: [UInt8] = Array("NOM\nHélène\n".utf8) + [0xC9, 0x0A]
        #expect(DelimitedReader.encodingEvidence(of: mixed) == .mixed(line: 3, validSequences: 2))
        #expect(DelimitedReader.encodingEvidence(of: mixed).encoding == nil)
        // A truncated UTF-8 sequence at the very end is not a valid one.
        #expect(DelimitedReader.encodingEvidence(of: Array("NOM\nA".utf8) + [0xC3]) == .latin1)
        #expect(DelimitedReader.encodingEvidence(of: Array("NOM\nHélène\n".utf8)) == .utf8)
    }

    @Test(arguments: [
        ("a;\"open\nb;c\n", DelimitedError.unterminatedQuote(line: 1)),
        ("a;\"x\"y;c\n", DelimitedError.textAfterClosingQuote(line: 1)),
        ("a\nb;c\"d\n", DelimitedError.quoteInUnquotedField(line: 2)),
    ])
    func malformedQuotingIsReportedWithItsLine(text: String, expected: DelimitedError) {
        #expect(throws: expected) { try Self.read(Array(text.utf8)) }
    }

    @Test func limitsStopHugeFieldsAndRecords() {
        var tooLong = DelimitedReader(bytes: Array(repeating: UInt8(ascii: "x"), count: 100), maxFieldBytes: 50)
        #expect(throws: DelimitedError.fieldTooLong(line: 1, limit: 50)) { try tooLong.next() }
        var wide = DelimitedReader(bytes: Array(repeating: UInt8(ascii: ";"), count: 30), maxFields: 10)
        #expect(throws: DelimitedError.tooManyFields(line: 1, limit: 10)) { try wide.next() }
    }

    /// A quoted field of doubled quotes (`""""…`) grew past the limit unchecked: a cohort file of
    /// quotes was held whole in one field. Found by the cohort fuzzer (scripts/fuzz).
    @Test func doubledQuotesCountTowardsTheLimit() throws {
        var quotes = DelimitedReader(
            bytes: Array("a;\"".utf8) + Array(repeating: UInt8(ascii: "\""), count: 200) + Array("\"\n".utf8),
            maxFieldBytes: 50)
        #expect(throws: DelimitedError.fieldTooLong(line: 1, limit: 50)) { try quotes.next() }
        var fits = DelimitedReader(
            bytes: Array("\"".utf8) + Array(repeating: UInt8(ascii: "\""), count: 100) + Array("\"\n".utf8),
            maxFieldBytes: 50)
        #expect(try fits.next()?.fields == [String(repeating: "\"", count: 50)])
    }

    @Test func theSeparatorIsTheMostFrequentOutsideQuotes() {
        #expect(DelimitedReader.detectSeparator(in: Array("a;b;c\n1,2;3".utf8)) == UInt8(ascii: ";"))
        #expect(DelimitedReader.detectSeparator(in: Array("\"a;b\",c,d\n".utf8)) == UInt8(ascii: ","))
        #expect(DelimitedReader.detectSeparator(in: Array("abc\n".utf8)) == nil)
    }
}
