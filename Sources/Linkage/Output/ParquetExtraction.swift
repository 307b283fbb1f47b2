import Foundation
import Hardening
import SNDSModel

/// The extraction's tables as Parquet files (`extraction/TABLE.parquet`), typed as the official
/// schemas type their columns, for R (arrow), Python (pandas, polars) and Spark users, who would
/// otherwise guess every column's type from a CSV.
///
/// No Parquet writer exists among the Swift packages this project may use, and Parquet is a large
/// format (encodings, compression, statistics) that no one should hand-write. The writer is
/// therefore Apache Arrow's own, pyarrow, from PyPI, in the virtual environment the project's
/// scripts make (`scripts/python-env`): Swift hands it the extraction's SQLite file — which holds
/// no pseudonym and no identity, only the NS — and the column types; the key never reaches Python,
/// nor does the environment.
///
/// | official type | Parquet (Arrow) type |
/// |---|---|
/// | string, year, yearmonth, date of format `%m` | string (codes keep their leading zeros) |
/// | integer | int64 |
/// | number | double |
/// | boolean | bool |
/// | date | date32 |
/// | datetime | timestamp (milliseconds: Parquet has no coarser unit) |
///
/// The NS column is a string. Files are compressed with zstd.
public struct ParquetExtraction: Sendable {
    /// The Python interpreter that has pyarrow.
    public let python: URL
    /// Official schemas by table name as the schemas spell it (`T_MCOaaC`).
    let schemas: [String: TableSchema]

    /// Where Python is looked for: `APPARIEMENT_PYTHON` when set — used, or refused, never passed
    /// over for another —, else, first found first, the project's `.venv` in the working directory
    /// or in the clone holding the executable, then `python3` on PATH.
    public static func locate(
        reference: ReferenceData, environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ParquetError) -> ParquetExtraction {
        var candidates: [URL] = []
        if let named = environment["APPARIEMENT_PYTHON"], !named.isEmpty {
            candidates.append(URL(fileURLWithPath: named))
        } else {
            candidates.append(URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".venv/bin/python3"))
            if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
                var folder = executable.deletingLastPathComponent()
                while folder.path != "/" {
                    candidates.append(folder.appendingPathComponent(".venv/bin/python3"))
                    folder = folder.deletingLastPathComponent()
                }
            }
            for path in (environment["PATH"] ?? "/usr/bin").split(separator: ":") {
                candidates.append(URL(fileURLWithPath: String(path)).appendingPathComponent("python3"))
            }
        }
        var tried: [String] = []
        for python in candidates where FileManager.default.isExecutableFile(atPath: python.path) {
            tried.append(python.path)
            if (try? run(python, arguments: ["-c", "import pyarrow"], in: FileManager.default.temporaryDirectory)) != nil {
                var schemas: [String: TableSchema] = [:]
                for table in ExtractionScope.allTables {
                    do { schemas[table] = try reference.schema(named: table) } catch { throw .reference(error.description) }
                }
                return ParquetExtraction(python: python, schemas: schemas)
            }
        }
        throw .noPyarrow(tried: tried)
    }

    /// The Arrow type of an official column type.
    static func arrowType(_ field: TableSchema.Field) -> String {
        switch field.type {
        case .integer: "int64"
        case .number: "double"
        case .boolean: "bool"
        case .date: field.format == "%m" ? "string" : "date32"
        case .datetime: "timestamp"
        case .string, .year, .yearmonth: "string"
        }
    }

    /// Writes `folder/TABLE.parquet` for each table of the extraction database.
    public func write(from database: URL, tables: [String], to folder: URL) throws(ParquetError) {
        var spec: [String: Any] = ["database": database.path, "folder": folder.path]
        var list: [[String: Any]] = []
        for table in tables {
            let pattern = TableSchema.yearlyTemplate(of: table) ?? table
            guard let schema = schemas[pattern] else { throw .reference("no official schema for \(table)") }
            let columns =
                [["NS", "string"]] + schema.fields.filter { !Extraction.pseudonymColumns.contains($0.name) }.map { [$0.name, Self.arrowType($0)] }
            list.append(["name": table, "columns": columns])
        }
        spec["tables"] = list
        // The spec in a file beside the tables (private, removed after), not on stdin: a Python that
        // dies on import would otherwise kill this process with SIGPIPE.
        let specFile = folder.appendingPathComponent(".parquet-spec.json")
        defer { try? FileManager.default.removeItem(at: specFile) }
        do {
            try StagedOutputs.writeFile(try JSONSerialization.data(withJSONObject: spec), to: specFile, mode: 0o600)
            try Self.run(python, arguments: ["-c", Self.script, specFile.path], in: folder)
            // Private like the run's other files, whatever the umask Python wrote them under.
            for table in tables { _ = chmod(folder.appendingPathComponent("\(table).parquet").path, 0o600) }
        } catch let error as ParquetError {
            throw error
        } catch {
            throw .failed(String(describing: error))
        }
    }

    /// Runs Python isolated (`-I`: no user site, no PYTHON* variable, not the working directory on
    /// its path, so a `json.py` lying there is not imported), with no environment but a PATH and a
    /// locale (the key file's variable never reaches it), in `folder`; throws its last line of
    /// error output, which goes to a file (a pipe left unread could block it).
    static func run(_ python: URL, arguments: [String], in folder: URL) throws {
        let process = Process()
        process.executableURL = python
        process.arguments = ["-I"] + arguments
        process.environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        process.currentDirectoryURL = folder
        let errors = folder.appendingPathComponent(".parquet-errors-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: errors) }
        _ = FileManager.default.createFile(atPath: errors.path, contents: nil, attributes: [.posixPermissions: 0o600])
        let errorHandle = try FileHandle(forWritingTo: errors)
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errorHandle
        try process.run()
        process.waitUntilExit()
        try? errorHandle.close()
        guard process.terminationStatus == 0 else {
            let text = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
            let last = text.split(separator: "\n").last.map(String.init) ?? "exit \(process.terminationStatus)"
            throw ParquetError.failed(last)
        }
    }

    /// The converter: reads the spec from the file named first, each table from SQLite in batches, and writes it
    /// with the given types (dates and times parsed by Arrow's own casts from SQLite's ISO text).
    static let script = """
        import json, sqlite3, sys
        import pyarrow as pa, pyarrow.parquet as pq
        with open(sys.argv[1]) as f:
            spec = json.load(f)
        base = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64(), "bool": pa.int64(),
                "date32": pa.string(), "timestamp": pa.string()}
        final = {"string": pa.string(), "int64": pa.int64(), "double": pa.float64(), "bool": pa.bool_(),
                 "date32": pa.date32(), "timestamp": pa.timestamp("s")}
        con = sqlite3.connect("file:" + spec["database"] + "?mode=ro", uri=True)
        for table in spec["tables"]:
            name, columns = table["name"], table["columns"]
            schema = pa.schema([(c, final[t]) for c, t in columns])
            quoted = ", ".join('"' + c.replace('"', '""') + '"' for c, _ in columns)
            cursor = con.execute('SELECT ' + quoted + ' FROM "' + name + '" ORDER BY rowid')
            writer = pq.ParquetWriter(spec["folder"] + "/" + name + ".parquet", schema, compression="zstd")
            while True:
                rows = cursor.fetchmany(65536)
                if not rows:
                    break
                arrays = []
                for i, (c, t) in enumerate(columns):
                    values = [r[i] for r in rows]
                    if t == "string":
                        values = [None if v is None else str(v) for v in values]
                    arrays.append(pa.array(values, type=base[t]).cast(final[t]))
                writer.write_table(pa.Table.from_arrays(arrays, schema=schema))
            writer.close()
        con.close()
        """

    /// Why the Parquet files could not be written.
    public enum ParquetError: Error, Equatable, Sendable, CustomStringConvertible, ExitStatusProviding {
        /// No Python with pyarrow was found.
        case noPyarrow(tried: [String])
        case reference(String)
        case failed(String)

        public var exitStatus: ExitStatus {
            switch self {
            case .noPyarrow: .resources
            case .reference: .badInput
            case .failed: .output
            }
        }

        public var description: String {
            switch self {
            case .noPyarrow(let tried):
                "Parquet files need Python with pyarrow, which "
                    + (tried.isEmpty ? "no python3 found has" : "none of \(tried.joined(separator: ", ")) has")
                    + ": run scripts/python-env (makes .venv with pyarrow from PyPI), or set APPARIEMENT_PYTHON to a Python that has it"
            case .reference(let why): "cannot type the Parquet files: \(why)"
            case .failed(let why): "writing the Parquet files failed: \(why)"
            }
        }
    }
}
