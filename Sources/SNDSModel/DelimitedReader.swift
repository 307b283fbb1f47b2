import Foundation
import Hardening

/// Reads delimited text (CSV with `;`, `,` or tab) record by record, at the byte level.
///
/// French health files are `;`- or `,`-separated, often Latin-1 or Windows-1252, with a byte order
/// mark and CRLF line ends, and quoted fields that may hold separators, quotes (`""`) and line
/// breaks (RFC 4180). The CSV packages at hand split Latin-1 into garbage rows without failing and
/// read 10–20 MB/s; this reader works on bytes, decodes each field with an explicit encoding policy,
/// tracks the line each record starts on (for rejects files), and fails with a line number on
/// malformed quoting or undecodable bytes instead of guessing.
public struct DelimitedReader {
    public enum Encoding: String, Sendable, CaseIterable {
        case utf8 = "utf-8"
        case latin1 = "latin-1"
        /// Latin-1 with printable characters in 0x80–0x9F (’ œ € …) where Latin-1 has C1 control
        /// characters: what Excel and Notepad on Windows write as "ANSI".
        case windows1252 = "windows-1252"
    }

    /// One record: the line it starts on (1-based) and its fields.
    public struct Record: Sendable, Equatable {
        public let line: Int
        public let fields: [String]

        /// Every field empty, white space or separator characters: a line of separators only
        /// (`;;;;`, or `,,,,` above a `;` file — a spreadsheet's empty rows in another export).
        public var isBlank: Bool {
            fields.allSatisfy { $0.allSatisfy { $0.isWhitespace || $0 == ";" || $0 == "," } }
        }
    }

    public let separator: UInt8
    public let encoding: Encoding
    /// Longest field accepted, in bytes; a longer one is an error, not a memory blow-up.
    public let maxFieldBytes: Int
    /// Most fields accepted in one record.
    public let maxFields: Int

    private let bytes: [UInt8]
    private var position: Int
    private var line = 1

    /// - Parameters:
    ///   - separator: the field separator (`;` by default).
    ///   - encoding: how to decode fields.
    public init(
        bytes: [UInt8], separator: UInt8 = UInt8(ascii: ";"), encoding: Encoding = .utf8,
        maxFieldBytes: Int = 1 << 20, maxFields: Int = 10_000
    ) {
        self.bytes = bytes
        self.separator = separator
        self.encoding = encoding
        self.maxFieldBytes = maxFieldBytes
        self.maxFields = maxFields
        // A UTF-8 byte order mark is skipped.
        position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    }

    /// Whether the input starts with a UTF-8 byte order mark.
    public var hadByteOrderMark: Bool { bytes.starts(with: [0xEF, 0xBB, 0xBF]) }

    /// The next record, or nil at the end of the input. Blank lines are skipped.
    public mutating func next() throws(DelimitedError) -> Record? {
        while position < bytes.count, bytes[position] == 0x0A || bytes[position] == 0x0D {
            consumeLineEnd()
        }
        guard position < bytes.count else { return nil }
        let startLine = line
        var fields: [String] = []
        var field: [UInt8] = []
        while true {
            field.removeAll(keepingCapacity: true)
            let fieldLine = line
            if position < bytes.count, bytes[position] == UInt8(ascii: "\"") {
                position += 1
                var closed = false
                while position < bytes.count {
                    let c = bytes[position]
                    if c == UInt8(ascii: "\"") {
                        if position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "\"") {
                            field.append(c)
                            position += 2
                            // Doubled quotes count too: a field of `""` pairs is no way around the limit.
                            if field.count > maxFieldBytes { throw .fieldTooLong(line: fieldLine, limit: maxFieldBytes) }
                            continue
                        }
                        position += 1
                        closed = true
                        break
                    }
                    if c == 0x0A || (c == 0x0D && (position + 1 >= bytes.count || bytes[position + 1] != 0x0A)) { line += 1 }
                    field.append(c)
                    position += 1
                    if field.count > maxFieldBytes { throw .fieldTooLong(line: fieldLine, limit: maxFieldBytes) }
                }
                guard closed else { throw .unterminatedQuote(line: fieldLine) }
                if position < bytes.count, bytes[position] != separator, bytes[position] != 0x0A, bytes[position] != 0x0D {
                    throw .textAfterClosingQuote(line: line)
                }
            } else {
                while position < bytes.count {
                    let c = bytes[position]
                    if c == separator || c == 0x0A || c == 0x0D { break }
                    if c == UInt8(ascii: "\"") { throw .quoteInUnquotedField(line: line) }
                    field.append(c)
                    position += 1
                    if field.count > maxFieldBytes { throw .fieldTooLong(line: fieldLine, limit: maxFieldBytes) }
                }
            }
            fields.append(try decode(field, line: fieldLine))
            if fields.count > maxFields { throw .tooManyFields(line: startLine, limit: maxFields) }
            if position < bytes.count, bytes[position] == separator {
                position += 1
                continue
            }
            consumeLineEnd()
            return Record(line: startLine, fields: fields)
        }
    }

    /// All remaining records.
    public mutating func readAll() throws(DelimitedError) -> [Record] {
        var records: [Record] = []
        while let record = try next() { records.append(record) }
        return records
    }

    private mutating func consumeLineEnd() {
        guard position < bytes.count else { return }
        if bytes[position] == 0x0D {
            position += 1
            if position < bytes.count, bytes[position] == 0x0A { position += 1 }
            line += 1
        } else if bytes[position] == 0x0A {
            position += 1
            line += 1
        }
    }

    private func decode(_ field: [UInt8], line: Int) throws(DelimitedError) -> String {
        switch encoding {
        case .utf8:
            guard let text = String(validating: field, as: UTF8.self) else { throw .invalidEncoding(line: line, encoding: .utf8) }
            return text
        case .latin1:
            // ISO-8859-1 maps each byte to the code point of the same value.
            return String(String.UnicodeScalarView(field.map { Unicode.Scalar($0) }))
        case .windows1252:
            // ASCII reads as itself; Foundation's code page table does the rest, and refuses the
            // five bytes Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90, 0x9D).
            if field.allSatisfy({ $0 < 0x80 }) { return String(decoding: field, as: UTF8.self) }
            guard let text = String(bytes: field, encoding: .windowsCP1252) else {
                throw .invalidEncoding(line: line, encoding: .windows1252)
            }
            return text
        }
    }

    /// Guesses the separator from the first line that holds anything but separators and white
    /// space (a spreadsheet's empty rows above the header, `,,,,,`, say nothing of the header's):
    /// the most frequent of `;`, `,` and tab outside quotes; nil when none appears.
    public static func detectSeparator(in bytes: [UInt8]) -> UInt8? {
        let separators: Set<UInt8> = [UInt8(ascii: ";"), UInt8(ascii: ","), 0x09]
        var counts: [UInt8: Int] = [UInt8(ascii: ";"): 0, UInt8(ascii: ","): 0, 0x09: 0]
        var quoted = false, content = false
        // A file of separator rows only keeps its first line's answer (it is then refused as empty).
        var firstLine: [UInt8: Int]?
        for c in bytes.prefix(64 * 1024) {
            if c == UInt8(ascii: "\"") { quoted.toggle() }
            if !quoted, c == 0x0A || c == 0x0D {
                if content { break }
                if firstLine == nil, counts.values.contains(where: { $0 > 0 }) { firstLine = counts }
                counts = counts.mapValues { _ in 0 }
                continue
            }
            if !quoted, counts[c] != nil { counts[c]! += 1 }
            if quoted || (!separators.contains(c) && c != 0x20 && c != 0xEF && c != 0xBB && c != 0xBF) { content = true }
        }
        if !content, let firstLine { counts = firstLine }
        let best = counts.max { a, b in (a.value, a.key) < (b.value, b.key) }!
        return best.value > 0 ? best.key : nil
    }

    /// What the bytes say of their encoding, for a reader that is not told it.
    public enum EncodingEvidence: Equatable, Sendable {
        /// Valid UTF-8 (pure ASCII included).
        case utf8
        /// Not UTF-8, and a byte in 0x80–0x9F at `line`: Latin-1 has only invisible control
        /// characters there, Windows-1252 has ’ œ € and the like, so the file is Windows-1252.
        case windows1252(line: Int)
        /// Not UTF-8 and nothing in 0x80–0x9F: Latin-1 (Windows-1252 reads such bytes the same).
        case latin1
        /// Mostly UTF-8 — `validSequences` accented characters read as UTF-8 — but bytes that are
        /// not UTF-8 from `line` on: a file edited in two encodings. Reading it all as one
        /// single-byte encoding would garble every accented character silently, so it is refused.
        case mixed(line: Int, validSequences: Int)

        /// The encoding to read with, when the evidence names one.
        public var encoding: Encoding? {
            switch self {
            case .utf8: .utf8
            case .windows1252: .windows1252
            case .latin1: .latin1
            case .mixed: nil
            }
        }
    }

    /// Looks at every byte once: UTF-8 sequences that decode, bytes that do not, and bytes in
    /// 0x80–0x9F. A file with both decodable multi-byte UTF-8 and undecodable bytes is mixed;
    /// one with no decodable multi-byte sequence is single-byte, Windows-1252 when it has a byte
    /// in 0x80–0x9F.
    public static func encodingEvidence(of bytes: [UInt8]) -> EncodingEvidence {
        if String(validating: bytes, as: UTF8.self) != nil { return .utf8 }
        var valid = 0
        var firstInvalidLine: Int?
        var firstC1Line: Int?
        var line = 1
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b == 0x0A { line += 1 }
            if b < 0x80 {
                i += 1
                continue
            }
            if (0x80...0x9F).contains(b), firstC1Line == nil { firstC1Line = line }
            let length = b >= 0xF0 && b <= 0xF4 ? 4 : b >= 0xE0 ? 3 : b >= 0xC2 && b <= 0xDF ? 2 : 0
            if length > 0, i + length <= bytes.count,
                String(validating: bytes[i..<i + length], as: UTF8.self) != nil
            {
                valid += 1
                i += length
                continue
            }
            if firstInvalidLine == nil { firstInvalidLine = line }
            i += 1
        }
        let invalidLine = firstInvalidLine ?? line
        if valid > 0 { return .mixed(line: invalidLine, validSequences: valid) }
        if let c1 = firstC1Line { return .windows1252(line: c1) }
        return .latin1
    }

    /// The encoding the bytes can be in: UTF-8 when they decode as UTF-8 (pure ASCII included),
    /// else Windows-1252 when a byte falls in 0x80–0x9F, else Latin-1. A mixed file reads as
    /// UTF-8 here, so that the reader stops at its first bad line.
    public static func detectEncoding(of bytes: [UInt8]) -> Encoding {
        encodingEvidence(of: bytes).encoding ?? .utf8
    }
}

/// Why delimited text could not be read; every case names the line.
public enum DelimitedError: Error, Equatable, Sendable, CustomStringConvertible {
    case unterminatedQuote(line: Int)
    case textAfterClosingQuote(line: Int)
    case quoteInUnquotedField(line: Int)
    case fieldTooLong(line: Int, limit: Int)
    case tooManyFields(line: Int, limit: Int)
    case invalidEncoding(line: Int, encoding: DelimitedReader.Encoding)

    public var line: Int {
        switch self {
        case .unterminatedQuote(let l), .textAfterClosingQuote(let l), .quoteInUnquotedField(let l),
            .fieldTooLong(let l, _), .tooManyFields(let l, _), .invalidEncoding(let l, _):
            l
        }
    }

    public var description: String {
        switch self {
        case .unterminatedQuote(let l): "line \(l): a quoted field is never closed"
        case .textAfterClosingQuote(let l): "line \(l): text follows a closing quote (a quote inside a quoted field must be doubled)"
        case .quoteInUnquotedField(let l): "line \(l): a quote inside an unquoted field (quote the whole field and double the quote)"
        case .fieldTooLong(let l, let limit): "line \(l): a field is longer than \(limit) bytes"
        case .tooManyFields(let l, let limit): "line \(l): more than \(limit) fields"
        case .invalidEncoding(let l, let encoding): "line \(l): bytes that are not valid \(encoding.rawValue) (declare the file's encoding)"
        }
    }
}

extension DelimitedError: ExitStatusProviding {
    public var exitStatus: ExitStatus { .badInput }
}
