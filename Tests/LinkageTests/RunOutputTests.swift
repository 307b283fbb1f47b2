import Foundation
import GRDB
import SNDSModel
import SNDSStore
import TestSupport
import Testing

@testable import Linkage

/// The files a run writes for its users' tools, read back by those tools' own readers: Python's
/// csv module in the encoding the option names, pyarrow for Parquet; the extraction's perimeter;
/// dates as the SNDS column types them.
@Suite struct RunOutputTests {
    let f: DirectFixture
    init() throws { f = try DirectFixture.shared.get() }

    /// The Python of the project's .venv (scripts/python-env), which has pyarrow.
    static let pythonPath = IndirectFixture.checkout.appendingPathComponent(".venv/bin/python3")

    /// Runs a Python program with arguments; its standard output parsed as JSON.
    static func python(_ program: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = pythonPath
        process.arguments = ["-c", program] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CocoaError(.featureUnsupported, userInfo: [NSDebugDescriptionErrorKey: String(decoding: err, as: UTF8.self)])
        }
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The fixture's cohort, its first `lines` lines, with every NS made accented (`HÔP-É-NS_…`).
    func accentedCohort(lines: Int, in folder: URL, prefix: String = "HÔP-É-") throws -> (url: URL, ns: Set<String>) {
        var reader = DelimitedReader(bytes: Array(f.cohortText.utf8))
        let rows = try reader.readAll().map(\.fields)
        var out = [rows[0].joined(separator: ";")]
        var ns = Set<String>()
        for row in rows.dropFirst().prefix(lines) {
            var fields = row
            fields[0] = prefix + fields[0]
            ns.insert(fields[0])
            out.append(fields.joined(separator: ";"))
        }
        let url = folder.appendingPathComponent("accented.csv")
        try (out.joined(separator: "\n") + "\n").write(to: url, atomically: true, encoding: .utf8)
        return (url, ns)
    }

    func folder(_ name: String) throws -> URL {
        let folder = f.folder.deletingLastPathComponent().appendingPathComponent("\(name)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    static let readBack = """
        import csv, json, sys
        encoding = sys.argv[1]
        out = {}
        for name in sys.argv[2:]:
            with open(name, newline="", encoding=encoding) as f:
                rows = list(csv.reader(f, delimiter=";"))
            out[name] = {"header": rows[0], "ns": [r[rows[0].index("NS")] for r in rows[1:]]}
        print(json.dumps(out))
        """

    /// Each encoding, read back by Python's csv module as the docs tell a user to open it: the
    /// header's first cell is `LINE` (no stray byte order mark), and every accented NS comes back
    /// as written — in results.csv, rejects.csv and the extraction.
    @Test(arguments: [("utf-8", "utf-8"), ("utf-8-bom", "utf-8-sig"), ("windows-1252", "latin-1"), ("windows-1252", "cp1252")])
    func csvFilesReadBackInTheirEncoding(option: String, pythonEncoding: String) throws {
        let folder = try folder("encoding")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (cohort, ns) = try accentedCohort(lines: 300, in: folder)
        var options = DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.outputs.csvFormat = CSVFormat(encoding: CSVFormat.Encoding(named: option)!, decimalMark: .comma)
        options.outputs.extractionScope = try ExtractionScope(tables: ["IR_BEN_R"], years: nil)
        let summary = try DirectRun.run(options, key: f.dataset.key)
        #expect(summary.csvFormat?.encoding.rawValue == option)
        let files = ["results.csv", "rejects.csv", "extraction/IR_BEN_R.csv"].map { options.output.appendingPathComponent($0) }
        let bytes = try [UInt8](Data(contentsOf: files[0]))
        #expect(bytes.starts(with: [0xEF, 0xBB, 0xBF]) == (option == "utf-8-bom"))
        // Ô is one byte, 0xD4, in Windows-1252; two in UTF-8.
        #expect(bytes.contains(0xD4) == (option == "windows-1252"))
        let read = try Self.python(Self.readBack, [pythonEncoding] + files.map(\.path))
        for file in files {
            let r = try #require(read[file.path] as? [String: Any])
            let header = try #require(r["header"] as? [String])
            #expect(header.first == (file.lastPathComponent == "IR_BEN_R.csv" ? "NS" : "LINE"), "\(file.lastPathComponent): \(header.prefix(2))")
            let values = try #require(r["ns"] as? [String])
            #expect(!values.isEmpty)
            #expect(Set(values).isSubset(of: ns), "\(file.lastPathComponent): \(Set(values).subtracting(ns).prefix(3))")
        }
        // results.csv and rejects.csv give back every line's NS.
        let lines = try files.prefix(2).flatMap { try #require((read[$0.path] as? [String: Any])?["ns"] as? [String]) }
        #expect(Set(lines) == ns)
        // And appariement reads its own files back: evaluate needs them.
        #expect(try Evaluation.readCSV(files[0], expecting: DirectRun.resultColumns).count == summary.counts.accepted)
    }

    /// Decimals with a comma (French Excel, R's read.csv2): the probabilities read back equal the
    /// point ones, and `evaluate` finds the same run.
    @Test func decimalsWithACommaReadBackAsTheSame() throws {
        let indirect = try IndirectFixture.shared.get()
        let folder = try folder("comma")
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = IndirectRun.Options(
            cohort: indirect.cohortFile, rules: IndirectFixture.defaultRules, dataset: indirect.dataset.files,
            output: folder.appendingPathComponent("run"))
        options.extraction = false
        options.outputs.csvFormat = CSVFormat(encoding: .utf8BOM, decimalMark: .comma)
        _ = try IndirectRun.run(options, key: indirect.dataset.key, reference: IndirectFixture.reference)
        let comma = try Evaluation.readCSV(options.output.appendingPathComponent("results.csv"), expecting: IndirectRun.resultColumns)
        let point = try Evaluation.readCSV(indirect.folder.appendingPathComponent("results.csv"), expecting: IndirectRun.resultColumns)
        #expect(comma.count == point.count)
        let linked = zip(comma, point).filter { !$0.1[8].isEmpty }
        #expect(linked.count > 500)
        for (c, p) in linked {
            #expect(c[8].contains(",") && !c[8].contains("."), "\(c[8])")
            #expect(c[8].replacingOccurrences(of: ",", with: ".") == p[8])
            #expect(c[7].replacingOccurrences(of: ",", with: ".") == p[7])
        }
        // Every weight of review.csv reads back as a number; a negative one (a weak candidate) is
        // not taken for a spreadsheet formula in either mark, while a formula still is.
        let review = try Evaluation.readCSV(options.output.appendingPathComponent("review.csv"), expecting: ClericalReview.columns)
        #expect(review.allSatisfy { CSVFormat.parseNumber($0[6]) != nil && CSVFormat.parseNumber($0[7]) != nil })
        #expect(CSVOutput.escape("-2,30") == "-2,30" && CSVOutput.escape("-2.30") == "-2.30")
        #expect(CSVOutput.escape("-2+3") == "'-2+3" && CSVOutput.escape("=1,5") == "'=1,5")
        let evaluation = try Evaluation.evaluate(run: options.output, truthFile: indirect.truthFile, key: indirect.dataset.key)
        #expect(evaluation.precision == indirect.evaluation.precision && evaluation.recall == indirect.evaluation.recall)
        #expect(evaluation.calibration == indirect.evaluation.calibration)
        #expect(evaluation.weakLinks == indirect.evaluation.weakLinks)
    }

    /// An NS Windows-1252 cannot write is refused before anything is linked or written, with its
    /// line and the option that writes it.
    @Test func aCharacterTheEncodingCannotWriteIsRefusedBeforeLinking() throws {
        let folder = try folder("unwritable")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (cohort, _) = try accentedCohort(lines: 20, in: folder, prefix: "Łódź-")
        var options = DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.outputs.csvFormat = CSVFormat(encoding: .windows1252)
        #expect {
            try DirectRun.run(options, key: f.dataset.key)
        } throws: {
            let text = "\($0)"
            return text.contains("lines 2, 3") && text.contains("'Ł'") && text.contains("utf-8-bom")
        }
        #expect(!FileManager.default.fileExists(atPath: options.output.path))
        // The same file in UTF-8 with a mark links.
        options.outputs.csvFormat = CSVFormat(encoding: .utf8BOM)
        options.extraction = false
        #expect(try DirectRun.run(options, key: f.dataset.key).counts.submitted == 20)
    }

    /// A protocol's perimeter: only the tables asked for, only the years of care asked for; the
    /// rows are exactly the full extraction's rows of that perimeter.
    @Test func theExtractionKeepsToItsPerimeter() throws {
        let folder = try folder("scope")
        defer { try? FileManager.default.removeItem(at: folder) }
        let year = try #require(f.dataset.options.years.max())
        var options = DirectRun.Options(cohort: f.cohortFile, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.outputs.extractionScope = try ExtractionScope(tables: ["er_pha_f", "KI_ECD_R", "T_MCOaaD"], years: [year])
        let summary = try DirectRun.run(options, key: f.dataset.key)
        let aa = String(format: "%02d", year % 100)
        #expect(summary.extraction?.tables == ["ER_PHA_F", "T_MCO\(aa)D", "KI_ECD_R"])
        let scoped = try DatabaseQueue(path: options.output.appendingPathComponent("extraction.sqlite").path)
        let tables = try scoped.read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") }
        #expect(tables == ["ER_PHA_F", "KI_ECD_R", "T_MCO\(aa)D"])
        // The tables built only to join (ER_PRS_F, the stays, the certificates) left no page behind.
        #expect(try scoped.read { db in try Int.fetchOne(db, sql: "PRAGMA freelist_count") } == 0)
        let csvs = try FileManager.default.contentsOfDirectory(atPath: options.output.appendingPathComponent("extraction").path).sorted()
        #expect(csvs == ["ER_PHA_F.csv", "KI_ECD_R.csv", "T_MCO\(aa)D.csv"])
        // The same rows as the full extraction's, restricted to the year.
        let full = try f.extraction()
        let keys = DCIRKeys.join("h", "p")
        let expected = try full.read { db in
            (
                pharmacy: try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM ER_PHA_F h JOIN ER_PRS_F p ON \(keys) AND h.NS = p.NS WHERE substr(p.EXE_SOI_DTD, 1, 4) = ?",
                    arguments: [String(year)])!,
                causes: try Int.fetchOne(
                    db,
                    sql:
                        "SELECT COUNT(*) FROM KI_ECD_R e JOIN KI_CCI_R c ON e.DCD_IDT_ENC = c.DCD_IDT_ENC AND e.NS = c.NS WHERE substr(c.BEN_DCD_DTE, 1, 4) = ?",
                    arguments: [String(year)])!,
                diagnoses: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM T_MCO\(aa)D")!,
                allPharmacy: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM ER_PHA_F")!
            )
        }
        #expect(expected.pharmacy > 0 && expected.pharmacy < expected.allPharmacy)
        #expect(summary.extraction?.rows["ER_PHA_F"] == expected.pharmacy)
        #expect(summary.extraction?.rows["KI_ECD_R"] == expected.causes)
        #expect(summary.extraction?.rows["T_MCO\(aa)D"] == expected.diagnoses)
        // A year the dataset does not cover is refused before linking.
        options.output = folder.appendingPathComponent("other")
        options.outputs.extractionScope = try ExtractionScope(tables: nil, years: [1999])
        #expect { try DirectRun.run(options, key: f.dataset.key) } throws: { "\($0)".contains("not 1999") }
        #expect(!FileManager.default.fileExists(atPath: options.output.path))
        #expect(throws: ExtractionScope.ScopeError.unknownTable("ER_PRS")) { try ExtractionScope(tables: ["ER_PRS"], years: nil) }
        // One year's table name says which name and which --years to give instead.
        #expect { try ExtractionScope(tables: ["T_MCO23C"], years: nil) } throws: {
            "\($0)".contains("write T_MCOaaC and choose the year with --years 2023")
        }
    }

    static let compareParquet = """
        import datetime, json, sqlite3, sys
        import pyarrow.parquet as pq
        folder = sys.argv[1]
        con = sqlite3.connect(folder + "/extraction.sqlite")
        out = {"tables": {}, "types": {}}
        def text(v):
            if v is None: return None
            if isinstance(v, bool): return str(int(v))
            if isinstance(v, datetime.datetime): return v.strftime("%Y-%m-%d %H:%M:%S")
            if isinstance(v, datetime.date): return v.isoformat()
            if isinstance(v, float): return repr(v)
            return str(v)
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"):
            table = pq.read_table(folder + "/extraction/" + name + ".parquet")
            columns = table.column_names
            quoted = ", ".join('"' + c + '"' for c in columns)
            rows = [tuple(text(v) for v in r) for r in con.execute("SELECT " + quoted + ' FROM "' + name + '" ORDER BY rowid')]
            parquet = list(zip(*[[text(v) for v in table.column(c).to_pylist()] for c in columns])) if table.num_rows else []
            sqlite_columns = [r[1] for r in con.execute("SELECT * FROM pragma_table_info(?)", (name,))]
            out["tables"][name] = {"rows": len(rows), "parquet_rows": table.num_rows,
                                   "same_columns": sorted(columns) == sorted(sqlite_columns),
                                   "differing": sum(1 for a, b in zip(rows, parquet) if a != b)}
            for field in table.schema:
                out["types"][name + "." + field.name] = str(field.type)
        print(json.dumps(out))
        """

    /// The Parquet extraction, read back with pyarrow, equals the SQLite one row by row and value
    /// by value, its columns typed as the official schemas say (dates as dates, the PMSI's
    /// datetimes as timestamps, booleans, amounts as doubles, codes as strings).
    @Test func aParquetExtractionReadsBackAsTheSQLiteOne() throws {
        let folder = try folder("parquet")
        defer { try? FileManager.default.removeItem(at: folder) }
        var options = DirectRun.Options(cohort: f.cohortFile, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.outputs.extractionCSV = false
        options.outputs.parquet = try ParquetExtraction.locate(
            reference: IndirectFixture.reference, environment: ["APPARIEMENT_PYTHON": Self.pythonPath.path])
        let summary = try DirectRun.run(options, key: f.dataset.key)
        #expect(summary.extraction?.files == ["sqlite", "parquet"])
        let read = try Self.python(Self.compareParquet, [options.output.path])
        let tables = try #require(read["tables"] as? [String: [String: Any]])
        #expect(Set(tables.keys) == Set(summary.extraction!.tables))
        for (name, t) in tables {
            #expect(t["rows"] as? Int == summary.extraction?.rows[name], "\(name)")
            #expect(t["parquet_rows"] as? Int == t["rows"] as? Int, "\(name)")
            #expect(t["same_columns"] as? Bool == true, "\(name)")
            #expect(t["differing"] as? Int == 0, "\(name): \(t)")
        }
        let types = try #require(read["types"] as? [String: String])
        let aa = String(format: "%02d", f.dataset.options.years.max()! % 100)
        #expect(types["ER_PRS_F.EXE_SOI_DTD"] == "date32[day]")
        #expect(types["T_MCO\(aa)C.EXE_SOI_DTD"] == "timestamp[ms]")  // Parquet has no seconds unit
        #expect(types["ER_PRS_F.PRS_PAI_MNT"] == "double")
        #expect(types["ER_PRS_F.BEN_RNG_GEM"] == "int64")
        #expect(types["IR_BEN_R.BEN_RES_DPT"] == "string")
        #expect(types["ER_PRS_F.NS"] == "string")
        #expect(types.values.contains("bool"))
        #expect(!FileManager.default.fileExists(atPath: options.output.appendingPathComponent("extraction/ER_PRS_F.csv").path))
    }

    /// A Python named by APPARIEMENT_PYTHON that has no pyarrow is refused, not passed over for
    /// another, with what to do.
    @Test func aPythonWithoutPyarrowIsRefusedWithWhatToDo() throws {
        let folder = try folder("no-pyarrow")
        defer { try? FileManager.default.removeItem(at: folder) }
        let fake = folder.appendingPathComponent("python3")
        try "#!/bin/sh\nexit 1\n".write(to: fake, atomically: true, encoding: .utf8)
        _ = chmod(fake.path, 0o700)
        #expect {
            try ParquetExtraction.locate(reference: IndirectFixture.reference, environment: ["APPARIEMENT_PYTHON": fake.path, "PATH": "/usr/bin"])
        } throws: { error in
            guard case .noPyarrow(let tried) = error as? ParquetExtraction.ParquetError else { return false }
            return tried == [fake.path] && "\(error)".contains("scripts/python-env")
        }
    }

    /// No date column of the extraction's CSV files carries a time: only the PMSI's datetime
    /// columns do, as the official schemas type them.
    @Test func datesHaveATimeOnlyWhereTheSNDSColumnIsADatetime() throws {
        let reference = IndirectFixture.reference
        var dates = 0, datetimes = 0
        for table in f.summary.extraction!.tables {
            let schema = try reference.schema(named: TableSchema.yearlyTemplate(of: table) ?? table)
            let rows = try f.csv("extraction/\(table).csv")
            for field in schema.fields where field.type == .date || field.type == .datetime {
                guard let column = rows[0].firstIndex(of: field.name) else { continue }
                let values = rows.dropFirst().map { $0[column] }.filter { !$0.isEmpty }
                if field.type == .date {
                    dates += values.count
                    #expect(values.allSatisfy { !$0.contains(":") }, "\(table).\(field.name): \(values.first ?? "")")
                } else {
                    datetimes += values.count
                    #expect(values.allSatisfy { $0.count == 19 && $0.contains(":") }, "\(table).\(field.name): \(values.first ?? "")")
                }
            }
        }
        #expect(dates > 1_000 && datetimes > 50)
    }
}
