import ArgumentParser
import Foundation
import Hardening
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// `appariement direct`: link a cohort by NIR, birth date and sex.
struct Direct: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Direct linkage: NIR + birth date + sex → BEN_NIR_PSA → IR_BEN_R → the person's data, under the NS.",
        discussion: """
            The cohort file has the columns NS, NIR (of the ouvreur de droits: 15 positions with the key, \
            or 13 without it, unchecked; spaces, dots or dashes allowed; the key may be a CLE_NIR column), \
            DATE_NAISSANCE (YYYY-MM-DD, DD/MM/YYYY, YYYYMMDD or 14APR1970, with or without a time), \
            SEXE (1/2, M/F or H/F) \
            and optionally RANG_GEMELLAIRE (twin rank); other header names map with --column, extra \
            columns are left unread with --ignore-columns. Every line is validated: a rejected line goes to \
            rejects.csv with its line number and reason, never its NIR. Valid lines are hashed with the \
            dataset's key and parameters (its manifest) and resolved through IR_BEN_R to the person and \
            all their pseudonyms; same-sex twins without a rank are reported ambiguous, never guessed.

            Writes the folder --out atomically: summary.json, results.csv, rejects.csv, \
            correspondence.sealed (NS ↔ pseudonyms, AES-256-GCM) and the extraction keyed by NS \
            (extraction.sqlite and extraction/*.csv). See docs/direct-linkage.md.
            """)

    @Argument(help: ArgumentHelp("The cohort file (CSV).", valueName: "cohort.csv"))
    var cohort: String

    @Option(help: ArgumentHelp("The synthetic SNDS to link to.", valueName: "path"))
    var database = DatasetFiles.defaultDatabase

    @Option(name: .customLong("out"), help: ArgumentHelp("The run's folder; default runs/direct-COHORT.", valueName: "path"))
    var output: String?

    @OptionGroup var cohortFile: CohortFileOptions

    @Option(parsing: .unconditional, help: "Threads for hashing; the default is the number of cores.")
    var threads = ProcessInfo.processInfo.activeProcessorCount

    @Flag(name: .customLong("no-extraction"), help: "Link only: skip the extraction of the people's data.")
    var noExtraction = false

    @OptionGroup(title: "Files for your tools") var files: RunOutputOptions

    @Flag(help: "Replace a previous run folder (never a folder of other files).")
    var force = false

    @OptionGroup var key: KeyOption

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        try files.validate(noExtraction: noExtraction)
    }

    func run() throws {
        try Failure.reporting(offering: [.force]) {
            let cohortURL = URL(fileURLWithPath: cohort)
            let stem = cohortURL.deletingPathExtension().lastPathComponent
            var options = DirectRun.Options(
                cohort: cohortURL, dataset: DatasetFiles(database: URL(fileURLWithPath: database)),
                output: URL(fileURLWithPath: output ?? "runs/direct-\(stem)"))
            options.encoding = cohortFile.encodingChoice
            options.separator = cohortFile.separatorChoice
            options.header = cohortFile.headerMapping
            options.threads = threads
            options.replaceExisting = force
            options.extraction = !noExtraction
            options.outputs = try files.outputs()
            let secret = try KeyFile.load(at: key.location.url)
            let summary = try DirectRun.run(options, key: secret, progress: ProgressReporter())
            Self.print(summary, folder: options.output)
        }
    }

    static func print(_ s: DirectSummary, folder: URL) {
        let c = s.counts
        func share(_ n: Int) -> String { c.submitted == 0 ? "" : String(format: " (%.1f %%)", 100 * Double(n) / Double(c.submitted)) }
        var text = """
            Direct linkage of \(s.cohort.path) to \(s.dataset.database):
              read as     \(s.cohort.encoding)\(s.cohort.encodingDetected ? " (detected)" : ""), separator '\(s.cohort.separator)'\(s.cohort.skippedLinesNote)
              submitted   \(c.submitted.formatted())
              rejected    \(c.rejected.formatted())\(share(c.rejected))
            """
        for (reason, n) in s.rejectedByReason.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            text += "\n    \(reason.rawValue): \(n.formatted())"
        }
        text += """

              found       \(c.found.formatted())\(share(c.found))
              not found   \(c.notFound.formatted())\(share(c.notFound))
              ambiguous   \(c.ambiguous.formatted())\(share(c.ambiguous)) (same-sex twins without a rank)
            People linked: \(s.people.linked.formatted()), of whom \(s.people.withSeveralPseudonyms.formatted()) with several pseudonyms (their NS receive the data of all)
            """
        if let n = s.foundByOwnNIR, n > 0 {
            text += "\n  \(n.formatted()) lines found through the patient's own NIR (BEN_NIR_ANO), the ouvreur's NIR having reached nobody"
        }
        if let n = s.nirWithoutKey, n > 0 {
            text +=
                "\n  \(n.formatted()) accepted lines gave the NIR's 13 positions without its key: no key checked them (a miscopied digit reaches someone else or nobody); results.csv flags them"
        }
        if s.people.reachedBySeveralNS > 0 {
            text +=
                "\n  \(s.people.reachedBySeveralNS.formatted()) \(s.people.reachedBySeveralNS == 1 ? "person is" : "people are") reached by more than one NS (listed twice in the cohort?): their data is delivered under each"
        }
        text += RunOutputOptions.describe(s.extraction, csvFormat: s.csvFormat)
        text +=
            "\nHashing and resolution \(String(format: "%.1f", s.timings["hashing_and_resolution"] ?? 0)) s of \(String(format: "%.1f", s.timings["total"] ?? 0)) s in total."
        text +=
            "\nWritten to \(folder.relativePath)/ (summary.json, results.csv, rejects.csv, correspondence.sealed\(s.extraction == nil ? "" : ", extraction.sqlite, extraction/"))"
        Swift.print(text)
    }
}
