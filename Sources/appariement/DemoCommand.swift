import ArgumentParser
import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis
import Linkage
import Reporting
import Terminal

/// `appariement demo`: the main job on the embedded defaults, what the README's first command runs.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the main job on defaults: the default synthetic SNDS (SQLite) under synthetic/, a direct and an indirect linkage of synthetic cohorts, evaluated, and their reports.",
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
            let files = DatasetFiles(database: URL(fileURLWithPath: DatasetFiles.defaultDatabase))
            if !fresh, let manifest = try reusable(files) {
                print("Reusing the synthetic SNDS in place (verified against its manifest; --fresh generates it again).")
                Generate.printSummary(manifest, files: files)
            } else {
                var options = GenerationOptions()
                options.beneficiaries = beneficiaries
                options.files = files
                options.replaceExisting = true
                try Generate.generate(options, keyLocation: key.location)
            }
            let direct = try directLinkage(files)
            let indirect = try indirectLinkage(files)
            print("\nReports (open the HTML pages in a browser):")
            for (run, evaluation) in [direct, indirect] {
                let report = try Report.write(run: run, evaluation: evaluation, language: language)
                let labels = ReportLabels(.en)
                let rate = report.outcome.foundRate.map { labels.percent($0) }
                    ?? report.outcome.foundRateRange.map { "\(labels.percent($0[0]))–\(labels.percent($0[1]))" } ?? "hidden"
                print("  \(run.appendingPathComponent(LinkageReport.htmlFile).relativePath)  (\(report.run.kind), \(rate) found, \(report.outcome.verdict); and report.json)")
            }
        }
    }

    /// A direct cohort drawn from the dataset, linked and evaluated (cohorts/demo-direct.*,
    /// runs/demo-direct). A finished run of this very cohort on this very dataset is reused.
    private func directLinkage(_ files: DatasetFiles) throws -> (URL, Evaluation) {
        let manifest = try DatasetVerifier.verifyIdentity(files)
        let cohort = URL(fileURLWithPath: "cohorts/demo-direct.csv"), truth = URL(fileURLWithPath: "cohorts/demo-direct.truth.csv")
        let run = URL(fileURLWithPath: "runs/demo-direct")
        if let previous = reusable(try? DirectSummary.read(from: run), \.dataset, \.cohort, manifest: manifest, cohort: cohort, truth: truth) {
            print("\nReusing the direct linkage in \(run.relativePath) (same cohort, same dataset; --fresh redoes it).")
            Direct.print(previous, folder: run)
            return (run, try evaluate(run: run, truth: truth))
        }
        // 1,000 lines, fewer for a small dataset (a cohort is drawn without repeating people).
        let size = max(1, min(1_000, manifest.beneficiariesRequested / 4))
        print("\nDirect linkage of a synthetic cohort of \(size.formatted()) lines (NIR + birth date + sex)\(size < 1_000 ? ", a quarter of the dataset's people" : ""):")
        try CohortDirect.draw(size: size, seed: 1, name: "demo-direct", directory: cohort.deletingLastPathComponent(),
                              database: files.database.path, noise: nil, keyFile: key.location.url, force: true)
        var options = DirectRun.Options(cohort: cohort, dataset: files, output: run)
        options.replaceExisting = true
        let secret = try KeyFile.load(at: key.location.url)
        let summary = try DirectRun.run(options, key: secret, progress: ProgressReporter())
        Direct.print(summary, folder: run)
        return (run, try evaluate(run: run, truth: truth, key: secret))
    }

    /// An indirect cohort of hospital stays drawn from the dataset (cohorts/demo-sejours.*), linked
    /// with rules/default.yml (runs/demo-sejours) and evaluated. Reused like the direct run, when
    /// the rules file is unchanged too.
    private func indirectLinkage(_ files: DatasetFiles) throws -> (URL, Evaluation) {
        let manifest = try DatasetVerifier.verifyIdentity(files)
        let cohort = URL(fileURLWithPath: "cohorts/demo-sejours.csv"), truth = URL(fileURLWithPath: "cohorts/demo-sejours.truth.csv")
        let run = URL(fileURLWithPath: "runs/demo-sejours")
        let scenario = IndirectScenario.named("sejours")!
        let rules = try Self.rulesFile(scenario.rulesFile)
        if let previous = reusable(try? IndirectSummary.read(from: run), \.dataset, \.cohort, manifest: manifest, cohort: cohort, truth: truth),
           previous.rules.sha256 == FileDigest.sha256(of: rules) {
            print("\nReusing the indirect linkage in \(run.relativePath) (same cohort, same dataset; --fresh redoes it).")
            Probabiliste.print(previous, folder: run)
            return (run, try evaluate(run: run, truth: truth))
        }
        print("\nIndirect linkage of a synthetic registry of hospital stays (no identifier; \(rules.relativePath)):")
        // 1,000 lines, fewer for a small dataset: at most half of the patients the scenario can draw.
        let eligible = try CohortDrawing.eligiblePatients(scenario: scenario, dataset: files, reference: ReferenceData.locate())
        let size = max(1, min(1_000, eligible / 2))
        if size < 1_000 {
            print("The registry has \(size.formatted()) lines: half of the \(eligible.formatted()) patients of this dataset the scenario can draw.")
        }
        try CohortProbabiliste.draw(scenario: scenario, size: size, seed: 1, name: "demo-sejours",
                                    directory: cohort.deletingLastPathComponent(), database: files.database.path, noise: nil, force: true)
        var options = IndirectRun.Options(cohort: cohort, rules: rules, dataset: files, output: run)
        options.replaceExisting = true
        let secret = try KeyFile.load(at: key.location.url)
        let summary = try IndirectRun.run(options, key: secret, reference: try ReferenceData.locate(), progress: ProgressReporter())
        Probabiliste.print(summary, folder: run)
        return (run, try evaluate(run: run, truth: truth, key: secret))
    }

    /// A previous run's summary when it linked this very cohort (same bytes, truth beside it) on
    /// this very dataset, and --fresh was not given; nil otherwise.
    private func reusable<Summary>(_ previous: Summary?, _ dataset: KeyPath<Summary, DatasetSource>,
                                   _ source: KeyPath<Summary, CohortSource>, manifest: DatasetManifest,
                                   cohort: URL, truth: URL) -> Summary? {
        guard !fresh, let previous, previous[keyPath: dataset].contentDigest == manifest.contentDigest,
              FileManager.default.fileExists(atPath: truth.path),
              previous[keyPath: source].sha256 == FileDigest.sha256(of: cohort) else { return nil }
        return previous
    }

    /// Evaluates a run against its truth, writes evaluation.json and prints it.
    private func evaluate(run: URL, truth: URL, key secret: SecretKey? = nil) throws -> Evaluation {
        let evaluation = try Evaluation.evaluate(run: run, truthFile: truth, key: secret ?? KeyFile.load(at: key.location.url))
        try evaluation.write(into: run)
        print("")
        Evaluate.print(evaluation, run: run.relativePath, truth: truth.relativePath, folder: run)
        return evaluation
    }

    /// A rules file shipped with the tool: in the working directory's rules/, else beside the
    /// reference data's checkout (the demo may run from any folder). When neither has it, the
    /// working directory's path: loading it says the file is missing.
    static func rulesFile(_ relative: String) throws -> URL {
        let here = URL(fileURLWithPath: relative)
        if FileManager.default.fileExists(atPath: here.path) { return here }
        let shipped = try ReferenceData.locate().root.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(relative)
        return FileManager.default.fileExists(atPath: shipped.path) ? shipped : here
    }

    /// The dataset in place if it can be reused as is; nil (after saying why) if it must be made again.
    private func reusable(_ files: DatasetFiles) throws -> DatasetManifest? {
        guard files.all.contains(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return nil }
        let manifest: DatasetManifest
        do {
            manifest = try DatasetVerifier.verify(files)
        } catch {
            print("The synthetic SNDS in place cannot be reused: \(error)")
            return nil
        }
        let location = key.location
        guard FileManager.default.fileExists(atPath: location.url.path) else {
            print("Its key file \(location.url.relativePath) is missing: generating a new dataset with a new key.")
            return nil
        }
        let secret = try KeyFile.load(at: location.url)
        try manifest.requireKey(fingerprint: secret.fingerprint, database: files.database.relativePath, for: .reusing)
        guard manifest.beneficiariesRequested == beneficiaries else {
            print("The synthetic SNDS in place has \(manifest.beneficiariesRequested.formatted()) people; generating one with \(beneficiaries.formatted()).")
            return nil
        }
        return manifest
    }
}
