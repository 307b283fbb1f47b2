// Fuzzes the reading of a user's cohort file from its bytes, end to end, through the entry points
// the commands use: `DelimitedReader` (SNDSModel/DelimitedReader.swift), then `CohortFile` (encoding,
// separator, header; Linkage/CohortFile.swift) on a file written with the bytes, then `DirectCohort`
// (`appariement direct`) or `IndirectCohort` with a shipped rules file (`appariement probabiliste`).
//
// Input: the first byte chooses how to read, the rest is the file.
//   bits 0–1  encoding: auto, utf-8, latin-1, windows-1252 bits 2–3  separator: auto, ';', ',', tab
//   bits 4–5  cohort: direct, or indirect with rules/default.yml, infarctus.yml, cancer.yml
//   bits 6–7  limits of the bare reader (bytes per field, fields per record): 1 MiB / 10,000,
//             16 / 8, 4 / 3, 64 / 1,000 — small limits reach the "too long" errors with short inputs
//
// Properties:
// - nothing traps: the reader yields records or a DelimitedError; CohortFile a file or
//   LinkageError.badCohort; DirectCohort / IndirectCohort their lines or badCohort;
// - reader: record lines increase and lie within the input's lines; an error's line is past the last
//   record's and within the input; no record exceeds the limits; records written back (every field
//   quoted) read back to the same fields; on input without quotes, records, line numbers and the
//   first error equal a plain split on line ends and separators;
// - CohortFile: its records are the reader's (same separator and encoding) minus the header, its
//   column positions distinct and within the header; errors are one line, with no run of 13 digits;
// - cohorts: every data line is accounted for once (requests or subjects + rejections = lines,
//   each line in exactly one); rejections in line order; no rejection repeats an NS that looks like
//   a NIR, nor holds 13 digits in its detail; requests carry valid, unique NS, a NIR that
//   validates from the line's text and a birth date not after today; the rejected counts per
//   column add up; indirect values are canonical (read again, they come back unchanged).
import Foundation
import FuzzSupport
import Linkage
import SNDSModel

private let file = ScratchFile("cohort.csv")
private let today = CalendarDate(year: 2025, month: 6, day: 30)!

/// The shipped rules, read once (a failure here is the setup's, not the input's).
private let shippedRules: [IndirectRules] = {
    let reference: ReferenceData
    do { reference = try ReferenceData.locate() } catch { fatalError("fuzz setup: \(error)") }
    return ["default", "infarctus", "cancer"].map { name in
        do {
            return try IndirectRules.load(checkoutRoot.appendingPathComponent("rules/\(name).yml"), reference: reference)
        } catch { fatalError("fuzz setup: \(error)") }
    }
}()

private let limits: [(field: Int, fields: Int)] = [(1 << 20, 10_000), (16, 8), (4, 3), (64, 1_000)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCohort(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = inputBytes(data, size)
    guard let options = input.first else { return 0 }
    let bytes = Array(input.dropFirst())
    let encodingChoice: CohortFile.EncodingChoice = [.auto, .utf8, .latin1, .windows1252][Int(options & 3)]
    let separatorChoice: CohortFile.SeparatorChoice = [.auto, .semicolon, .comma, .tab][Int(options >> 2 & 3)]
    let kind = Int(options >> 4 & 3)
    let limit = limits[Int(options >> 6)]

    // The bare reader, as CohortFile will call it (with its own limits here).
    let encoding: DelimitedReader.Encoding =
        switch encodingChoice {
        case .utf8: .utf8
        case .latin1: .latin1
        case .windows1252: .windows1252
        case .auto: DelimitedReader.detectEncoding(of: bytes)
        }
    let separator: UInt8 =
        switch separatorChoice {
        case .semicolon: UInt8(ascii: ";")
        case .comma: UInt8(ascii: ",")
        case .tab: 0x09
        case .auto: DelimitedReader.detectSeparator(in: bytes) ?? UInt8(ascii: ";")
        }
    checkReader(bytes, separator: separator, encoding: encoding, maxFieldBytes: limit.field, maxFields: limit.fields)

    // The whole file, as the commands read it.
    file.write(bytes)
    let columns = kind == 0 ? DirectCohort.columns : shippedRules[kind - 1].cohortColumns
    let cohortFile: CohortFile
    do {
        cohortFile = try CohortFile(url: file.url, columns: columns, encoding: encodingChoice, separator: separatorChoice)
    } catch {
        checkError(error)
        return 0
    }
    checkCohortFile(cohortFile, bytes: bytes, columns: columns)
    do {
        if kind == 0 {
            checkDirect(try DirectCohort(file: cohortFile, today: today))
        } else {
            checkIndirect(try IndirectCohort(file: cohortFile, rules: shippedRules[kind - 1]), rules: shippedRules[kind - 1])
        }
    } catch {
        checkError(error)
    }
    return 0
}

// MARK: - The reader

private func isLineEnd(_ c: UInt8) -> Bool { c == 0x0A || c == 0x0D }

/// Lines in the input: one more than its line ends (CRLF, LF or a lone CR).
private func lineCount(_ bytes: [UInt8]) -> Int {
    var lines = 1, i = 0
    while i < bytes.count {
        if bytes[i] == 0x0D {
            lines += 1
            if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
        } else if bytes[i] == 0x0A {
            lines += 1
        }
        i += 1
    }
    return lines
}

private func checkReader(_ bytes: [UInt8], separator: UInt8, encoding: DelimitedReader.Encoding, maxFieldBytes: Int, maxFields: Int) {
    var reader = DelimitedReader(bytes: bytes, separator: separator, encoding: encoding, maxFieldBytes: maxFieldBytes, maxFields: maxFields)
    var records: [DelimitedReader.Record] = []
    var failure: DelimitedError?
    do {
        while let record = try reader.next() {
            records.append(record)
            require(records.count <= bytes.count, "more records than bytes")
        }
    } catch {
        failure = error
    }
    let lines = lineCount(bytes)
    var previous = 0
    for record in records {
        require(record.line > previous && record.line <= lines, "record line \(record.line) after \(previous), input of \(lines) lines")
        previous = record.line
        require(!record.fields.isEmpty && record.fields.count <= maxFields, "a record of \(record.fields.count) fields (limit \(maxFields))")
        for field in record.fields {
            let length = encoding == .utf8 ? field.utf8.count : field.unicodeScalars.count
            require(length <= maxFieldBytes, "a field of \(length) bytes (limit \(maxFieldBytes))")
        }
    }
    if let failure {
        require(
            failure.line > previous && failure.line <= lines,
            "error on line \(failure.line), last record on line \(previous), input of \(lines) lines")
        require(failure.description.hasPrefix("line \(failure.line): "), "an error message without its line")
    } else {
        // Written back with every field quoted, the records read back the same.
        var text: [UInt8] = []
        for record in records {
            for (i, field) in record.fields.enumerated() {
                if i > 0 { text.append(separator) }
                text.append(UInt8(ascii: "\""))
                for c in field.utf8 {
                    text.append(c)
                    if c == UInt8(ascii: "\"") { text.append(c) }
                }
                text.append(UInt8(ascii: "\""))
            }
            text.append(0x0A)
        }
        var again = DelimitedReader(bytes: text, separator: separator, encoding: .utf8, maxFieldBytes: .max, maxFields: .max)
        do {
            let reread = try again.readAll()
            require(reread.map(\.fields) == records.map(\.fields), "records written back (quoted) do not read back the same")
        } catch {
            require(false, "records written back (quoted) do not read back: \(error)")
        }
    }
    if !bytes.contains(UInt8(ascii: "\"")) {
        let expected = plainSplit(bytes, separator: separator, encoding: encoding, maxFieldBytes: maxFieldBytes, maxFields: maxFields)
        require(
            expected.records == records.map { PlainRecord(line: $0.line, fields: $0.fields) },
            "without quotes, the records differ from a plain split (\(expected.records.count) expected, \(records.count) read)")
        require(
            expected.failure == failure,
            "without quotes, the error differs from a plain split (\(String(describing: expected.failure)) expected, \(String(describing: failure)) read)"
        )
    }
}

private struct PlainRecord: Equatable {
    let line: Int
    let fields: [String]
}

/// The reading of text without quotes, written independently of DelimitedReader: records split on
/// line ends (CRLF, LF, lone CR; blank lines skipped), fields on the separator, a leading UTF-8 BOM
/// skipped; the first field too long, undecodable, or beyond the limit of fields stops the reading.
private func plainSplit(
    _ bytes: [UInt8], separator: UInt8, encoding: DelimitedReader.Encoding,
    maxFieldBytes: Int, maxFields: Int
) -> (records: [PlainRecord], failure: DelimitedError?) {
    var records: [PlainRecord] = []
    var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    var line = 1
    func lineEnd() {
        if bytes[i] == 0x0D, i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 1 }
        i += 1
        line += 1
    }
    while i < bytes.count {
        if isLineEnd(bytes[i]) { lineEnd(); continue }
        var end = i
        while end < bytes.count, !isLineEnd(bytes[end]) { end += 1 }
        let raw = bytes[i..<end].split(separator: separator, omittingEmptySubsequences: false)
        var fields: [String] = []
        for piece in raw {
            if piece.count > maxFieldBytes { return (records, .fieldTooLong(line: line, limit: maxFieldBytes)) }
            switch encoding {
            case .utf8:
                guard let s = String(validating: piece, as: UTF8.self) else { return (records, .invalidEncoding(line: line, encoding: .utf8)) }
                fields.append(s)
            case .latin1:
                var s = ""
                s.unicodeScalars.append(contentsOf: piece.map { Unicode.Scalar($0) })
                fields.append(s)
            case .windows1252:
                guard let s = String(bytes: piece, encoding: .windowsCP1252) else {
                    return (records, .invalidEncoding(line: line, encoding: .windows1252))
                }
                fields.append(s)
            }
            if fields.count > maxFields { return (records, .tooManyFields(line: line, limit: maxFields)) }
        }
        records.append(PlainRecord(line: line, fields: fields))
        i = end
        if i < bytes.count { lineEnd() }
    }
    return (records, nil)
}

// MARK: - The cohort file

private func checkError(_ error: LinkageError) {
    guard case .badCohort(let path, let why) = error else {
        require(false, "reading a cohort throws something else than badCohort: \(error)")
        return
    }
    require(path == file.url.path, "an error names another file")
    require(!why.isEmpty, "an error without a reason")
    require(!why.contains(where: { $0 == "\n" || $0 == "\r" }), "an error message is not one line")
    require(!hasDigitRun(why), "an error message holds 13 digits in a row (a NIR?)")
}

private func checkCohortFile(_ cohort: CohortFile, bytes: [UInt8], columns: [CohortFile.Column]) {
    var reader = DelimitedReader(
        bytes: bytes, separator: cohort.separator, encoding: cohort.encoding,
        maxFieldBytes: CohortFile.maxFieldBytes, maxFields: 1_000)
    guard let all = try? reader.readAll(), let header = all.first else {
        require(false, "CohortFile read a file the reader refuses")
        return
    }
    // Lines of separators only are skipped like blank lines, and counted.
    let data = Array(all.dropFirst())
    require(cohort.records == data.filter { !$0.isBlank }, "CohortFile's records are not the reader's after the header, blank ones skipped")
    require(cohort.blankRecords == data.filter(\.isBlank).count, "CohortFile's count of separator-only lines is not the reader's")
    require(!cohort.records.isEmpty, "a cohort file without data lines is accepted")
    require(cohort.headerCount == header.fields.count, "the header count is not the header's")
    require(Set(cohort.positions.values).count == cohort.positions.count, "two columns at one position")
    require(cohort.positions.values.allSatisfy { (0..<cohort.headerCount).contains($0) }, "a column position outside the header")
    for column in columns where column.required {
        require(cohort.positions[column.name] != nil, "required column \(column.name) has no position")
    }
}

// MARK: - Cohorts

/// Checks that lines are accounted for once each and that rejections say nothing they should not.
private func checkLines(accepted: [Int], rejections: [Rejection], records: [DelimitedReader.Record]) {
    require(
        accepted.count + rejections.count == records.count,
        "\(accepted.count) accepted + \(rejections.count) rejected for \(records.count) lines")
    let all = accepted + rejections.map(\.line)
    require(Set(all) == Set(records.map(\.line)) && Set(all).count == all.count, "a line is lost, invented or counted twice")
    require(rejections.map(\.line) == rejections.map(\.line).sorted(), "rejections are not in line order")
    for r in rejections {
        require(!r.reason.rawValue.isEmpty && !r.detail.isEmpty, "a rejection without reason or detail")
        require(!SubjectNumber.looksLikeNIR(r.ns), "a rejection repeats an NS that looks like a NIR")
        require(r.ns.count <= SubjectNumber.maxLength, "a rejection repeats an NS longer than \(SubjectNumber.maxLength)")
        require(!hasDigitRun(r.detail), "a rejection's detail holds 13 digits in a row")
        require(!r.detail.contains(where: { $0 == "\n" || $0 == "\r" }), "a rejection's detail is not one line")
    }
}

private func checkDirect(_ cohort: DirectCohort) {
    let file = cohort.file
    checkLines(accepted: cohort.requests.map(\.line), rejections: cohort.rejections, records: file.records)
    require(cohort.submitted == file.records.count, "submitted is not the number of data lines")
    let byLine = Dictionary(uniqueKeysWithValues: file.records.map { ($0.line, $0) })
    for request in cohort.requests {
        require(SubjectNumber.problem(request.ns) == nil, "a request with an NS that is refused")
        require(request.birthDate <= today, "a request born after today")
        let record = byLine[request.line]!
        require(record.fields.count == file.headerCount, "a request from a line with the wrong number of fields")
        require(file.value("NS", in: record) == request.ns, "a request's NS is not its line's")
        let read = try? NIR.read(file.value("NIR", in: record) ?? "", key: file.value("CLE_NIR", in: record) ?? "")
        require(read?.nir == request.nir && read?.keyGiven == request.keyChecked, "a request's NIR is not its line's, read")
        if let rank = request.rank { require((1...9).contains(rank), "twin rank \(rank)") }
    }
    require(Set(cohort.requests.map(\.ns)).count == cohort.requests.count, "two requests share an NS")
    var rejected: [String: Int] = [:]
    for r in cohort.rejections {
        if let column = r.reason.directColumn { rejected[column, default: 0] += 1 }
    }
    for (column, quality) in cohort.quality {
        require(
            quality.rejected == rejected[column, default: 0],
            "\(column): \(quality.rejected) rejected in the quality, \(rejected[column, default: 0]) in the rejections")
        require(quality.missing >= 0 && quality.invalid >= 0 && quality.reformatted >= 0, "negative counts")
    }
    require(Set(cohort.traits.keys).isSubset(of: Set(byLine.keys)), "traits for lines that do not exist")
}

private func checkIndirect(_ cohort: IndirectCohort, rules: IndirectRules) {
    let file = cohort.file
    checkLines(accepted: cohort.subjects.map(\.line), rejections: cohort.rejections, records: file.records)
    require(cohort.submitted == file.records.count, "submitted is not the number of data lines")
    let byLine = Dictionary(uniqueKeysWithValues: file.records.map { ($0.line, $0) })
    for subject in cohort.subjects {
        require(SubjectNumber.problem(subject.ns) == nil, "a subject with an NS that is refused")
        require(subject.values.count == rules.criteria.count, "a subject with \(subject.values.count) values for \(rules.criteria.count) criteria")
        require(subject.values.contains { $0 != nil }, "a subject with no value")
        let record = byLine[subject.line]!
        require(file.value(rules.idColumn, in: record) == subject.ns, "a subject's NS is not its line's")
        for (value, criterion) in zip(subject.values, rules.criteria) {
            guard let value else { continue }
            let again = CriterionValues.read(value, as: criterion.normalisation)
            require(
                again == .value(value, reformatted: false),
                "a canonical \(criterion.normalisation.rawValue) value is not canonical when read again (\(again))")
            let read = CriterionValues.read(file.value(criterion.column, in: record) ?? "", as: criterion.normalisation)
            if case .value(let v, _) = read {
                require(v == value, "a subject's \(criterion.column) is not its line's value, read")
            } else {
                require(false, "a subject has a \(criterion.column) its line does not give")
            }
        }
    }
    require(Set(cohort.subjects.map(\.ns)).count == cohort.subjects.count, "two subjects share an NS")
    for c in rules.criteria {
        let rejected = cohort.rejections.filter { $0.reason == .invalidValue && $0.detail.hasPrefix(c.column + " ") }.count
        require(cohort.quality[c.column]?.rejected == rejected, "\(c.column): rejected count differs from the rejections that name it first")
    }
    require(Set(cohort.traits.keys).isSubset(of: Set(byLine.keys)), "traits for lines that do not exist")
}
