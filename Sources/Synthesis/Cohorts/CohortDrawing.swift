import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore

/// Draws a cohort with its truth from a synthetic SNDS and writes both, for `appariement cohort`
/// and the demo: the command line only parses and prints what ``Drawn`` says.
public enum CohortDrawing {
    /// What was drawn and where it was written.
    public struct Drawn: Sendable {
        public let cohort: URL
        public let truth: URL
        /// Lines per outcome a correct linkage reaches.
        public let expected: [CohortTruth.Expected: Int]
        /// Lines per defect (an indirect line may carry several, each counted).
        public let defects: [String: Int]
        /// Indirect cohorts: the patients the scenario could draw from.
        public let eligiblePatients: Int?
    }

    /// Where a cohort goes: DIR/NAME.csv and DIR/NAME.truth.csv.
    public struct Destination: Sendable {
        public var name: String
        public var folder: URL
        /// Replace existing files of the same name (--force).
        public var replaceExisting: Bool

        public init(name: String, folder: URL, replaceExisting: Bool) {
            self.name = name
            self.folder = folder
            self.replaceExisting = replaceExisting
        }

        var cohort: URL { folder.appendingPathComponent("\(name).csv") }
        var truth: URL { folder.appendingPathComponent("\(name).truth.csv") }

        /// Refuses, before any work, files that exist (without --force), files that are not a cohort
        /// drawn before (with --force: a cohort and its truth are replaced only when the truth is a
        /// truth file of this tool — a user's own cohort of the same name never is), or a folder
        /// that cannot be written.
        func check(inputs: [URL]) throws {
            let previous = PreviousOutput.begins(truth, with: CohortTruth.columns.joined(separator: ";") + "\n")
            for url in [cohort, truth] {
                try PreviousOutput.check(
                    url, replaceExisting: replaceExisting, inputs: inputs,
                    isNot: "a cohort drawn by appariement (with its truth beside it)",
                    replaces: "a previous cohort and its truth"
                ) { _ in previous }
            }
            try StagedOutputs.checkWritable(cohort)
        }

        /// Both files private (a direct cohort holds clear NIRs, every truth says who each NS is),
        /// staged and renamed into place together. Without `replaceExisting`, a cohort written
        /// meanwhile by another run is not replaced: this one fails (exit 6) rather than both
        /// exiting 0 with the last one's file.
        func write(csv: String, truth truthFile: CohortTruth) throws {
            try StagedOutputs.createDirectory(folder)
            let staged = StagedOutputs()
            for (text, url) in [(truthFile.text, truth), (csv, cohort)] {
                let temporary = staged.stage(url)
                try StagedOutputs.writeFile(Data(text.utf8), to: temporary, mode: 0o600)
            }
            try staged.commit(replacingExisting: replaceExisting)
        }
    }

    /// A direct-linkage cohort (NS, NIR, birth date, sex, twin rank): reads the dataset's sealed
    /// correspondence, hence the key, which must be the dataset's (read once the dataset is
    /// verified, so that a broken dataset is said first). The reference data is located after the
    /// outputs are checked, as the command always did.
    public static func direct(
        size: Int, seed: UInt64, dataset: DatasetFiles, noise: URL?, keyFile: URL,
        reference: () throws -> ReferenceData, to destination: Destination
    ) throws -> Drawn {
        try destination.check(inputs: dataset.all + (noise.map { [$0] } ?? []))
        let profile = try DirectNoiseProfile.load(noise, reference: reference())
        let manifest = try DatasetVerifier.verifyForReading(dataset, digesting: ["IR_BEN_R"])
        let key = try KeyFile.load(at: keyFile)
        try manifest.requireKey(
            fingerprint: key.fingerprint, database: dataset.database.relativePath, keyFile: keyFile.relativePath,
            for: .readingCorrespondence)
        let entries = try Correspondence.read(from: dataset.correspondence, key: key)
        let sqlite = try SNDSDatabase.openReadOnly(at: dataset.database)
        let residence = try DirectCohortGenerator.residences(in: sqlite)
        try sqlite.close()
        let cohort = try DirectCohortGenerator(correspondence: entries, profile: profile, residence: residence).make(size: size, seed: seed)
        try destination.write(csv: cohort.csv, truth: cohort.truth)
        return Drawn(
            cohort: destination.cohort, truth: destination.truth,
            expected: Dictionary(cohort.truth.entries.map { ($0.expected, 1) }, uniquingKeysWith: +),
            defects: Dictionary(cohort.truth.entries.map { ($0.defect, 1) }, uniquingKeysWith: +), eligiblePatients: nil)
    }

    /// An indirect-linkage cohort (NS and the criteria of a scenario's events): reads only the
    /// database, no key — unless `identityKeyFile` asks for the patients' identities too
    /// (``RegistryIdentity``), read from the sealed correspondence with that key.
    public static func indirect(
        scenario: IndirectScenario, size: Int, seed: UInt64, dataset: DatasetFiles, noise: URL?,
        identityKeyFile: URL? = nil, reference: () throws -> ReferenceData, to destination: Destination
    ) throws -> Drawn {
        try destination.check(inputs: dataset.all + (noise.map { [$0] } ?? []))
        let profile = try IndirectNoiseProfile.load(noise, reference: reference())
        let manifest = try DatasetVerifier.verifyForReading(dataset)
        let sqlite = try SNDSDatabase.openReadOnly(at: dataset.database)
        defer { try? sqlite.close() }
        let generator = try IndirectCohortGenerator(database: sqlite, years: manifest.years, scenario: scenario, profile: profile)
        var cohort = try generator.make(size: size, seed: seed)
        if let keyFile = identityKeyFile {
            let key = try KeyFile.load(at: keyFile)
            try manifest.requireKey(
                fingerprint: key.fingerprint, database: dataset.database.relativePath, keyFile: keyFile.relativePath,
                for: .readingCorrespondence)
            cohort = RegistryIdentity(correspondence: try Correspondence.read(from: dataset.correspondence, key: key)).add(to: cohort, seed: seed)
        }
        try destination.write(csv: cohort.csv, truth: cohort.truth)
        var defects: [String: Int] = [:]
        for e in cohort.truth.entries { for d in e.defect.split(separator: "+") { defects[String(d), default: 0] += 1 } }
        return Drawn(
            cohort: destination.cohort, truth: destination.truth,
            expected: Dictionary(cohort.truth.entries.map { ($0.expected, 1) }, uniquingKeysWith: +),
            defects: defects, eligiblePatients: generator.eligiblePatients)
    }

    /// How many patients a scenario can draw from in a dataset (the demo sizes its registry by it).
    public static func eligiblePatients(scenario: IndirectScenario, dataset: DatasetFiles, reference: ReferenceData) throws -> Int {
        let manifest = try DatasetVerifier.verifyForReading(dataset)
        let sqlite = try SNDSDatabase.openReadOnly(at: dataset.database)
        defer { try? sqlite.close() }
        return try IndirectCohortGenerator(
            database: sqlite, years: manifest.years, scenario: scenario,
            profile: IndirectNoiseProfile.load(nil, reference: reference)
        ).eligiblePatients
    }
}
