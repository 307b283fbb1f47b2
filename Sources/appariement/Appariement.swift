import ArgumentParser
import Hardening
import SNDSModel

/// `appariement`: generate a synthetic SNDS and link cohorts to it. One file per subcommand; this
/// file only lists them.
@main
struct Appariement: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appariement",
        abstract: "Record linkage to a synthetic French national health data system (SNDS).",
        discussion: """
            Generates a realistic synthetic SNDS (identifiers, pseudonyms and tables as in the real one) \
            and links research cohorts to it. Secret keys are read from a key file (--key-file, or the \
            file named by APPARIEMENT_KEY_FILE, or synthetic/secret.key), never from the command line. \
            See docs/ for the methods.
            """,
        version: AppariementVersion.current,
        subcommands: [
            Demo.self, Generate.self, Describe.self, Cohort.self, Direct.self, Probabiliste.self, Evaluate.self, Report.self, Export.self,
            CheckCohort.self, CheckDataset.self, CheckSealed.self,
        ])

    /// Hardens the process (see ``ProcessHardening``), then parses and runs the command.
    static func main() {
        ProcessHardening.apply()
        main(nil)
    }
}
