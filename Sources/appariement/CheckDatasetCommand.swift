import ArgumentParser
import Foundation
import SNDSStore

/// `appariement check-dataset`: is a synthetic SNDS complete and unaltered?
struct CheckDataset: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-dataset",
        abstract: "Verify a synthetic SNDS against its manifest: database, every table's rows and digest, sealed file.",
        discussion:
            "Needs no key. Exits 5 when a file of the dataset is missing, altered, not a regular file or from another generation; 3 when the database is not a dataset at all (missing, a directory, a device or a pipe, not SQLite)."
    )

    @Argument(help: ArgumentHelp("The database (its manifest and sealed file are beside it).", valueName: "database"))
    var database = DatasetFiles.defaultDatabase

    func run() throws {
        try Failure.reporting {
            let files = DatasetFiles(database: URL(fileURLWithPath: database))
            let manifest = try DatasetVerifier.verify(files)
            print("\(database): complete and unaltered (dataset \(manifest.datasetId), key \(manifest.keyFingerprint)).")
            for table in manifest.tables {
                print("  \(table.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(table.rows.formatted()) rows")
            }
        }
    }
}
