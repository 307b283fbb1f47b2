import CPlatform
import Foundation

/// Output files written under temporary names and moved into place only once all are complete.
///
/// Nothing a command writes may look complete when it is not: each output is written to a hidden
/// temporary file in its final directory (so the move is an atomic `rename(2)` on the same file
/// system), and ``commit()`` moves them in the order they were staged — the manifest, staged last,
/// appears last. Outputs not committed are deleted when the value is released, so an error leaves
/// no partial file behind; a process killed outright leaves only hidden `.partial` files, which the
/// next run removes.
public final class StagedOutputs {
    private var staged: [(temporary: URL, final: URL)] = []
    private var committed = false

    public init() {}

    /// The temporary path to write `final`'s contents to. Leftovers of `final` from killed runs
    /// go first: whatever the command, a killed run's staged file (a cohort's clear NIRs, say) does
    /// not outlive the next run that writes the same output.
    public func stage(_ final: URL) -> URL {
        Self.removeLeftovers(of: final)
        let temporary = final.deletingLastPathComponent()
            .appendingPathComponent(".\(final.lastPathComponent).partial-\(getpid())")
        try? FileManager.default.removeItem(at: temporary)
        staged.append((temporary, final))
        Interruption.register(temporary)
        return temporary
    }

    /// The final path a temporary path from ``stage(_:)`` stands for (the path itself otherwise),
    /// so that a message names the file the user asked for — also for a file inside a staged
    /// folder (`runs/.r1.partial-42/results.csv` → `runs/r1/results.csv`).
    public static func finalPath(of url: URL) -> String {
        url.pathComponents.map(finalName(of:)).joined(separator: "/").replacingOccurrences(of: "//", with: "/")
    }

    /// `NAME` for a staged name `.NAME.partial-PID`; any other name unchanged.
    static func finalName(of name: String) -> String {
        guard name.hasPrefix("."), let range = name.range(of: ".partial-", options: .backwards),
            !name[range.upperBound...].isEmpty, name[range.upperBound...].allSatisfy(\.isASCII),
            name[range.upperBound...].allSatisfy(\.isNumber),
            range.lowerBound > name.index(after: name.startIndex)
        else { return name }
        return String(name[name.index(after: name.startIndex)..<range.lowerBound])
    }

    /// Moves every staged file into place, in staging order, after deleting `obsolete` files (such
    /// as a previous manifest that must not describe the new files while they are being moved) or
    /// moving an obsolete folder out of the way in one rename (it is deleted afterwards).
    ///
    /// With `replacingExisting` false, a file that appeared at a final name since the command
    /// checked (another run writing the same output at the same time) is not replaced: the move is
    /// exclusive (`renameat2` RENAME_NOREPLACE), the commit fails with ``OutputError/exists(_:)``
    /// and this run's files are discarded — of two concurrent runs, one wins whole and the other
    /// says so, rather than both exiting 0 with the last rename's output.
    public func commit(removingFirst obsolete: [URL] = [], replacingExisting: Bool = true) throws(OutputError) {
        // An interruption (Ctrl-C) waits for the commit to finish: the outputs are then all old or
        // all new, and a set-aside previous run is never left under its hidden name.
        try Interruption.whileCommitting { () throws(OutputError) in try move(removingFirst: obsolete, replacingExisting: replacingExisting) }
        for (temporary, _) in staged { Interruption.unregister(temporary) }
    }

    private func move(removingFirst obsolete: [URL], replacingExisting: Bool) throws(OutputError) {
        // Durable before visible: each file reaches the disk before it is renamed into place, and
        // the directory entries after, so a power cut cannot leave a manifest beside an empty file.
        // (Synced before the obsolete files go, so the old outputs stay whole as long as possible.)
        for (temporary, final) in staged {
            try Self.sync(temporary, reporting: final)
        }
        // An obsolete folder (a previous run's) leaves its final name in one rename, then is
        // deleted: deleting it in place, file by file, could be cut short by a kill and leave part
        // of it — its summary without its results, say — looking like a finished run. A kill
        // before the deletion leaves a `.NAME.replaced.partial-PID` leftover for the next run.
        var setAside: [URL] = []
        for url in obsolete where FileManager.default.fileExists(atPath: url.path) {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
                let aside = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).replaced.partial-\(getpid())")
                try? FileManager.default.removeItem(at: aside)
                guard rename(url.path, aside.path) == 0 else { throw .cannotReplace(url.path, String(cString: strerror(errno))) }
                setAside.append(aside)
            } else {
                do { try FileManager.default.removeItem(at: url) } catch {
                    throw .cannotReplace(url.path, error.localizedDescription)
                }
            }
        }
        var moved: [(url: URL, identity: FileIdentity?)] = []
        for (temporary, final) in staged {
            let identity = FileIdentity(temporary.path)
            let result = replacingExisting ? rename(temporary.path, final.path) : cplatform_rename_noreplace(temporary.path, final.path)
            guard result == 0 else {
                let failure = errno
                let reason = String(cString: strerror(failure))
                // The previous outputs set aside go back to their names: a failed replacement
                // must not lose the run it was replacing.
                for aside in setAside {
                    _ = rename(
                        aside.path,
                        aside.deletingLastPathComponent().appendingPathComponent(StagedOutputs.finalName(of: aside.lastPathComponent)).path)
                }
                if !replacingExisting {
                    // Nothing was replaced: the files this commit already moved are taken back
                    // (between two concurrent runs, which move in the same order, the first file
                    // decides, so this only happens when a file was put in the way, by hand or by
                    // a run with --force). Only if the name still holds this run's file.
                    for (url, identity) in moved where identity != nil && FileIdentity(url.path) == identity {
                        try? FileManager.default.removeItem(at: url)
                    }
                    if failure == EEXIST || failure == ENOTEMPTY { throw .exists(final.path) }
                }
                throw .cannotReplace(final.path, reason)
            }
            moved.append((final, identity))
        }
        for directory in Set(staged.map { $0.final.deletingLastPathComponent() }) {
            let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                _ = fsync(fd)
                close(fd)
            }
        }
        committed = true
        for aside in setAside { try? FileManager.default.removeItem(at: aside) }
    }

    /// Syncs a staged file, or a staged folder with everything in it (files first, then the
    /// folders that name them).
    private static func sync(_ file: URL, reporting final: URL) throws(OutputError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: file.path, isDirectory: &isDirectory), isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: file.path)) ?? []
            for name in names {
                try sync(file.appendingPathComponent(name), reporting: final)
            }
        }
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .cannotReplace(final.path, "the staged file vanished: " + String(cString: strerror(errno))) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw .cannotReplace(final.path, String(cString: strerror(errno))) }
    }

    /// Deletes the staged files (done automatically if never committed).
    public func discard() {
        guard !committed else { return }
        for (temporary, _) in staged {
            try? FileManager.default.removeItem(at: temporary)
            Interruption.unregister(temporary)
        }
        staged.removeAll()
    }

    deinit { discard() }

    /// Creates a directory and its missing parents, reporting the system's reason on failure
    /// ("No such file or directory", "Permission denied"…) rather than Foundation's generic text.
    public static func createDirectory(_ url: URL, mode: mode_t = 0o755) throws(OutputError) {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw .cannotCreateDirectory(url.path, "a file of that name exists") }
            return
        }
        let parent = url.deletingLastPathComponent()
        if parent.path != url.path { try createDirectory(parent, mode: mode) }
        if mkdir(url.path, mode) == 0 {
            createdLock.withLock { createdDirectories.append(url.path) }
            return
        }
        guard errno == EEXIST else {
            throw .cannotCreateDirectory(finalPath(of: url), String(cString: strerror(errno)))
        }
    }

    /// A file's device and inode (`lstat`): the same file whatever its name.
    struct FileIdentity: Equatable {
        let device: UInt64, inode: UInt64
        init?(_ path: String) {
            var info = stat()
            guard lstat(path, &info) == 0 else { return nil }
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
        }
    }

    private static let createdLock = NSLock()
    nonisolated(unsafe) private static var createdDirectories: [String] = []

    /// Removes the folders this process created for its outputs that are still empty, deepest
    /// first: a command that fails or is interrupted leaves no empty `runs/` or `cohorts/` behind
    /// (folders holding anything, earlier outputs included, stay).
    /// The folders this process created for its outputs, deepest first (for an interruption,
    /// which removes the empty ones itself).
    static func createdDirectoriesDeepestFirst() -> [String] {
        createdLock.withLock { createdDirectories }.reversed()
    }

    public static func removeCreatedDirectories() {
        let paths = createdLock.withLock { createdDirectories }
        for path in paths.reversed() { _ = rmdir(path) }
    }

    /// Writes `data` to `url` (usually a staged path) with `mode`, and says which file failed and
    /// why — the final path and the system's reason ("No space left on device", "File too
    /// large") — instead of Foundation's "The operation could not be completed".
    public static func writeFile(_ data: Data, to url: URL, mode: mode_t = 0o600) throws(OutputError) {
        let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { throw .cannotReplace(finalPath(of: url), String(cString: strerror(errno))) }
        defer { close(fd) }
        _ = fchmod(fd, mode)  // an existing file keeps its mode through O_TRUNC
        var failure: Int32 = 0
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let n = write(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                offset += n
            }
        }
        if failure != 0 { throw .cannotReplace(finalPath(of: url), String(cString: strerror(failure))) }
    }

    /// Fails early, before any work, when `final` could not be written: the nearest existing
    /// folder above it must be a folder the process may write to (a read-only mount or an
    /// immutable folder is refused even to root). Creates nothing.
    public static func checkWritable(_ final: URL) throws(OutputError) {
        var folder = final.deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.path), folder.path != "/" {
            folder.deleteLastPathComponent()
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .cannotCreateDirectory(final.deletingLastPathComponent().path, "\(folder.path) is a file")
        }
        guard access(folder.path, W_OK | X_OK) == 0 else {
            throw .cannotReplace(final.path, "the folder \(folder.path) is not writable (\(String(cString: strerror(errno))))")
        }
    }

    /// Removes leftovers of killed runs next to `final` (`.NAME.partial-PID`, and
    /// `.NAME.replaced.partial-PID`, a replaced output set aside), those of live processes kept:
    /// two runs writing the same output do not delete each other's files.
    public static func removeLeftovers(of final: URL) {
        let directory = final.deletingLastPathComponent()
        let prefixes = [".\(final.lastPathComponent).partial-", ".\(final.lastPathComponent).replaced.partial-"]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        where prefixes.contains(where: { name.hasPrefix($0) }) && isDeadLeftover(name, in: directory) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// A hidden `….partial-PID` name whose process is gone, owned by this user: only the exact
    /// names this type stages for one output are ever looked at (``removeLeftovers(of:)``), so a
    /// user's own hidden files beside it are never touched. Liveness is the PID's: a leftover of a
    /// process in another PID namespace (another container sharing the folder) may look dead.
    static func isDeadLeftover(_ name: String, in directory: URL) -> Bool {
        guard name.hasPrefix("."), let marker = name.range(of: ".partial-", options: .backwards),
            let pid = pid_t(name[marker.upperBound...]), pid > 0, pid != getpid()
        else { return false }
        var info = stat()
        guard lstat(directory.appendingPathComponent(name).path, &info) == 0, info.st_uid == geteuid() else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }
}

extension OutputError {
    /// A failed write of `url` (a staged path or not) as the user should read it: the final path,
    /// and the system's reason ("No space left on device", "File too large") rather than
    /// Foundation's wrapper ("The operation could not be completed").
    public static func writing(_ url: URL, _ error: any Error) -> OutputError {
        if let output = error as? OutputError { return output }
        return .cannotReplace(StagedOutputs.finalPath(of: url), reason(of: error))
    }

    /// The POSIX reason inside a Foundation error when there is one.
    public static func reason(of error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return ns.localizedDescription
    }
}

/// Why an output could not be written. Exit status 6 whatever the case.
public enum OutputError: Error, Equatable, CustomStringConvertible, ExitStatusProviding, RemedyProviding {
    /// The output exists and the command was not asked to replace it (the command line adds the
    /// remedy, `--force`, where the command has it).
    case exists(String)
    /// What is at the path is not an output of this command (`isNot`: "a linkage run folder"),
    /// which it replaces only (`replaces`: "a previous run"), even with --force.
    case foreign(String, isNot: String, replaces: String)
    case cannotReplace(String, String)
    case cannotCreateDirectory(String, String)
    /// A character the chosen output encoding (Windows-1252) has no byte for, on `line` of the file.
    case cannotEncode(String, line: Int, character: String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) already exists"
        case .foreign(let path, let isNot, _): "cannot write \(path): it exists and is not \(isNot)"
        case .cannotReplace(let path, let why): "cannot write \(path): \(why)"
        case .cannotCreateDirectory(let path, let why): "cannot create directory \(path): \(why)"
        case .cannotEncode(let path, let line, let character):
            "cannot write \(path): line \(line) holds '\(character)', which Windows-1252 has no byte for (--output-encoding utf-8-bom writes every character)"
        }
    }

    public var exitStatus: ExitStatus { .output }

    public var remedy: Remedy? {
        switch self {
        case .exists: .force
        case .foreign(_, _, let replaces): .forceReplacesOnly(what: replaces)
        case .cannotReplace, .cannotCreateDirectory, .cannotEncode: nil
        }
    }
}
