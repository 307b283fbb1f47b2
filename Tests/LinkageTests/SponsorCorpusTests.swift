import Foundation
import SNDSModel
import TestSupport
import Testing

@testable import Linkage

/// Files as sponsors send them: the same patients written in the layouts French hospitals,
/// registries and their tools produce (separators, encodings, dates from Excel, SAS and R, NIRs
/// with or without their key, French headers, extra columns, spreadsheet leftovers), each with its
/// expected outcome. A file a person reads without hesitation links every line as the canonical
/// file does; a value a person would hesitate over (a two-digit year) rejects its line, named; a
/// file that is not what it claims (a header over another separator, columns swapped, no header)
/// is refused whole with its probable cause.
@Suite struct SponsorCorpusTests {
    /// One patient of the corpus: a clean line of the direct fixture.
    struct Patient {
        let ns: String
        let nir: NIR
        let birth: CalendarDate
        let sex: Sex
    }

    /// What a layout must give.
    enum Expected {
        /// Every line ends as in the canonical file (found, not found, ambiguous alike).
        case sameAsCanonical
        /// The lines the layout changed are rejected for `reason`; the others as in the canonical file.
        case changedLinesRejected(RejectionReason)
        /// The whole file is refused, the message naming its cause.
        case refused(containing: String)
    }

    struct Layout: Sendable {
        let name: String
        let expected: Expected
        /// The header mapping a user gives on the command line for it.
        var header = HeaderMapping()
        /// The file's bytes, from the patients.
        let write: @Sendable ([Patient]) -> Data
        /// The NS as the run reports it, from the patient's (an accented prefix, say).
        var ns: @Sendable (String) -> String = { $0 }
        /// The patients whose line the layout wrote otherwise (for `changedLinesRejected`).
        var changed: @Sendable (Patient) -> Bool = { _ in false }
    }

    /// About one line in ten: those whose NS ends in 1.
    static let someLines: @Sendable (Patient) -> Bool = { $0.ns.hasSuffix("1") }

    /// Two digits.
    @Sendable static func p2(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }

    static let months = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]

    /// A `;` file in UTF-8 from rows of fields.
    static func file(_ header: [String], _ rows: [[String]], separator: String = ";", lineEnd: String = "\n") -> Data {
        Data(([header] + rows).map { $0.joined(separator: separator) }.joined(separator: lineEnd).appending(lineEnd).utf8)
    }

    static func canonical(_ p: Patient) -> [String] { [p.ns, p.nir.clearText, p.birth.iso, String(p.sex.code)] }
    static let header = ["NS", "NIR", "DATE_NAISSANCE", "SEXE"]

    /// The layouts, each a function of the same patients.
    static let layouts: [Layout] = {
        func with(_ change: @escaping @Sendable (Patient) -> [String], header: [String] = header) -> @Sendable ([Patient]) -> Data {
            { ps in file(header, ps.map(change)) }
        }
        func date(_ f: @escaping @Sendable (CalendarDate) -> String) -> @Sendable ([Patient]) -> Data {
            with { p in [p.ns, p.nir.clearText, f(p.birth), String(p.sex.code)] }
        }
        func sex(_ male: String, _ female: String) -> @Sendable ([Patient]) -> Data {
            with { p in [p.ns, p.nir.clearText, p.birth.iso, p.sex == .male ? male : female] }
        }
        func nir(_ f: @escaping @Sendable (String) -> String) -> @Sendable ([Patient]) -> Data {
            with { p in [p.ns, f(p.nir.clearText), p.birth.iso, String(p.sex.code)] }
        }
        return [
            Layout(name: "canonical", expected: .sameAsCanonical, write: with(canonical)),
            Layout(name: "comma separator", expected: .sameAsCanonical, write: { ps in file(header, ps.map(canonical), separator: ",") }),
            Layout(name: "tab separator", expected: .sameAsCanonical, write: { ps in file(header, ps.map(canonical), separator: "\t") }),
            Layout(
                name: "UTF-8 with a byte order mark, CRLF", expected: .sameAsCanonical,
                write: { ps in Data([0xEF, 0xBB, 0xBF]) + file(header, ps.map(canonical), lineEnd: "\r\n") }),
            Layout(
                name: "Latin-1, accented NS", expected: .sameAsCanonical,
                write: { ps in
                    (([header] + ps.map { ["HÔP-É-" + $0.ns] + canonical($0).dropFirst() }).map { $0.joined(separator: ";") }.joined(separator: "\n")
                        + "\n")
                        .data(using: .isoLatin1)!
                }, ns: { "HÔP-É-" + $0 }),
            Layout(
                name: "Windows-1252, a comment column left unread", expected: .sameAsCanonical,
                header: HeaderMapping(ignored: ["COMMENTAIRE"]),
                write: { ps in
                    (([header + ["COMMENTAIRE"]] + ps.map { canonical($0) + ["suivi ŒIL « reçu »"] }).map { $0.joined(separator: ";") }.joined(
                        separator: "\n") + "\n").data(using: .windowsCP1252)!
                }),
            Layout(name: "dates d/m/yyyy unpadded (Excel)", expected: .sameAsCanonical, write: date { "\($0.day)/\($0.month)/\($0.year)" }),
            Layout(name: "dates with a time (R, pandas)", expected: .sameAsCanonical, write: date { "\($0.iso) 00:00:00" }),
            Layout(
                name: "dates dd/mm/yyyy hh:mm (hospital export)", expected: .sameAsCanonical,
                write: date { "\(p2($0.day))/\(p2($0.month))/\($0.year) 00:00" }),
            Layout(name: "dates DATE9 (SAS)", expected: .sameAsCanonical, write: date { "\(p2($0.day))\(months[$0.month - 1])\($0.year)" }),
            Layout(name: "dates dd.mm.yyyy", expected: .sameAsCanonical, write: date { "\(p2($0.day)).\(p2($0.month)).\($0.year)" }),
            Layout(name: "dates dd-mm-yyyy", expected: .sameAsCanonical, write: date { "\(p2($0.day))-\(p2($0.month))-\($0.year)" }),
            Layout(name: "dates yyyymmdd", expected: .sameAsCanonical, write: date { $0.compact }),
            Layout(name: "NIR on 13 positions, no key", expected: .sameAsCanonical, write: nir { String($0.prefix(13)) }),
            Layout(
                name: "NIR in groups with spaces", expected: .sameAsCanonical,
                write: nir { n in
                    let c = Array(n)
                    return [0..<1, 1..<3, 3..<5, 5..<7, 7..<10, 10..<13, 13..<15].map { String(c[$0]) }.joined(separator: " ")
                }),
            Layout(
                name: "NIR with dots and a dash", expected: .sameAsCanonical,
                write: nir { n in
                    let c = Array(n)
                    return [0..<1, 1..<3, 3..<5, 5..<7, 7..<10, 10..<13].map { String(c[$0]) }.joined(separator: ".") + "-" + String(c[13..<15])
                }),
            Layout(
                name: "NIR and its key in two columns", expected: .sameAsCanonical,
                write: with(
                    { p in [p.ns, String(p.nir.clearText.prefix(13)), String(p.nir.clearText.suffix(2)), p.birth.iso, String(p.sex.code)] },
                    header: ["NS", "NIR", "CLE_NIR", "DATE_NAISSANCE", "SEXE"])),
            Layout(name: "sex M/F", expected: .sameAsCanonical, write: sex("M", "F")),
            Layout(name: "sex H/F", expected: .sameAsCanonical, write: sex("H", "F")),
            Layout(name: "sex in lower case", expected: .sameAsCanonical, write: sex("h", "f")),
            Layout(name: "sex in words", expected: .sameAsCanonical, write: sex("Homme", "Femme")),
            Layout(
                name: "French headers", expected: .sameAsCanonical,
                write: with(canonical, header: ["Numéro sujet", "N° sécu", "Date de naissance", "Sexe"])),
            Layout(
                name: "headers as a database exports them", expected: .sameAsCanonical,
                write: with(canonical, header: ["num_patient", "nir", "date_naiss", "sexe"])),
            Layout(
                name: "a study's own NS column, mapped", expected: .sameAsCanonical, header: HeaderMapping(names: ["NS": "IDENT_ETUDE"]),
                write: with(canonical, header: ["IDENT_ETUDE", "NIR", "DATE_NAISSANCE", "SEXE"])),
            Layout(
                name: "a centre and a comment left unread", expected: .sameAsCanonical, header: HeaderMapping(ignored: ["CENTRE", "COMMENTAIRE"]),
                write: with({ p in ["CHU-07"] + canonical(p) + ["RAS; à revoir"].map { "\"\($0)\"" } }, header: ["CENTRE"] + header + ["COMMENTAIRE"])
            ),
            Layout(
                name: "every field quoted", expected: .sameAsCanonical,
                write: with({ p in canonical(p).map { "\"\($0)\"" } }, header: header.map { "\"\($0)\"" })),
            Layout(
                name: "a spreadsheet's empty columns and rows", expected: .sameAsCanonical,
                write: { ps in file(header + ["", ""], ps.map { canonical($0) + ["", ""] } + [[";;;;;"]]) }),
            Layout(
                name: "blank lines and spaces around values", expected: .sameAsCanonical,
                write: { ps in
                    Data(
                        ([header.joined(separator: ";"), ""] + ps.map { canonical($0).map { " \($0) " }.joined(separator: ";") } + ["", ""]).joined(
                            separator: "\n"
                        ).utf8)
                }),
            Layout(
                name: "the département of residence beside", expected: .sameAsCanonical,
                write: with({ p in canonical(p) + ["59"] }, header: header + ["DEPARTEMENT"])),
            // A person would hesitate over these values: rejected, and said.
            Layout(
                name: "a two-digit year", expected: .changedLinesRejected(.birthDateFormat),
                write: with { p in
                    [
                        p.ns, p.nir.clearText,
                        someLines(p) ? "\(p2(p.birth.day))/\(p2(p.birth.month))/\(p2(p.birth.year % 100))" : p.birth.iso, String(p.sex.code),
                    ]
                }, changed: someLines),
            Layout(
                name: "a NIR a spreadsheet turned into a number", expected: .changedLinesRejected(.nirSpreadsheetNumber),
                write: with { p in
                    let n = p.nir.clearText
                    return [
                        p.ns, someLines(p) ? String(format: "%.5E", Double(n)!).replacingOccurrences(of: ".", with: ",") : n, p.birth.iso,
                        String(p.sex.code),
                    ]
                }, changed: someLines),
            // Not the file it claims to be: refused whole, with the cause.
            Layout(
                name: "a header separated by commas over a semicolon body", expected: .refused(containing: "separated by ','"),
                write: { ps in
                    Data((header.joined(separator: ",") + "\n" + ps.map { canonical($0).joined(separator: ";") }.joined(separator: "\n") + "\n").utf8)
                }),
            Layout(
                name: "NS and NIR columns swapped", expected: .refused(containing: "NIR-like"),
                write: with { p in [p.nir.clearText, p.ns, p.birth.iso, String(p.sex.code)] }),
            Layout(
                name: "no header", expected: .refused(containing: "looks like data"),
                write: { ps in Data(ps.map { canonical($0).joined(separator: ";") }.joined(separator: "\n").utf8) }),
            Layout(
                name: "UTF-16 (a spreadsheet's Unicode text)", expected: .refused(containing: "UTF-16"),
                write: { ps in (([header] + ps.map(canonical)).map { $0.joined(separator: "\t") }.joined(separator: "\n")).data(using: .utf16)! }),
        ]
    }()

    let f: DirectFixture
    let patients: [Patient]
    init() throws {
        f = try DirectFixture.shared.get()
        // Clean lines of the fixture, not twins (their rank column is left out here), NS unique.
        var reader = DelimitedReader(bytes: Array(f.cohortText.utf8))
        let rows = try reader.readAll()
        let clean = Set(f.truth.entries.filter { $0.defect == "none" || $0.defect == "absent_from_snds" }.map(\.line))
        var seen = Set<String>()
        patients = rows.dropFirst().compactMap { r -> Patient? in
            guard clean.contains(r.line), r.fields[4].isEmpty, seen.insert(r.fields[0]).inserted,
                let (nir, keyed) = try? NIR.read(r.fields[1]), keyed,
                case .date(let birth) = DateLayouts.read(r.fields[2]), let sex = IdentityFormats.sex(r.fields[3])
            else { return nil }
            return Patient(ns: r.fields[0], nir: nir, birth: birth, sex: sex)
        }.prefix(60).map { $0 }
    }

    /// Each line's status by NS, from a run's results.csv and rejects.csv (rejected: its reason).
    static func outcomes(_ run: URL) throws -> [String: String] {
        var out: [String: String] = [:]
        for r in try Evaluation.readCSV(run.appendingPathComponent("results.csv"), expecting: DirectRun.resultColumns) { out[r[1]] = r[2] }
        for r in try Evaluation.readCSV(run.appendingPathComponent("rejects.csv"), expecting: RejectsCSV.columns) { out[r[1]] = "rejected:" + r[2] }
        return out
    }

    func run(_ data: Data, header: HeaderMapping, name: String) throws -> URL {
        let folder = f.folder.deletingLastPathComponent().appendingPathComponent("corpus-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cohort = folder.appendingPathComponent(String(name.map { $0.isLetter || $0.isNumber ? $0 : "-" }) + ".csv")
        try data.write(to: cohort)
        var options = DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.header = header
        options.extraction = false
        _ = try DirectRun.run(options, key: f.dataset.key)
        return options.output
    }

    @Test func theCorpusHasThirtyLayoutsOrMore() {
        #expect(Self.layouts.count >= 30)
        #expect(Set(Self.layouts.map(\.name)).count == Self.layouts.count)
    }

    @Test(arguments: layouts.map(\.name))
    func eachLayoutEndsAsExpected(name: String) throws {
        let layout = try #require(Self.layouts.first { $0.name == name })
        #expect(patients.count >= 50)
        let canonical = try Self.outcomes(run(Self.file(Self.header, patients.map(Self.canonical)), header: HeaderMapping(), name: "canonical"))
        #expect(canonical.values.filter { $0 == "found" }.count >= 40)
        switch layout.expected {
        case .sameAsCanonical:
            let outcomes = try Self.outcomes(run(layout.write(patients), header: layout.header, name: name))
            for p in patients {
                #expect(outcomes[layout.ns(p.ns)] == canonical[p.ns], "\(name): \(p.ns) \(outcomes[layout.ns(p.ns)] ?? "absent")")
            }
        case .changedLinesRejected(let reason):
            let outcomes = try Self.outcomes(run(layout.write(patients), header: layout.header, name: name))
            #expect(patients.contains(where: layout.changed) && !patients.allSatisfy(layout.changed))
            for p in patients {
                let expected = layout.changed(p) ? "rejected:" + reason.rawValue : canonical[p.ns]
                #expect(outcomes[p.ns] == expected, "\(name): \(p.ns) \(outcomes[p.ns] ?? "absent")")
            }
        case .refused(let cause):
            #expect { try run(layout.write(patients), header: layout.header, name: name) } throws: { error in
                "\(error)".contains(cause)
            }
        }
    }

    // MARK: - Registries (indirect linkage)

    static func day(_ text: String) -> CalendarDate? {
        if case .date(let d) = DateLayouts.read(text) { return d }
        return nil
    }

    /// A registry's layouts: the indirect fixture's cohort, one column rewritten as a registry or
    /// its tool writes it. `nil` from `rewrite` leaves the value as it is.
    static let registryLayouts: [(name: String, column: String, rewrite: @Sendable (String, Int) -> String?)] = [
        ("entry dates with a time", "DATE_ENTREE", { v, _ in day(v).map { "\($0.iso) 00:00:00" } }),
        ("exit dates as Excel writes them", "DATE_SORTIE", { v, _ in day(v).map { "\($0.day)/\($0.month)/\($0.year)" } }),
        ("diagnoses with a dot", "DIAGNOSTIC", { v, _ in v.count > 3 && !v.contains(".") ? String(v.prefix(3)) + "." + v.dropFirst(3) : nil }),
        // (Metropolitan codes: Corsica's 20 and the overseas 97 are not written on three digits.)
        (
            "départements on three digits", "DEPARTEMENT",
            { v, _ in v.count == 2 && v.allSatisfy(\.isNumber) && !["20", "97"].contains(v) ? "0" + v : nil }
        ),
        ("FINESS without its leading zero", "FINESS", { v, _ in v.hasPrefix("0") ? String(v.dropFirst()) : nil }),
        ("exit dates not known (NC)", "DATE_SORTIE", { _, line in line % 5 == 0 ? "NC" : nil }),
    ]

    /// Each registry layout links as the registry's own file: no line rejected for a layout a person
    /// reads at once, and (an unknown exit date aside, which weakens a line) the same lines found.
    @Test(arguments: registryLayouts.map(\.name))
    func eachRegistryLayoutLinksAsTheRegistry(name: String) throws {
        let layout = try #require(Self.registryLayouts.first { $0.name == name })
        let fixture = try IndirectFixture.shared.get()
        var reader = DelimitedReader(bytes: [UInt8](try Data(contentsOf: fixture.cohortFile)))
        let rows = try reader.readAll()
        let column = try #require(rows[0].fields.firstIndex(of: layout.column))
        var rewritten = 0
        let text =
            rows.map { r -> String in
                var fields = r.fields
                if r.line > 1, column < fields.count, let v = layout.rewrite(fields[column], r.line) {
                    fields[column] = v
                    rewritten += 1
                }
                return fields.joined(separator: ";")
            }.joined(separator: "\n") + "\n"
        #expect(rewritten > 20)
        let folder = fixture.folder.deletingLastPathComponent().appendingPathComponent("registry-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let cohort = folder.appendingPathComponent("registre.csv")
        try text.write(to: cohort, atomically: true, encoding: .utf8)
        var options = IndirectRun.Options(
            cohort: cohort, rules: IndirectFixture.defaultRules, dataset: fixture.dataset.files, output: folder.appendingPathComponent("run"))
        options.extraction = false
        let summary = try IndirectRun.run(options, key: fixture.dataset.key, reference: IndirectFixture.reference)
        #expect(summary.counts.rejected == fixture.summary.counts.rejected)
        if name.contains("NC") {
            #expect(summary.quality[layout.column]!.missing >= rewritten)
            #expect(Double(summary.counts.found) >= 0.97 * Double(fixture.summary.counts.found))
        } else {
            #expect(summary.quality[layout.column]!.invalid == fixture.summary.quality[layout.column]!.invalid)
            #expect(summary.counts.found == fixture.summary.counts.found, "\(name): \(summary.counts.found) against \(fixture.summary.counts.found)")
        }
    }
}
