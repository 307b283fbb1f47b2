import Foundation
import Hardening

/// A record, beside a dataset (`NAME.verified.json`), that every table of its database was found
/// with its manifest's digest, and which file that was: device, inode, size and change time.
///
/// Digesting every table is what tells an edited row of the claims from the generated one, and it
/// costs ten times a direct linkage of 1,000 lines (docs/hardening.md). A linkage reads the claims
/// it extracts, so it must not run on an edited table; but the database does not change between
/// runs. The stamp lets the digests be computed once per state of the file: any write into it —
/// with sqlite3, a copy over it, a restore — changes its change time (`ctime`, which no user can
/// set), or its inode, and the next command digests everything again. `generate` and
/// `check-dataset` write it after their full checks; a linkage after its own. A stamp that cannot
/// be written (a read-only folder) only means the next run checks again.
///
/// Like the manifest, it is not signed: it guards against accidents and edits, not against someone
/// who forges it.
public struct VerificationStamp: Codable, Sendable, Equatable {
    public var format = 1
    public var datasetId: String
    public var contentDigest: String
    /// The database file that was verified.
    public var device: UInt64
    public var inode: UInt64
    public var size: Int64
    /// `ctime` in nanoseconds since 1970.
    public var changed: Int64

    /// The file's identity now, nil when it cannot be read.
    static func identity(of url: URL) -> (device: UInt64, inode: UInt64, size: Int64, changed: Int64)? {
        var info = stat()
        guard stat(url.path, &info) == 0 else { return nil }
        return (
            UInt64(info.st_dev), UInt64(info.st_ino), Int64(info.st_size),
            Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        )
    }

    /// Whether the stamp beside `files` says the database, as it is now, was verified against
    /// `manifest`.
    static func holds(for files: DatasetFiles, manifest: DatasetManifest) -> Bool {
        guard let data = try? InputFile.read(files.verification, limit: 1 << 16),
            let stamp = try? JSONDecoder().decode(VerificationStamp.self, from: data),
            let now = identity(of: files.database)
        else { return false }
        return stamp.format == 1 && stamp.datasetId == manifest.datasetId && stamp.contentDigest == manifest.contentDigest
            && stamp.device == now.device && stamp.inode == now.inode && stamp.size == now.size && stamp.changed == now.changed
    }

    /// Records that the database of `files` was just verified against `manifest`, when the record
    /// can be trusted: a change time with whole seconds only (some file systems) that is less
    /// than two seconds old could be the same after a write in the same second, so none is
    /// written then. Best effort: a folder that cannot be written gets no stamp.
    public static func record(for files: DatasetFiles, manifest: DatasetManifest) {
        guard let now = identity(of: files.database) else { return }
        let age = Int64(Date().timeIntervalSince1970 * 1_000_000_000) - now.changed
        guard now.changed % 1_000_000_000 != 0 || age >= 2_000_000_000 else { return }
        let stamp = VerificationStamp(
            datasetId: manifest.datasetId, contentDigest: manifest.contentDigest, device: now.device, inode: now.inode, size: now.size,
            changed: now.changed)
        guard let data = try? JSONEncoder().encode(stamp) else { return }
        let staged = StagedOutputs()
        guard (try? StagedOutputs.writeFile(data, to: staged.stage(files.verification), mode: 0o644)) != nil else { return }
        try? staged.commit(replacingExisting: true)
    }
}
