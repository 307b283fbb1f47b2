import ArgumentParser
import Foundation
import SNDSStore
import Terminal

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
            // On a terminal, each table as it is digested (a 1,000,000-person dataset takes minutes).
            let progress = ProgressReporter()
            let manifest = try DatasetVerifier.verify(files) { index, count, _ in
                if index == 0 { progress.begin("digesting the tables", total: count) } else { progress.advance() }
            }
            progress.advance()
            progress.end()
            print("\(database): complete and unaltered (dataset \(manifest.datasetId), key \(manifest.keyFingerprint)).")
            for table in manifest.tables {
                print("  \(table.name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(table.rows.formatted()) rows")
            }
        }
    }
}
