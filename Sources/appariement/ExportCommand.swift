import ArgumentParser
import Foundation
import Hardening
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore

/// `appariement export`: files for measuring another linkage tool against appariement (bench/).
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Export an indirect linkage's inputs, or any run's links, to compare appariement with another tool; or an indirect run's lines to review.",
        subcommands: [ExportCandidates.self, ExportLinks.self, ExportReview.self])
}

/// `appariement export candidates`: the SNDS's candidate events and the cohort, normalised.
struct ExportCandidates: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "candidates",
        abstract: "Write the SNDS's candidate events and the cohort's valid lines, normalised as the rules say.",
        discussion: """
            Writes into --out: candidates.csv (EVENT;BEN_IDT_ANO; then one column per criterion: every \
            event of the rules' source, e.g. each MCO stay with a reliable chaining, once per person \
            behind it), cohort.csv (NS; then the criteria, valid lines only) and export.json (the \
            criteria with the comparison the rules make, the counts, lines rejected by reason, the \
            dataset's id and digest). Values are full normalised values (dates as YYYY-MM-DD, sex as \
            1/2, département on 2 characters, FINESS on 9, the whole ICD-10 code without its dot), not \
            cut to what the rules compare: the other tool chooses its own comparisons. A criterion \
            normalised finess_entity keeps its FINESS as written and gets a last column COLUMN_ENTITE \
            with the legal entity it is compared at. No NIR, no \
            pseudonym: events name their person by BEN_IDT_ANO. No key needed. bench/ uses this to run \
            Splink on the same inputs as `probabiliste`; see docs/benchmarks.md.
            """)

    @Argument(help: ArgumentHelp("The cohort file (CSV).", valueName: "cohort.csv"))
    var cohort: String

    @Option(help: ArgumentHelp("The rules file (YAML) naming the criteria and the events.", valueName: "rules.yml"))
    var criteria = "rules/default.yml"

    @Option(help: ArgumentHelp("The synthetic SNDS.", valueName: "path"))
    var database = DatasetFiles.defaultDatabase

    @Option(name: .customLong("out"), help: ArgumentHelp("The folder to write into (created if needed).", valueName: "path"))
    var output: String

    @OptionGroup var cohortFile: CohortFileOptions

    @Flag(help: "Replace the files of a previous export in --out.")
    var force = false

    func run() throws {
        try Failure.reporting(offering: [.force, .criteria]) {
            let rules = try IndirectRules.load(URL(fileURLWithPath: criteria), reference: try ReferenceData.locate())
            let file = try CohortFile(
                url: URL(fileURLWithPath: cohort), columns: rules.cohortColumns,
                encoding: cohortFile.encodingChoice, separator: cohortFile.separatorChoice, header: cohortFile.headerMapping)
            let lines = try IndirectCohort(file: file, rules: rules)
            try lines.requireReadableCriteria()
            let d = try ComparisonExport.write(
                cohort: lines, rules: rules, dataset: DatasetFiles(database: URL(fileURLWithPath: database)),
                into: URL(fileURLWithPath: output), replaceExisting: force)
            let rejected = d.rejected.values.reduce(0, +)
            print(
                """
                Exported into \(output):
                  \(ComparisonExport.candidatesFile)   \(d.candidateRows.formatted()) candidate events (\(d.candidatePersons.formatted()) persons)
                  \(ComparisonExport.cohortFile)       \(d.cohortLines.formatted()) valid lines (\(rejected.formatted()) rejected, not exported)
                  \(ComparisonExport.descriptionFile)      criteria, comparisons, counts, dataset
                """)
        }
    }
}

/// `appariement export links`: a finished run's links by person, for an independent scorer.
struct ExportLinks: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "links",
        abstract: "Write a finished run's links as NS;BEN_IDT_ANO;GROUP (opens its sealed correspondence: needs the key).",
        discussion: """
            One line per NS and person linked, with the group of the link for an indirect run (empty \
            for a direct one). BEN_IDT_ANO is the SNDS's anonymous person identifier, the one a cohort's \
            truth file names, so any scorer can compare the links with the truth. The file is written \
            atomically, mode 0600; with --force it replaces a previous links file (one with that header), never another file.
            """)

    @Argument(help: ArgumentHelp("The run's folder.", valueName: "run"))
    var runFolder: String

    @Option(name: .customLong("out"), help: ArgumentHelp("The CSV file to write.", valueName: "path"))
    var output: String

    @Flag(help: "Replace a previous links file (never another file).")
    var force = false

    @OptionGroup var key: KeyOption

    func run() throws {
        try Failure.reporting(offering: [.force]) {
            let secret = try KeyFile.load(at: key.location.url)
            let links = try ComparisonExport.links(of: URL(fileURLWithPath: runFolder), key: secret)
            try ComparisonExport.writeLinks(links, to: URL(fileURLWithPath: output), replaceExisting: force)
            print("\(links.count.formatted()) links written to \(output)")
        }
    }
}

/// `appariement export review`: the candidates of the lines an indirect run left for a person to
/// decide, with who they are.
struct ExportReview: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Write an indirect run's lines to review with their candidates (opens its review.sealed: needs the key).",
        discussion: """
            The lines excluded as multiple_candidates, conflicting, duplicate_person or weak_link, each with up to five \
            candidates ranked by the match model (and, for a weak link, the person the groups linked, \
            LINKED_BY_RULES yes; LINKED_TO_LINE names the line a candidate is linked to already): \
            NS;CANDIDATE;BEN_IDT_ANO;REASON;LINKED_BY_RULES;LINKED_TO_LINE;MATCH_PROBABILITY;WEIGHT_DETAIL. \
            BEN_IDT_ANO is the SNDS's anonymous person identifier. The file is written atomically, mode \
            0600; with --force it replaces a previous review file (one with that header), never another file. \
            See docs/link-confidence.md.
            """)

    @Argument(help: ArgumentHelp("The indirect run's folder.", valueName: "run"))
    var runFolder: String

    @Option(name: .customLong("out"), help: ArgumentHelp("The CSV file to write.", valueName: "path"))
    var output: String

    @Flag(help: "Replace a previous review file (never another file).")
    var force = false

    @OptionGroup var key: KeyOption

    func run() throws {
        try Failure.reporting(offering: [.force]) {
            let secret = try KeyFile.load(at: key.location.url)
            let run = URL(fileURLWithPath: runFolder)
            guard RunFolder.kind(of: run) == .probabiliste else {
                throw LinkageError.badRun(run.path, "not an indirect linkage run (only those have lines to review)")
            }
            let candidates = try ClericalReview.candidates(of: run, key: secret)
            try ClericalReview.writeExport(candidates, to: URL(fileURLWithPath: output), replaceExisting: force)
            print("\(Set(candidates.map(\.ns)).count.formatted()) lines, \(candidates.count.formatted()) candidates written to \(output)")
        }
    }
}
