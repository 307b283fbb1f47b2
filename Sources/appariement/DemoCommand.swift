import ArgumentParser
import Demo
import Foundation
import Hardening
import Linkage
import Pseudonymisation
import Reporting
import SNDSModel
import SNDSStore
import Synthesis
import Terminal

/// `appariement demo`: the main job on the embedded defaults, what the README's first command runs.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract:
            "Run the main job on defaults: the default synthetic SNDS (SQLite) under synthetic/, a direct and an indirect linkage of synthetic cohorts, evaluated, and their reports.",
        discussion: """
            Draws a direct-linkage cohort (cohorts/demo-direct.csv and its truth) and an indirect one \
            (cohorts/demo-sejours.csv, hospital stays, and its truth), links them (runs/demo-direct with \
            the NIR, runs/demo-sejours with rules/default.yml), evaluates both runs against their truth \
            and writes their reports (report.html and report.json in each run's folder). Re-running \
            reuses the dataset in place when it is complete, unaltered (checked against its manifest), of \
            the size asked and made with the key given, and each run when it was made from the same \
            cohort and dataset; otherwise it says why and makes them again. --fresh always makes \
            everything again.
            """)

    @Option(parsing: .unconditional, help: "People in the default synthetic SNDS.")
    var beneficiaries = 20_000

    @Flag(help: "Generate everything again instead of reusing what exists.")
    var fresh = false

    @Option(name: .customLong("lang"), help: ArgumentHelp("Language of the reports: fr or en.", valueName: "fr|en"))
    var language: ReportBuilder.Language = .fr

    @OptionGroup var key: KeyOption

    func run() throws {
        try Failure.reporting(offering: [.fresh]) {
            let plan = DemoPlan(beneficiaries: beneficiaries, fresh: fresh, keyFile: key.location.url)
            switch try plan.datasetStep() {
            case .reuse(let manifest):
                print("Reusing the synthetic SNDS in place (verified against its manifest; --fresh generates it again).")
                Generate.printSummary(manifest, files: plan.dataset)
            case .make(let reason):
                if let reason { print(reason) }
                var options = GenerationOptions()
                options.beneficiaries = beneficiaries
                options.files = plan.dataset
                options.replaceExisting = true
                try Generate.generate(options, keyLocation: key.location)
            }
            let direct = try directLinkage(plan)
            let indirect = try indirectLinkage(plan)
            print("\nReports (open the HTML pages in a browser):")
            for (run, evaluation) in [direct, indirect] {
                let report = try Report.write(run: run, evaluation: evaluation, language: language)
                let labels = ReportLabels(.en)
                let rate =
                    report.outcome.foundRate.map { labels.percent($0) }
                    ?? report.outcome.foundRateRange.map { "\(labels.percent($0[0]))–\(labels.percent($0[1]))" } ?? "hidden"
                print(
                    "  \(run.appendingPathComponent(LinkageReport.htmlFile).relativePath)  (\(report.run.kind.rawValue), \(rate) found\(report.outcome.verdict.map { ", \($0.rawValue)" } ?? ""); and report.json)"
                )
            }
        }
    }

    /// The direct cohort drawn, linked and evaluated — or its previous run reused.
    private func directLinkage(_ plan: DemoPlan) throws -> (URL, Evaluation) {
        let manifest = try DatasetVerifier.verifyIdentity(plan.dataset)
        let files = plan.direct
        let previousRun = try? DirectSummary.read(from: files.run)
        try plan.requireUnedited(files, previousRun, cohort: \.cohort)
        if let previous = plan.reusableRun(files, previousRun, dataset: \.dataset, cohort: \.cohort, manifest: manifest) {
            print("\nReusing the direct linkage in \(files.run.relativePath) (same cohort, same dataset; --fresh redoes it).")
            Direct.print(previous, folder: files.run)
            return (files.run, try evaluate(run: files.run, truth: files.truth))
        }
        let size = plan.directCohortSize(manifest)
        try requireDemoCohort(files, plan: plan, previousRun: previousRun != nil) { folder in
            _ = try CohortDrawing.direct(
                size: size, seed: 1, dataset: plan.dataset, noise: nil, keyFile: plan.keyFile, reference: { try ReferenceData.locate() },
                to: .init(name: files.name, folder: folder, replaceExisting: true))
        }
        print(
            "\nDirect linkage of a synthetic cohort of \(size.formatted()) lines (NIR + birth date + sex)\(size < 1_000 ? ", a quarter of the dataset's people" : ""):"
        )
        try CohortDirect.draw(
            size: size, seed: 1, name: files.name, directory: files.cohortFolder,
            database: plan.dataset.database.path, noise: nil, keyFile: plan.keyFile, force: true)
        var options = DirectRun.Options(cohort: files.cohort, dataset: plan.dataset, output: files.run)
        options.replaceExisting = true
        let secret = try KeyFile.load(at: plan.keyFile)
        let summary = try DirectRun.run(options, key: secret, progress: ProgressReporter())
        Direct.print(summary, folder: files.run)
        return (files.run, try evaluate(run: files.run, truth: files.truth, key: secret))
    }

    /// The registry of hospital stays drawn, linked with rules/default.yml and evaluated — or its
    /// previous run reused, when the rules file is unchanged too.
    private func indirectLinkage(_ plan: DemoPlan) throws -> (URL, Evaluation) {
        let manifest = try DatasetVerifier.verifyIdentity(plan.dataset)
        let files = plan.indirect
        let reference = try ReferenceData.locate()
        let rules = DemoPlan.rulesFile(plan.scenario.rulesFile, reference: reference)
        let previousRun = try? IndirectSummary.read(from: files.run)
        try plan.requireUnedited(files, previousRun, cohort: \.cohort)
        if let previous = plan.reusableRun(files, previousRun, dataset: \.dataset, cohort: \.cohort, manifest: manifest),
            previous.rules.sha256 == FileDigest.sha256(of: rules)
        {
            print("\nReusing the indirect linkage in \(files.run.relativePath) (same cohort, same dataset; --fresh redoes it).")
            Probabiliste.print(previous, folder: files.run)
            return (files.run, try evaluate(run: files.run, truth: files.truth))
        }
        print("\nIndirect linkage of a synthetic registry of hospital stays (no identifier; \(rules.relativePath)):")
        let eligible = try CohortDrawing.eligiblePatients(scenario: plan.scenario, dataset: plan.dataset, reference: reference)
        let size = plan.registrySize(eligiblePatients: eligible)
        try requireDemoCohort(files, plan: plan, previousRun: previousRun != nil) { folder in
            _ = try CohortDrawing.indirect(
                scenario: plan.scenario, size: size, seed: 1, dataset: plan.dataset, noise: nil, reference: { try ReferenceData.locate() },
                to: .init(name: files.name, folder: folder, replaceExisting: true))
        }
        if size < 1_000 {
            print("The registry has \(size.formatted()) lines: half of the \(eligible.formatted()) patients of this dataset the scenario can draw.")
        }
        try CohortProbabiliste.draw(
            scenario: plan.scenario, size: size, seed: 1, name: files.name, directory: files.cohortFolder,
            database: plan.dataset.database.path, noise: nil, force: true)
        var options = IndirectRun.Options(cohort: files.cohort, rules: rules, dataset: plan.dataset, output: files.run)
        options.replaceExisting = true
        let secret = try KeyFile.load(at: plan.keyFile)
        let summary = try IndirectRun.run(options, key: secret, reference: reference, progress: ProgressReporter())
        Probabiliste.print(summary, folder: files.run)
        return (files.run, try evaluate(run: files.run, truth: files.truth, key: secret))
    }

    /// Without a run of it to tell whether the cohort in place was edited, it is compared with the
    /// cohort the demo would draw (drawn aside, then removed): one that differs — edited by hand,
    /// or drawn from another dataset — is not replaced unless --fresh.
    private func requireDemoCohort(
        _ files: DemoPlan.RunFiles, plan: DemoPlan, previousRun: Bool, draw: (URL) throws -> Void
    ) throws {
        guard !plan.fresh, !previousRun, FileManager.default.fileExists(atPath: files.cohort.path) else { return }
        // Beside the cohort, hidden: the draw holds the same clear identities, and stays on the
        // same disk as the cohort itself.
        let aside = files.cohortFolder.appendingPathComponent(".\(files.name).demo-check.partial-\(getpid())")
        defer { try? FileManager.default.removeItem(at: aside) }
        try draw(aside)
        guard FileDigest.sha256(of: aside.appendingPathComponent(files.cohort.lastPathComponent)) != FileDigest.sha256(of: files.cohort) else {
            return
        }
        throw DemoError.cohortNotTheDemos(cohort: files.cohort.relativePath)
    }

    /// Evaluates a run against its truth, writes evaluation.json and prints it.
    private func evaluate(run: URL, truth: URL, key secret: SecretKey? = nil) throws -> Evaluation {
        let secret = try secret ?? KeyFile.load(at: key.location.url)
        let evaluation = try Evaluation.evaluate(run: run, truthFile: truth, key: secret)
        try evaluation.write(into: run, sealingWith: secret)
        print("")
        Evaluate.print(evaluation, run: run.relativePath, truth: truth.relativePath, folder: run)
        return evaluation
    }
}
