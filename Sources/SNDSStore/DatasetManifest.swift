import Foundation
import Hardening
import SNDSModel

/// What a synthetic SNDS is and how it was made, written beside the database once everything
/// else is in place: the manifest's presence says the dataset is complete.
///
/// Linkage reads it to hash cohorts exactly as the population was hashed (parameters, salt, key
/// fingerprint) and to check that the database beside it is the one it describes (`datasetId`,
/// also stored inside the database).
public struct DatasetManifest: Codable, Equatable, Sendable {
    public var tool: String
    public var toolVersion: String
    public var layoutVersion: Int
    /// Random identifier shared with the database's metadata table.
    public var datasetId: String
    public var createdAt: String
    public var seed: UInt64
    public var beneficiariesRequested: Int
    public var years: [Int]
    public var threads: Int
    public var pseudonymisation: PseudonymParameters
    public var keyFingerprint: String
    public var files: Files
    /// SHA-256 of the database's structure (see ``TableDigest/schema(_:)``).
    public var schemaDigest: String
    public var tables: [Table]
    /// Headline counts of the population and its identity structure.
    public var population: [String: Int]
    /// The generation's assumptions (rates and shares), as recorded parameters.
    public var assumptions: JSONValue
    /// Seconds spent per stage.
    public var timings: [String: Double]
    /// SHA-256 of the manifest's other fields (canonical JSON): a hand edit of the manifest is
    /// noticed (a forger can recompute it: it is a check against accidents, not a signature).
    public var contentDigest: String

    public struct Files: Codable, Equatable, Sendable {
        public var database: String
        public var databaseBytes: Int
        public var correspondence: String
        public var correspondenceBytes: Int
        public var correspondenceSHA256: String

        public init(
            database: String, databaseBytes: Int, correspondence: String, correspondenceBytes: Int,
            correspondenceSHA256: String
        ) {
            self.database = database
            self.databaseBytes = databaseBytes
            self.correspondence = correspondence
            self.correspondenceBytes = correspondenceBytes
            self.correspondenceSHA256 = correspondenceSHA256
        }
    }

    public struct Table: Codable, Equatable, Sendable {
        public var name: String
        public var rows: Int
        /// Order-independent digest of the table's rows (see ``TableDigest``).
        public var digest: String

        public init(name: String, rows: Int, digest: String) {
            self.name = name
            self.rows = rows
            self.digest = digest
        }
    }

    public init(
        tool: String, toolVersion: String, layoutVersion: Int, datasetId: String, createdAt: String,
        seed: UInt64, beneficiariesRequested: Int, years: [Int], threads: Int,
        pseudonymisation: PseudonymParameters, keyFingerprint: String, files: Files, schemaDigest: String,
        tables: [Table],
        population: [String: Int], assumptions: JSONValue, timings: [String: Double]
    ) {
        self.tool = tool
        self.toolVersion = toolVersion
        self.layoutVersion = layoutVersion
        self.datasetId = datasetId
        self.createdAt = createdAt
        self.seed = seed
        self.beneficiariesRequested = beneficiariesRequested
        self.years = years
        self.threads = threads
        self.pseudonymisation = pseudonymisation
        self.keyFingerprint = keyFingerprint
        self.files = files
        self.schemaDigest = schemaDigest
        self.tables = tables
        self.population = population
        self.assumptions = assumptions
        self.timings = timings
        self.contentDigest = ""
        self.contentDigest = computedDigest
    }

    /// The digest of every field but `contentDigest`.
    public var computedDigest: String {
        var copy = self
        copy.contentDigest = ""
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(copy) else { return "" }
        return FileDigest.sha256(data)
    }

    public func table(_ name: String) -> Table? { tables.first { $0.name == name } }

    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // No secret in a manifest: readable by all, like the database it describes.
        try StagedOutputs.writeFile(try encoder.encode(self), to: url, mode: 0o644)
    }

    /// A manifest is a few hundred kilobytes at most; a larger file is not one.
    static let maxManifestBytes = 16 << 20

    /// Reads the manifest of `files` and checks it was not edited.
    public static func load(for files: DatasetFiles) throws(StoreError) -> DatasetManifest {
        // The database's kind first, from its metadata: a directory, a device or a named pipe given
        // as the database is not a dataset at all (exit 3), whatever lies beside it — and a pipe
        // must never be opened (the open would wait for a writer forever).
        do { try SNDSDatabase.requireFile(files.database) } catch {
            if case .missing = error {} else { throw error }
        }
        // The manifest, read only once known from its metadata to be a regular file of a
        // manifest's size (`InputFile`): beside a database, a manifest that is a directory, a
        // device or a pipe is a damaged dataset (exit 5), refused without opening it.
        let data: Data
        do { data = try InputFile.read(files.manifest, limit: maxManifestBytes) } catch {
            switch error {
            case .missing:
                if FileManager.default.fileExists(atPath: files.database.path) {
                    // Say what the file is before calling the dataset incomplete: a file that is not
                    // an SQLite database, or not one appariement made (or made by another version), was
                    // never a dataset, and a rerun of `generate` is not what the user needs to hear.
                    let database = try SNDSDatabase.openReadOnly(at: files.database)
                    try? database.close()
                    throw .incomplete(files.manifest.path, "the manifest is missing")
                }
                throw .missing(files.database.path)
            case .directory: throw .altered(files.manifest.path, "the manifest is a directory, not a file")
            case .notRegular: throw .altered(files.manifest.path, "the manifest is not a regular file (a device or a pipe)")
            case .tooLarge: throw .altered(files.manifest.path, "the manifest is larger than 16 MB: not a manifest of appariement")
            case .unreadable(let why): throw .refused(files.manifest.path, "the manifest cannot be read (\(why))")
            }
        }
        let manifest: DatasetManifest
        do {
            manifest = try JSONDecoder().decode(DatasetManifest.self, from: data)
        } catch {
            throw .altered(files.manifest.path, "the manifest is not readable as a manifest of this version of appariement")
        }
        guard manifest.contentDigest == manifest.computedDigest else {
            throw .altered(files.manifest.path, "the manifest was edited after generation")
        }
        // A dataset made by a version of appariement with another database layout is not damaged:
        // it is read by that version, or generated again.
        guard manifest.layoutVersion == SNDSDatabase.layoutVersion else {
            throw .wrongLayout(files.database.path, found: String(manifest.layoutVersion), expected: SNDSDatabase.layoutVersion)
        }
        return manifest
    }
}

extension DatasetManifest {
    /// The population the dataset stands for: its people alive on 1 January of the first year (the
    /// size asked for), the base a projection to a larger SNDS scales from.
    public var standsFor: Int { population["personsOnFirstJanuary"] ?? beneficiariesRequested }
}
