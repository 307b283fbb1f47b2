import ArgumentParser
import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis

/// `appariement cohort`: synthetic cohorts with a known truth, drawn from a synthetic SNDS.
struct Cohort: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a synthetic cohort with a known truth from a synthetic SNDS.",
        subcommands: [CohortDirect.self, CohortProbabiliste.self])
}

/// `appariement cohort direct`: a cohort for direct linkage (NS, NIR, birth date, sex, twin rank).
struct CohortDirect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "direct",
        abstract: "Draw a direct-linkage cohort: NS; NIR of the ouvreur de droits; birth date; sex; twin rank.",
        discussion: """
            Writes DIR/NAME.csv (the cohort, with the defects of the noise profile) and DIR/NAME.truth.csv \
            (for each line: the person, the defect, the outcome a correct linkage reaches), kept apart. \
            Reads the dataset's sealed correspondence, hence the key. The same dataset, size, seed and \
            profile give the same cohort file whatever the key. The default profile is \
            synthetic/reference/assumptions/direct-cohort-noise.yml; see docs/direct-linkage.md.
            """)

    @Option(parsing: .unconditional, help: "Lines in the cohort.")
    var size = 1_000

    @Option(parsing: .unconditional, help: "Seed of the random draws.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Cohort name: the files are DIR/NAME.csv and DIR/NAME.truth.csv.", valueName: "name"))
    var name = "direct"

    @Option(name: .customLong("dir"), help: ArgumentHelp("Folder to write the cohort to.", valueName: "path"))
    var directory = "cohorts"

    @Option(help: ArgumentHelp("The synthetic SNDS to draw from.", valueName: "path"))
    var database = DatasetFiles.defaultDatabase

    @Option(help: ArgumentHelp("Noise profile (YAML) with the defect rates; default: the shipped one.", valueName: "path"))
    var noise: String?

    @OptionGroup var key: KeyOption

    @Flag(help: "Replace a cohort drawn before under the same name (its truth file beside it); never a user's own file.")
    var force = false

    func validate() throws {
        guard size > 0 else { throw ValidationError("--size must be at least 1") }
        guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
            throw ValidationError("--name must be a plain file name (no '/', not starting with '.')")
        }
    }

    func run() throws {
        try Failure.reporting(offering: [.force]) {
            let written = try Self.draw(
                size: size, seed: seed, name: name, directory: URL(fileURLWithPath: directory),
                database: database, noise: noise.map { URL(fileURLWithPath: $0) },
                keyFile: key.location.url, force: force)
            // The options that were not the defaults, so that the command runs as printed.
            var command = "appariement direct \(ShellWord.quoted(written.cohort.relativePath))"
            if database != DatasetFiles.defaultDatabase { command += " --database \(ShellWord.quoted(database))" }
            if let keyFile = key.keyFile { command += " --key-file \(ShellWord.quoted(keyFile))" }
            print("Link it with: \(command)")
        }
    }

    /// Draws and writes a cohort and its truth, and says where; shared with `demo`.
    @discardableResult
    static func draw(
        size: Int, seed: UInt64, name: String, directory folder: URL, database: String, noise: URL?,
        keyFile: URL, force: Bool
    ) throws -> CohortDrawing.Drawn {
        let drawn = try CohortDrawing.direct(
            size: size, seed: seed, dataset: DatasetFiles(database: URL(fileURLWithPath: database)), noise: noise,
            keyFile: keyFile, reference: { try ReferenceData.locate() },
            to: .init(name: name, folder: folder, replaceExisting: force))
        print(
            """
            Direct cohort of \(size.formatted()) lines (seed \(seed)) from \(database):
              cohort  \(drawn.cohort.relativePath)
              truth   \(drawn.truth.relativePath) (keep it apart: it says who each NS is)
            Expected outcomes: \(expectedLine(drawn))
            Defects: \(drawn.defects.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            """)
        return drawn
    }
}

/// "found 812, not_found 61, …": every expected outcome, in the enum's order.
func expectedLine(_ drawn: CohortDrawing.Drawn) -> String {
    CohortTruth.Expected.allCases.map { "\($0.rawValue) \(drawn.expected[$0] ?? 0)" }.joined(separator: ", ")
}

/// `appariement cohort probabiliste`: a registry-like cohort for indirect linkage (criteria only).
struct CohortProbabiliste: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probabiliste",
        abstract: "Draw an indirect-linkage cohort: NS and non-identifying criteria of a hospital stay, with realistic defects.",
        discussion: """
            Scenarios:
            \(IndirectScenario.all.map { "  \($0.name): \($0.label). Rules: \($0.rulesFile)." }.joined(separator: "\n"))

            Writes DIR/NAME.csv (the cohort) and DIR/NAME.truth.csv (for each line: the person it \
            describes, its defects, and found / not_found / ambiguous), kept apart. Reads only the \
            database (no key): the same dataset, scenario, size, seed and profile give the same cohort \
            file whatever the key. The default noise profile is \
            synthetic/reference/assumptions/indirect-cohort-noise.yml; see docs/indirect-linkage.md.
            """)

    @Option(help: ArgumentHelp("The scenario: \(IndirectScenario.all.map(\.name).joined(separator: ", ")).", valueName: "name"))
    var scenario = IndirectScenario.defaultName

    @Option(parsing: .unconditional, help: "Lines in the cohort.")
    var size = 1_000

    @Option(parsing: .unconditional, help: "Seed of the random draws.")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Cohort name: the files are DIR/NAME.csv and DIR/NAME.truth.csv; default: the scenario's name.", valueName: "name"))
    var name: String?

    @Option(name: .customLong("dir"), help: ArgumentHelp("Folder to write the cohort to.", valueName: "path"))
    var directory = "cohorts"

    @Option(help: ArgumentHelp("The synthetic SNDS to draw from.", valueName: "path"))
    var database = DatasetFiles.defaultDatabase

    @Option(help: ArgumentHelp("Noise profile (YAML) with the defect rates; default: the shipped one.", valueName: "path"))
    var noise: String?

    @Flag(
        help: """
            Give the patients' identities too (NIR and birth date, with a miscopied key, a missing NIR or the patient's own NIR \
            on some lines), as a hospital registry holds them: the file a cascade links (direct, then probabiliste --from-direct). \
            Reads the sealed correspondence: needs the key.
            """)
    var identity = false

    @OptionGroup var key: KeyOption

    @Flag(help: "Replace a cohort drawn before under the same name (its truth file beside it); never a user's own file.")
    var force = false

    func validate() throws {
        guard size > 0 else { throw ValidationError("--size must be at least 1") }
        if key.keyFile != nil, !identity { throw ValidationError("--key-file is needed only with --identity") }
        guard IndirectScenario.named(scenario) != nil else {
            throw ValidationError("unknown scenario '\(scenario)' (known: \(IndirectScenario.all.map(\.name).joined(separator: ", ")))")
        }
        if let name {
            guard !name.isEmpty, !name.contains("/"), !name.hasPrefix(".") else {
                throw ValidationError("--name must be a plain file name (no '/', not starting with '.')")
            }
        }
    }

    func run() throws {
        try Failure.reporting(offering: [.force]) {
            let written = try Self.draw(
                scenario: IndirectScenario.named(scenario)!, size: size, seed: seed, name: name ?? scenario,
                directory: URL(fileURLWithPath: directory), database: database,
                noise: noise.map { URL(fileURLWithPath: $0) }, identityKeyFile: identity ? key.location.url : nil, force: force)
            let rules = IndirectScenario.named(scenario)!.rulesFile
            let databaseOption = database != DatasetFiles.defaultDatabase ? " --database \(ShellWord.quoted(database))" : ""
            let file = ShellWord.quoted(written.cohort.relativePath)
            if identity {
                // The direct step reads the identity and leaves the stay's columns unread.
                let stay = IndirectScenario.named(scenario)!.columns.map(\.name).filter {
                    !["SEXE", "ANNEE_NAISSANCE", "MOIS_NAISSANCE", "DEPARTEMENT"].contains($0)
                }
                let run = "runs/direct-\(written.cohort.deletingPathExtension().lastPathComponent)"
                let keyOption = key.keyFile.map { " --key-file \(ShellWord.quoted($0))" } ?? ""
                print(
                    """
                    Link it in a cascade with:
                      appariement direct \(file) --ignore-columns \(stay.joined(separator: ","))\(databaseOption)\(keyOption)
                      appariement probabiliste --from-direct \(run) --criteria \(rules)\(keyOption)
                    """)
            } else {
                print("Link it with: appariement probabiliste \(file) --criteria \(rules)\(databaseOption)")
            }
        }
    }

    /// Draws and writes an indirect cohort and its truth, and says where; shared with `demo`.
    @discardableResult
    static func draw(
        scenario: IndirectScenario, size: Int, seed: UInt64, name: String, directory folder: URL, database: String,
        noise: URL?, identityKeyFile: URL? = nil, force: Bool
    ) throws -> CohortDrawing.Drawn {
        let drawn = try CohortDrawing.indirect(
            scenario: scenario, size: size, seed: seed, dataset: DatasetFiles(database: URL(fileURLWithPath: database)), noise: noise,
            identityKeyFile: identityKeyFile, reference: { try ReferenceData.locate() },
            to: .init(name: name, folder: folder, replaceExisting: force))
        print(
            """
            Indirect cohort '\(scenario.name)' of \(size.formatted()) lines (seed \(seed)) from \(database), drawn among \((drawn.eligiblePatients ?? 0).formatted()) patients:
              cohort  \(drawn.cohort.relativePath)
              truth   \(drawn.truth.relativePath) (keep it apart: it says who each NS is)
            Expected outcomes: \(expectedLine(drawn))
            Defects (a line may have several): \(drawn.defects.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            """)
        return drawn
    }
}
