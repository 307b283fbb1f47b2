import ArgumentParser
import Linkage
import SNDSModel

/// `--output-encoding`, `--decimal-mark`, `--tables`, `--years` and `--extraction-format`, shared
/// by the commands that write a run: how its CSV files are written for the tool that opens them,
/// and what the extraction holds (docs/usage.md, "Files for your tools").
struct RunOutputOptions: ParsableArguments {
    @Option(
        name: .customLong("output-encoding"),
        help: ArgumentHelp(
            "The encoding of the run's CSV files: utf-8 (programs; the default), utf-8-bom (Excel) or windows-1252 (SAS wlatin1); a cascade's second step takes its direct run's.",
            valueName: "utf-8|utf-8-bom|windows-1252"))
    var encoding: String?

    @Option(
        name: .customLong("decimal-mark"),
        help: ArgumentHelp(
            "Decimals in the run's CSV files: point (0.98; the default) or comma (0,98: French Excel, R's read.csv2); a cascade's second step takes its direct run's.",
            valueName: "point|comma"))
    var decimalMark: String?

    @Option(
        help: ArgumentHelp(
            "The tables to extract, comma-separated: SNDS names (ER_PHA_F, T_MCOaaC…) or products (DCIR, PMSI_MCO, CEPIDC); default all.",
            valueName: "TABLE,…"))
    var tables: [String] = []

    @Option(help: ArgumentHelp("The years of care to extract, comma-separated (e.g. 2023); default every year of the dataset.", valueName: "YEAR,…"))
    var years: [String] = []

    @Option(
        name: .customLong("extraction-format"),
        help: ArgumentHelp(
            "The extraction's files beside extraction.sqlite: csv, parquet (needs Python with pyarrow: scripts/python-env) or csv,parquet.",
            valueName: "csv|parquet|csv,parquet"))
    var extractionFormat = "csv"

    func validate() throws {
        if let encoding, CSVFormat.Encoding(named: encoding) == nil {
            throw ValidationError("--output-encoding must be utf-8, utf-8-bom or windows-1252, not '\(encoding)'")
        }
        if let decimalMark, CSVFormat.DecimalMark(rawValue: decimalMark.lowercased()) == nil {
            throw ValidationError("--decimal-mark must be point or comma, not '\(decimalMark)'")
        }
        do { _ = try scope() } catch { throw ValidationError(error.description) }
        guard let formats = extractionFormats, !formats.isEmpty else {
            throw ValidationError("--extraction-format must be csv, parquet or csv,parquet, not '\(extractionFormat)'")
        }
    }

    /// Checks that the extraction options are not given to a run that extracts nothing.
    func validate(noExtraction: Bool) throws {
        guard noExtraction else { return }
        if !tables.isEmpty { throw ValidationError("--tables chooses what to extract: it has no use with --no-extraction") }
        if !years.isEmpty { throw ValidationError("--years chooses what to extract: it has no use with --no-extraction") }
        if extractionFormats != ["csv"] { throw ValidationError("--extraction-format has no use with --no-extraction") }
    }

    /// The format asked for, each part not given taken from `inherited` (a cascade's direct run),
    /// else the default.
    func csvFormat(inheriting inherited: CSVFormat? = nil) -> CSVFormat {
        CSVFormat(
            encoding: encoding.flatMap(CSVFormat.Encoding.init(named:)) ?? inherited?.encoding ?? .utf8,
            decimalMark: decimalMark.flatMap { CSVFormat.DecimalMark(rawValue: $0.lowercased()) } ?? inherited?.decimalMark ?? .point)
    }

    private static func list(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func scope() throws(ExtractionScope.ScopeError) -> ExtractionScope {
        let named = Self.list(tables), yearTexts = Self.list(years)
        var parsed: [Int] = []
        for y in yearTexts {
            guard let year = Int(y), (1900...2100).contains(year) else { throw .notAYear(y) }
            parsed.append(year)
        }
        if !years.isEmpty, parsed.isEmpty { throw .noYear }
        if !tables.isEmpty, named.isEmpty { throw .noTable }
        return try ExtractionScope(tables: named.isEmpty ? nil : named, years: parsed.isEmpty ? nil : parsed)
    }

    /// The formats asked for; nil when one is unknown.
    var extractionFormats: Set<String>? {
        let asked = Set(Self.list([extractionFormat]).map { $0.lowercased() })
        return asked.isSubset(of: ["csv", "parquet"]) ? asked : nil
    }

    /// Sets the run's output choices; locates pyarrow when Parquet is asked for (before linking).
    func outputs(inheriting inherited: CSVFormat? = nil) throws -> RunOutputs {
        var outputs = RunOutputs()
        outputs.csvFormat = csvFormat(inheriting: inherited)
        outputs.extractionScope = try scope()
        let formats = extractionFormats ?? ["csv"]
        outputs.extractionCSV = formats.contains("csv")
        if formats.contains("parquet") { outputs.parquet = try ParquetExtraction.locate(reference: try ReferenceData.locate()) }
        return outputs
    }
}

extension RunOutputOptions {
    /// What the console says of a run's extraction and CSV files: the tables and their rows, the
    /// perimeter when one was asked, the forms written, and a CSV format other than the default.
    static func describe(_ extraction: Extraction.Counts?, csvFormat: CSVFormat?) -> String {
        var text = ""
        if let e = extraction {
            var perimeter: [String] = []
            if let scope = e.scope {
                if scope.tables != ExtractionScope.allTables { perimeter.append("tables asked: " + scope.tables.joined(separator: ", ")) }
                if let years = scope.years { perimeter.append("years of care " + years.map(String.init).joined(separator: ", ")) }
            }
            text += "\nExtraction" + (perimeter.isEmpty ? "" : " (" + perimeter.joined(separator: "; ") + ")") + ": "
            text += e.tables.isEmpty ? "no row" : e.tables.map { "\($0) \((e.rows[$0] ?? 0).formatted())" }.joined(separator: ", ")
            if let files = e.files { text += "\n  as " + files.map { $0 == "sqlite" ? "SQLite" : $0.uppercased() }.joined(separator: ", ") }
            if e.staysUnattributable > 0 {
                text += "\n  \(e.staysUnattributable) stays left out: their pseudonym is shared by same-sex twins"
            }
        }
        if let f = csvFormat, f != .standard {
            text += "\nCSV files written in \(f.encoding.rawValue), decimals with a \(f.decimalMark.rawValue)"
        }
        return text
    }
}
