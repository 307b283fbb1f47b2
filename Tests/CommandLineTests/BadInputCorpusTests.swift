import Foundation
import GRDB
import SNDSStore
import Testing

/// The bad-input corpus: every kind of broken or hostile file the tool reads — cohorts, rules,
/// databases, key files, sealed files — and places it cannot write to, each made here by the test
/// (nothing hand-copied) from a real generated dataset and real cohorts, run through the real
/// binary, with the outcome a user must get.
///
/// A refused input gets exactly one `appariement: error:` line on stderr, last, naming the
/// problem, the documented exit code, no clear NIR, and nothing at the output path (no run
/// folder, no staged leftover). An input whose damage is confined to some lines is linked, those
/// lines rejected with their line number and reason, the counts reconciling, and every CSV
/// written safe to open in a spreadsheet. Each run is bounded (2 GB of address space, a time
/// limit), so a case that would exhaust memory or hang fails instead of taking the machine down.
///
/// docs/hardening.md lists every case by its id, with the count: a test below keeps it true.
@Suite struct BadInputCorpusTests {
    @Test(arguments: BadInput.all)
    func theOutcomeIsTheExpectedOne(_ input: BadInput) throws {
        let corpus = try Corpus.shared()
        let folder = corpus.root.appendingPathComponent("corpus/\(input.id)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let place = Place(root: corpus.root, folder: folder, id: input.id)
        guard let invocation = try input.make(place) else {
            // Only the cases needing a privilege the machine does not give: shown as cancelled,
            // not passed.
            try Test.cancel("\(input.id) is not runnable here: it needs root with CAP_SYS_ADMIN (mount) or CAP_LINUX_IMMUTABLE (chattr)")
        }
        defer {
            invocation.cleanup()
            // The corpus holds files of 100 MB and more: each case's folder goes when it is done.
            try? FileManager.default.removeItem(at: folder)
        }
        let outcome = try Bounded.run(
            invocation.arguments, in: corpus.root, fileSizeBlocks: invocation.fileSizeBlocks,
            environment: invocation.environment)
        let lines = outcome.stderr.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        #expect(!outcome.timedOut, "\(input.id): still running after \(Bounded.timeLimit) s")
        #expect(
            ClearNIRs.firstLeak(of: corpus.nirs, in: Data((outcome.stdout + outcome.stderr).utf8)) == nil,
            "\(input.id): a clear NIR is printed")
        if ProcessInfo.processInfo.environment["APPARIEMENT_CORPUS_SHOW"] != nil {
            // For whoever documents the corpus: each case's actual exit code and last stderr line.
            print("corpus\t\(input.id)\t\(outcome.status)\t\(Documented.normalised(lines.last ?? "", id: input.id, root: corpus.root))")
        }
        switch input.expected {
        case .refused(let exit, let message):
            #expect(outcome.status == exit, "\(input.id): exit \(outcome.status), expected \(exit): \(outcome.stderr)")
            let errors = lines.filter { $0.hasPrefix("appariement: error: ") }
            #expect(errors.count == 1 && lines.last == errors.first, "\(input.id): not one error line, last: \(outcome.stderr)")
            #expect(errors.first?.contains(message) == true, "\(input.id): expected “\(message)” in \(outcome.stderr)")
            if input.kind != .output {
                // A note may say how far the input could be checked (a run's seal without the key).
                let others = lines.filter { !$0.hasPrefix("appariement: note: ") }
                #expect(others.count == 1, "\(input.id): refused input, yet more than the error on stderr: \(outcome.stderr)")
            }
            for path in invocation.outputs {
                #expect(
                    !FileManager.default.fileExists(atPath: corpus.root.appendingPathComponent(path).path),
                    "\(input.id): \(path) exists after a refusal")
            }
            // No staged leftover of this case's outputs (other cases run beside it in the same folders).
            for path in invocation.outputs {
                let output = corpus.root.appendingPathComponent(path)
                let listed = (try? FileManager.default.contentsOfDirectory(atPath: output.deletingLastPathComponent().path)) ?? []
                #expect(
                    !listed.contains { $0.hasPrefix(".\(output.lastPathComponent).") && $0.contains("partial-") },
                    "\(input.id): staged leftovers of \(path): \(listed)")
            }
            // The line the user reads is the one docs/hardening.md shows for this case, word for word.
            if let documented = Documented.table[input.id] {
                #expect(documented.exit == outcome.status, "\(input.id): docs/hardening.md says exit \(documented.exit)")
                #expect(
                    Documented.normalised(errors.first ?? "", id: input.id, root: corpus.root) == documented.message,
                    "\(input.id): docs/hardening.md shows “\(documented.message)”, the user reads “\(Documented.normalised(errors.first ?? "", id: input.id, root: corpus.root))”"
                )
            }
        case .linked(let check):
            #expect(outcome.status == 0, "\(input.id): exit \(outcome.status): \(outcome.stderr)")
            guard outcome.status == 0, let run = invocation.outputs.first else { return }
            let folder = corpus.root.appendingPathComponent(run)
            try RunChecks.countsReconcile(folder, id: input.id)
            try RunChecks.spreadsheetSafe(folder, id: input.id)
            try check(folder)
        }
    }

    /// The documentation lists every case, and says how many there are.
    @Test func docsListEveryCase() throws {
        let doc = try String(contentsOf: CommandLine.checkout.appendingPathComponent("docs/hardening.md"), encoding: .utf8)
        #expect(doc.contains("\(BadInput.all.count) cases"), "docs/hardening.md does not say \(BadInput.all.count) cases")
        for input in BadInput.all {
            #expect(doc.contains("| `\(input.id)` |"), "docs/hardening.md does not list \(input.id)")
            if case .refused = input.expected {
                #expect(Documented.table[input.id] != nil, "docs/hardening.md has no exit code and message for \(input.id)")
            }
        }
        #expect(Documented.table.count == BadInput.all.count, "docs/hardening.md's tables have \(Documented.table.count) rows")
        #expect(Set(BadInput.all.map(\.id)).count == BadInput.all.count, "two cases share an id")
    }
}

// MARK: - The cases

/// One bad input: what it is, how it is made and run, and what must happen.
struct BadInput: Sendable, CustomTestStringConvertible {
    enum Kind: String, Sendable { case cohort, rules, noise, database, key, sealed, run, output }
    enum Expected: Sendable {
        /// The whole input is refused: this exit code, one error line containing this text.
        case refused(exit: Int32, message: String)
        /// The input is linked; damaged lines are rejected. The closure checks the run folder.
        case linked(@Sendable (URL) throws -> Void)
    }

    let id: String
    let kind: Kind
    let expected: Expected
    /// Writes the input under the case's folder and says how to run it; nil when not runnable here.
    let make: @Sendable (Place) throws -> Invocation?

    var testDescription: String { id }

    static let all: [BadInput] = cohorts + rules + noiseProfiles + databases + keys + sealed + runs + outputs

    // Cohorts: `direct` unless said otherwise (the indirect reader is the same code).
    static let cohorts: [BadInput] = [
        refusedCohort("cohort-empty", "the file is empty") { _ in [] },
        refusedCohort("cohort-blank-lines", "the file is empty") { _ in Array("\u{FEFF}\r\n\n  \n".utf8) },
        refusedCohort("cohort-header-only", "the file has a header but no data lines") { c in Array((c.header + "\n").utf8) },
        refusedCohort("cohort-wrong-separator", "the header has a single column: separate the columns with ';' or ','") { c in
            Array(c.text.replacingOccurrences(of: ";", with: "|").utf8)
        },
        BadInput(
            id: "cohort-separator-mismatch", kind: .cohort,
            expected: .refused(exit: 3, message: "use --separator ','")
        ) { place in
            try place.write("cohort.csv", Array(place.directCohort.text.replacingOccurrences(of: ";", with: ",").utf8))
            return place.direct("cohort.csv", extra: ["--separator", ";"])
        },
        refusedCohort("cohort-unbalanced-quote", "line 3: a quoted field is never closed") { c in
            Array(c.lines(insert: [(3, "\"NS_Q;\(c.fields(2)[1]);1985-01-01;1;;")]).utf8)
        },
        linkedCohort("cohort-embedded-newline", line: 3, reason: "ns_invalid", after: 5) { c in
            // A quoted NS holding a line break: one record over lines 3–4; the next keeps its own number.
            Array(c.lines(insert: [(3, "\"NS_A\nB\";\(c.fields(2).dropFirst().joined(separator: ";"))")]).utf8)
        },
        refusedCohort("cohort-nul-bytes", "the file contains NUL bytes: it is not a text file") { c in
            Array(c.lines(insert: [(3, "NS_\0;1;1985-01-01;1;;")]).utf8)
        },
        BadInput(
            id: "cohort-invalid-utf8", kind: .cohort,
            expected: .refused(exit: 3, message: "line 3: bytes that are not valid utf-8")
        ) { place in
            try place.write(
                "cohort.csv", place.directCohort.bytes(insert: [(3, Array("NS_".utf8) + [0xFF, 0xFE] + Array(";1;1985-01-01;1;;".utf8))]))
            return place.direct("cohort.csv", extra: ["--encoding", "utf-8"])
        },
        linkedCohort(
            "cohort-latin1",
            check: { run in
                // Detected as Latin-1 and read as such: the NS comes back in UTF-8.
                let results = try String(contentsOf: run.appendingPathComponent("results.csv"), encoding: .utf8)
                #expect(results.contains("NS_É"), "cohort-latin1: the Latin-1 NS is not in results.csv as UTF-8")
                let summary = try RunChecks.json(run.appendingPathComponent("summary.json"))
                #expect(
                    ((summary["cohort"] as? [String: Any])?["encoding"] as? String)?.lowercased().contains("latin") == true,
                    "cohort-latin1: summary.json does not say Latin-1")
            }
        ) { c in
            let line = Array("NS_".utf8) + [0xC9] + Array((";" + c.fields(2).dropFirst().joined(separator: ";")).utf8)
            return c.bytes(replacing: 2, with: line)
        },
        refusedCohort("cohort-100mb-field", "line 3: a field is longer than 65536 bytes") { c in
            var bytes = Array((c.lines(0...1) + "\nNS_BIG;").utf8)
            bytes += [UInt8](repeating: UInt8(ascii: "1"), count: 100 << 20)
            bytes += Array(";1985-01-01;1;;\n".utf8)
            return bytes
        },
        refusedCohort("cohort-million-columns", "line 1: more than 1000 fields") { _ in
            Array(((0..<1_000_000).map { "C\($0)" }.joined(separator: ";") + "\n" + String(repeating: "x;", count: 999_999) + "x\n").utf8)
        },
        refusedCohort("cohort-million-fields-in-a-line", "line 3: more than 1000 fields") { c in
            Array((c.lines(0...1) + "\n" + String(repeating: "x;", count: 999_999) + "x\n").utf8)
        },
        refusedCohort("cohort-duplicated-header", "columns 4 and 5 are both SEXE") { c in
            Array(c.text.replacingOccurrences(of: "RANG_GEMELLAIRE", with: "SEXE").utf8)
        },
        refusedCohort("cohort-unknown-column", "unknown column 'COMMENTAIRE'") { c in
            Array(c.text.replacingOccurrences(of: "DEPARTEMENT", with: "COMMENTAIRE").utf8)
        },
        refusedCohort("cohort-missing-column", "missing column DATE_NAISSANCE") { c in
            // The birth-date column taken out of every line.
            Array(
                ((0..<c.count).map { i in
                    var f = c.fields(i); f.remove(at: 2); return f.joined(separator: ";")
                }
                .joined(separator: "\n") + "\n").utf8)
        },
        refusedCohort("cohort-columns-swapped-dotted", "the NS column holds NIR-like numbers") { c in
            // NS and NIR swapped, the NIRs written with dots between their groups.
            Array(
                ((0..<c.count).map { i -> String in
                    var f = c.fields(i)
                    if i > 0 {
                        let nir = f[1].replacingOccurrences(of: " ", with: "")
                        let cuts = [1, 3, 5, 7, 10, 13]
                        var dotted = "", start = nir.startIndex
                        for (k, cut) in cuts.enumerated() where cut <= nir.count {
                            let end = nir.index(nir.startIndex, offsetBy: cut)
                            dotted += (k == 0 ? "" : ".") + nir[start..<end]
                            start = end
                        }
                        f[1] = dotted + (start < nir.endIndex ? "." + nir[start...] : "")
                    }
                    if i > 0 { f.swapAt(0, 1) }
                    return f.joined(separator: ";")
                }.joined(separator: "\n") + "\n").utf8)
        },
        refusedCohort("cohort-no-header", "looks like data") { c in Array(c.lines(1...c.count - 1).utf8) },
        refusedCohort("cohort-title-above-header", "line 1 is not the header, line 2 is") { c in
            Array(("Registre des cancers 2023\n" + c.lines(0...c.count - 1) + "\n").utf8)
        },
        linkedCohort(
            "cohort-blank-above-header",
            check: { run in
                // A blank line above the header is skipped like any blank line: the header read on
                // line 2, the data from line 3, their numbers those of the file.
                let results = try RunChecks.rows(run.appendingPathComponent("results.csv"))
                #expect(results.first?.first == "3", "cohort-blank-above-header: the first data line is not line 3")
            }
        ) { c in Array(("\n" + c.lines(0...c.count - 1) + "\n").utf8) },
        refusedCohort("cohort-unknown-column-with-digits", "unknown column 'SUIVI_2023'") { c in
            Array(
                (c.fields(0).joined(separator: ";") + ";SUIVI_2023\n"
                    + (1..<c.count).map { c.fields($0).joined(separator: ";") + ";x" }
                    .joined(separator: "\n") + "\n").utf8)
        },
        linkedCohort(
            "cohort-formula-injection",
            check: { run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                #expect(
                    rejects.contains { $0.first == "2" && $0.count > 2 && $0[2] == "ns_invalid" }, "cohort-formula-injection: line 2 not rejected")
                #expect(
                    rejects.contains { $0.first == "3" && $0.count > 2 && $0[2] == "ns_invalid" }, "cohort-formula-injection: line 3 not rejected")
                // Written back, neutralised: text to a spreadsheet, not a formula.
                #expect(
                    rejects.contains { $0.count > 1 && $0[1].hasPrefix("'=HYPERLINK(") },
                    "cohort-formula-injection: the NS is not written as '=HYPERLINK…")
                #expect(rejects.contains { $0.count > 1 && $0[1] == "'@SUM(A1:A9)" }, "cohort-formula-injection: the NS is not written as '@SUM…")
            }
        ) { c in
            let rest = { (i: Int) in c.fields(i).dropFirst().joined(separator: ";") }
            return Array(
                c.lines(replacing: [
                    1: "\"=HYPERLINK(\"\"http://example.org/x\"\",\"\"open\"\")\";" + rest(1),
                    2: "@SUM(A1:A9);" + rest(2),
                ]).utf8)
        },
        nirInOtherDigits("cohort-ns-nir-other-digits", zeros: [0xFF10, 0x0660, 0x0966]),  // fullwidth, Arabic-Indic, Devanagari
        linkedCohort(
            "cohort-ns-invisible-characters",
            check: { run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                #expect(
                    rejects.filter { $0.count > 2 && $0[2] == "ns_invalid" && $0[1].isEmpty }.count >= 3,
                    "cohort-ns-invisible-characters: the NS with a soft hyphen, a word joiner or a bidi override are not all rejected")
                for name in ["results.csv", "rejects.csv"] {
                    let text = try String(contentsOf: run.appendingPathComponent(name), encoding: .utf8)
                    #expect(
                        !text.unicodeScalars.contains { $0.properties.generalCategory == .format },
                        "cohort-ns-invisible-characters: \(name) holds an invisible or bidi character")
                }
            }
        ) { c in
            // A soft hyphen and a word joiner in another line's NS (a duplicate that compared apart),
            // a right-to-left override before an NS.
            let ns = { (i: Int) in c.fields(i)[0] }
            let rest = { (i: Int) in c.fields(i).dropFirst().joined(separator: ";") }
            func inserting(_ mark: String, into text: String) -> String { String(text.prefix(2)) + mark + String(text.dropFirst(2)) }
            return Array(
                c.lines(replacing: [
                    1: inserting("\u{00AD}", into: ns(2)) + ";" + rest(1),
                    3: inserting("\u{2060}", into: ns(4)) + ";" + rest(3),
                    5: "\u{202E}" + ns(5) + ";" + rest(5),
                ]).utf8)
        },
        nirInOtherDigits("cohort-ns-nir-more-digits", zeros: [0x09E6, 0x0E50, 0x1D7CE]),  // Bengali, Thai, mathematical bold
        // Invisible but not "format" characters: a combining grapheme joiner, a variation selector, a
        // Hangul filler (Unicode's default-ignorable code points).
        invisibleInNS("cohort-ns-more-invisible-characters", marks: ["\u{034F}", "\u{FE0F}", "\u{3164}"]),
        linkedCohort(
            "cohort-ns-fullwidth-duplicate",
            check: { run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                for line in ["2", "3"] {
                    #expect(
                        rejects.contains { $0.first == line && $0.count > 2 && $0[2] == "duplicate_ns" },
                        "cohort-ns-fullwidth-duplicate: line \(line) is not rejected as a duplicate NS")
                }
            }
        ) { c in
            // Line 2 carries line 3's NS in fullwidth letters and digits: the same NS to a reader.
            let fullwidth = String(
                String.UnicodeScalarView(
                    c.fields(2)[0].unicodeScalars.map { u in
                        (0x21...0x7E).contains(u.value) ? Unicode.Scalar(u.value + 0xFEE0) ?? u : u
                    }))
            return Array(c.lines(replacing: [1: fullwidth + ";" + c.fields(1).dropFirst().joined(separator: ";")]).utf8)
        },
        BadInput(
            id: "cohort-indirect-formula-values", kind: .cohort,
            expected: .linked({ run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                #expect(rejects.contains { $0.first == "2" }, "cohort-indirect-formula-values: line 2 not rejected")
                // The values are not echoed (rejects name the column and the reason); what is, is safe.
                for row in rejects where row.first == "2" {
                    #expect(!row.joined(separator: ";").contains("=cmd"), "cohort-indirect-formula-values: a value is echoed raw: \(row)")
                }
            })
        ) { place in
            let c = place.indirectCohort
            var fields = c.fields(1)
            for i in 1..<fields.count { fields[i] = "=cmd|' /C calc'!A0" }
            try place.write("cohort.csv", Array(c.lines(replacing: [1: fields.joined(separator: ";")]).utf8))
            return place.probabiliste("cohort.csv")
        },
        BadInput(
            id: "cohort-indirect-nir-in-text-criterion", kind: .cohort,
            expected: .linked({ run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                #expect(
                    rejects.contains { $0.first == "2" && $0.count > 3 && $0[2] == "invalid_value" && $0[3].contains("like a NIR") },
                    "cohort-indirect-nir-in-text-criterion: line 2 not rejected for its NIR-like value")
            })
        ) { place in
            // The diagnosis compared as text, and a NIR written in its column: never compared nor repeated.
            let shipped = try String(contentsOf: CommandLine.checkout.appendingPathComponent("rules/default.yml"), encoding: .utf8)
            try place.write("rules.yml", Array(shipped.replacingOccurrences(of: "normalise: icd10", with: "normalise: text").utf8))
            let c = place.indirectCohort
            let column = try #require(c.fields(0).firstIndex(of: "DIAGNOSTIC"))
            var fields = c.fields(1)
            let study = place.directCohort
            let nirLine = try #require((1..<study.count).first { study.fields($0)[1].replacingOccurrences(of: " ", with: "").count == 15 })
            fields[column] = study.fields(nirLine)[1]
            try place.write("cohort.csv", Array(c.lines(replacing: [1: fields.joined(separator: ";")]).utf8))
            return place.probabiliste("cohort.csv", rules: place.path("rules.yml"))
        },
        BadInput(id: "cohort-missing-file", kind: .cohort, expected: .refused(exit: 3, message: "no such file")) { place in
            place.direct("absent.csv")
        },
        BadInput(id: "cohort-is-a-directory", kind: .cohort, expected: .refused(exit: 3, message: "is a directory")) { place in
            try FileManager.default.createDirectory(at: place.url("cohort.csv"), withIntermediateDirectories: true)
            return place.direct("cohort.csv")
        },
        BadInput(id: "cohort-device", kind: .cohort, expected: .refused(exit: 3, message: "is not a regular file")) { place in
            Invocation(arguments: ["direct", "/dev/zero"] + place.directOptions, outputs: [place.run])
        },
        refusedCohort("cohort-utf16", "the file is UTF-16 text") { c in
            // What a spreadsheet saves as "Unicode text": UTF-16 little-endian with its mark.
            [0xFF, 0xFE] + c.text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        },
        refusedCohort("cohort-bom-stray-latin1", "although the file starts with a UTF-8 byte order mark") { c in
            // Declared UTF-8 by its mark, one Latin-1 É on line 3: that line is shown, the file is
            // not read as Latin-1 (which would garble every other accent).
            [0xEF, 0xBB, 0xBF]
                + c.bytes(replacing: 2, with: Array("NS_".utf8) + [0xC9] + Array((";" + c.fields(2).dropFirst().joined(separator: ";")).utf8))
        },
        linkedCohort(
            "cohort-windows1252",
            check: { run in
                // ’ and œ are 0x92 and 0x9C in Windows-1252 (control characters in Latin-1): detected
                // by those bytes, read as Windows-1252, linked, and written back in UTF-8.
                let results = try String(contentsOf: run.appendingPathComponent("results.csv"), encoding: .utf8)
                #expect(results.contains("NS_C\u{0153}ur\u{2019}1"), "cohort-windows1252: the NS is not in results.csv as UTF-8")
                let summary = try RunChecks.json(run.appendingPathComponent("summary.json"))
                #expect(
                    ((summary["cohort"] as? [String: Any])?["encoding"] as? String) == "windows-1252",
                    "cohort-windows1252: summary.json does not say windows-1252")
            }
        ) { c in
            c.bytes(
                replacing: 2,
                with: Array("NS_C".utf8) + [0x9C] + Array("ur".utf8) + [0x92] + Array(("1;" + c.fields(2).dropFirst().joined(separator: ";")).utf8))
        },
        linkedCohort(
            "cohort-windows1252-read-as-latin1", line: 3, reason: "ns_invalid", after: 4,
            extra: ["--encoding", "latin-1"]
        ) { c in
            // The same file, the user saying Latin-1: ’ becomes a control character, and the line is
            // rejected with its number rather than linked under an NS nobody wrote.
            c.bytes(
                replacing: 2,
                with: Array("NS_C".utf8) + [0x9C] + Array("ur".utf8) + [0x92] + Array(("1;" + c.fields(2).dropFirst().joined(separator: ";")).utf8))
        },
        BadInput(
            id: "cohort-windows1252-undefined-byte", kind: .cohort,
            expected: .refused(exit: 3, message: "line 3: a byte Windows-1252 leaves undefined")
        ) { place in
            // 0x81 is one of the five bytes Windows-1252 leaves undefined.
            let c = place.directCohort
            try place.write(
                "cohort.csv",
                c.bytes(replacing: 2, with: Array("NS_".utf8) + [0x81] + Array((";" + c.fields(2).dropFirst().joined(separator: ";")).utf8)))
            return place.direct("cohort.csv", extra: ["--encoding", "windows-1252"])
        },
        refusedCohort("cohort-utf8-stray-latin1", "line 4: bytes that are not valid UTF-8, though the file has 2 accented characters in UTF-8") { c in
            // No byte order mark, Hélène in UTF-8 on line 3 and one Latin-1 É on line 4: read as
            // Latin-1, every accent of the file would come back garbled (NS_HÃ©lÃ¨ne), silently.
            var out = c.all.map { Array($0.utf8) }
            out[2] = Array(("NS_Hélène;" + c.fields(2).dropFirst().joined(separator: ";")).utf8)
            out[3] = Array("NS_".utf8) + [0xC9] + Array((";" + c.fields(3).dropFirst().joined(separator: ";")).utf8)
            return Array(out.joined(separator: [0x0A])) + [0x0A]
        },
        linkedCohort(
            "cohort-separator-rows-above-header",
            check: { run in
                // Empty spreadsheet rows above the header (`;;;;;`, `,,,,,`): skipped like blank lines, the
                // header read on line 4 — it was "column 1 of the header has no name".
                let results = try RunChecks.rows(run.appendingPathComponent("results.csv"))
                #expect(results.first?.first == "5", "cohort-separator-rows-above-header: the first data line is not line 5")
            }
        ) { c in
            // (`,,,,,` too, a comma-separated empty row above a `;` file, which also said nothing
            // of the header's separator.)
            Array((";;;;;\n,,,,,\n ; ;\t; ;\n" + c.text).utf8)
        },
        linkedCohort(
            "cohort-separator-only-lines",
            check: { run in
                // Lines 2 and 6 hold only separators (empty spreadsheet rows): skipped like blank lines, not
                // submitted people rejected as missing_ns.
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                let results = try RunChecks.rows(run.appendingPathComponent("results.csv"))
                for line in ["2", "6"] {
                    #expect(
                        !rejects.contains { $0.first == line } && !results.contains { $0.first == line },
                        "cohort-separator-only-lines: line \(line) counted as a person")
                }
                #expect(!rejects.contains { $0.count > 2 && $0[2] == "missing_ns" }, "cohort-separator-only-lines: a missing_ns reject")
                // Skipped, not lost: counted in the summary.
                let summary = try RunChecks.json(run.appendingPathComponent("summary.json"))
                #expect(
                    (summary["cohort"] as? [String: Any])?["blankLines"] as? Int == 2,
                    "cohort-separator-only-lines: summary.json does not count the 2 lines")
            }
        ) { c in
            Array(c.lines(insert: [(2, ";;;;;"), (5, " ; ;\t; ;")]).utf8)
        },
        BadInput(
            id: "cohort-too-large-for-memory", kind: .cohort,
            expected: .refused(exit: 3, message: "of memory, more than is left under the memory limit (ulimit -v")
        ) { place in
            // 3 million lines (the cohort's, repeated under new NS) under a 2 GB address-space
            // limit: refused with the figures before it is read — not an allocation failure
            // halfway (exit 134), as it was.
            let c = place.directCohort
            let body = (1..<c.count).map { c.all[$0] }
            let url = place.url("cohort.csv")
            FileManager.default.createFile(atPath: url.path, contents: Data((c.header + "\n").utf8))
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            let rounds = 3_000_000 / body.count
            for round in 0..<rounds {
                try handle.write(contentsOf: Data(body.map { "M\(round)_" + $0 }.joined(separator: "\n").appending("\n").utf8))
            }
            try handle.close()
            return place.direct("cohort.csv")
        },
        BadInput(id: "cohort-larger-than-1gb", kind: .cohort, expected: .refused(exit: 3, message: "is larger than 1 GB")) { place in
            // Sparse: 1.1 GB announced, nothing on disk; refused from its size, before reading.
            let url = place.url("cohort.csv")
            FileManager.default.createFile(atPath: url.path, contents: Data(place.directCohort.text.utf8))
            let handle = try FileHandle(forWritingTo: url)
            try handle.truncate(atOffset: 1_100 << 20)
            try handle.close()
            return place.direct("cohort.csv")
        },
    ]

    // Rules files, run with `probabiliste` on a real registry cohort.
    static let rules: [BadInput] = [
        refusedRules("rules-where-keeps-nothing", "the dataset has no candidate event (MCO stays with a reliable chaining) under events.where") { y in
            // A filter no event passes (a misspelt code): every configuration would run for
            // nothing, the run end in FAILURE without a word on why.
            y.replacingOccurrences(of: "  source: mco_stays", with: "  source: mco_stays\n  where:\n    T_MCOaaB.DGN_PAL: [ZZZ]")
        },
        refusedRules("rules-where-unquoted-number", "1 is read by YAML as a number, not a code: quote it ('1')") { y in
            // [1] matched départements 10 to 19.
            y.replacingOccurrences(of: "  source: mco_stays", with: "  source: mco_stays\n  where:\n    T_MCOaaB.BDI_DEP: [1]")
        },
        refusedRules("rules-threshold-base-60", "line 50: 0:0.9 is a base-60 number in YAML") { y in
            // Read as 0.9 (0 × 60 + 0.9) before: a typo for 0.9 that happened to mean it.
            y.replacingOccurrences(of: "success_threshold: 0.90", with: "success_threshold: 0:0.9")
        },
        refusedRules("rules-empty", "the file is empty") { _ in "" },
        refusedRules("rules-not-yaml", "not valid YAML") { _ in "version: 1\ncriteria: [\n" },
        refusedRules("rules-unknown-key", "unknown key 'colour'") { r in
            r.replacingOccurrences(of: "version: 1\n", with: "version: 1\ncolour: blue\n")
        },
        refusedRules("rules-unknown-criterion-key", "unknown key 'tolerance'") { r in
            r.replacingOccurrences(of: "    normalise: sex\n", with: "    normalise: sex\n    tolerance: 2\n")
        },
        refusedRules("rules-wrong-type", "expected a whole number") { r in r.replacingOccurrences(of: "within_days: 2}", with: "within_days: deux}")
        },
        refusedRules("rules-list-for-a-value", "expected a single value") { r in
            r.replacingOccurrences(of: "normalise: sex", with: "normalise: [sex, year]")
        },
        refusedRules("rules-alias-cycle", "undefined, or an anchor containing itself") { r in
            r.replacingOccurrences(of: "version: 1\n", with: "version: 1\ncohort: &loop {id: *loop}\n")
        },
        refusedRules("rules-billion-laughs", "the file expands to too many values") { _ in
            var yaml = "version: 1\nlol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            for i in 1...9 { yaml += "lol\(i): &lol\(i) [" + Array(repeating: "*lol\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
            return yaml + "criteria: *lol9\n"
        },
        refusedRules("rules-billion-laughs-in-criteria", "the file expands to too many values") { r in
            // The bomb where the reader walks: refused before the walk, as anywhere in the file.
            var bomb = "\n  - &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"
            for i in 1...9 { bomb += "\n  - &lol\(i) [" + Array(repeating: "*lol\(i - 1)", count: 10).joined(separator: ", ") + "]" }
            return r.replacingOccurrences(of: "criteria:", with: "criteria:" + bomb)
        },
        refusedRules("rules-alias-bomb-as-keys", "the file's keys expand to too many values") { r in
            // Aliases as mapping keys: the YAML library hashes keys as it builds the tree, so such
            // a bomb would be expanded before any check of the rules (found by the fuzzer).
            var bomb = "lol0: &lol0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1}\n"
            for i in 1...9 {
                bomb +=
                    "lol\(i): &lol\(i) {"
                    + (0..<10).map { "? *lol\(i - 1)\($0 == 0 ? "" : String(repeating: " ", count: $0)) : \($0)" }.joined(separator: ", ") + "}\n"
            }
            return bomb + r
        },
        refusedRules("rules-absurd-tolerance", "100000 is out of range (0 to 366)") { r in
            r.replacingOccurrences(of: "within_days: 2}", with: "within_days: 100000}")
        },
        refusedRules("rules-negative-tolerance", "-3 is out of range (0 to 366)") { r in
            r.replacingOccurrences(of: "within_days: 2}", with: "within_days: -3}")
        },
        refusedRules("rules-absurd-prefix", "0 is out of range (1 to 20)") { r in r.replacingOccurrences(of: "prefix: 3}", with: "prefix: 0}") },
        refusedRules("rules-absurd-threshold", "expected a share above 0 and at most 1") { r in
            r.replacingOccurrences(of: "success_threshold: 0.90", with: "success_threshold: 90")
        },
        refusedRules("rules-absurd-max-dropped", "99 is out of range") { r in r.replacingOccurrences(of: "max_dropped: 1 ", with: "max_dropped: 99 ")
        },
        refusedRules("rules-absurd-max-missing", "1000 is out of range (0 to 8)") { r in
            r.replacingOccurrences(of: "strategy:\n", with: "strategy:\n  max_missing: 1000\n")
        },
        refusedRules("rules-unknown-normalisation", "unknown normalisation 'soundex'") { r in
            r.replacingOccurrences(of: "normalise: sex", with: "normalise: soundex")
        },
        refusedRules("rules-unknown-source", "BEN_XXX_COD") { r in r.replacingOccurrences(of: "IR_BEN_R.BEN_SEX_COD", with: "IR_BEN_R.BEN_XXX_COD") },
        refusedRules("rules-pseudonym-source", "is a pseudonym or a person's identifier, not a criterion") { r in
            r.replacingOccurrences(of: "IR_BEN_R.BEN_SEX_COD", with: "IR_BEN_R.BEN_NIR_PSA")
        },
        refusedRules("rules-larger-than-1mb", "is larger than 1 MB") { r in r + "#" + String(repeating: "x", count: 2 << 20) + "\n" },
        BadInput(id: "rules-missing-file", kind: .rules, expected: .refused(exit: 3, message: "no such rules file")) { place in
            place.probabiliste(place.indirectCohortPath, rules: "absent.yml")
        },
        BadInput(id: "rules-device", kind: .rules, expected: .refused(exit: 3, message: "is not a regular file")) { place in
            place.probabiliste(place.indirectCohortPath, rules: "/dev/zero")
        },
        refusedRules("rules-tab-indentation", "found character that cannot start any token (while scanning for the next token)") { r in
            r.replacingOccurrences(of: "cohort:\n  id: NS", with: "cohort:\n\tid: NS")
        },
    ]

    // Cohort noise profiles (`cohort direct --noise`, `cohort probabiliste --noise`): a user's YAML,
    // with the guards of a rules file.
    static let noiseProfiles: [BadInput] = [
        refusedNoise("noise-alias-bomb-as-keys", "the file's keys expand to too many values") { p in
            var bomb = "lol0: &lol0 {a: 1, b: 1, c: 1, d: 1, e: 1, f: 1, g: 1, h: 1, i: 1, j: 1}\n"
            for i in 1...9 {
                bomb +=
                    "lol\(i): &lol\(i) {"
                    + (0..<10).map { "? *lol\(i - 1)\($0 == 0 ? "" : String(repeating: " ", count: $0)) : \($0)" }.joined(separator: ", ") + "}\n"
            }
            return bomb + p
        },
        refusedNoise("noise-billion-laughs", "the file expands to too many values") { p in
            var bomb = "lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
            for i in 1...9 { bomb += "lol\(i): &lol\(i) [" + Array(repeating: "*lol\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
            return bomb + p
        },
        refusedNoise("noise-base-60", "is a base-60 number") { p in
            p.replacingOccurrences(of: "wrong_nir_key: 0.01", with: "wrong_nir_key: 1:0:0:0:0:0:0:0:0:0:0:0:0")
        },
        refusedNoise("noise-hex-number", "0x1 is not a plain decimal number") { p in
            // YAML 1.1 reads 0x1 as 1: a rate of 100 %, read silently before.
            p.replacingOccurrences(of: "wrong_nir_key: 0.01", with: "wrong_nir_key: 0x1")
        },
        refusedNoise("noise-not-yaml", "did not find expected ',' or '}'", indirect: true) { p in
            p.replacingOccurrences(of: "sex: {\"1/2\": 0.6,", with: "sex: {\"1/2\": 0.6")
        },
        BadInput(id: "noise-fifo", kind: .noise, expected: .refused(exit: 3, message: "is not a regular file")) { place in
            // A named pipe no one writes to: opened, it would block for good.
            #expect(mkfifo(place.url("noise.yml").path, 0o600) == 0, "noise-fifo: mkfifo failed")
            return place.cohortDirect(noise: place.path("noise.yml"))
        },
    ]

    // Database files given to `direct` (and `check-dataset` where it says more).
    static let databases: [BadInput] = [
        BadInput(
            id: "database-missing", kind: .database, expected: .refused(exit: 3, message: "does not exist (create one with `appariement generate`)")
        ) { place in
            place.direct(place.directCohortPath, database: place.path("absent/snds.sqlite"))
        },
        BadInput(id: "database-not-sqlite", kind: .database, expected: .refused(exit: 3, message: "is not an SQLite database")) { place in
            var generator = SystemRandomNumberGenerator()
            try place.write("snds.sqlite", (0..<100_000).map { _ in UInt8.random(in: 0...255, using: &generator) })
            return place.direct(place.directCohortPath, database: place.path("snds.sqlite"))
        },
        BadInput(id: "database-text-file", kind: .database, expected: .refused(exit: 3, message: "is not an SQLite database")) { place in
            try place.write("snds.sqlite", Array(place.directCohort.text.utf8))
            return place.direct(place.directCohortPath, database: place.path("snds.sqlite"))
        },
        BadInput(id: "database-is-a-directory", kind: .database, expected: .refused(exit: 3, message: "is a directory, not a database file")) {
            place in
            try FileManager.default.createDirectory(at: place.url("snds.sqlite"), withIntermediateDirectories: true)
            return place.direct(place.directCohortPath, database: place.path("snds.sqlite"))
        },
        BadInput(id: "database-other-sqlite", kind: .database, expected: .refused(exit: 3, message: "is an SQLite database but not a synthetic SNDS"))
        { place in
            let queue = try DatabaseQueue(path: place.url("snds.sqlite").path)
            try queue.write { db in try db.execute(sql: "CREATE TABLE patients (id INTEGER, name TEXT); INSERT INTO patients VALUES (1, 'x')") }
            try queue.close()
            return place.direct(place.directCohortPath, database: place.path("snds.sqlite"))
        },
        BadInput(
            id: "database-other-layout-version", kind: .database,
            expected: .refused(
                exit: 3,
                message:
                    "has database layout version \(SNDSDatabase.layoutVersion + 1); this version of appariement reads version \(SNDSDatabase.layoutVersion)"
            )
        ) { place in
            // A dataset from a future version: its manifest (digest recomputed) and its database say so.
            let files = try place.copyDataset()
            var manifest = try DatasetManifest.load(for: files)
            manifest.layoutVersion = SNDSDatabase.layoutVersion + 1
            manifest.contentDigest = manifest.computedDigest
            try FileManager.default.removeItem(at: files.manifest)
            try manifest.write(to: files.manifest)
            let queue = try DatabaseQueue(path: files.database.path)
            try queue.write { db in
                try db.execute(
                    sql: "UPDATE appariement_metadata SET value = ? WHERE key = 'layout_version'", arguments: [String(SNDSDatabase.layoutVersion + 1)]
                )
            }
            try queue.close()
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(id: "database-manifest-missing", kind: .database, expected: .refused(exit: 5, message: "the manifest is missing")) { place in
            let files = try place.copyDataset()
            try FileManager.default.removeItem(at: files.manifest)
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(id: "database-manifest-edited", kind: .database, expected: .refused(exit: 5, message: "the manifest was edited after generation")) {
            place in
            let files = try place.copyDataset()
            let text = try String(contentsOf: files.manifest, encoding: .utf8)
            try text.replacingOccurrences(of: "\"beneficiariesRequested\" : 400", with: "\"beneficiariesRequested\" : 401")
                .write(to: files.manifest, atomically: true, encoding: .utf8)
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(id: "database-table-edited", kind: .database, expected: .refused(exit: 5, message: "table IR_BEN_R was changed since generation")) {
            place in
            let files = try place.copyDataset()
            let queue = try DatabaseQueue(path: files.database.path)
            try queue.write { db in try db.execute(sql: "UPDATE IR_BEN_R SET BEN_RES_COM = '001' WHERE rowid = 1") }
            try queue.close()
            return Invocation(arguments: ["check-dataset", place.relative(files.database)], outputs: [])
        },
        // A dataset altered after generation, met by the commands that read it (not only by
        // check-dataset): its structure, its row counts and the tables a linkage decides on are
        // checked against the manifest before anything is linked or written.
        BadInput(id: "database-table-dropped-direct", kind: .database, expected: .refused(exit: 5, message: "(missing: ER_PHA_F)")) { place in
            let files = try place.copyDataset()
            try Self.alter(files) { db in try db.execute(sql: "DROP TABLE ER_PHA_F") }
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(
            id: "database-pmsi-year-dropped-probabiliste", kind: .database, expected: .refused(exit: 5, message: "(missing: T_MCO24B, T_MCO24C)")
        ) { place in
            let files = try place.copyDataset()
            try Self.alter(files) { db in try db.execute(sql: "DROP TABLE T_MCO24C; DROP TABLE T_MCO24B") }
            return place.probabiliste(place.indirectCohortPath, database: place.relative(files.database))
        },
        BadInput(
            id: "database-column-renamed-probabiliste", kind: .database,
            expected: .refused(exit: 5, message: "its structure (tables, columns, indexes or triggers) differs from the manifest")
        ) { place in
            let files = try place.copyDataset()
            try Self.alter(files) { db in try db.execute(sql: "ALTER TABLE IR_BEN_R RENAME COLUMN BEN_NIR_PSA TO X") }
            return place.probabiliste(place.indirectCohortPath, database: place.relative(files.database))
        },
        BadInput(
            id: "database-column-renamed-describe", kind: .database,
            expected: .refused(exit: 5, message: "its structure (tables, columns, indexes or triggers) differs from the manifest")
        ) { place in
            let files = try place.copyDataset()
            try Self.alter(files) { db in try db.execute(sql: "ALTER TABLE IR_BEN_R RENAME COLUMN BEN_NIR_PSA TO X") }
            return Invocation(arguments: ["describe", place.relative(files.database)], outputs: [])
        },
        BadInput(id: "database-person-deleted-direct", kind: .database, expected: .refused(exit: 5, message: "table IR_BEN_R was changed")) {
            place in
            let files = try place.copyDataset()
            // One row: a person's rows are one or several depending on the key, which each run draws anew.
            try Self.alter(files) { db in try db.execute(sql: "DELETE FROM IR_BEN_R WHERE rowid = (SELECT MIN(rowid) FROM IR_BEN_R)") }
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(id: "database-person-edited-direct", kind: .database, expected: .refused(exit: 5, message: "different contents")) { place in
            let files = try place.copyDataset()
            try Self.alter(files) { db in try db.execute(sql: "UPDATE IR_BEN_R SET BEN_SEX_COD = 3 - BEN_SEX_COD WHERE rowid = 1") }
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(id: "database-claim-edited-direct", kind: .database, expected: .refused(exit: 5, message: "table ER_PRS_F was changed")) {
            place in
            // A claim the extraction would copy, edited with the row count kept: every table is
            // digested once per state of the database file (the verification stamp), so it is seen.
            let files = try place.copyDataset()
            try Self.alter(files) { db in try db.execute(sql: "UPDATE ER_PRS_F SET PRS_ACT_QTE = PRS_ACT_QTE + 1 WHERE rowid = 1") }
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(
            id: "database-leftover-journal", kind: .database,
            expected: .refused(exit: 5, message: "snds.sqlite-journal beside it holds a write into it that was interrupted")
        ) { place in
            // A write into the dataset (with sqlite3, say) interrupted halfway: its rollback journal
            // is taken while the transaction is open, then put back beside the untouched file.
            let files = try place.copyDataset()
            let journal = URL(fileURLWithPath: files.database.path + "-journal")
            var configuration = Configuration()
            configuration.journalMode = .default
            let queue = try DatabaseQueue(path: files.database.path, configuration: configuration)
            let taken: Data = try queue.inDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = DELETE; PRAGMA cache_size = 5")
                try db.execute(sql: "BEGIN; UPDATE ER_PRS_F SET PRS_ACT_QTE = PRS_ACT_QTE + 1")
                let bytes = try Data(contentsOf: journal)
                try db.execute(sql: "ROLLBACK")
                return bytes
            }
            try queue.close()
            #expect(taken.count > 512, "database-leftover-journal: no journal was written")
            try taken.write(to: journal)
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(
            id: "database-sealed-correspondence-missing", kind: .database,
            expected: .refused(exit: 5, message: "the sealed correspondence is missing")
        ) { place in
            let files = try place.copyDataset()
            try FileManager.default.removeItem(at: files.correspondence)
            return Invocation(arguments: ["check-dataset", place.relative(files.database)], outputs: [])
        },
        // Not regular files: refused from their metadata, never opened (a pipe's open would wait
        // for a writer forever, a device never end).
        BadInput(id: "database-fifo", kind: .database, expected: .refused(exit: 3, message: "is not a regular file (a device or a pipe)")) { place in
            #expect(mkfifo(place.url("snds.sqlite").path, 0o600) == 0, "database-fifo: mkfifo failed")
            return place.direct(place.directCohortPath, database: place.path("snds.sqlite"))
        },
        BadInput(id: "database-device", kind: .database, expected: .refused(exit: 3, message: "is not a regular file (a device or a pipe)")) {
            place in
            place.direct(place.directCohortPath, database: "/dev/zero")
        },
        BadInput(
            id: "database-replaced-by-a-fifo", kind: .database, expected: .refused(exit: 3, message: "is not a regular file (a device or a pipe)")
        ) { place in
            // The dataset's SQLite file, beside its manifest and sealed file, replaced by a pipe (`check-dataset`).
            let files = try place.copyDataset()
            try FileManager.default.removeItem(at: files.database)
            #expect(mkfifo(files.database.path, 0o600) == 0, "database-replaced-by-a-fifo: mkfifo failed")
            return Invocation(arguments: ["check-dataset", place.relative(files.database)], outputs: [])
        },
        BadInput(
            id: "database-manifest-is-a-directory", kind: .database, expected: .refused(exit: 5, message: "the manifest is a directory, not a file")
        ) { place in
            let files = try place.copyDataset()
            try FileManager.default.removeItem(at: files.manifest)
            try FileManager.default.createDirectory(at: files.manifest, withIntermediateDirectories: false)
            return place.direct(place.directCohortPath, database: place.relative(files.database))
        },
        BadInput(
            id: "database-manifest-fifo", kind: .database,
            expected: .refused(exit: 5, message: "the manifest is not a regular file (a device or a pipe)")
        ) { place in
            let files = try place.copyDataset()
            try FileManager.default.removeItem(at: files.manifest)
            #expect(mkfifo(files.manifest.path, 0o600) == 0, "database-manifest-fifo: mkfifo failed")
            return Invocation(arguments: ["check-dataset", place.relative(files.database)], outputs: [])
        },
        BadInput(
            id: "database-sealed-correspondence-fifo", kind: .database,
            expected: .refused(exit: 5, message: "the sealed correspondence is not a regular file (a device or a pipe)")
        ) { place in
            let files = try place.copyDataset()
            try FileManager.default.removeItem(at: files.correspondence)
            #expect(mkfifo(files.correspondence.path, 0o600) == 0, "database-sealed-correspondence-fifo: mkfifo failed")
            return Invocation(arguments: ["check-dataset", place.relative(files.database)], outputs: [])
        },
    ]

    // Key files.
    static let keys: [BadInput] = [
        refusedKey("key-missing", exit: 4, "does not exist") { _ in nil },
        refusedKey("key-empty", exit: 4, "is not a valid key: the file is empty") { _ in "" },
        refusedKey("key-malformed", exit: 4, "expected one line of 64 hexadecimal characters") { _ in "not a key\n" },
        refusedKey("key-too-short", exit: 4, "expected one line of 64 hexadecimal characters") { key in String(key.prefix(32)) + "\n" },
        refusedKey("key-group-readable", exit: 4, "may be read by group or others (mode 640); run: chmod 600", mode: 0o640) { key in key },
        refusedKey("key-world-readable", exit: 4, "may be read by group or others (mode 644); run: chmod 600", mode: 0o644) { key in key },
        refusedKey("key-wrong-direct", exit: 4, "but the key given has fingerprint") { key in Place.otherKey(than: key) },
        BadInput(id: "key-wrong-probabiliste", kind: .key, expected: .refused(exit: 4, message: "but the key given has fingerprint")) { place in
            try place.writeKey("other.key", Place.otherKey(than: place.keyText), mode: 0o600)
            return place.probabiliste(place.indirectCohortPath, key: place.path("other.key"))
        },
        BadInput(id: "key-from-environment-missing", kind: .key, expected: .refused(exit: 4, message: "does not exist")) { place in
            var invocation = place.direct(place.directCohortPath)
            invocation.arguments.removeLast(2)  // --key-file PATH
            invocation.environment = ["APPARIEMENT_KEY_FILE": place.path("absent.key")]
            return invocation
        },
        BadInput(id: "key-fifo", kind: .key, expected: .refused(exit: 4, message: "is not a regular file (a device or a pipe)")) { place in
            #expect(mkfifo(place.url("case.key").path, 0o600) == 0, "key-fifo: mkfifo failed")
            return place.direct(place.directCohortPath, key: place.path("case.key"))
        },
    ]

    // Sealed files, checked with `check-sealed` (the same reader every command uses).
    // A finished run's files, edited after the run: evaluate, report and export read only what
    // the run sealed (integrity.json, HMAC under the dataset's key), and figures that reconcile.
    static let runs: [BadInput] = [
        refusedRun(
            "run-summary-edited", exit: 5, "summary.json: changed after the run wrote it", command: ["report"],
            options: ["--key-file", "keys/secret.key"]
        ) { run in
            try inflateFound(run)
        },
        refusedRun(
            "run-summary-edited-digest-forged", exit: 5, "integrity.json: does not verify with the dataset's key", command: ["report"],
            options: ["--key-file", "keys/secret.key"]
        ) { run in
            try inflateFound(run)
            try redigest(run, "summary.json")
        },
        refusedRun(
            "run-summary-absurd-without-key", exit: 5, "summary.json: its figures do not reconcile", command: ["report"],
            options: []
        ) { run in
            // Without a key file (none at the default place) only the digests and the figures can be checked.
            try inflateFound(run)
            try redigest(run, "summary.json")
        },
        refusedRun(
            "run-evaluation-edited", exit: 5, "evaluation.json: changed after the run wrote it", command: ["report"],
            options: ["--key-file", "keys/secret.key"]
        ) { run in
            try editJSON(run.appendingPathComponent("evaluation.json")) { object in object["precision"] = -7.5 }
        },
        refusedRun(
            "run-evaluation-absurd-without-key", exit: 5, "evaluation.json: its figures do not reconcile (precision is -7.5", command: ["report"],
            options: []
        ) { run in
            try editJSON(run.appendingPathComponent("evaluation.json")) { object in object["precision"] = -7.5 }
            try redigest(run, "evaluation.json")
        },
        refusedRun(
            "run-results-edited-evaluate", exit: 5, "results.csv: changed after the run wrote it", command: ["evaluate"],
            options: ["--truth", "cohorts/study.truth.csv", "--key-file", "keys/secret.key"]
        ) { run in
            let results = run.appendingPathComponent("results.csv")
            let text = try String(contentsOf: results, encoding: .utf8)
            try text.replacingOccurrences(of: ";not_found;", with: ";found;").write(to: results, atomically: true, encoding: .utf8)
        },
        refusedRun(
            "run-evaluation-fifo", exit: 5, "evaluation.json: cannot be read to check it (not a regular file", command: ["report"],
            options: ["--key-file", "keys/secret.key"]
        ) { run in
            // A named pipe in a file's place: never opened (the read would wait for a writer forever).
            try replaceByFIFO(run, "evaluation.json")
        },
        refusedRun(
            "run-summary-fifo", exit: 3, "no summary.json of appariement: not a finished linkage run", command: ["report"],
            options: ["--key-file", "keys/secret.key"]
        ) { run in
            try replaceByFIFO(run, "summary.json")
        },
        refusedRun(
            "run-integrity-missing", exit: 5, "integrity.json: missing: the run's files cannot be checked", command: ["report"],
            options: ["--key-file", "keys/secret.key"]
        ) { run in
            try FileManager.default.removeItem(at: run.appendingPathComponent("integrity.json"))
        },
    ]

    static let sealed: [BadInput] = [
        refusedSealed("sealed-header-broken", exit: 5, "the sealed file's header is damaged") { bytes in
            var b = bytes
            let at = b.indices.first { b[$0] == UInt8(ascii: "{") }! + 5
            b[at] ^= 0x01
            return b
        },
        refusedSealed("sealed-header-value-changed", exit: 5, "failed authentication") { bytes in
            // Still valid JSON, a plausible value (a column renamed): only the authentication of
            // the header, bound to every block, can tell.
            var b = bytes
            let name = Array("\"BEN_IDT_ANO\"".utf8)
            let at = (0...(b.count - name.count)).first { Array(b[$0..<($0 + name.count)]) == name }!
            b[at + 1] = UInt8(ascii: "X")
            return b
        },
        refusedSealed("sealed-payload-tampered", exit: 5, "altered") { bytes in
            var b = bytes
            b[b.count - 40] ^= 0x01
            return b
        },
        refusedSealed("sealed-truncated", exit: 5, "truncated") { bytes in Array(bytes.prefix(bytes.count - 100)) },
        refusedSealed("sealed-not-sealed", exit: 3, "is not a sealed appariement file") { _ in Array("NS;BEN_NIR_PSA\n".utf8) },
        BadInput(id: "sealed-wrong-key", kind: .sealed, expected: .refused(exit: 4, message: "but the key given has fingerprint")) { place in
            try place.writeKey("other.key", Place.otherKey(than: place.keyText), mode: 0o600)
            return Invocation(
                arguments: ["check-sealed", place.datasetPath + ".correspondence.sealed", "--key-file", place.path("other.key")], outputs: [])
        },
        BadInput(id: "sealed-fifo", kind: .sealed, expected: .refused(exit: 3, message: "is not a regular file (a device or a pipe)")) { place in
            #expect(mkfifo(place.url("file.sealed").path, 0o600) == 0, "sealed-fifo: mkfifo failed")
            return Invocation(arguments: ["check-sealed", place.path("file.sealed"), "--key-file", place.keyPath], outputs: [])
        },
        BadInput(id: "sealed-is-a-directory", kind: .sealed, expected: .refused(exit: 3, message: "is a directory, not a sealed file")) { place in
            try FileManager.default.createDirectory(at: place.url("file.sealed"), withIntermediateDirectories: true)
            return Invocation(arguments: ["check-sealed", place.path("file.sealed"), "--key-file", place.keyPath], outputs: [])
        },
    ]

    // Places that cannot be written to.
    static let outputs: [BadInput] = [
        BadInput(id: "output-read-only-folder", kind: .output, expected: .refused(exit: 6, message: "is not writable")) { place in
            guard let cleanup = try place.readOnly("ro") else { return nil }
            var invocation = place.direct(place.directCohortPath, out: place.path("ro/run"))
            invocation.cleanup = cleanup
            return invocation
        },
        BadInput(id: "output-read-only-folder-generate", kind: .output, expected: .refused(exit: 6, message: "is not writable")) { place in
            guard let cleanup = try place.readOnly("ro") else { return nil }
            return Invocation(
                arguments: ["generate", "--beneficiaries", "100", "--out", place.path("ro/snds.sqlite"), "--key-file", place.keyPath],
                outputs: [place.path("ro/snds.sqlite"), place.path("ro/snds.manifest.json")], cleanup: cleanup)
        },
        BadInput(id: "output-file-size-limit-direct", kind: .output, expected: .refused(exit: 6, message: "file size limit")) { place in
            var invocation = place.direct(place.directCohortPath)
            invocation.fileSizeBlocks = 256
            return invocation
        },
        BadInput(id: "output-file-size-limit-probabiliste", kind: .output, expected: .refused(exit: 6, message: "file size limit")) { place in
            var invocation = place.probabiliste(place.indirectCohortPath)
            invocation.fileSizeBlocks = 256
            return invocation
        },
        BadInput(id: "output-file-size-limit-generate", kind: .output, expected: .refused(exit: 6, message: "file size limit")) { place in
            Invocation(
                arguments: ["generate", "--beneficiaries", "300", "--out", place.path("g/snds.sqlite"), "--key-file", place.keyPath],
                outputs: [place.path("g/snds.sqlite"), place.path("g/snds.manifest.json")], fileSizeBlocks: 256)
        },
        BadInput(id: "output-file-size-limit-rejects", kind: .output, expected: .refused(exit: 6, message: "File too large")) { place in
            // Half the lines rejected (more would refuse the file before any output), no
            // extraction: rejects.csv, whose details list the date layouts read, is the file that
            // outgrows the limit (60 KB), after the correspondence and results.csv.
            let c = place.directCohort
            let lines = (1..<c.count).map { i in
                var f = c.fields(i); f[2] = "unknown"; return f.joined(separator: ";")
            }
            var text = c.header + "\n"
            for round in 0..<20 {
                text +=
                    (round % 2 == 0 ? lines : (1..<c.count).map { c.fields($0).joined(separator: ";") })
                    .map { "R\(round)_" + $0 }.joined(separator: "\n") + "\n"
            }
            try place.write("cohort.csv", Array(text.utf8))
            var invocation = place.direct("cohort.csv", extra: ["--no-extraction"])
            invocation.fileSizeBlocks = 120
            return invocation
        },
        BadInput(
            id: "output-file-size-limit-sealed", kind: .output,
            expected: .refused(exit: 6, message: "correspondence.sealed: cannot write the file: File too large")
        ) { place in
            var invocation = place.direct(place.directCohortPath, extra: ["--no-extraction"])
            invocation.fileSizeBlocks = 4  // 2 KB: results.csv fits, the sealed correspondence does not
            return invocation
        },
        BadInput(id: "output-file-size-limit-summary", kind: .output, expected: .refused(exit: 6, message: "summary.json: File too large")) { place in
            var invocation = place.direct(place.directCohortPath, extra: ["--no-extraction"])
            invocation.fileSizeBlocks = 8  // 4 KB: the sealed correspondence fits, summary.json does not
            return invocation
        },
        BadInput(
            id: "output-generate-force-foreign-file", kind: .output,
            expected: .refused(exit: 6, message: "--force only replaces a previous dataset")
        ) { place in
            // A cohort where the database would go: --force replaces a dataset, never a user's file.
            let foreign = Data(place.directCohort.text.utf8)
            try place.write("snds.sqlite", [UInt8](foreign))
            return Invocation(
                arguments: ["generate", "--beneficiaries", "100", "--out", place.path("snds.sqlite"), "--key-file", place.keyPath, "--force"],
                outputs: [place.path("snds.manifest.json"), place.path("snds.correspondence.sealed")],
                cleanup: { [url = place.url("snds.sqlite")] in
                    #expect((try? Data(contentsOf: url)) == foreign, "output-generate-force-foreign-file: the file was replaced")
                })
        },
        BadInput(
            id: "output-export-links-force-foreign", kind: .output,
            expected: .refused(exit: 6, message: "--force only replaces a previous links file")
        ) { place in
            // A secret key where the links would go: --force replaces a links file, never a user's file.
            try place.writeKey("victim.key", place.keyText, mode: 0o600)
            let before = try Data(contentsOf: place.url("victim.key"))
            return Invocation(
                arguments: ["export", "links", Corpus.finishedRun, "--out", place.path("victim.key"), "--force", "--key-file", place.keyPath],
                outputs: [],
                cleanup: { [url = place.url("victim.key")] in
                    #expect((try? Data(contentsOf: url)) == before, "output-export-links-force-foreign: the key was replaced")
                })
        },
        BadInput(
            id: "output-export-candidates-force-own-input", kind: .output,
            expected: .refused(exit: 6, message: "it is one of the command's own inputs")
        ) { place in
            // The cohort given is the export's own cohort.csv: --force must not write over its input.
            try FileManager.default.createDirectory(at: place.url("out"), withIntermediateDirectories: true)
            let cohort = try Data(contentsOf: place.root.appendingPathComponent(place.indirectCohortPath))
            try cohort.write(to: place.url("out/cohort.csv"))
            return Invocation(
                arguments: [
                    "export", "candidates", place.path("out/cohort.csv"), "--criteria", "rules/default.yml", "--database",
                    place.datasetPath + ".sqlite", "--out", place.path("out"), "--force",
                ],
                outputs: [place.path("out/candidates.csv"), place.path("out/export.json")],
                cleanup: { [url = place.url("out/cohort.csv")] in
                    #expect((try? Data(contentsOf: url)) == cohort, "output-export-candidates-force-own-input: the cohort was replaced")
                })
        },
        BadInput(
            id: "output-cohort-force-foreign", kind: .output,
            expected: .refused(exit: 6, message: "--force only replaces a previous cohort and its truth")
        ) { place in
            // A user's own cohort (no truth beside it) under the name asked: never replaced.
            try FileManager.default.createDirectory(at: place.url("out"), withIntermediateDirectories: true)
            let mine = Data(place.directCohort.text.utf8)
            try mine.write(to: place.url("out/mine.csv"))
            return Invocation(
                arguments: [
                    "cohort", "direct", "--size", "10", "--database", place.datasetPath + ".sqlite", "--key-file", place.keyPath,
                    "--dir", place.path("out"), "--name", "mine", "--force",
                ],
                outputs: [place.path("out/mine.truth.csv")],
                cleanup: { [url = place.url("out/mine.csv")] in
                    #expect((try? Data(contentsOf: url)) == mine, "output-cohort-force-foreign: the cohort was replaced")
                })
        },
        BadInput(id: "output-disk-full", kind: .output, expected: .refused(exit: 6, message: "the disk is full")) { place in
            guard let cleanup = try place.tinyFilesystem("tiny") else { return nil }
            var invocation = place.direct(place.directCohortPath, out: place.path("tiny/run"))
            invocation.cleanup = cleanup
            return invocation
        },
        BadInput(
            id: "output-disk-full-sealed", kind: .output,
            expected: .refused(exit: 6, message: "tiny/run/correspondence.sealed: cannot write the file: No space left on device")
        ) { place in
            // A disk filled to the last page: the first file of the run, the sealed correspondence,
            // fails — named by the path the user gave, with the reason, not as a hidden staged path.
            guard let cleanup = try place.tinyFilesystem("tiny") else { return nil }
            let filler = place.url("tiny/filler")
            FileManager.default.createFile(atPath: filler.path, contents: nil)
            if let handle = FileHandle(forWritingAtPath: filler.path) {
                while (try? handle.write(contentsOf: Data(count: 4096))) != nil {}
                try? handle.close()
            }
            var invocation = place.direct(place.directCohortPath, out: place.path("tiny/run"), extra: ["--no-extraction"])
            invocation.cleanup = cleanup
            return invocation
        },
        BadInput(
            id: "resources-argon2-memory", kind: .output,
            expected: .refused(exit: 7, message: "argon2id hashing failed: it could not allocate the 2.9 GB each hash takes")
        ) { place in
            // argon2id asked for 3 GB per hash under the corpus' 2 GB address-space limit: the
            // machine's resources, exit 7 — not an integrity failure (5), as it was.
            Invocation(
                arguments: [
                    "generate", "--beneficiaries", "20", "--argon2-memory", "3000000", "--out", place.path("big/snds.sqlite"),
                    "--key-file", place.keyPath,
                ],
                outputs: [place.path("big/snds.sqlite"), place.path("big/snds.manifest.json")])
        },
        BadInput(id: "output-disk-full-generate", kind: .output, expected: .refused(exit: 6, message: "the disk is full")) { place in
            guard let cleanup = try place.tinyFilesystem("tiny") else { return nil }
            return Invocation(
                arguments: ["generate", "--beneficiaries", "300", "--out", place.path("tiny/snds.sqlite"), "--key-file", place.keyPath],
                outputs: [place.path("tiny/snds.sqlite"), place.path("tiny/snds.manifest.json")], cleanup: cleanup)
        },
    ]

    /// Changes a copied dataset's database as a user with sqlite3 might, after generation.
    static func alter(_ files: DatasetFiles, _ change: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue(path: files.database.path)
        try queue.write { db in try change(db) }
        try queue.close()
    }

    // MARK: Builders

    /// The NS column of three lines holding the line's own NIR written with the digits of the
    /// scripts whose zeros are `zeros`: those lines rejected `ns_looks_like_nir`, their NS not
    /// repeated, and no output holds a digit of another script.
    static func nirInOtherDigits(_ id: String, zeros: [UInt32]) -> BadInput {
        linkedCohort(
            id,
            check: { run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                #expect(
                    rejects.filter { $0.count > 2 && $0[2] == "ns_looks_like_nir" && $0[1].isEmpty }.count >= zeros.count,
                    "\(id): the NIRs in other digits are not all rejected as NIR-like")
                for name in ["results.csv", "rejects.csv"] {
                    let text = try String(contentsOf: run.appendingPathComponent(name), encoding: .utf8)
                    #expect(
                        !text.unicodeScalars.contains { $0.properties.numericType != nil && !$0.isASCII },
                        "\(id): \(name) holds digits of another script")
                }
            }
        ) { c in
            func digits(_ text: String, zero: UInt32) -> String {
                String(
                    String.UnicodeScalarView(
                        text.unicodeScalars.map { u in
                            u.isASCII && u.properties.numericType == .decimal ? Unicode.Scalar(zero + u.value - 48) ?? u : u
                        }))
            }
            let lines = (1..<c.count).filter { c.fields($0)[1].replacingOccurrences(of: " ", with: "").count == 15 }.prefix(zeros.count)
            var replacing: [Int: String] = [:]
            for (i, zero) in zip(lines, zeros) {
                let f = c.fields(i)
                replacing[i] = ([digits(f[1].replacingOccurrences(of: " ", with: ""), zero: zero)] + f.dropFirst()).joined(separator: ";")
            }
            return Array(c.lines(replacing: replacing).utf8)
        }
    }

    /// Each of `marks` inserted inside the NS of the next line, given to the line before (a
    /// duplicate that compared apart): those lines rejected `ns_invalid`, their NS not repeated,
    /// and no output holds an invisible character.
    static func invisibleInNS(_ id: String, marks: [String]) -> BadInput {
        linkedCohort(
            id,
            check: { run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                #expect(
                    rejects.filter { $0.count > 2 && $0[2] == "ns_invalid" && $0[1].isEmpty }.count >= marks.count,
                    "\(id): the NS with invisible characters are not all rejected")
                for name in ["results.csv", "rejects.csv"] {
                    let text = try String(contentsOf: run.appendingPathComponent(name), encoding: .utf8)
                    #expect(
                        !text.unicodeScalars.contains { $0.properties.isDefaultIgnorableCodePoint || $0.properties.generalCategory == .format },
                        "\(id): \(name) holds an invisible character")
                }
            }
        ) { c in
            let ns = { (i: Int) in c.fields(i)[0] }
            let rest = { (i: Int) in c.fields(i).dropFirst().joined(separator: ";") }
            func inserting(_ mark: String, into text: String) -> String { String(text.prefix(2)) + mark + String(text.dropFirst(2)) }
            var replacing: [Int: String] = [:]
            for (k, mark) in marks.enumerated() { replacing[1 + 2 * k] = inserting(mark, into: ns(2 + 2 * k)) + ";" + rest(1 + 2 * k) }
            return Array(c.lines(replacing: replacing).utf8)
        }
    }

    static func refusedCohort(_ id: String, _ message: String, bytes: @escaping @Sendable (CohortText) -> [UInt8]) -> BadInput {
        BadInput(id: id, kind: .cohort, expected: .refused(exit: 3, message: message)) { place in
            try place.write("cohort.csv", bytes(place.directCohort))
            return place.direct("cohort.csv")
        }
    }

    static func linkedCohort(
        _ id: String, line: Int, reason: String, after next: Int, extra: [String] = [],
        bytes: @escaping @Sendable (CohortText) -> [UInt8]
    ) -> BadInput {
        linkedCohort(
            id, extra: extra,
            check: { run in
                let rejects = try RunChecks.rows(run.appendingPathComponent("rejects.csv"))
                #expect(
                    rejects.contains { $0.first == String(line) && $0.count > 2 && $0[2] == reason }, "\(id): line \(line) not rejected as \(reason)")
                let results = try RunChecks.rows(run.appendingPathComponent("results.csv"))
                #expect(results.contains { $0.first == String(next) }, "\(id): the record after it is not line \(next)")
            }, bytes: bytes)
    }

    static func linkedCohort(
        _ id: String, extra: [String] = [], check: @escaping @Sendable (URL) throws -> Void,
        bytes: @escaping @Sendable (CohortText) -> [UInt8]
    ) -> BadInput {
        BadInput(id: id, kind: .cohort, expected: .linked(check)) { place in
            try place.write("cohort.csv", bytes(place.directCohort))
            return place.direct("cohort.csv", extra: extra)
        }
    }

    static func refusedRules(_ id: String, _ message: String, yaml: @escaping @Sendable (String) -> String) -> BadInput {
        BadInput(id: id, kind: .rules, expected: .refused(exit: 3, message: message)) { place in
            let shipped = try String(contentsOf: CommandLine.checkout.appendingPathComponent("rules/default.yml"), encoding: .utf8)
            let text = yaml(shipped)
            if !text.isEmpty { #expect(text != shipped, "\(id): the shipped rules were not changed (the replacement no longer matches)") }
            try place.write("rules.yml", Array(text.utf8))
            return place.probabiliste(place.indirectCohortPath, rules: place.path("rules.yml"))
        }
    }

    /// A shipped noise profile changed by `yaml`, given to `cohort direct` (or `cohort probabiliste`).
    static func refusedNoise(
        _ id: String, _ message: String, indirect: Bool = false,
        yaml: @escaping @Sendable (String) -> String
    ) -> BadInput {
        BadInput(id: id, kind: .noise, expected: .refused(exit: 3, message: message)) { place in
            let file = indirect ? "indirect-cohort-noise.yml" : "direct-cohort-noise.yml"
            let shipped = try String(
                contentsOf: CommandLine.checkout.appendingPathComponent("synthetic/reference/assumptions/\(file)"), encoding: .utf8)
            let text = yaml(shipped)
            #expect(text != shipped, "\(id): the shipped profile was not changed (the replacement no longer matches)")
            try place.write("noise.yml", Array(text.utf8))
            return indirect ? place.cohortProbabiliste(noise: place.path("noise.yml")) : place.cohortDirect(noise: place.path("noise.yml"))
        }
    }

    static func refusedKey(
        _ id: String, exit: Int32, _ message: String, mode: Int = 0o600,
        text: @escaping @Sendable (String) -> String?
    ) -> BadInput {
        BadInput(id: id, kind: .key, expected: .refused(exit: exit, message: message)) { place in
            if let content = text(place.keyText) { try place.writeKey("case.key", content, mode: mode) }
            return place.direct(place.directCohortPath, key: place.path("case.key"))
        }
    }

    /// A copy of the finished run, evaluated, changed by `edit`, then given to `command` (with the
    /// run's path after the command's words, then `options`).
    static func refusedRun(
        _ id: String, exit: Int32, _ message: String, command: [String], options: [String],
        edit: @escaping @Sendable (URL) throws -> Void
    ) -> BadInput {
        BadInput(id: id, kind: .run, expected: .refused(exit: exit, message: message)) { place in
            let run = place.url("run")
            try FileManager.default.copyItem(at: place.root.appendingPathComponent(Corpus.finishedRun), to: run)
            let evaluated = try CommandLine.run(
                ["evaluate", place.path("run"), "--truth", "cohorts/study.truth.csv", "--key-file", place.keyPath], in: place.root)
            #expect(evaluated.status == 0, "\(id): evaluate: \(evaluated.stderr)")
            try edit(run)
            return Invocation(arguments: command + [place.path("run")] + options, outputs: [place.path("run/report.html")])
        }
    }

    /// "2,000 % found": summary.json's found count and rate raised together.
    static func inflateFound(_ run: URL) throws {
        try editJSON(run.appendingPathComponent("summary.json")) { object in
            var counts = object["counts"] as! [String: Any]
            counts["found"] = 1_000
            counts["foundRate"] = 20.0
            object["counts"] = counts
        }
    }

    /// A named pipe in the place of a run's file `name`.
    static func replaceByFIFO(_ run: URL, _ name: String) throws {
        let file = run.appendingPathComponent(name)
        try FileManager.default.removeItem(at: file)
        #expect(mkfifo(file.path, 0o600) == 0, "\(name): mkfifo failed")
    }

    /// Rewrites a run's JSON file with `change` applied to its object.
    static func editJSON(_ url: URL, _ change: (inout [String: Any]) -> Void) throws {
        var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        change(&object)
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: url)
    }

    /// What someone without the key can do to hide an edit: put the file's new digest in integrity.json.
    static func redigest(_ run: URL, _ name: String) throws {
        let digest = FileDigest.sha256(try Data(contentsOf: run.appendingPathComponent(name)))
        try editJSON(run.appendingPathComponent("integrity.json")) { object in
            var files = object["files"] as! [String: String]
            files[name] = digest
            object["files"] = files
        }
    }

    static func refusedSealed(_ id: String, exit: Int32, _ message: String, bytes: @escaping @Sendable ([UInt8]) -> [UInt8]) -> BadInput {
        BadInput(id: id, kind: .sealed, expected: .refused(exit: exit, message: message)) { place in
            let original = try [UInt8](Data(contentsOf: place.root.appendingPathComponent(place.datasetPath + ".correspondence.sealed")))
            try place.write("file.sealed", bytes(original))
            return Invocation(arguments: ["check-sealed", place.path("file.sealed"), "--key-file", place.keyPath], outputs: [])
        }
    }
}

// MARK: - Running a case

/// How a case runs: the arguments, the outputs that must not appear when it is refused (the
/// first is the run folder for a linked case), limits, and what to undo afterwards.
struct Invocation {
    var arguments: [String]
    var outputs: [String]
    var environment: [String: String] = [:]
    /// `ulimit -f` in 512-byte blocks, to make writing fail as on a full disk.
    var fileSizeBlocks: Int? = nil
    var cleanup: () -> Void = {}
}

/// A case's own folder inside the shared corpus workspace, and the shared inputs.
struct Place {
    let root: URL
    let folder: URL
    let id: String

    var datasetPath: String { "data/snds" }
    var keyPath: String { "keys/secret.key" }
    var keyText: String { (try? String(contentsOf: root.appendingPathComponent(keyPath), encoding: .utf8)) ?? "" }
    var directCohortPath: String { "cohorts/study.csv" }
    var indirectCohortPath: String { "cohorts/registry.csv" }
    var directCohort: CohortText { CohortText(url: root.appendingPathComponent(directCohortPath)) }
    var indirectCohort: CohortText { CohortText(url: root.appendingPathComponent(indirectCohortPath)) }
    var run: String { "runs/\(id)" }
    var directOptions: [String] { ["--database", datasetPath + ".sqlite", "--key-file", keyPath, "--out", run] }

    func path(_ name: String) -> String { "corpus/\(id)/\(name)" }
    func url(_ name: String) -> URL { folder.appendingPathComponent(name) }
    func relative(_ url: URL) -> String { String(url.path.dropFirst(root.path.count + 1)) }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: url(name))
    }

    func writeKey(_ name: String, _ text: String, mode: Int) throws {
        try Data(text.utf8).write(to: url(name))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: url(name).path)
    }

    func direct(_ cohort: String, database: String? = nil, key: String? = nil, out: String? = nil, extra: [String] = []) -> Invocation {
        let cohortPath = cohort.contains("/") ? cohort : path(cohort)
        let output = out ?? run
        return Invocation(
            arguments: ["direct", cohortPath, "--database", database ?? datasetPath + ".sqlite", "--out", output] + extra
                + ["--key-file", key ?? keyPath], outputs: [output])
    }

    func probabiliste(_ cohort: String, rules: String? = nil, database: String? = nil, key: String? = nil) -> Invocation {
        let cohortPath = cohort.contains("/") ? cohort : path(cohort)
        return Invocation(
            arguments: [
                "probabiliste", cohortPath, "--criteria", rules ?? "rules/default.yml",
                "--database", database ?? datasetPath + ".sqlite", "--out", run, "--key-file", key ?? keyPath,
            ],
            outputs: [run])
    }

    /// `cohort direct` drawing from the dataset with the noise profile `noise`, into the case's folder.
    func cohortDirect(noise: String) -> Invocation {
        Invocation(
            arguments: [
                "cohort", "direct", "--size", "20", "--noise", noise, "--database", datasetPath + ".sqlite",
                "--key-file", keyPath, "--dir", path("out"), "--name", "drawn",
            ],
            outputs: [path("out/drawn.csv"), path("out/drawn.truth.csv")])
    }

    /// `cohort probabiliste` (the default scenario) with the noise profile `noise`.
    func cohortProbabiliste(noise: String) -> Invocation {
        Invocation(
            arguments: [
                "cohort", "probabiliste", "--size", "20", "--noise", noise, "--database", datasetPath + ".sqlite",
                "--dir", path("out"), "--name", "drawn",
            ],
            outputs: [path("out/drawn.csv"), path("out/drawn.truth.csv")])
    }

    /// A copy of the dataset in the case's folder, to damage.
    func copyDataset() throws -> DatasetFiles {
        let files = DatasetFiles(database: url("snds.sqlite"))
        let original = DatasetFiles(database: root.appendingPathComponent(datasetPath + ".sqlite"))
        for (from, to) in zip(original.all, files.all) { try FileManager.default.copyItem(at: from, to: to) }
        return files
    }

    /// A key of the right shape that is not the dataset's.
    static func otherKey(than key: String) -> String {
        let hex = Array("0123456789abcdef")
        var generator = SystemRandomNumberGenerator()
        var other = ""
        repeat { other = String((0..<64).map { _ in hex[Int.random(in: 0..<16, using: &generator)] }) } while key.contains(other)
        return other + "\n"
    }

    /// A folder no one may write into: mode 0555, and immutable when running as root (root
    /// ignores modes). Nil when neither holds here.
    func readOnly(_ name: String) throws -> (() -> Void)? {
        let directory = url(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: directory.path)
        let restore = { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: directory.path) }
        guard geteuid() == 0 else { return { restore() } }
        guard Bounded.tool("/usr/bin/chattr", ["+i", directory.path]) else { restore(); return nil }
        return {
            _ = Bounded.tool("/usr/bin/chattr", ["-i", directory.path]); restore()
        }
    }

    /// A 256 KB tmpfs mounted on the case's folder `name`, to fill. Nil without the privilege.
    func tinyFilesystem(_ name: String) throws -> (() -> Void)? {
        let directory = url(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        guard geteuid() == 0, Bounded.tool("/bin/mount", ["-t", "tmpfs", "-o", "size=256k", "tmpfs", directory.path]) else { return nil }
        return { _ = Bounded.tool("/bin/umount", [directory.path]) }
    }
}

/// A cohort file's text, to damage line by line (line 0 is the header).
struct CohortText {
    let text: String
    let all: [String]

    init(url: URL) {
        text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }

    var header: String { all[0] }
    var count: Int { all.count }
    func fields(_ index: Int) -> [String] { all[index].split(separator: ";", omittingEmptySubsequences: false).map(String.init) }
    func lines(_ range: ClosedRange<Int>) -> String { all[range].joined(separator: "\n") }

    /// The file with `line` inserted before each given 1-based file line number.
    func lines(insert: [(Int, String)]) -> String {
        var out = all
        for (number, line) in insert.sorted(by: { $0.0 > $1.0 }) { out.insert(line, at: number - 1) }
        return out.joined(separator: "\n") + "\n"
    }

    func lines(replacing: [Int: String]) -> String {
        var out = all
        for (index, line) in replacing { out[index] = line }
        return out.joined(separator: "\n") + "\n"
    }

    func bytes(insert: [(Int, [UInt8])]) -> [UInt8] {
        var out = all.map { Array($0.utf8) }
        for (number, line) in insert.sorted(by: { $0.0 > $1.0 }) { out.insert(line, at: number - 1) }
        return Array(out.joined(separator: [0x0A])) + [0x0A]
    }

    func bytes(replacing index: Int, with line: [UInt8]) -> [UInt8] {
        var out = all.map { Array($0.utf8) }
        out[index] = line
        return Array(out.joined(separator: [0x0A])) + [0x0A]
    }
}

/// Runs the binary under `sh` with a 2 GB address-space limit (and a file-size limit when asked),
/// killing it if it outlives the time limit.
enum Bounded {
    static let timeLimit: Double = 300
    static let addressSpaceKiB = 2_000_000

    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
        let timedOut: Bool
    }

    static func run(_ arguments: [String], in directory: URL, fileSizeBlocks: Int?, environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        var limits = "ulimit -v \(addressSpaceKiB)"
        if let blocks = fileSizeBlocks { limits += "; ulimit -f \(blocks)" }
        process.arguments = ["-c", limits + "; exec \"$0\" \"$@\"", CommandLine.binary.path] + arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["APPARIEMENT_KEY_FILE"] = nil
        env["APPARIEMENT_REFERENCE"] = CommandLine.checkout.appendingPathComponent("synthetic/reference").path
        for (k, v) in environment { env[k] = v }
        process.environment = env
        // Files, not pipes: a command printing more than a pipe holds on stderr cannot block
        // while stdout is being read.
        let outFile = FileManager.default.temporaryDirectory.appendingPathComponent("appariement-corpus-\(UUID().uuidString).out")
        let errFile = outFile.deletingPathExtension().appendingPathExtension("err")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outFile)
            try? FileManager.default.removeItem(at: errFile)
        }
        let out = try FileHandle(forWritingTo: outFile), err = try FileHandle(forWritingTo: errFile)
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let pid = process.processIdentifier
        let watchdog = Watchdog()
        let kill = DispatchWorkItem { watchdog.fire(pid) }
        DispatchQueue.global().asyncAfter(deadline: .now() + timeLimit, execute: kill)
        process.waitUntilExit()
        kill.cancel()
        try out.close()
        try err.close()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: try Data(contentsOf: outFile), as: UTF8.self),
            stderr: String(decoding: try Data(contentsOf: errFile), as: UTF8.self), timedOut: watchdog.fired)
    }

    /// Kills a process that outlived the time limit, and remembers it did.
    final class Watchdog: @unchecked Sendable {
        private let lock = NSLock()
        private var killed = false
        var fired: Bool { lock.withLock { killed } }
        func fire(_ pid: pid_t) {
            lock.withLock { killed = true }
            _ = kill(pid, SIGKILL)
        }
    }

    /// Runs a system tool quietly; true when it succeeded.
    static func tool(_ path: String, _ arguments: [String]) -> Bool {
        guard FileManager.default.isExecutableFile(atPath: path) else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }
}

/// What every linked run must satisfy.
enum RunChecks {
    static func json(_ url: URL) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] ?? [:]
    }

    /// `;`-separated rows after the header, quotes honoured.
    static func rows(_ url: URL) throws -> [[String]] {
        let text = try String(contentsOf: url, encoding: .utf8)
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false
        var characters = Array(text)[...]
        while let c = characters.popFirst() {
            if quoted {
                if c == "\"" {
                    if characters.first == "\"" { field.append("\""); characters.removeFirst() } else { quoted = false }
                } else {
                    field.append(c)
                }
            } else if c == "\"" {
                quoted = true
            } else if c == ";" {
                row.append(field); field = ""
            } else if c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.append(c)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return Array(rows.dropFirst())
    }

    /// input = linked lines + rejected lines: every data line of the cohort is in results.csv or
    /// rejects.csv, once, and the summary says so.
    static func countsReconcile(_ run: URL, id: String) throws {
        let counts = try json(run.appendingPathComponent("summary.json"))["counts"] as? [String: Any] ?? [:]
        let submitted = counts["submitted"] as? Int ?? -1
        let rejected = counts["rejected"] as? Int ?? -1
        let results = try rows(run.appendingPathComponent("results.csv")).map { $0[0] }
        let rejects = try rows(run.appendingPathComponent("rejects.csv")).map { $0[0] }
        #expect(results.count + rejects.count == submitted, "\(id): \(results.count) results + \(rejects.count) rejects ≠ \(submitted) submitted")
        #expect(rejects.count == rejected, "\(id): rejects.csv has \(rejects.count) lines, the summary \(rejected)")
        #expect(Set(results).isDisjoint(with: rejects) && Set(results + rejects).count == submitted, "\(id): a line is counted twice")
    }

    /// No field of any CSV written starts with what a spreadsheet would run, unless it is a number.
    static func spreadsheetSafe(_ run: URL, id: String) throws {
        for case let url as URL in FileManager.default.enumerator(at: run, includingPropertiesForKeys: nil)! where url.pathExtension == "csv" {
            for row in try rows(url) {
                for field in row where field.first.map({ "=+-@\t\r".contains($0) }) == true {
                    #expect(Double(field) != nil, "\(id): \(url.lastPathComponent) holds a formula-like value \(field.prefix(20))")
                }
            }
        }
    }
}

/// The workspace every case reads: a dataset made by `generate` (default argon2 parameters), a
/// direct cohort and a registry cohort made by `cohort`, and the clear NIRs to look for.
final class Corpus: @unchecked Sendable {
    let scratch: Scratch
    let nirs: Set<String>
    var root: URL { scratch.url }

    private init() throws {
        scratch = Scratch()
        let steps: [[String]] = [
            ["generate", "--beneficiaries", "400", "--seed", "5", "--out", "data/snds.sqlite", "--key-file", "keys/secret.key"],
            [
                "cohort", "direct", "--size", "50", "--seed", "2", "--database", "data/snds.sqlite", "--key-file", "keys/secret.key",
                "--dir", "cohorts", "--name", "study",
            ],
            ["cohort", "probabiliste", "--size", "60", "--seed", "1", "--database", "data/snds.sqlite", "--dir", "cohorts", "--name", "registry"],
            // A finished run, for the cases that read one.
            [
                "direct", "cohorts/study.csv", "--database", "data/snds.sqlite", "--key-file", "keys/secret.key", "--out", Corpus.finishedRun,
                "--no-extraction",
            ],
        ]
        for step in steps {
            let outcome = try CommandLine.run(step, in: scratch.url)
            guard outcome.status == 0 else { throw CorpusError.setup("\(step.prefix(2).joined(separator: " ")): \(outcome.stderr)") }
        }
        try FileManager.default.createDirectory(at: scratch.file("rules"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: CommandLine.checkout.appendingPathComponent("rules/default.yml"), to: scratch.file("rules/default.yml"))
        var nirs = try ClearNIRs.of(scratch: scratch)
        for line in try String(contentsOf: scratch.file("cohorts/study.csv"), encoding: .utf8).split(separator: "\n").dropFirst() {
            let nir = line.split(separator: ";", omittingEmptySubsequences: false)[1].replacingOccurrences(of: " ", with: "")
            if nir.count == 15 { nirs.insert(String(nir.prefix(13))) }
        }
        self.nirs = nirs
    }

    enum CorpusError: Error { case setup(String) }

    /// A finished direct run of the study cohort, made once for the cases that read a run.
    static let finishedRun = "runs/finished"

    private static let lock = NSLock()
    nonisolated(unsafe) private static var made: Result<Corpus, any Error>?
    /// Removed when the test process exits: the workspace holds a key and a cohort of clear NIRs.
    nonisolated(unsafe) private static var madePath: String?

    static func shared() throws -> Corpus {
        lock.lock()
        defer { lock.unlock() }
        if let made { return try made.get() }
        let result = Result { try Corpus() }
        made = result
        if case .success(let corpus) = result {
            madePath = corpus.root.path
            atexit { if let path = Corpus.madePath { try? FileManager.default.removeItem(atPath: path) } }
        }
        return try result.get()
    }
}

/// The corpus as docs/hardening.md shows it: for each case, the exit code and the line the user
/// reads, so that the page is checked word for word against what the binary prints.
enum Documented {
    struct Row {
        let exit: Int32
        let message: String
    }

    /// `| `id` | input | exit | message |` rows of docs/hardening.md, by id.
    static let table: [String: Row] = {
        let url = CommandLine.checkout.appendingPathComponent("docs/hardening.md")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [:] }
        var rows: [String: Row] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("| `") {
            // Cells are separated by " | "; a `|` inside a message is written `\|`.
            let cells = line.replacingOccurrences(of: "\\|", with: "\u{0}").split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\u{0}", with: "|") }
            guard cells.count >= 6, let exit = Int32(cells[3]) else { continue }
            rows[cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`"))] = Row(exit: exit, message: cells[4])
        }
        return rows
    }()

    /// An error line as the page shows it: without the `appariement: error: ` prefix, the
    /// workspace's path, the case's own folder (`corpus/ID/`), the run's name (`runs/RUN/`) or key fingerprints (random keys).
    static func normalised(_ line: String, id: String, root: URL) -> String {
        var text = line
        if text.hasPrefix("appariement: error: ") { text.removeFirst("appariement: error: ".count) }
        text = text.replacingOccurrences(of: root.path + "/", with: "")
        text = text.replacingOccurrences(of: "corpus/\(id)/", with: "")
        text = text.replacingOccurrences(of: "runs/\(id)/", with: "runs/RUN/")
        text = text.replacingOccurrences(of: "runs/\(id)", with: "runs/RUN")
        text = text.replacingOccurrences(of: #"fingerprint [0-9a-f]{16}"#, with: "fingerprint …", options: .regularExpression)
        return text
    }
}
