import Foundation
import Hardening
import SNDSModel
import SNDSStore

/// A cohort file read as delimited text: its encoding and separator (given or detected), its
/// header mapped to the columns a linkage expects, and its records.
///
/// Whole-file errors (unreadable, empty, undecodable bytes, broken quoting, a field of 100 MB,
/// unknown or missing columns) stop the run with one message; a record with the wrong number of
/// fields is only that record's problem and is rejected by the caller.
public struct CohortFile {
    /// How to read the bytes: a given encoding, or `auto` (UTF-8 when the bytes are valid UTF-8;
    /// else Windows-1252 when a byte falls in 0x80–0x9F, else Latin-1, and why in `readingNotes`;
    /// a file mixing UTF-8 and single bytes is refused).
    public enum EncodingChoice: String, Sendable, CaseIterable {
        case auto, utf8 = "utf-8", latin1 = "latin-1", windows1252 = "windows-1252"
    }

    /// How fields are separated: given, or detected from the header line.
    public enum SeparatorChoice: String, Sendable, CaseIterable {
        case auto, semicolon = ";", comma = ",", tab = "tab"
        var byte: UInt8? {
            switch self {
            case .auto: nil
            case .semicolon: UInt8(ascii: ";")
            case .comma: UInt8(ascii: ",")
            case .tab: 0x09
            }
        }
    }

    /// A column the linkage reads: its canonical name and the other names accepted for it.
    public struct Column: Sendable {
        public let name: String
        public let aliases: [String]
        public let required: Bool
        public init(_ name: String, aliases: [String] = [], required: Bool = true) {
            self.name = name
            self.aliases = aliases
            self.required = required
        }
    }

    public let url: URL
    public let encoding: DelimitedReader.Encoding
    /// Whether the encoding was detected rather than given.
    public let encodingDetected: Bool
    /// What decided a detected single-byte encoding, said in the reading notes.
    let encodingEvidence: DelimitedReader.EncodingEvidence?
    public let separator: UInt8
    /// For each expected column, its index in the records (nil for an absent optional column).
    public let positions: [String: Int]
    public let headerCount: Int
    public let records: [DelimitedReader.Record]
    /// SHA-256 of the bytes read (hex), for the run's provenance.
    public let sha256: String
    /// Lines holding only separators and white space, skipped like blank lines.
    public let blankRecords: Int
    /// What the user mapped or left unread in the header.
    public let mapping: HeaderMapping
    /// Columns without a name and without a value (a spreadsheet's empty columns), skipped.
    public let unnamedColumns: Int

    /// Longest field accepted: far above any identifier, far below a memory problem.
    public static let maxFieldBytes = 64 * 1024
    /// Largest file accepted, whatever the memory.
    public static let maxFileBytes = 1 << 30
    /// Address space a linkage takes, estimated from the file before it is read: its bytes three
    /// times over (read, copied, decoded) and 900 bytes per line (the record, the checked request,
    /// the duplicate-NS index, arrays growing by doubling, malloc's arenas). Measured
    /// (docs/hardening.md, "Cohorts the memory can hold"): a 50 MB file of 1.07 million lines maps
    /// 1.06 GB while read and checked; under a 2 GB limit an 85 MB file (1.8 million lines) ran and
    /// a 104 MB one (2.2 million) did not. Counting lines, not only bytes, keeps a file of few long
    /// lines (a 100 MB field) to the reader's own limits.
    public static func memoryEstimate(bytes: Int, lines: Int) -> Int { 3 * bytes + 900 * lines }

    public init(
        url: URL, columns: [Column], encoding choice: EncodingChoice = .auto,
        separator separatorChoice: SeparatorChoice = .auto, header mapping: HeaderMapping = .init()
    ) throws(LinkageError) {
        self.url = url
        self.mapping = mapping
        let path = url.path
        // Before reading: a file the memory cannot hold is refused with its figures, not met by an
        // allocation failure (exit 134) halfway through.
        // (Lines are counted only when it matters: not when the file would fit even were every
        // byte a line.)
        if let size = try? InputFile.requireRegular(url), size <= Self.maxFileBytes, let budget = MemoryBudget.current(),
            Self.memoryEstimate(bytes: size, lines: size + 1) > budget.bytes,
            let lines = Self.lineCount(url), Self.memoryEstimate(bytes: size, lines: lines) > budget.bytes
        {
            let needed = Self.memoryEstimate(bytes: size, lines: lines)
            throw .badCohort(
                path,
                "is \(MemoryBudget.shown(size)) in \(lines.formatted()) lines: linking it takes about \(MemoryBudget.shown(needed)) of memory, more than is left under \(budget.source): split it, or give more memory"
            )
        }
        let data: Data
        do { data = try InputFile.read(url, limit: Self.maxFileBytes) } catch {
            switch error {
            case .missing: throw .badCohort(path, "no such file")
            case .directory: throw .badCohort(path, "is a directory, not a cohort file")
            case .notRegular: throw .badCohort(path, "is not a regular file (a device or a pipe): give a cohort file")
            case .tooLarge: throw .badCohort(path, "is larger than 1 GB: split it")
            case .unreadable(let why): throw .badCohort(path, "cannot be read (\(why))")
            }
        }
        sha256 = FileDigest.sha256(data)
        let bytes = [UInt8](data)
        guard bytes.contains(where: { $0 != 0x0A && $0 != 0x0D && $0 != 0x20 && $0 != 0x09 && $0 != 0xEF && $0 != 0xBB && $0 != 0xBF }) else {
            throw .badCohort(path, "the file is empty")
        }
        if Self.looksUTF16(bytes) {
            throw .badCohort(path, "the file is UTF-16 text (as some spreadsheets save \"Unicode text\"): save it as UTF-8 or Latin-1 CSV")
        }
        if bytes.contains(0) { throw .badCohort(path, "the file contains NUL bytes: it is not a text file") }
        // A UTF-8 byte order mark declares the encoding: bytes that are not UTF-8 after it are a
        // damaged line to show, not a reason to read the whole file as Latin-1.
        let declaredUTF8 = choice == .auto && bytes.starts(with: [0xEF, 0xBB, 0xBF])
        var evidence: DelimitedReader.EncodingEvidence?
        switch choice {
        case .utf8: encoding = .utf8; encodingDetected = false
        case .latin1: encoding = .latin1; encodingDetected = false
        case .windows1252: encoding = .windows1252; encodingDetected = false
        case .auto where declaredUTF8: encoding = .utf8; encodingDetected = false
        case .auto:
            let found = DelimitedReader.encodingEvidence(of: bytes)
            // Accented characters in UTF-8 and a byte that is not: read as one single-byte
            // encoding, every accented NS would come back garbled (`HÃ©lÃ¨ne`), silently.
            if case .mixed(let line, let valid) = found {
                throw .badCohort(
                    path,
                    "line \(line): bytes that are not valid UTF-8, though the file has \(valid.formatted()) accented character\(valid == 1 ? "" : "s") in UTF-8 before or after: it mixes two encodings — correct that line, or give --encoding latin-1 or windows-1252 if the whole file is in one of them"
                )
            }
            encoding = found.encoding ?? .utf8
            encodingDetected = true
            evidence = found
        }
        encodingEvidence = evidence
        if let given = separatorChoice.byte {
            separator = given
        } else {
            guard let found = DelimitedReader.detectSeparator(in: bytes) else {
                // A title or a blank line above the header (what a spreadsheet export or a
                // hand-made file often has) says where the header is, rather than "one column".
                if let line = Self.headerLine(in: bytes, columns: columns) {
                    throw .badCohort(
                        path,
                        "line 1 is not the header, line \(line) is: remove the line\(line > 2 ? "s" : "") above it (the file must start with its header)"
                    )
                }
                throw .badCohort(
                    path,
                    "the header has a single column: separate the columns with ';' or ',' (expected \(columns.map(\.name).joined(separator: ";")))")
            }
            separator = found
        }
        var reader = DelimitedReader(
            bytes: bytes, separator: separator, encoding: encoding,
            maxFieldBytes: Self.maxFieldBytes, maxFields: 1_000)
        var records: [DelimitedReader.Record]
        do {
            records = try reader.readAll()
        } catch {
            var message = error.description
            if case .invalidEncoding(let line, let read) = error {
                message =
                    declaredUTF8
                    ? "line \(line): bytes that are not valid UTF-8, although the file starts with a UTF-8 byte order mark — correct that line, or give --encoding latin-1 or windows-1252 if the file is in one of them"
                    : read == .windows1252
                        ? "line \(line): a byte Windows-1252 leaves undefined (0x81, 0x8D, 0x8F, 0x90 or 0x9D): the file is not Windows-1252 — give --encoding latin-1 if it is Latin-1, or utf-8"
                        : message + " — give --encoding latin-1 or windows-1252 if the file is in one of them"
            }
            throw .badCohort(path, message)
        }
        // Lines of separators only (`;;;;`, what a spreadsheet exports for empty rows) are blank
        // lines: skipped, counted, not submitted people.
        // Above the header too: a spreadsheet's empty first rows come out as `;;;;` lines.
        let blank = records.filter(\.isBlank).count
        if blank > 0 { records = records.filter { !$0.isBlank } }
        blankRecords = blank
        guard !records.isEmpty else { throw .badCohort(path, "the file is empty (lines of separators only)") }
        let header = records.removeFirst()
        headerCount = header.fields.count
        positions = try Self.map(header: header.fields, columns: columns, mapping: mapping, separator: separator, path: path)
        guard !records.isEmpty else { throw .badCohort(path, "the file has a header but no data lines") }
        let unnamed = header.fields.indices.filter { Self.normalise(header.fields[$0]).isEmpty }
        for index in unnamed {
            // Only well-formed lines count: a shifted line is its own field_count rejection.
            if let record = records.first(where: {
                $0.fields.count == header.fields.count && !$0.fields[index].trimmingCharacters(in: .whitespaces).isEmpty
            }) {
                throw .badCohort(
                    path,
                    "the header's cell \(index + 1) is empty (or no name, as `#`), but its lines hold values (first on line \(record.line)): name it in the header"
                )
            }
        }
        unnamedColumns = unnamed.count
        self.records = records
    }

    /// The cells of the file's header, read as the file will be (nil when it cannot be read: the
    /// reading proper then says why). For a caller that decides the mapping from the header.
    public static func headerCells(of url: URL, encoding choice: EncodingChoice = .auto, separator: SeparatorChoice = .auto) -> [String]? {
        guard let data = try? InputFile.read(url, limit: maxFileBytes) else { return nil }
        let bytes = [UInt8](data)
        let encoding: DelimitedReader.Encoding =
            switch choice {
            case .utf8: .utf8
            case .latin1: .latin1
            case .windows1252: .windows1252
            case .auto: DelimitedReader.detectEncoding(of: bytes)
            }
        guard let byte = separator.byte ?? DelimitedReader.detectSeparator(in: bytes) else { return nil }
        var reader = DelimitedReader(bytes: bytes, separator: byte, encoding: encoding, maxFieldBytes: maxFieldBytes, maxFields: 1_000)
        while let record = try? reader.next() {
            if !record.isBlank { return record.fields }
        }
        return nil
    }

    /// The file's lines (line breaks, and a last line without one), counted in 4 MB pieces without
    /// holding the file — or nil when it cannot be opened (the reading that follows says why).
    static func lineCount(_ url: URL) -> Int? {
        guard let handle = try? InputFile.openForReading(url) else { return nil }
        defer { try? handle.close() }
        // Line ends as the reader takes them: LF, CRLF, and a lone CR (Excel for Mac's "CSV
        // (Macintosh)"), a CR's LF possibly in the next piece.
        var lines = 0, last: UInt8 = 0x0A
        while let piece = try? handle.read(upToCount: 4 << 20), !piece.isEmpty {
            piece.withUnsafeBytes { raw in
                for byte in raw {
                    if byte == 0x0D || (byte == 0x0A && last != 0x0D) { lines += 1 }
                    last = byte
                }
            }
        }
        return lines + (last == 0x0A || last == 0x0D ? 0 : 1)
    }

    /// What the reader decided that the user should know (said on stderr by the runs).
    public var readingNotes: [String] {
        var notes: [String] = []
        switch encodingEvidence {
        case .latin1:
            notes.append(
                "\(url.lastPathComponent) is not valid UTF-8: read as Latin-1, which Windows-1252 reads the same here (--encoding to say otherwise)")
        case .windows1252(let line):
            notes.append(
                "\(url.lastPathComponent) is not valid UTF-8 and has bytes in 0x80–0x9F (first on line \(line)), characters such as ’ œ € in Windows-1252 but invisible controls in Latin-1: read as Windows-1252 (--encoding to say otherwise)"
            )
        case .utf8, .mixed, nil: break
        }
        if unnamedColumns > 0 {
            notes.append(
                "\(url.lastPathComponent): \(unnamedColumns) column\(unnamedColumns == 1 ? "" : "s") without a name or any value skipped (a spreadsheet's empty columns)"
            )
        }
        if blankRecords > 0 {
            notes.append("\(url.lastPathComponent): \(blankRecords) line\(blankRecords == 1 ? "" : "s") of separators only skipped, like blank lines")
        }
        return notes
    }

    /// UTF-16 text: a UTF-16 byte order mark, or NUL bytes at every other position of the start
    /// (ASCII text in UTF-16 without a mark).
    static func looksUTF16(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return true }
        let start = bytes.prefix(512)
        guard start.count >= 8 else { return false }
        let evenNUL = stride(from: 0, to: start.count, by: 2).filter { start[$0] == 0 }.count
        let oddNUL = stride(from: 1, to: start.count, by: 2).filter { start[$0] == 0 }.count
        let pairs = start.count / 2
        return max(evenNUL, oddNUL) * 10 >= pairs * 9 && min(evenNUL, oddNUL) * 10 <= pairs
    }

    /// The number of the line (2 to 10) that holds the header when line 1 does not: the first with a
    /// separator and at least two of the expected column names.
    static func headerLine(in bytes: [UInt8], columns: [Column]) -> Int? {
        let names = Set(columns.flatMap { [$0.name] + $0.aliases }.map(normalise))
        let lines = bytes.prefix(64 * 1024).split(separator: 0x0A, omittingEmptySubsequences: false).prefix(10)
        for (index, line) in lines.enumerated().dropFirst() {
            let text = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let separator = [";", ",", "\t"].first(where: { text.contains($0) }) else { continue }
            let cells = text.components(separatedBy: separator).map { normalise($0.replacingOccurrences(of: "\"", with: "")) }
            if cells.filter({ names.contains($0) }).count >= 2 { return index + 1 }
        }
        return nil
    }

    /// Whether a header cell reads as a value rather than a column's name: a number like a NIR,
    /// or a cell starting with a digit (a date, an amount). `SUIVI_2023` is a name.
    static func looksLikeValue(_ cell: String) -> Bool {
        let text = cell.trimmingCharacters(in: .whitespaces)
        return SubjectNumber.looksLikeNIR(text) || (text.unicodeScalars.first?.properties.numericType != nil)
    }

    private static func normalise(_ name: String) -> String { HeaderMapping.normalised(name) }

    /// A header cell or a user's name in a message: escaped, cut at 40 characters.
    private static func shown(_ raw: String) -> String { MessageText.shown(raw.count > 40 ? String(raw.prefix(40)) + "…" : raw) }

    /// Each expected column's position in the header. Every problem of the header is said at once
    /// (unknown columns, a column twice, columns missing, a mapping naming no cell), so that a user
    /// fixes them in one go rather than one run per bad name.
    private static func map(
        header: [String], columns: [Column], mapping: HeaderMapping, separator: UInt8, path: String
    ) throws(LinkageError) -> [String: Int] {
        let expected = columns.map(\.name).joined(separator: String(UnicodeScalar(separator)))
        if header.count == 1 {
            let other = [";", ",", "\t"].first { header[0].contains($0) && $0 != String(UnicodeScalar(separator)) }
            if let other {
                let shown = other == "\t" ? "tab" : other
                throw .badCohort(
                    path,
                    "the header is read as one column with the separator '\(separator == 0x09 ? "tab" : String(UnicodeScalar(separator)))', but it contains '\(shown)': use --separator '\(shown)' (or auto)"
                )
            }
        }
        // A header whose cells are mostly values is a first line of data: the file has no header.
        // Its values (a NIR among them) are not repeated.
        if header.filter(looksLikeValue).count * 2 >= header.count {
            throw .badCohort(path, "the first line looks like data, not a header: the file must start with a header line (\(expected))")
        }
        // The user's mapping first: header cell (normalised) → column.
        var problems: [String] = []
        var mapped: [String: [Column]] = [:]
        var mappedColumns = Set<String>()
        for (given, cell) in mapping.names.sorted(by: { $0.key < $1.key }) {
            guard let column = columns.first(where: { normalise($0.name) == normalise(given) }) else {
                problems.append("--column \(shown(given))=…: not a column the linkage reads (\(columns.map(\.name).joined(separator: ", ")))")
                continue
            }
            if let other = mapped[normalise(cell)]?.first,
                !(mapping.sharingACell.contains(other.name) && mapping.sharingACell.contains(column.name))
            {
                problems.append("--column \(other.name) and --column \(column.name) name the same cell '\(shown(cell))'")
                continue
            }
            mapped[normalise(cell), default: []].append(column)
            mappedColumns.insert(column.name)
        }
        let ignored = Set(mapping.ignored.map(normalise))
        var unknown: [String] = []
        var positions: [String: Int] = [:]
        var seen: [String: Int] = [:]
        var present = Set<String>()
        for (index, raw) in header.enumerated() {
            let name = normalise(raw)
            present.insert(name)
            // A column without a name is a spreadsheet's empty column (`NS;NIR;…;;`): checked for
            // values once the lines are read.
            guard !name.isEmpty else { continue }
            if ignored.contains(name) { continue }
            let found =
                mapped[name]
                ?? columns.first { c in
                    // A column the user mapped elsewhere is not also found under its own names.
                    !mappedColumns.contains(c.name) && (normalise(c.name) == name || c.aliases.contains { normalise($0) == name })
                }.map { [$0] }
            guard let found else {
                // A cell that may be a NIR is not repeated, even as a column's name.
                if looksLikeValue(raw) {
                    problems.append("column \(index + 1) of the header is not a column's name (a value, not repeated here)")
                } else {
                    unknown.append("'\(shown(raw))'")
                }
                continue
            }
            for column in found {
                if let previous = seen[column.name] {
                    problems.append(
                        "columns \(previous + 1) and \(index + 1) are both \(column.name) (when their names differ, leave one unread with --ignore-columns)"
                    )
                    continue
                }
                seen[column.name] = index
                positions[column.name] = index
            }
        }
        if !unknown.isEmpty {
            let hint = "(name a column the linkage reads with --column NAME=HEADER, or leave others unread with --ignore-columns)"
            if header.contains(where: looksLikeValue) {
                // A value among the names: the line may be a patient's (a surname, a first name
                // beside a NIR or a date), so none of its cells is repeated.
                problems.insert(
                    "\(unknown.count) cell\(unknown.count > 1 ? "s" : "") of the header \(unknown.count > 1 ? "are" : "is") no column's name and another is a value: the first line may be data rather than a header (its cells are not repeated) \(hint)",
                    at: 0)
            } else {
                let listed = unknown.prefix(10).joined(separator: ", ") + (unknown.count > 10 ? " and \(unknown.count - 10) more" : "")
                problems.insert("unknown column\(unknown.count > 1 ? "s" : "") \(listed) \(hint)", at: 0)
            }
        }
        for (column, cell) in mapping.names.sorted(by: { $0.key < $1.key }) where !present.contains(normalise(cell)) {
            problems.append("--column \(column)=\(shown(cell)): the header has no column '\(shown(cell))'")
        }
        for cell in mapping.ignored where !present.contains(normalise(cell)) {
            problems.append("--ignore-columns \(shown(cell)): the header has no such column")
        }
        for c in columns where c.required && positions[c.name] == nil {
            let names = Set(([c.name] + c.aliases).map(normalise))
            if mapping.ignored.contains(where: { names.contains(normalise($0)) }) {
                problems.append("--ignore-columns leaves \(c.name) unread, but the linkage needs it")
            }
        }
        let missing = columns.filter { $0.required && positions[$0.name] == nil }.map(\.name)
        if !missing.isEmpty { problems.append("missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))") }
        guard problems.isEmpty else {
            let optional = columns.contains { !$0.required } ? "; optional columns may be left out" : ""
            throw .badCohort(path, problems.joined(separator: "; ") + " (expected \(expected)\(optional))")
        }
        return positions
    }

    /// The value of `column` in `record` (trimmed), or nil when the column is absent.
    public func value(_ column: String, in record: DelimitedReader.Record) -> String? {
        guard let i = positions[column], i < record.fields.count else { return nil }
        return record.fields[i].trimmingCharacters(in: .whitespaces)
    }
}
