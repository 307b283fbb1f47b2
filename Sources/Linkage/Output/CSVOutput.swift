import Foundation
import Hardening
import SNDSModel

/// Writes `;`-separated CSV that spreadsheets open safely, in the run's ``CSVFormat`` (UTF-8 by
/// default; with a byte order mark or in Windows-1252 on request).
///
/// Fields holding the separator, a quote or a line break are quoted (RFC 4180). A text that a
/// spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return)
/// and is not a number gets a leading apostrophe, so a hostile NS such as `=HYPERLINK(…)` stays text.
public struct CSVOutput {
    private var buffer: [UInt8] = []
    private let handle: FileHandle
    /// For messages: a failed write names the file (its final path) and the system's reason.
    private let url: URL
    public let format: CSVFormat
    /// Lines already written to the file (for the line a character that cannot be written is on).
    private var linesWritten = 0

    /// Creates (or truncates) the file at `url`.
    public init(url: URL, format: CSVFormat = .standard) throws {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw OutputError.cannotReplace(StagedOutputs.finalPath(of: url), String(cString: strerror(errno)))
        }
        _ = fchmod(fd, 0o600)  // an existing file keeps its mode through O_TRUNC
        close(fd)
        self.url = url
        do { handle = try FileHandle(forWritingTo: url) } catch { throw OutputError.writing(url, error) }
        self.format = format
        buffer.reserveCapacity(1 << 16)
        if format.encoding == .utf8BOM { buffer.append(contentsOf: [0xEF, 0xBB, 0xBF]) }
    }

    /// A decimal number's text (written with a point) in the file's format.
    public func number(_ text: String) -> String { format.number(text) }

    /// Whether a spreadsheet would run `field` as a formula: it starts with `=`, `+`, `-`, `@`, a
    /// tab or a carriage return and is not a number.
    public static func isFormulaLike(_ field: String) -> Bool {
        guard let first = field.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first) else { return false }
        // A number, with either decimal mark (`-2,30` in a comma file), is a number.
        return CSVFormat.parseNumber(field) == nil
    }

    public static func escape(_ field: String) -> String {
        var text = field
        if isFormulaLike(text) { text = "'" + text }
        if text.contains(where: { $0 == ";" || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            text = "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return text
    }

    /// Appends one field's UTF-8 bytes, escaped as ``escape(_:)`` does, without building a String
    /// unless the field needs neutralising. `first` says whether it opens a record; `decimal`, that
    /// the field is a decimal number as SQLite prints it (its point becomes the format's mark).
    public mutating func append(field bytes: UnsafeBufferPointer<UInt8>, first: Bool, decimal: Bool = false) {
        if !first { buffer.append(UInt8(ascii: ";")) }
        guard let lead = bytes.first else { return }
        if decimal, format.decimalMark == .comma {
            for b in bytes { buffer.append(b == UInt8(ascii: ".") ? UInt8(ascii: ",") : b) }
            return
        }
        if lead == UInt8(ascii: "=") || lead == UInt8(ascii: "+") || lead == UInt8(ascii: "-") || lead == UInt8(ascii: "@")
            || lead == 0x09 || lead == 0x0D
        {
            buffer.append(contentsOf: Self.escape(String(decoding: bytes, as: UTF8.self)).utf8)
            return
        }
        if bytes.contains(where: { $0 == UInt8(ascii: ";") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) {
            buffer.append(UInt8(ascii: "\""))
            for b in bytes {
                if b == UInt8(ascii: "\"") { buffer.append(b) }
                buffer.append(b)
            }
            buffer.append(UInt8(ascii: "\""))
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Ends the record started with ``append(field:first:)``.
    public mutating func endRecord() throws {
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { try flush() }
    }

    public mutating func write(_ fields: [String]) throws {
        var first = true
        for f in fields {
            if !first { buffer.append(UInt8(ascii: ";")) }
            first = false
            buffer.append(contentsOf: Self.escape(f).utf8)
        }
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= 1 << 16 { try flush() }
    }

    private mutating func flush() throws {
        let bytes = try encoded()
        do { try handle.write(contentsOf: bytes) } catch { throw OutputError.writing(url, error) }
        linesWritten += buffer.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        buffer.removeAll(keepingCapacity: true)
    }

    /// The buffer in the file's encoding. The run checks beforehand that the cohort's text can be
    /// written (``CSVFormat/linesNotWritable(in:)``); a character that still cannot is an error
    /// naming its line, never a silent `?`.
    private func encoded() throws -> [UInt8] {
        guard format.encoding == .windows1252, buffer.contains(where: { $0 >= 0x80 }) else { return buffer }
        // Composed accents (NFC): an `é` written as `e` and a combining accent has one byte in Windows-1252.
        var text = String(decoding: buffer, as: UTF8.self).precomposedStringWithCanonicalMapping
        // The symbols of the tool's own text (a weight's detail says `DEPARTEMENT ≠ -2.3`) in ASCII;
        // a cohort's text reaches here only when it can be written (checked before linking).
        for (symbol, ascii) in CSVFormat.asciiSymbols where text.contains(symbol) { text = text.replacingOccurrences(of: symbol, with: ascii) }
        if let data = text.data(using: .windowsCP1252) { return [UInt8](data) }
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            if let c = line.first(where: { !format.canWrite(String($0)) }) {
                throw OutputError.cannotEncode(StagedOutputs.finalPath(of: url), line: linesWritten + i + 1, character: String(c))
            }
        }
        throw OutputError.cannotEncode(StagedOutputs.finalPath(of: url), line: linesWritten + 1, character: "?")
    }

    /// Writes what is buffered, syncs the file to disk and closes it.
    public mutating func finish() throws {
        try flush()
        do {
            try handle.synchronize()
            try handle.close()
        } catch { throw OutputError.writing(url, error) }
    }
}
