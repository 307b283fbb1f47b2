import Foundation
import Linkage
import SNDSModel
import Testing

/// Reading cohort files as they come from hospitals: formats of dates and sexes, encodings,
/// separators, and one clear message for a file that is not a cohort.
@Suite struct CohortReadingTests {
    @Test(arguments: [
        ("1985-05-07", "1985-05-07"), ("07/05/1985", "1985-05-07"), ("07-05-1985", "1985-05-07"),
        ("07.05.1985", "1985-05-07"), ("19850507", "1985-05-07"),
        // Excel's d/m/yyyy, day first; R's and pandas' date-times; SAS's DATE9 in any case.
        ("7/5/1985", "1985-05-07"), ("4/1/1970", "1970-01-04"), ("07/5/1985", "1985-05-07"), ("1985-5-7", "1985-05-07"),
        ("1985-05-07 00:00:00", "1985-05-07"), ("1985-05-07T00:00:00", "1985-05-07"), ("07/05/1985 00:00", "1985-05-07"),
        ("1985-05-07 13:45:10.250", "1985-05-07"), ("07MAY1985", "1985-05-07"), ("07may1985", "1985-05-07"),
        ("29FEB2024", "2024-02-29"), ("07OCT1985 00:00:00", "1985-10-07"), ("07MAY1985:00:00:00", "1985-05-07"),
        ("1985-05-07T00:00:00Z", "1985-05-07"),
    ])
    func datesInEveryLayout(text: String, iso: String) {
        #expect(DateLayouts.read(text) == .date(CalendarDate(iso: iso)!))
    }

    @Test func impossibleAndUnreadableDatesSayWhy() {
        #expect(DateLayouts.read("31/02/2020") == .impossible)
        #expect(DateLayouts.read("2020-13-31") == .impossible)
        #expect(DateLayouts.read("29FEB2023") == .impossible)
        #expect(DateLayouts.read("01/01/1800") == .impossible)
        #expect(DateLayouts.read("18/12/24") == .twoDigitYear)
        #expect(DateLayouts.read("18-12-24 00:00:00") == .twoDigitYear)
        #expect(DateLayouts.read("45644") == .spreadsheetDayNumber)
        #expect(DateLayouts.read("9/16/2013") == .monthFirst)
        #expect(DateLayouts.read("2013-16-09") == .monthFirst)
        #expect(DateLayouts.read("31/13/2013") == .impossible)
        for text in ["May 7, 1985", "1985", "07/05/1985 noon", "07MAI1985", "1985-05-07 25", "7/5/85/1", "123/05/1985"] {
            #expect(DateLayouts.read(text) == .unreadable, "\(text)")
        }
        // Numbers too long to be a date's part are no date, not an overflow.
        #expect(DateLayouts.read("1/1/99999999999999999999") == .unreadable)
        #expect(DateLayouts.read("99999999999999999999-01-01") == .unreadable)
        // A birth date at midnight only: 23:00 is a date moved by a time zone; a care date keeps its hour.
        #expect(DateLayouts.read("1985-05-06 23:00:00", time: .midnight) == .timeNotMidnight)
        #expect(DateLayouts.read("07MAY1985:14:30:00", time: .midnight) == .timeNotMidnight)
        #expect(DateLayouts.read("1985-05-07 00:00:00", time: .midnight) == .date(CalendarDate(iso: "1985-05-07")!))
        #expect(DateLayouts.read("1985-05-06 23:00:00") == .date(CalendarDate(iso: "1985-05-06")!))
        // Every refusal is a sentence a data manager can act on; the unreadable one lists the layouts.
        #expect(DateLayouts.Reading.twoDigitYear.problem!.contains("two digits"))
        #expect(DateLayouts.Reading.spreadsheetDayNumber.problem!.contains("spreadsheet"))
        #expect(DateLayouts.Reading.unreadable.problem!.contains(DateLayouts.accepted))
    }

    @Test func sexesInEveryCoding() {
        for male in ["1", "M", "m", "H", "h", "Homme"] { #expect(IdentityFormats.sex(male) == .male, "\(male)") }
        for female in ["2", "F", "f", "Femme", "Féminin"] { #expect(IdentityFormats.sex(female) == .female, "\(female)") }
        for other in ["0", "3", "X", ""] { #expect(IdentityFormats.sex(other) == nil, "\(other)") }
    }

    static let nir = NIR(sexDigit: 1, birthYear: 1985, birthMonth: 5, birthPlace: "75056", order: 123).clearText

    func write(_ bytes: [UInt8]) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cohort-\(UUID().uuidString).csv")
        try Data(bytes).write(to: url)
        return url
    }

    func read(_ text: String, encoding: CohortFile.EncodingChoice = .auto, separator: CohortFile.SeparatorChoice = .auto) throws -> CohortFile {
        try read(Array(text.utf8), encoding: encoding, separator: separator)
    }

    func read(_ bytes: [UInt8], encoding: CohortFile.EncodingChoice = .auto, separator: CohortFile.SeparatorChoice = .auto) throws -> CohortFile {
        let url = try write(bytes)
        defer { try? FileManager.default.removeItem(at: url) }
        return try CohortFile(url: url, columns: DirectCohort.columns, encoding: encoding, separator: separator)
    }

    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "accepted"
    }

    func read(_ text: String, mapping: HeaderMapping) throws -> CohortFile {
        let url = try write(Array(text.utf8))
        defer { try? FileManager.default.removeItem(at: url) }
        return try CohortFile(url: url, columns: DirectCohort.columns, header: mapping)
    }

    /// Headers as French hospitals and registries write them are read without a mapping.
    @Test(arguments: [
        "N° sujet;NIR;Date de naissance;Sexe", "Numéro sujet;N° SS;date_naiss;sexe", "num_patient;nir;DDN;SEXE",
        "Numéro-patient ; NIR ; Date naiss. ; Sexe",
    ])
    func frenchHeadersRead(header: String) throws {
        let file = try read("\(header)\nA1;\(Self.nir);07/05/1985;H\n")
        #expect(Set(file.positions.keys) == ["NS", "NIR", "DATE_NAISSANCE", "SEXE"], "\(header)")
        let cohort = try DirectCohort(file: file, today: CalendarDate(iso: "2026-01-01")!)
        #expect(cohort.requests.count == 1 && cohort.rejections.isEmpty)
    }

    /// A header the tool cannot know is mapped on the command line, extra columns left unread, and
    /// every problem of a header said at once.
    @Test func headersAreMappedIgnoredAndEveryProblemSaidAtOnce() throws {
        let text = "ident;numero assure;naissance_le;genre;CENTRE;COMMENTAIRE\nA1;\(Self.nir);07/05/1985;H;Lille;ok\n"
        let all = message { _ = try read(text) }
        // One message names every unknown column, not only the first.
        for cell in ["'ident'", "'numero assure'", "'naissance_le'", "'genre'", "'CENTRE'", "'COMMENTAIRE'"] {
            #expect(all.contains(cell), "\(all)")
        }
        #expect(all.contains("--column") && all.contains("--ignore-columns") && all.contains("missing columns"), "\(all)")
        let mapping = HeaderMapping(
            names: ["NS": "ident", "nir": "Numéro assuré", "DATE_NAISSANCE": "naissance_le", "SEXE": "genre"],
            ignored: ["centre", "Commentaire"])
        let file = try read(text, mapping: mapping)
        #expect(file.positions == ["NS": 0, "NIR": 1, "DATE_NAISSANCE": 2, "SEXE": 3])
        let cohort = try DirectCohort(file: file, today: CalendarDate(iso: "2026-01-01")!)
        #expect(cohort.requests.count == 1 && cohort.rejections.isEmpty)
        // A mapping naming no column the linkage reads, or a cell the header lacks, is said too.
        let wrong = message {
            _ = try read(text, mapping: HeaderMapping(names: ["PATIENT": "ident", "NIR": "nir_ouvreur"], ignored: ["SERVICE"]))
        }
        #expect(wrong.contains("--column PATIENT=…: not a column the linkage reads"), "\(wrong)")
        #expect(wrong.contains("--column NIR=nir_ouvreur: the header has no column 'nir_ouvreur'"), "\(wrong)")
        #expect(wrong.contains("--ignore-columns SERVICE: the header has no such column"), "\(wrong)")
        // Two columns on one cell, and a required column left unread, are said.
        let clash = message { _ = try read(text, mapping: HeaderMapping(names: ["NS": "ident", "NIR": "IDENT"])) }
        #expect(clash.contains("--column NIR and --column NS name the same cell 'ident'"), "\(clash)")
        let needed = message { _ = try read("NS;NIR;DATE_NAISSANCE;SEXE\nA1;\(Self.nir);07/05/1985;H\n", mapping: HeaderMapping(ignored: ["nir"])) }
        #expect(needed.contains("--ignore-columns leaves NIR unread, but the linkage needs it"), "\(needed)")
        // A first line of data (a surname and a first name beside a date) is not echoed.
        let data = message { _ = try read("NS_001;DUPONT;JEAN;07/05/1985;M;Lille\nA1;\(Self.nir);07/05/1985;H;x;y\n") }
        #expect(data.contains("the first line may be data") && !data.contains("DUPONT") && !data.contains("JEAN"), "\(data)")
        // The ordinal sign folds as the letter it stands for: `Nº sujet` is NO_SUJET.
        #expect(HeaderMapping.normalised("Nº sujet") == "NO_SUJET")
        // A mapped column is not also found under its own name: the file's own NS column is unknown.
        let twice = message {
            _ = try read("NS;ident;NIR;DATE_NAISSANCE;SEXE\nx;A1;\(Self.nir);07/05/1985;H\n", mapping: HeaderMapping(names: ["NS": "ident"]))
        }
        #expect(twice.contains("unknown column 'NS'"), "\(twice)")
    }

    /// A file whose lines are mostly rejected is refused whole, with its probable cause: a header
    /// separated by `,` over lines separated by `;`, or one column unreadable on most lines. Half
    /// rejected is still a file with bad lines.
    @Test func aMostlyRejectedFileIsAWrongFile() throws {
        let good = "\(Self.nir);07/05/1985;H"
        let mixed = try read("NS,NIR,DATE_NAISSANCE,SEXE\nA1;\(good)\nA2;\(good)\nA3,\(good.replacingOccurrences(of: ";", with: ","))\n")
        let m1 = try DirectCohort(file: mixed, today: CalendarDate(iso: "2026-01-01")!)
        let separators = message { try MostlyRejected.check(mixed, submitted: m1.submitted, rejections: m1.rejections) }
        #expect(separators.contains("2 of 3 lines (67 %) would be rejected"), "\(separators)")
        #expect(separators.contains("the header is separated by ',' but the lines by ';'"), "\(separators)")
        #expect(separators.contains("nothing was written") && !separators.contains(String(Self.nir.prefix(13))), "\(separators)")
        let dates = try read("NS;NIR;DATE_NAISSANCE;SEXE\nA1;\(Self.nir);1985;H\nA2;\(Self.nir);1986;H\nA3;\(Self.nir);1985-05-07;H\n")
        let m2 = try DirectCohort(file: dates, today: CalendarDate(iso: "2026-01-01")!)
        let column = message { try MostlyRejected.check(dates, submitted: m2.submitted, rejections: m2.rejections) }
        #expect(column.contains("most for birth_date_format in DATE_NAISSANCE (2, first on lines 2, 3)"), "\(column)")
        // The lines' own detail gives the fix.
        #expect(column.contains("the birth date is not a date in a layout read here"), "\(column)")
        let half = try read("NS;NIR;DATE_NAISSANCE;SEXE\nA1;\(Self.nir);1985;H\nA2;\(Self.nir);1985-05-07;H\n")
        let m3 = try DirectCohort(file: half, today: CalendarDate(iso: "2026-01-01")!)
        #expect(throws: Never.self) { try MostlyRejected.check(half, submitted: m3.submitted, rejections: m3.rejections) }
    }

    /// A spreadsheet's empty trailing columns (`NS;NIR;…;;`) are skipped and said; an unnamed
    /// column holding values is refused, named by its position and first line.
    @Test func emptyUnnamedColumnsAreSkipped() throws {
        let file = try read("NS;NIR;DATE_NAISSANCE;SEXE;;\nA1;\(Self.nir);07/05/1985;H;;\n")
        #expect(file.unnamedColumns == 2)
        #expect(file.readingNotes.contains { $0.contains("2 columns without a name or any value skipped") })
        #expect(try DirectCohort(file: file, today: CalendarDate(iso: "2026-01-01")!).requests.count == 1)
        let held = message { _ = try read("NS;NIR;DATE_NAISSANCE;SEXE;\nA1;\(Self.nir);07/05/1985;H;\nA2;\(Self.nir);07/05/1985;H;x\n") }
        #expect(held.contains("the header's cell 5 is empty (or no name, as `#`), but its lines hold values (first on line 3)"), "\(held)")
    }

    /// What registries write for "not known" is an empty value, not an unreadable one.
    @Test func unknownMarkersAreMissingValues() {
        for marker in ["NC", "nc", "N/A", "inconnu", "Non renseigné", "?", "-", "NULL"] {
            #expect(CriterionValues.read(marker, as: .date) == .missing, "\(marker)")
            #expect(CriterionValues.read(marker, as: .departement) == .missing, "\(marker)")
        }
        #expect(CriterionValues.read("Nord", as: .departement) != .missing)
    }

    @Test func aFileFromAHospitalReads() throws {
        // BOM, CRLF, commas, quoted NS holding the separator, French column names in lower case.
        let text = "\u{FEFF}ns,nir,date_naissance,sexe\r\n\"NS,1\",\(Self.nir),07/05/1985,H\r\n"
        let file = try read(text)
        #expect(file.separator == UInt8(ascii: ","))
        let cohort = try DirectCohort(file: file, today: CalendarDate(iso: "2026-01-01")!)
        #expect(cohort.rejections.isEmpty)
        #expect(cohort.requests.first?.ns == "NS,1")
        #expect(cohort.requests.first?.sex == .male)
        #expect(cohort.requests.first?.rank == nil)
    }

    @Test func latin1IsDetectedOrRefusedWhenDeclaredUTF8() throws {
        let bytes = Array("NS;NIR;DATE_NAISSANCE;SEXE\nNS_".utf8) + [0xE9] + Array(";\(Self.nir);1985-05-07;1\n".utf8)
        let detected = try read(bytes)
        #expect(detected.encoding == .latin1 && detected.encodingDetected)
        #expect(try DirectCohort(file: detected, today: CalendarDate(iso: "2026-01-01")!).requests.first?.ns == "NS_é")
        let refused = message { _ = try read(bytes, encoding: .utf8) }
        #expect(refused.contains("line 2") && refused.contains("not valid utf-8") && refused.contains("--encoding latin-1"), "\(refused)")
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("\r\n\n", "the file is empty"),
        ("NS;NIR;DATE_NAISSANCE;SEXE\n", "header but no data lines"),
        ("NS;NIR;SEXE\nA;1;1\n", "missing column DATE_NAISSANCE"),
        ("NS;NIR;DATE_NAISSANCE;SEXE;COMMENT\nA;1;2;1;x\n", "unknown column 'COMMENT'"),
        ("NS;NIR;NIR_OUVREUR;DATE_NAISSANCE;SEXE\nA;1;1;2;1\n", "are both NIR"),
        ("NS\nA\n", "single column"),
        ("NS;NIR;DATE_NAISSANCE;SEXE\n\"A;1;2;1\n", "never closed"),
    ])
    func aFileThatIsNotACohortGetsOneClearMessage(text: String, expected: String) {
        let m = message { _ = try read(text) }
        #expect(m.contains(expected), "\(m)")
    }

    @Test func theWrongSeparatorIsNamed() {
        let m = message { _ = try read("NS;NIR;DATE_NAISSANCE;SEXE\nA;\(Self.nir);1985-05-07;1\n", separator: .comma) }
        #expect(m.contains("use --separator ';'"), "\(m)")
    }

    @Test func aHugeFieldIsRefusedNotLoaded() {
        var bytes = Array("NS;NIR;DATE_NAISSANCE;SEXE\nA;".utf8)
        bytes += [UInt8](repeating: UInt8(ascii: "1"), count: 2 << 20)
        bytes += Array(";1985-05-07;1\n".utf8)
        let m = message { _ = try read(bytes) }
        #expect(m.contains("line 2: a field is longer than"), "\(m)")
    }

    /// A header cell is quoted in the message as plain text on one line: a line break or an escape
    /// sequence from the file is shown escaped (a property the cohort fuzzer checks, scripts/fuzz).
    @Test func anUnknownColumnIsShownOnOneLine() {
        let m = message { _ = try read("NS;\"NIR\nX\u{1B}[K\";DATE_NAISSANCE;SEXE\nA;1;1985-05-07;1\n") }
        #expect(m.contains("unknown column 'NIR\\nX\\u{1B}[K'"), "\(m)")
        #expect(!m.contains("\n") && !m.contains("\u{1B}"), "\(m)")
    }

    @Test func nulBytesAreRefused() {
        let m = message { _ = try read(Array("NS;NIR;DATE_NAISSANCE;SEXE\nA\0;1;2;1\n".utf8)) }
        #expect(m.contains("NUL"), "\(m)")
    }

    /// What spreadsheets save as "Unicode text" is UTF-16: named as such, with or without its mark.
    @Test func utf16IsNamed() {
        let text = "NS;NIR;DATE_NAISSANCE;SEXE\nA1;\(Self.nir);1985-05-07;1\n"
        let littleEndian = text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let bigEndian = text.utf16.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
        for bytes in [[0xFF, 0xFE] + littleEndian, [0xFE, 0xFF] + bigEndian, littleEndian, bigEndian] {
            let m = message { _ = try read(bytes) }
            #expect(m.contains("UTF-16") && !m.contains("NUL"), "\(m)")
        }
    }

    /// A byte order mark says UTF-8: one stray Latin-1 byte is that line's fault, shown, and the
    /// rest of the file is not read as Latin-1 (which would turn every accent into two characters).
    @Test func aByteOrderMarkDeclaresUTF8() throws {
        let bytes: [UInt8] =
            [0xEF, 0xBB, 0xBF] + Array("NS;NIR;DATE_NAISSANCE;SEXE\nHélène;\(Self.nir);1985-05-07;1\nNS_".utf8)
            + [0xE9] + Array(";\(Self.nir);1985-05-07;1\n".utf8)
        let m = message { _ = try read(bytes) }
        #expect(m.contains("line 3") && m.contains("byte order mark"), "\(m)")
        let clean = try read(Array(bytes.prefix(while: { $0 != 0xE9 }).dropLast(3)))
        #expect(clean.encoding == .utf8 && !clean.encodingDetected)
        #expect(try DirectCohort(file: clean, today: CalendarDate(iso: "2026-01-01")!).requests.first?.ns == "Hélène")
    }

    /// `;;;;` lines (empty spreadsheet rows) are blank lines: skipped and counted, not people.
    @Test func linesOfSeparatorsOnlyAreSkipped() throws {
        let file = try read("NS;NIR;DATE_NAISSANCE;SEXE\n;;;\nA1;\(Self.nir);1985-05-07;1\n ; ;\t; \n;;;\n")
        #expect(file.records.map(\.line) == [3])
        #expect(file.blankRecords == 3)
        #expect(file.readingNotes.contains { $0.contains("3 lines of separators only") })
        let cohort = try DirectCohort(file: file, today: CalendarDate(iso: "2026-01-01")!)
        #expect(cohort.submitted == 1 && cohort.rejections.isEmpty)
        let onlyBlank = message { _ = try read("NS;NIR;DATE_NAISSANCE;SEXE\n;;;\n") }
        #expect(onlyBlank.contains("header but no data lines"), "\(onlyBlank)")
        // Rows of separators and nothing else, above the header as below: no header at all.
        let onlySeparators = message { _ = try read(";;;\n,,,\n;;;\n") }
        #expect(onlySeparators.contains("the file is empty (lines of separators only)"), "\(onlySeparators)")
    }

    /// Line by line: each invalid value is rejected with its reason, never with the NIR.
    @Test func invalidLinesAreRejectedWithTheirReason() throws {
        let wrongKey = String(Self.nir.prefix(13)) + (Self.nir.hasSuffix("01") ? "02" : "01")
        let text = """
            NS;NIR;DATE_NAISSANCE;SEXE;RANG_GEMELLAIRE
            A;\(Self.nir);1985-05-07;1;
            B;\(wrongKey);1985-05-07;1;
            C;\(Self.nir);31/02/1985;1;
            D;\(Self.nir);1985-05-07;X;
            E;\(Self.nir);1985-05-07;1;0
            ;\(Self.nir);1985-05-07;1;
            F;\(Self.nir);2999-01-01;1;
            G;\(Self.nir);1985-05-07;1
            H;;1985-05-07;2;
            H;\(Self.nir);1985-05-07;2;2
            """
        let cohort = try DirectCohort(file: try read(text), today: CalendarDate(iso: "2026-01-01")!)
        #expect(cohort.submitted == 10)
        #expect(cohort.requests.map(\.ns) == ["A"])
        let reasons = Dictionary(uniqueKeysWithValues: cohort.rejections.map { ($0.line, $0.reason.rawValue) })
        #expect(
            reasons == [
                3: "nir_key", 4: "birth_date_invalid", 5: "sex_invalid", 6: "twin_rank_invalid", 7: "missing_ns",
                8: "birth_date_future", 9: "field_count", 10: "missing_nir", 11: "duplicate_ns",
            ])
        for r in cohort.rejections {
            #expect(!r.detail.contains(String(Self.nir.prefix(13))), "line \(r.line) shows the NIR")
        }
        // Nor the key written or expected.
        let keyDetail = cohort.rejections.first { $0.reason == .nirKey }!.detail
        #expect(!keyDetail.contains(String(wrongKey.suffix(2))) && !keyDetail.contains(String(Self.nir.suffix(2))), "\(keyDetail)")
    }

    /// A NIR in the NS column — columns swapped, or a line missing a field — is never written
    /// back: not as the NS of a reject, not in an error message.
    @Test func aNIRInTheWrongPlaceIsNeverRepeated() throws {
        let body = String(Self.nir.prefix(13))
        // One line with its NS missing, one with the NIR under NS, among valid ones.
        let shifted = """
            NS;NIR;DATE_NAISSANCE;SEXE
            A;\(Self.nir);1985-05-07;1
            \(Self.nir);1985-05-07;1
            \(Self.nir);B;1985-05-07;1
            C;\(Self.nir);1985-05-07;1
            """
        let cohort = try DirectCohort(file: try read(shifted), today: CalendarDate(iso: "2026-01-01")!)
        #expect(cohort.rejections.map(\.reason.rawValue) == ["field_count", "ns_looks_like_nir"])
        for r in cohort.rejections {
            #expect(!r.ns.contains(body) && !r.detail.contains(body), "line \(r.line) repeats the NIR")
        }
        #expect(cohort.requests.map(\.ns) == ["A", "C"])
        // Most lines swapped: the whole file is refused, without the NIR.
        let swapped = "NS;NIR;DATE_NAISSANCE;SEXE\n\(Self.nir);A;1985-05-07;1\n\(Self.nir);B;1985-05-07;1\n"
        let m1 = message { _ = try DirectCohort(file: try read(swapped), today: CalendarDate(iso: "2026-01-01")!) }
        #expect(m1.contains("wrong order") && !m1.contains(body), "\(m1)")
        // No header: the first line's values are not echoed.
        let m2 = message { _ = try read("\(Self.nir);A;1985-05-07;1\n\(Self.nir);B;1985-05-07;1\n") }
        #expect(m2.contains("looks like data") && !m2.contains(body), "\(m2)")
    }

    /// A NIR written with any separator between its groups — dots, dashes, slashes, tabs, a
    /// no-break space from a spreadsheet's number format — is still a NIR: never taken as an NS.
    @Test(arguments: [".", "-", "/", "_", ":", "\t", "\u{00A0}", "\u{202F}"])
    func aNIRWithSeparatorsIsStillANIR(separator: String) {
        let digits = Array(Self.nir)
        let bounds: [(Int, Int)] = [(0, 1), (1, 3), (3, 5), (5, 7), (7, 10), (10, 13), (13, 15)]
        let groups: [String] = bounds.map { String(digits[$0.0..<$0.1]) }
        #expect(SubjectNumber.looksLikeNIR(groups.joined(separator: separator)), "\(groups.joined(separator: separator))")
        #expect(!SubjectNumber.looksLikeNIR("NS_000383"))
        #expect(!SubjectNumber.looksLikeNIR("P2023" + separator + "00012345"))
    }

    @Test func anNSThatASpreadsheetWouldRunIsRefused() throws {
        let text = "NS;NIR;DATE_NAISSANCE;SEXE\n\"=HYPERLINK(\"\"http://x\"\")\";\(Self.nir);1985-05-07;1\n-12;\(Self.nir);1985-05-07;2\n"
        let cohort = try DirectCohort(file: try read(text), today: CalendarDate(iso: "2026-01-01")!)
        #expect(cohort.rejections.map(\.reason.rawValue) == ["ns_invalid"])
        #expect(cohort.requests.map(\.ns) == ["-12"])
    }

    /// A header with one cell that is a value (a NIR pasted in the header line) among names: refused
    /// without repeating the value; a name with digits is an unknown column, named.
    @Test func aValueInTheHeaderIsNotRepeated() throws {
        let body = String(Self.nir.prefix(13))
        let m = message { _ = try read("NS;NIR;DATE_NAISSANCE;SEXE;\(Self.nir)\nA;\(Self.nir);1985-05-07;1;x\n") }
        #expect(m.contains("column 5 of the header is not a column's name") && !m.contains(body), "\(m)")
        let named = message { _ = try read("NS;NIR;DATE_NAISSANCE;SEXE;SUIVI_2023\nA;\(Self.nir);1985-05-07;1;x\n") }
        #expect(named.contains("unknown column 'SUIVI_2023'"), "\(named)")
    }
}

/// The neighbours of the corpus' NS cases: a NIR in any script's digits is NIR-like and never
/// repeated; any invisible character (Unicode's default-ignorable code points: zero-width
/// characters, joiners, variation selectors, Hangul fillers, tags…) or direction control makes the
/// NS invalid, so two NS that look alike cannot compare apart.
struct SubjectNumberNeighbourTests {
    static let nir = "1850578006084"

    /// The NIR with each ASCII digit replaced by the digit of the same value from `zero`'s block.
    static func digits(from zero: UInt32) -> String {
        String(String.UnicodeScalarView(nir.unicodeScalars.map { Unicode.Scalar(zero + $0.value - 48)! }))
    }

    @Test(arguments: [
        ("fullwidth", UInt32(0xFF10)), ("Arabic-Indic", 0x0660), ("Extended Arabic-Indic", 0x06F0), ("Devanagari", 0x0966),
        ("Bengali", 0x09E6), ("Gurmukhi", 0x0A66), ("Tamil", 0x0BE6), ("Thai", 0x0E50), ("Lao", 0x0ED0), ("Tibetan", 0x0F20),
        ("Myanmar", 0x1040), ("Khmer", 0x17E0), ("Mongolian", 0x1810), ("mathematical bold", 0x1D7CE),
        ("mathematical monospace", 0x1D7F6), ("Adlam", 0x1E950),
    ])
    func aNIRInAnyDigitsIsNIRLike(script: String, zero: UInt32) {
        let ns = Self.digits(from: zero)
        #expect(SubjectNumber.problem(ns)?.reason == .nsLooksLikeNIR, "\(script)")
        #expect(SubjectNumber.problem(ns)?.showNS == false, "\(script)")
    }

    @Test func circledAndSuperscriptDigitsToo() {
        // Not decimal digits to Unicode, but digits once in compatibility form (NFKC).
        let circled = String(String.UnicodeScalarView(Self.nir.unicodeScalars.map { $0 == "0" ? "⓪" : Unicode.Scalar(0x2460 + $0.value - 49)! }))
        let superscript = Self.nir.map { c -> String in
            ["0": "⁰", "1": "¹", "2": "²", "3": "³"][c] ?? String(UnicodeScalar(0x2070 + UInt32(String(c))!)!)
        }
        .joined()
        for ns in [circled, superscript] {
            #expect(SubjectNumber.problem(ns)?.reason == .nsLooksLikeNIR, "\(ns.unicodeScalars.map { String($0.value, radix: 16) })")
        }
    }

    @Test(arguments: [
        ("soft hyphen", "\u{00AD}"), ("combining grapheme joiner", "\u{034F}"), ("Arabic letter mark", "\u{061C}"),
        ("Hangul choseong filler", "\u{115F}"), ("Hangul jungseong filler", "\u{1160}"), ("Mongolian vowel separator", "\u{180E}"),
        ("zero-width space", "\u{200B}"), ("zero-width non-joiner", "\u{200C}"), ("zero-width joiner", "\u{200D}"),
        ("left-to-right mark", "\u{200E}"), ("right-to-left mark", "\u{200F}"), ("left-to-right embedding", "\u{202A}"),
        ("right-to-left override", "\u{202E}"), ("word joiner", "\u{2060}"), ("invisible times", "\u{2062}"),
        ("left-to-right isolate", "\u{2066}"), ("Hangul filler", "\u{3164}"), ("variation selector 16", "\u{FE0F}"),
        ("byte order mark inside", "\u{FEFF}"), ("halfwidth Hangul filler", "\u{FFA0}"), ("tag letter", "\u{E0041}"),
        ("variation selector 17", "\u{E0100}"),
    ])
    func anInvisibleCharacterMakesTheNSInvalid(name: String, mark: String) {
        let ns = "NS_" + mark + "000560"
        #expect(SubjectNumber.problem(ns)?.reason == .nsInvalid, "\(name)")
        #expect(SubjectNumber.problem(ns)?.showNS == false, "\(name): repeated")
    }
}

/// An NS with a control character or a line separator is refused and not repeated: an escape
/// sequence would reach the terminal of whoever reads rejects.csv, and U+2028 splits a CSV row for
/// many readers.
@Test(arguments: ["\u{1B}[31mNS_1", "NS_\u{0085}1", "NS_\u{2028}1", "NS_\u{2029}1", "NS\u{7F}_1"])
func controlCharactersAndLineSeparatorsAreNotRepeated(ns: String) {
    #expect(SubjectNumber.problem(ns)?.reason == .nsInvalid)
    #expect(SubjectNumber.problem(ns)?.showNS == false)
}
