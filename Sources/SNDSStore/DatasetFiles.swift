import Foundation

/// The three files of one synthetic SNDS, named after the database: `NAME.sqlite`,
/// `NAME.manifest.json` and `NAME.correspondence.sealed`, side by side.
///
/// Naming them after the database (rather than one `manifest.json` per folder) lets several
/// synthetic SNDS live in one folder without a manifest describing the wrong database.
public struct DatasetFiles: Sendable, Equatable {
    public let database: URL

    public init(database: URL) { self.database = database.standardizedFileURL }

    public static let defaultDatabase = "synthetic/snds.sqlite"

    private var stem: URL {
        database.pathExtension == "sqlite" ? database.deletingPathExtension() : database
    }

    public var manifest: URL { stem.appendingPathExtension("manifest.json") }
    public var correspondence: URL { stem.appendingPathExtension("correspondence.sealed") }
    /// The record that the database was verified whole, in its present state
    /// (``VerificationStamp``): not part of the dataset (`all`), made again whenever missing.
    public var verification: URL { stem.appendingPathExtension("verified.json") }
    public var all: [URL] { [database, correspondence, manifest] }
}
