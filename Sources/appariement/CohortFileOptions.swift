import ArgumentParser
import Linkage

/// `--encoding` and `--separator`, shared by every command that reads a cohort file.
struct CohortFileOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "The file's encoding: auto (UTF-8 if valid, else Windows-1252 if a byte is in 0x80–0x9F, else Latin-1), utf-8, latin-1 or windows-1252.",
            valueName: "auto|utf-8|latin-1|windows-1252"))
    var encoding = "auto"

    @Option(help: ArgumentHelp("The field separator: auto (from the header), ';', ',' or tab.", valueName: "auto|;|,|tab"))
    var separator = "auto"

    func validate() throws {
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
}
