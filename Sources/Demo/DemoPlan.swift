import Foundation
import Hardening
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis

/// What `appariement demo` makes and where, and what of a previous demo it may reuse: the main job
/// on the embedded defaults. The command line runs these steps in order and prints them.
///
/// Everything sits under the working directory: the default synthetic SNDS (`synthetic/`), a direct
/// cohort and an indirect registry of hospital stays with their truths (`cohorts/demo-*`), their
/// runs (`runs/demo-*`). A previous dataset is reused when it is complete, unaltered, of the size
/// asked and made with the key given; a previous run when it linked this very cohort (same bytes,
/// truth beside it) on this very dataset, with the same rules.
public struct DemoPlan: Sendable {
    public let beneficiaries: Int
    /// --fresh: make everything again.
    public let fresh: Bool
    public let keyFile: URL
    public let dataset = DatasetFiles(database: URL(fileURLWithPath: DatasetFiles.defaultDatabase))
    public let direct = RunFiles(name: "demo-direct")
    public let indirect = RunFiles(name: "demo-sejours")
    /// The indirect registry's scenario: hospital stays.
    public let scenario: IndirectScenario

    /// One of the demo's linkages: its cohort, truth and run folder.
    public struct RunFiles: Sendable {
        public let name: String
        public var cohort: URL { URL(fileURLWithPath: "cohorts/\(name).csv") }
        public var truth: URL { URL(fileURLWithPath: "cohorts/\(name).truth.csv") }
        public var run: URL { URL(fileURLWithPath: "runs/\(name)") }
        /// The folder the cohort and its truth are drawn into.
        public var cohortFolder: URL { cohort.deletingLastPathComponent() }
    }

    public init(beneficiaries: Int, fresh: Bool, keyFile: URL) {
        self.beneficiaries = beneficiaries
        self.fresh = fresh
        self.keyFile = keyFile
        // A shipped scenario: its absence is a bug of the tool, not of the user.
        scenario = IndirectScenario.named(IndirectScenario.defaultName) ?? IndirectScenario.all[0]
    }

    // MARK: - The dataset

    /// Whether the dataset in place is reused, or made again and why.
    public enum DatasetStep: Sendable {
        case reuse(DatasetManifest)
        /// Made again; `reason` says why when there was one in place.
        case make(reason: String?)
    }

    /// The dataset step: reused when complete, unaltered (checked against its manifest), of the
    /// size asked and made with the key given. A key file that is another key is refused
    /// (``KeyMismatch``, which the demo's --fresh answers): a dataset is not made again silently
    /// under a new key.
    public func datasetStep() throws -> DatasetStep {
        guard !fresh else { return .make(reason: nil) }
        guard dataset.all.contains(where: { FileManager.default.fileExists(atPath: $0.path) }) else { return .make(reason: nil) }
        let manifest: DatasetManifest
        do {
            manifest = try DatasetVerifier.verify(dataset)
        } catch {
            return .make(reason: "The synthetic SNDS in place cannot be reused: \(error)")
        }
        guard FileManager.default.fileExists(atPath: keyFile.path) else {
            return .make(reason: "Its key file \(keyFile.relativePath) is missing: generating a new dataset with a new key.")
        }
        let secret = try KeyFile.load(at: keyFile)
        try manifest.requireKey(
            fingerprint: secret.fingerprint, database: dataset.database.relativePath, keyFile: keyFile.relativePath,
            for: .reusing)
        guard manifest.beneficiariesRequested == beneficiaries else {
            return .make(
                reason:
                    "The synthetic SNDS in place has \(manifest.beneficiariesRequested.formatted()) people; generating one with \(beneficiaries.formatted())."
            )
        }
        return .reuse(manifest)
    }

    // MARK: - The linkages

    /// A previous run of `linkage` to reuse: made from this very cohort (same bytes, its truth
    /// beside it) on this very dataset, unless --fresh; nil otherwise.
    public func reusableRun<Summary>(
        _ linkage: RunFiles, _ previous: Summary?, dataset source: KeyPath<Summary, DatasetSource>,
        cohort cohortSource: KeyPath<Summary, CohortSource>, manifest: DatasetManifest
    ) -> Summary? {
        guard !fresh, let previous, previous[keyPath: source].contentDigest == manifest.contentDigest,
            FileManager.default.fileExists(atPath: linkage.truth.path),
            previous[keyPath: cohortSource].sha256 == FileDigest.sha256(of: linkage.cohort),
            // A run whose files are not those it sealed is made again, not reused.
            (try? RunIntegrity.verify(linkage.run, reading: RunFolder.sealed, key: nil)) != nil
        else { return nil }
        return previous
    }

    /// Throws when the cohort of `linkage` is not the one its previous run linked — edited by hand
    /// after the demo drew it — unless --fresh: the demo would otherwise draw it again over the
    /// user's edits. A cohort without a previous run (a demo interrupted after drawing) is drawn
    /// again.
    public func requireUnedited<Summary>(_ linkage: RunFiles, _ previous: Summary?, cohort cohortSource: KeyPath<Summary, CohortSource>) throws {
        guard !fresh, let previous, FileManager.default.fileExists(atPath: linkage.cohort.path),
            let digest = FileDigest.sha256(of: linkage.cohort), digest != previous[keyPath: cohortSource].sha256
        else { return }
        throw DemoError.cohortEdited(cohort: linkage.cohort.relativePath, run: linkage.run.relativePath)
    }

    /// The direct cohort's lines: 1,000, or a quarter of a small dataset's people (a cohort is drawn
    /// without repeating people).
    public func directCohortSize(_ manifest: DatasetManifest) -> Int { max(1, min(1_000, manifest.beneficiariesRequested / 4)) }

    /// The registry's lines: 1,000, or half of the patients the scenario can draw in a small dataset.
    public func registrySize(eligiblePatients: Int) -> Int { max(1, min(1_000, eligiblePatients / 2)) }

    /// A rules file shipped with the tool (`rules/NAME.yml`): in the working directory, else beside
    /// the reference data — the clone's `rules/` (reference in `synthetic/reference`) or an
    /// install's `share/appariement/rules` (reference in `share/appariement/reference`); the demo
    /// may run from any folder. When none has it, the working directory's path: loading it says the
    /// file is missing.
    public static func rulesFile(_ relative: String, reference: ReferenceData) -> URL {
        let here = URL(fileURLWithPath: relative)
        if FileManager.default.fileExists(atPath: here.path) { return here }
        let root = reference.root
        let shipped = [root.deletingLastPathComponent().deletingLastPathComponent(), root.deletingLastPathComponent()]
            .map { $0.appendingPathComponent(relative) }
        return shipped.first { FileManager.default.fileExists(atPath: $0.path) } ?? here
    }
}
