import ArgumentParser
import Linkage

/// `--encoding`, `--separator`, `--column` and `--ignore-columns`, shared by every command that
/// reads a cohort file.
struct CohortFileOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The file's encoding: auto (UTF-8 if valid, else Windows-1252 if a byte is in 0x80–0x9F, else Latin-1), utf-8, latin-1 or windows-1252.",
            valueName: "auto|utf-8|latin-1|windows-1252"))
    var encoding = "auto"

    @Option(help: ArgumentHelp("The field separator: auto (from the header), ';', ',' or tab.", valueName: "auto|;|,|tab"))
    var separator = "auto"

    @Option(
        name: .customLong("column"),
        help: ArgumentHelp(
            "A column the linkage reads, in a header cell of another name: NAME=HEADER, e.g. NS=num_patient (repeat for several).",
            valueName: "NAME=HEADER"))
    var columns: [String] = []

    @Option(
        name: .customLong("ignore-columns"),
        help: ArgumentHelp("Columns of the file to leave unread (a centre, a comment), comma-separated.", valueName: "HEADER,…"))
    var ignoredColumns: [String] = []

    func validate() throws {
        for c in columns where !c.contains("=") || c.hasPrefix("=") || c.hasSuffix("=") {
            throw ValidationError("--column takes NAME=HEADER (e.g. NS=num_patient), not '\(c)'")
        }
        let named = columns.map { HeaderMapping.normalised(String($0.prefix { $0 != "=" })) }
        if let twice = named.first(where: { n in named.filter { $0 == n }.count > 1 }) {
            throw ValidationError("--column names \(twice) twice: give one header cell per column")
        }
        guard CohortFile.EncodingChoice(rawValue: encoding) != nil else {
            throw ValidationError("--encoding must be auto, utf-8, latin-1 or windows-1252")
        }
        guard CohortFile.SeparatorChoice(rawValue: separator) != nil else {
            throw ValidationError("--separator must be auto, ';', ',' or tab")
        }
    }

    /// The choices, once validated.
    var encodingChoice: CohortFile.EncodingChoice { CohortFile.EncodingChoice(rawValue: encoding)! }
    var separatorChoice: CohortFile.SeparatorChoice { CohortFile.SeparatorChoice(rawValue: separator)! }
    var headerMapping: HeaderMapping {
        var names: [String: String] = [:]
        for c in columns {
            let parts = c.split(separator: "=", maxSplits: 1)
            names[String(parts[0]).trimmingCharacters(in: .whitespaces)] = String(parts[1]).trimmingCharacters(in: .whitespaces)
        }
        let ignored = ignoredColumns.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return HeaderMapping(names: names, ignored: ignored)
    }
}
