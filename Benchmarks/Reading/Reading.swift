// Reading a cohort: NIR validation and CSV reading, each against a bare baseline measured in the
// same run (issue 7).
//
//     swift package --allow-writing-to-package-directory benchmark --target ReadingBenchmarks
//
// Set-up (untimed, once): an array of realistic NIR texts, and a direct cohort CSV file of about
// 30 MB written to a temporary folder. Each benchmark then alternates the two arms in every
// iteration and records both throughputs and their ratio (ours / bare, in per mille), so the ratio
// never compares figures taken at different moments of a shared machine.
// APPARIEMENT_BENCH_NIRS and APPARIEMENT_BENCH_CSV_LINES set the sizes (default 1,000,000 NIRs and
// 450,000 cohort lines).
import Benchmark
import Foundation
import Linkage
import SNDSModel

let environment = ProcessInfo.processInfo.environment
let nirCount = Int(environment["APPARIEMENT_BENCH_NIRS"] ?? "") ?? 1_000_000
let csvLines = Int(environment["APPARIEMENT_BENCH_CSV_LINES"] ?? "") ?? 450_000

/// SplitMix64: a fixed, seeded stream, so that every run reads the same inputs.
struct Stream {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
}

// MARK: - NIR texts

/// A NIR as the generator makes them: men and women (a few temporary numbers, 7 and 8), birth
/// years over a century, a few unknown months (20, 30–42, 50–99 are legal), birth places in
/// metropolitan départements, Corsica (2A, 2B), overseas (97x: the département takes position 8)
/// and abroad (99 + a country code).
func randomNIR(_ s: inout Stream) -> NIR {
    let sex = s.chance(0.01) ? [7, 8][s.below(2)] : 1 + s.below(2)
    let month = s.chance(0.01) ? [20, 35, 62][s.below(3)] : 1 + s.below(12)
    let place: String
    switch s.below(100) {
    case 0..<84:
        var d = 1 + s.below(95)
        if d == 20 { d = 21 }
        place = pad(d, 2) + pad(1 + s.below(600), 3)
    case 84..<86: place = (s.below(2) == 0 ? "2A" : "2B") + pad(1 + s.below(370), 3)
    case 86..<90: place = "97" + String(1 + s.below(4)) + pad(1 + s.below(34), 2)
    default: place = "99" + pad(100 + s.below(300), 3)
    }
    return NIR(sexDigit: sex, birthYear: 1920 + s.below(100), birthMonth: month, birthPlace: place, order: 1 + s.below(999))
}

/// What a cohort's NIR column holds, with the shipped direct noise profile's shares
/// (synthetic/reference/assumptions/direct-cohort-noise.yml) and a few more format variants:
/// 10 % written with spaces ("1 85 05 78 006 084 36"), 1 % with a miscopied key, 1 % with two
/// adjacent digits swapped, 0.5 % with Corsica in lowercase ("2a"), 0.5 % one digit short.
func nirTexts(_ count: Int) -> [String] {
    var s = Stream(state: 7)
    return (0..<count).map { _ in
        let nir = randomNIR(&s)
        var text = Array(nir.clearText)
        let roll = s.below(1000)
        switch roll {
        case 0..<10:  // wrong key: any other key
            text = Array(nir.body + pad((nir.key - 1 + 1 + s.below(96)) % 97 + 1, 2))
        case 10..<20:  // two adjacent digits of the commune or order swapped
            let i = 7 + s.below(5)
            text.swapAt(i, i + 1)
        case 20..<25:
            text = Array(String(text).lowercased())
        case 25..<30:
            text.remove(at: 3 + s.below(10))
        default: break
        }
        if s.chance(0.1), text.count == 15 {
            return [text[0..<1], text[1..<3], text[3..<5], text[5..<7], text[7..<10], text[10..<13], text[13..<15]]
                .map { String($0) }.joined(separator: " ")
        }
        return String(text)
    }
}

/// Our arm: what the direct cohort's reading does with a NIR field (`DirectCohort.readNIR`, internal
/// to the Linkage module, repeated here through the same public calls): `NIR(validating:)` — spaces
/// removed, case folded, structure of positions 1–13 checked (sex, month, département with 2A/2B,
/// commune, order), key read and compared — then whether the text was in another layout than the
/// canonical 15 positions (the column's "reformatted" count). Returns the valid count.
func validateOurs(_ texts: [String]) -> Int {
    var valid = 0, reformatted = 0
    for text in texts {
        guard let nir = try? NIR(validating: text) else { continue }
        valid += 1
        if nir.clearText != text { reformatted += 1 }
    }
    blackHole(reformatted)
    return valid
}

/// The bare arm: the key check and nothing else, on the same strings. Walks the UTF-8 bytes once,
/// skipping spaces; takes 13 digits (positions 6–7 may be 2A/2B, read as 19/18) into an integer
/// and 2 digits of key; valid when key = 97 − number mod 97. No structure check, no error value,
/// no String built for the body: the least work that can still tell a valid NIR from a typo.
func validateBare(_ texts: [String]) -> Int {
    var valid = 0
    for text in texts {
        var number: Int64 = 0, key = 0, n = 0, ok = true
        var previous: UInt8 = 0
        for c in text.utf8 where c != 0x20 {
            if n < 13 {
                if c >= 48 && c <= 57 {
                    number = number * 10 + Int64(c - 48)
                } else if n == 6 && previous == 50 && (c | 0x20 == 0x61 || c | 0x20 == 0x62) {  // 2A → 19, 2B → 18
                    number = (number - 1) * 10 + (c | 0x20 == 0x61 ? 9 : 8)
                } else {
                    ok = false; break
                }
            } else if n < 15, c >= 48 && c <= 57 {
                key = key * 10 + Int(c - 48)
            } else {
                ok = false; break
            }
            previous = c
            n += 1
        }
        if ok && n == 15 && key == 97 - Int(number % 97) { valid += 1 }
    }
    return valid
}

// MARK: - Cohort CSV file

/// A direct cohort file of `lines` lines in the generator's layout (NS;NIR;DATE_NAISSANCE;SEXE;
/// RANG_GEMELLAIRE;DEPARTEMENT), with the quoting a spreadsheet export adds: a third of the lines
/// have the NS quoted, 2 % an NS holding the separator or a doubled quote (`"NS;0042 ""bis"""`),
/// 10 % the birth date quoted; CRLF line ends as French files often have.
func cohortCSV(lines: Int) -> [UInt8] {
    var s = Stream(state: 11)
    var out: [UInt8] = []
    out.reserveCapacity(lines * 70)
    out.append(contentsOf: Array("NS;NIR;DATE_NAISSANCE;SEXE;RANG_GEMELLAIRE;DEPARTEMENT\r\n".utf8))
    for i in 0..<lines {
        let nir = randomNIR(&s)
        var ns = "NS_" + pad(i, 7)
        switch s.below(100) {
        case 0..<2: ns = "\"NS;\(pad(i, 7)) \"\"bis\"\"\""
        case 2..<33: ns = "\"\(ns)\""
        default: break
        }
        var nirText = nir.clearText
        if s.chance(0.1) {
            let c = Array(nirText)
            nirText = [c[0..<1], c[1..<3], c[3..<5], c[5..<7], c[7..<10], c[10..<13], c[13..<15]].map { String($0) }.joined(separator: " ")
        }
        let (y, m, d) = (1920 + s.below(100), 1 + s.below(12), 1 + s.below(28))
        var birth: String
        switch s.below(10) {
        case 0..<4: birth = "\(y)-\(pad(m, 2))-\(pad(d, 2))"
        case 4..<8: birth = "\(pad(d, 2))/\(pad(m, 2))/\(y)"
        default: birth = "\(y)\(pad(m, 2))\(pad(d, 2))"
        }
        if s.chance(0.1) { birth = "\"\(birth)\"" }
        let sex = ["1", "2", "M", "F", "H"][s.below(5)]
        let rank = s.chance(0.02) ? String(1 + s.below(2)) : ""
        let departement = s.chance(0.03) ? ["2A", "2B", "971", "974"][s.below(4)] : pad(1 + s.below(95), 2)
        out.append(contentsOf: Array("\(ns);\(nirText);\(birth);\(sex);\(rank);\(departement)\r\n".utf8))
    }
    return out
}

/// The bare arm: read the file's bytes, then one pass counting separators and line ends outside
/// quotes (a quote toggles the state, so a doubled quote toggles twice). It knows the records'
/// boundaries — the least a reader must find — and builds nothing.
func readBare(_ url: URL) -> (fields: Int, records: Int) {
    let data = FileManager.default.contents(atPath: url.path)!
    return data.withUnsafeBytes { raw in
        var fields = 0, records = 0, quoted = false
        for c in raw.bindMemory(to: UInt8.self) {
            if c == 0x22 {
                quoted.toggle()
            } else if !quoted {
                if c == 0x3B { fields += 1 } else if c == 0x0A { records += 1; fields += 1 }
            }
        }
        return (fields, records)
    }
}

/// Our reader alone: the file's bytes through `DelimitedReader` (RFC 4180 quoting, line tracking,
/// each field decoded as validated UTF-8 into a String).
func readDelimited(_ url: URL) -> (fields: Int, records: Int) {
    let bytes = [UInt8](FileManager.default.contents(atPath: url.path)!)
    var reader = DelimitedReader(
        bytes: bytes, separator: UInt8(ascii: ";"), encoding: .utf8,
        maxFieldBytes: CohortFile.maxFieldBytes, maxFields: 1_000)
    let records = try! reader.readAll()
    return (records.reduce(0) { $0 + $1.fields.count }, records.count)
}

/// The whole of the cohort's reading as a run does it: `CohortFile` — file read, SHA-256 for the
/// provenance, encoding detected (the whole file validated as UTF-8), separator detected, every
/// record read by `DelimitedReader`, the header mapped to the direct cohort's columns.
func readCohortFile(_ url: URL) -> (fields: Int, records: Int) {
    let file = try! CohortFile(url: url, columns: DirectCohort.columns)
    return (file.records.reduce(0) { $0 + $1.fields.count } + file.headerCount, file.records.count + 1)
}

struct Setup: @unchecked Sendable {
    let nirs: [String]
    let validNIRs: Int
    let csv: URL
    let csvMB: Double

    static let shared: Setup = {
        let nirs = nirTexts(nirCount)
        let valid = validateOurs(nirs)
        // The two arms agree on every text of these inputs (the structure checks only catch
        // defects the generator does not make), so they do the same job.
        precondition(validateBare(nirs) == valid, "bare NIR check and NIR(validating:) disagree")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-reading-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let csv = directory.appendingPathComponent("cohort.csv")
        let bytes = cohortCSV(lines: csvLines)
        try! Data(bytes).write(to: csv)
        let bare = readBare(csv), ours = readDelimited(csv), file = readCohortFile(csv)
        precondition(bare == ours && ours == file, "readers disagree: \(bare) \(ours) \(file)")
        FileHandle.standardError.write(Data("\(nirs.count) NIR texts, \(valid) valid; cohort \(bytes.count) bytes, \(ours.records) records\n".utf8))
        return Setup(nirs: nirs, validNIRs: valid, csv: csv, csvMB: Double(bytes.count) / 1_000_000)
    }()
}

func metric(_ name: String) -> BenchmarkMetric {
    .custom(name, polarity: .prefersLarger, useScalingFactor: false)
}
let oursNIRRate = metric("NIR(validating:), validations/s")
let bareNIRRate = metric("bare key check, validations/s")
let nirRatio = metric("NIR ratio ‰ (ours / bare)")
let bareMBs = metric("bare byte loop, MB/s ×10")
let readerMBs = metric("DelimitedReader, MB/s ×10")
let cohortFileMBs = metric("CohortFile, MB/s ×10")
let readerRatio = metric("DelimitedReader ratio ‰ (ours / bare)")
let cohortFileRatio = metric("CohortFile ratio ‰ (ours / bare)")

func seconds(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
    let (s, atto) = (ContinuousClock.now - start).components
    return Double(s) + Double(atto) / 1e18
}

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "NIR validation vs bare key check (\(nirCount) texts), alternating arms",
        configuration: .init(
            metrics: [oursNIRRate, bareNIRRate, nirRatio], warmupIterations: 1,
            maxDuration: .seconds(120), maxIterations: 9)
    ) { benchmark in
        let setup = Setup.shared
        var valid = (0, 0)
        let bare = seconds { valid.0 = validateBare(setup.nirs) }
        let ours = seconds { valid.1 = validateOurs(setup.nirs) }
        precondition(valid.0 == setup.validNIRs && valid.1 == setup.validNIRs)
        let n = Double(setup.nirs.count)
        benchmark.measurement(oursNIRRate, Int((n / ours).rounded()))
        benchmark.measurement(bareNIRRate, Int((n / bare).rounded()))
        benchmark.measurement(nirRatio, Int((bare / ours * 1000).rounded()))
    }

    Benchmark(
        "cohort CSV reading vs bare byte loop (\(csvLines) lines), alternating arms",
        configuration: .init(
            metrics: [bareMBs, readerMBs, cohortFileMBs, readerRatio, cohortFileRatio], warmupIterations: 1,
            maxDuration: .seconds(180), maxIterations: 9)
    ) { benchmark in
        let setup = Setup.shared
        let bare = seconds { blackHole(readBare(setup.csv)) }
        let reader = seconds { blackHole(readDelimited(setup.csv)) }
        let file = seconds { blackHole(readCohortFile(setup.csv)) }
        benchmark.measurement(bareMBs, Int((setup.csvMB / bare * 10).rounded()))
        benchmark.measurement(readerMBs, Int((setup.csvMB / reader * 10).rounded()))
        benchmark.measurement(cohortFileMBs, Int((setup.csvMB / file * 10).rounded()))
        benchmark.measurement(readerRatio, Int((bare / reader * 1000).rounded()))
        benchmark.measurement(cohortFileRatio, Int((bare / file * 1000).rounded()))
    }
}
