import Foundation
import GRDB
import Hardening
import SNDSModel

/// Checks that a synthetic SNDS on disk is complete and is what its manifest says: the database
/// it names (same dataset id), every table with the recorded row count and digest, and the sealed
/// correspondence with the recorded size and SHA-256.
///
/// Any later stage that trusts a dataset (reusing it in `demo`, linking to it) runs this first, so
/// an interrupted generation or a table edited by hand is refused instead of silently used. The
/// manifest is not signed: this catches accidents and edits, not someone who rewrites the
/// manifest to match a forged database.
public enum DatasetVerifier {
    @discardableResult
    /// `digesting` is told each table as its digest starts (index, count, name): a terminal shows
    /// it, since a large dataset takes minutes.
    public static func verify(
        _ files: DatasetFiles, digesting: (Int, Int, String) -> Void = { _, _, _ in }
    ) throws(StoreError)
        -> DatasetManifest
    {
        let manifest = try DatasetManifest.load(for: files)
        do {
            try verifyDatabase(files, manifest, digesting: digesting)
        } catch {
            switch error {
            case .missing: throw .incomplete(files.database.path, "the database is missing")
            case .notSQLite, .corrupt, .sql, .notSynthetic, .wrongLayout, .unreadable:
                throw .altered(files.database.path, "the database is damaged or replaced (\(error))")
            default: throw error
            }
        }
        let sealed = files.correspondence
        // Its kind from its metadata before digesting it: a named pipe put in its place would
        // block the read forever, a device never end.
        do { try InputFile.requireRegular(sealed) } catch {
            switch error {
            case .missing: throw .incomplete(sealed.path, "the sealed correspondence is missing")
            case .directory: throw .altered(sealed.path, "the sealed correspondence is a directory, not a file")
            case .notRegular: throw .altered(sealed.path, "the sealed correspondence is not a regular file (a device or a pipe)")
            case .tooLarge, .unreadable: throw .refused(sealed.path, "the sealed correspondence cannot be read")
            }
        }
        guard FileDigest.sha256(of: sealed) == manifest.files.correspondenceSHA256 else {
            throw .altered(sealed.path, "the sealed correspondence is not the one generated with this database")
        }
        VerificationStamp.record(for: files, manifest: manifest)
        return manifest
    }

    /// The check before reading a dataset: the manifest is intact and belongs to this database (same
    /// dataset id), the database's structure is the manifest's (every table, column and index:
    /// a table dropped or a column renamed is refused here, not met as an SQL error mid-run), every
    /// table has the row count the manifest records, and the tables in `digesting` — those a command
    /// reads whole to decide something (IR_BEN_R to resolve a person, the event tables of an
    /// indirect linkage) — have the manifest's digest too.
    ///
    /// Then every other table's digest — all of them skipped when the dataset's ``VerificationStamp`` says the
    /// database, in its present state, was verified whole already (by `generate`, `check-dataset`
    /// or a previous run): a linkage extracts the linked people's claims, so an edited claim must be
    /// refused too, but digesting every row of DCIR costs several seconds on 20,000 people and
    /// grows with the claims — once per state of the file is enough. A run that digests everything
    /// records a stamp for the next (best effort).
    @discardableResult
    public static func verifyForReading(_ files: DatasetFiles, digesting: [String] = []) throws(StoreError) -> DatasetManifest {
        try verifyForReading(files) { _ in digesting }
    }

    /// ``verifyForReading(_:digesting:)`` with the tables to digest named from the manifest (the
    /// years it holds).
    @discardableResult
    public static func verifyForReading(_ files: DatasetFiles, digesting: (DatasetManifest) -> [String]) throws(StoreError) -> DatasetManifest {
        let manifest = try DatasetManifest.load(for: files)
        let database = try SNDSDatabase.openReadOnly(at: files.database)
        defer { try? database.close() }
        guard try database.metadata("dataset_id") == manifest.datasetId else {
            throw .altered(files.database.path, "it is not the database its manifest describes (another dataset id)")
        }
        try verifyStructure(database, files, manifest)
        for table in manifest.tables {
            let rows = try database.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(ColumnType.quote(table.name))") ?? 0 }
            guard rows == table.rows else { throw changed(table, rows: rows, files) }
        }
        // The tables the command decides on first (their change is named before the claims'), then
        // the others unless the database is the one verified whole before.
        let decisive = digesting(manifest)
        let stamped = VerificationStamp.holds(for: files, manifest: manifest)
        let names = stamped ? [] : decisive + manifest.tables.map(\.name).filter { !decisive.contains($0) }
        for name in names {
            guard let table = manifest.table(name) else { continue }
            let digest = try database.read { db in try TableDigest.compute(db, table: table.name) }
            guard digest == table.digest else { throw changed(table, rows: table.rows, files) }
        }
        if !stamped { VerificationStamp.record(for: files, manifest: manifest) }
        return manifest
    }

    /// The database's structure against its manifest: which tables first (the message names a
    /// table dropped), then the schema's digest (a column renamed, an index dropped).
    private static func verifyStructure(_ database: SNDSDatabase, _ files: DatasetFiles, _ manifest: DatasetManifest) throws(StoreError) {
        try requireTables(database, files, manifest)
        try requireSchema(database, files, manifest)
    }

    /// The database holds the tables its manifest lists, no more, no fewer.
    private static func requireTables(_ database: SNDSDatabase, _ files: DatasetFiles, _ manifest: DatasetManifest) throws(StoreError) {
        let names = try database.tableNames()
        let recorded = manifest.tables.map(\.name).sorted()
        guard names == recorded else {
            let missing = Set(recorded).subtracting(names).sorted(), extra = Set(names).subtracting(recorded).sorted()
            throw .altered(
                files.database.path,
                "its tables differ from the manifest"
                    + (missing.isEmpty ? "" : " (missing: \(missing.joined(separator: ", ")))")
                    + (extra.isEmpty ? "" : " (not in the manifest: \(extra.joined(separator: ", ")))"))
        }
    }

    /// The database's schema (tables, columns, indexes, triggers) has the manifest's digest.
    private static func requireSchema(_ database: SNDSDatabase, _ files: DatasetFiles, _ manifest: DatasetManifest) throws(StoreError) {
        guard try database.read({ db in try TableDigest.schema(db) }) == manifest.schemaDigest else {
            throw .altered(files.database.path, "its structure (tables, columns, indexes or triggers) differs from the manifest")
        }
    }

    /// A table found other than the manifest records it: `rows` counted now.
    private static func changed(_ table: DatasetManifest.Table, rows: Int, _ files: DatasetFiles) -> StoreError {
        .altered(
            files.database.path,
            rows != table.rows
                ? "table \(table.name) was changed since generation (\(rows) rows, the manifest records \(table.rows))"
                : "table \(table.name) was changed since generation (same \(rows) rows, different contents)")
    }

    /// The light check: the manifest is intact and belongs to this database (same dataset id).
    /// For commands that only look up the manifest's figures beside the database.
    @discardableResult
    public static func verifyIdentity(_ files: DatasetFiles) throws(StoreError) -> DatasetManifest {
        let manifest = try DatasetManifest.load(for: files)
        let database = try SNDSDatabase.openReadOnly(at: files.database)
        defer { try? database.close() }
        guard try database.metadata("dataset_id") == manifest.datasetId else {
            throw .altered(files.database.path, "it is not the database its manifest describes (another dataset id)")
        }
        return manifest
    }

    private static func verifyDatabase(
        _ files: DatasetFiles, _ manifest: DatasetManifest, digesting: (Int, Int, String) -> Void = { _, _, _ in }
    ) throws(StoreError) {
        let size = (try? FileManager.default.attributesOfItem(atPath: files.database.path)[.size] as? NSNumber)?.intValue
        let database = try SNDSDatabase.openReadOnly(at: files.database)
        defer { try? database.close() }
        guard try database.metadata("dataset_id") == manifest.datasetId else {
            throw .altered(files.database.path, "it is not the database its manifest describes (another dataset id)")
        }
        try requireSchema(database, files, manifest)
        try requireTables(database, files, manifest)
        for (index, table) in manifest.tables.enumerated() {
            digesting(index, manifest.tables.count, table.name)
            let (rows, digest) = try database.read { db in
                (
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(ColumnType.quote(table.name))") ?? 0,
                    try TableDigest.compute(db, table: table.name)
                )
            }
            guard rows == table.rows, digest == table.digest else { throw changed(table, rows: rows, files) }
        }
        guard size == manifest.files.databaseBytes else {
            throw .altered(files.database.path, "its size differs from the manifest's")
        }
    }
}
