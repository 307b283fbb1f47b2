import ArgumentParser
import Foundation
import Hardening
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// `appariement probabiliste`: indirect linkage on non-identifying criteria, group by group.
struct Probabiliste: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Indirect linkage: join on all criteria, keep one-to-one matches (group 1), drop the least discriminant criteria and retry (group 2, …).",
        discussion: """
            The rules file (--criteria) names the cohort's columns, the SNDS column each is compared with, \
            how both are normalised and compared (exact, dates within ±d days, first k characters), and \
            the strategy: drop order (auto: least discriminant first, measured on the SNDS), how many \
            criteria may be dropped, and the success threshold (default 0.90 of the cohort found).

            A line is linked only when exactly one person matches it and that person matches no other \
            line in the same configuration; within a group, a line matched to different persons by two \
            configurations is excluded as conflicting. Linked lines and persons leave the pool before the \
            next group. Rejected lines go to rejects.csv with their line number and reason.

            Every link then gets a match weight and a probability from a Fellegi–Sunter model fitted on \
            the run's own candidates, and each group the number of wrong links it expects; links below \
            the rules' strategy.min_link_probability (0.9 by default, 0 turns it off) are excluded as \
            weak_link. The verdict is then projected to a larger SNDS (--project-to, the real one by \
            default): the found rate and wrong links the same registry would give there. See \
            docs/link-confidence.md.

            Writes the folder --out atomically: summary.json (groups, rates, verdict, discriminance, \
            configurations, data quality, the match model), results.csv, rejects.csv, \
            correspondence.sealed (NS ↔ pseudonyms, AES-256-GCM), review.csv and review.sealed (the \
            lines to review and their candidates; see export review), candidates.csv (each line's \
            candidates per configuration, observed and expected by chance) and the extraction keyed by NS. The exit code is 0 whatever the \
            verdict (it is in summary.json and printed), unless --require-success. See docs/indirect-linkage.md.

            --from-direct RUN makes the run the second step of a cascade: the lines the direct run RUN \
            did not find (rejected, not found, ambiguous) are linked on the non-identifying criteria the \
            same file carries, at the same line numbers; its identity columns are left unread (the birth \
            date gives the year and month of birth when the file has no column for them). The cohort \
            argument may then be left out. The summary and the report give both steps and the whole \
            cohort's result. See docs/indirect-linkage.md, "Cascade".
            """)

    @Argument(help: ArgumentHelp("The cohort file (CSV); with --from-direct, the direct run's own by default.", valueName: "cohort.csv"))
    var cohort: String?

    @Option(
        name: .customLong("from-direct"),
        help: ArgumentHelp("A direct run's folder: link only the lines it did not find, on the same file's criteria (a cascade).", valueName: "RUN"))
    var fromDirect: String?

    @Option(help: ArgumentHelp("The rules file (YAML).", valueName: "rules.yml"))
    var criteria = "rules/default.yml"

    @Option(
        help: ArgumentHelp(
            "The synthetic SNDS to link to (default: \(DatasetFiles.defaultDatabase); with --from-direct, the direct run's).",
            valueName: "path"))
    var database: String?

    @Option(name: .customLong("out"), help: ArgumentHelp("The run's folder; default runs/probabiliste-COHORT.", valueName: "path"))
    var output: String?

    @OptionGroup var cohortFile: CohortFileOptions

    @Flag(name: .customLong("no-extraction"), help: "Link only: skip the extraction of the people's data.")
    var noExtraction = false

    @OptionGroup(title: "Files for your tools") var files: RunOutputOptions

    @Option(
        name: .customLong("project-to"),
        help: ArgumentHelp(
            "The SNDS size the verdict is projected to, in people (the default is the real SNDS's); at least the dataset's own size, read from its manifest.",
            valueName: "N"))
    var projectTo = Projection.realSNDS

    @Flag(help: "Replace a previous run folder (never a folder of other files).")
    var force = false

    @Flag(
        name: .customLong("require-success"),
        help: "Exit with code 2 when the verdict is failure (below the threshold); the run is written either way.")
    var requireSuccess = false

    @OptionGroup var key: KeyOption

    func validate() throws {
        if cohort == nil, fromDirect == nil { throw ValidationError("Missing expected argument '<cohort.csv>' (or --from-direct RUN)") }
        try files.validate(noExtraction: noExtraction)
        guard projectTo >= 1 else {
            throw ValidationError("--project-to takes a number of people, at least the dataset's own size (got \(projectTo)).")
        }
    }

    func run() throws {
        try Failure.reporting(offering: [.force, .criteria]) {
            let secret = try KeyFile.load(at: key.location.url)
            let step = try fromDirect.map { try DirectStep.read(URL(fileURLWithPath: $0), key: secret) }
            let cohortURL = URL(fileURLWithPath: cohort ?? step!.cohort.path)
            let stem = cohortURL.deletingPathExtension().lastPathComponent
            var options = IndirectRun.Options(
                cohort: cohortURL, rules: URL(fileURLWithPath: criteria),
                dataset: DatasetFiles(database: URL(fileURLWithPath: database ?? step?.dataset.database ?? DatasetFiles.defaultDatabase)),
                output: URL(fileURLWithPath: output ?? "runs/probabiliste-\(stem)"))
            options.encoding = cohortFile.encodingChoice
            options.separator = cohortFile.separatorChoice
            options.header = cohortFile.headerMapping
            options.replaceExisting = force
            options.extraction = !noExtraction
            options.outputs = try files.outputs(inheriting: step?.csvFormat)
            options.projectTo = projectTo
            options.directStep = step
            let progress = ProgressReporter()
            let prepared = try IndirectRun.prepare(options, key: secret, reference: try ReferenceData.locate(), progress: progress)
            if let step {
                Swift.print(
                    "Cascade: the direct run \(step.run) found \(step.found.formatted()) of \(step.submitted.formatted()) lines; the \(step.passedOn.count.formatted()) others are linked here on their criteria."
                )
            }
            Self.printPrelude(prepared)
            let summary = try IndirectRun.link(prepared, progress: progress)
            Self.print(summary, folder: options.output)
            if requireSuccess, (summary.directStep?.verdict ?? summary.verdict) == .failure { throw ExitCode(ExitStatus.verdictFailure.rawValue) }
        }
    }

    /// The discriminance of each criterion and the configurations, before the join.
    static func printPrelude(_ p: borrowing IndirectRun.Prepared) {
        let e = p.events.measured, rules = p.rules
        var text = "Candidate events: \(e.count.formatted()) \(rules.events.label) (\(e.years.map(String.init).joined(separator: ", ")))\n"
        text += "Discriminance (SNDS side)      entropy (with tolerance)  distinct  unique   missing\n"
        for d in e.discriminance {
            text +=
                "  " + d.column.padding(toLength: 28, withPad: " ", startingAt: 0)
                + String(
                    format: " %6.2f b (%6.2f b)      %9d  %6.2f %%  %5.2f %%\n", d.entropyBits, d.effectiveBits, d.distinctValues,
                    100 * d.uniqueShare, 100 * d.missingShare)
        }
        let plan = e.plan
        text +=
            "Drop order: \(plan.dropOrder.map { rules.criteria[$0].column }.joined(separator: ", ")) (\(rules.strategy.maxDropped) at most); \(plan.configurations.count) configurations"
        for g in plan.groups {
            let cfgs = p.profile.configurations.filter { $0.group == g }
            let low = 100 * (cfgs.map(\.uniqueShare).min() ?? 0), high = 100 * (cfgs.map(\.uniqueShare).max() ?? 0)
            let range =
                String(format: "%.1f", low) == String(format: "%.1f", high)
                ? String(format: "%.1f %%", high)
                : String(format: "%.1f–%.1f %%", low, high)
            text +=
                "\n  group \(g): \(cfgs.count) configuration\(cfgs.count > 1 ? "s" : ""), \(range) of the events unique on \(cfgs.count > 1 ? "each" : "it")"
        }
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    static func print(_ s: IndirectSummary, folder: URL) {
        let c = s.counts
        func share(_ n: Int) -> String { c.submitted == 0 ? "" : String(format: " (%.1f %%)", 100 * Double(n) / Double(c.submitted)) }
        var text = """
            Indirect linkage of \(s.cohort.path) to \(s.dataset.database) with \(s.rules.path):
              read as     \(s.cohort.encoding)\(s.cohort.encodingDetected ? " (detected)" : ""), separator '\(s.cohort.separator)'\(s.cohort.skippedLinesNote)
              submitted   \(c.submitted.formatted())
              rejected    \(c.rejected.formatted())\(share(c.rejected))
            """
        for (reason, n) in s.rejectedByReason.sorted(by: { ($1.value, $0.key) < ($0.value, $1.key) }) {
            text += "\n    \(reason.rawValue): \(n.formatted())"
        }
        for g in s.groups {
            let dropped = g.dropped == 0 ? "all criteria" : "\(g.dropped) dropped"
            let how =
                g.weighted == true
                ? "weighted: the most probable of several candidates, at a probability of \(s.confidence.map { "\(max($0.minLinkProbability, 0.5))" } ?? "0.5") or more"
                : "\(dropped), \(g.configurations) configuration\(g.configurations > 1 ? "s" : "")"
            // The weighted group is named so: a CNAM reader takes "group 3" for two criteria dropped.
            let name = g.weighted == true ? "weighted" : "group \(g.group)"
            text +=
                "\n  \(name.padding(toLength: 11, withPad: " ", startingAt: 0)) \(g.linked.formatted())\(share(g.linked)) — \(how); cumulative \(String(format: "%.1f %%", 100 * g.cumulativeRate))"
            if let e = s.confidence?.groups.first(where: { $0.group == g.group }), e.links > 0 { text += "; links expected wrong: \(e.phrase)" }
        }
        text += "\n  excluded    \(c.excluded.formatted())\(share(c.excluded))"
        for (reason, n) in s.excludedByReason.sorted(by: { ($1.value, $0.key.rawValue) < ($0.value, $1.key.rawValue) }) {
            text += "\n    \(reason.rawValue): \(n.formatted())"
        }
        text += String(
            format: "\nFound %.1f %% of the %@ against a threshold of %.0f %%: %@.", 100 * c.foundRate,
            s.directStep == nil ? "cohort" : "lines passed on", 100 * s.threshold, s.verdict.shouted)
        if let d = s.directStep {
            text += String(
                format:
                    "\nBoth steps: the direct run found %@, this one %@ of the %@ lines passed on: %@ of %@ found (%.1f %%): %@ for the whole cohort.",
                d.found.formatted(), c.found.formatted(), d.passedOn.formatted(), d.foundInAll.formatted(), d.submitted.formatted(),
                100 * d.foundInAllRate, d.verdict.shouted)
        }
        if let c = s.confidence, c.total.links + c.excludedAsWeak.links > 0 {
            text +=
                "\n  of the \(c.total.links.formatted()) links, \(c.total.phrase) expected wrong (a count of links; match model fitted on the run's candidates)"
            let guardText = "\(c.minLinkProbability)"
            text +=
                c.minLinkProbability == 0
                ? "\n  guard off (strategy.min_link_probability: 0): every unique link accepted"
                : "\n  guard: links with a probability below \(guardText) excluded as weak_link: \(c.excludedAsWeak.links.formatted()) link\(c.excludedAsWeak.links == 1 ? "" : "s")\(c.excludedAsWeak.links > 0 ? ", of which \(c.excludedAsWeak.phrase) expected wrong" : "")\(c.minLinkProbabilityIsDefault ? "; the default, as the rules set no strategy.min_link_probability" : "")"
            if let lines = c.reviewLines, lines > 0 {
                text +=
                    "\n  \(lines.formatted()) line\(lines == 1 ? "" : "s") to review, with their candidates ranked: review.csv (review.sealed holds their pseudonyms)"
            }
        }
        if s.people.reachedBySeveralNS > 0 {
            let n = s.people.reachedBySeveralNS
            text +=
                "\n  \(n.formatted()) \(n == 1 ? "person is" : "people are") linked to more than one NS: a patient the registry holds twice (results.csv names the lines)"
        }
        if let p = s.projection {
            let wrong = p.expectedWrong < 10 ? String(format: "%.1f", p.expectedWrong) : String(Int(p.expectedWrong.rounded()))
            let rate =
                p.foundRateGroupsOnly < p.foundRate - 0.0005
                ? String(
                    format: "between %.1f %% (the CNAM groups alone) and %.1f %% (with the weighted group, which the projection overstates)",
                    100 * p.foundRateGroupsOnly, 100 * p.foundRate)
                : String(format: "about %.1f %%", 100 * p.foundRate)
            let threshold = String(format: "%.0f %%", 100 * s.threshold)
            let verdict =
                p.verdict == .uncertain
                ? "uncertain against \(threshold) (the weighted group decides)" : "\(p.verdict.shouted) against \(threshold)"
            text +=
                "\nProjected\(s.directStep == nil ? "" : " (the lines passed on)") to an SNDS of \(p.population.formatted()) people (\(p.factor.formatted()) × this dataset's \(p.datasetPopulation.formatted())): found \(rate), with about \(wrong) (\(p.low)–\(p.high)) links expected wrong: \(verdict)."
            if p.beyondValidated {
                text +=
                    "\n  an extrapolation: validated up to 50 times the dataset (docs/link-confidence.md); its intervals leave out the model's own uncertainty"
            }
        }
        text += RunOutputOptions.describe(s.extraction, csvFormat: s.csvFormat)
        text += "\nLinkage \(String(format: "%.1f", s.timings["linkage"] ?? 0)) s of \(String(format: "%.1f", s.timings["total"] ?? 0)) s in total."
        text +=
            "\nWritten to \(folder.relativePath)/ (summary.json, results.csv, rejects.csv, correspondence.sealed, review.csv, review.sealed, candidates.csv\(s.extraction == nil ? "" : ", extraction.sqlite, extraction/"))"
        Swift.print(text)
    }
}
