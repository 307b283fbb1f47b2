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

    /// The temporary path to write `final`'s contents to.
    public func stage(_ final: URL) -> URL {
        let temporary = final.deletingLastPathComponent()
            .appendingPathComponent(".\(final.lastPathComponent).partial-\(getpid())")
        try? FileManager.default.removeItem(at: temporary)
        staged.append((temporary, final))
        return temporary
    }

    /// The final path a temporary path from ``stage(_:)`` stands for (the path itself otherwise),
    /// so that a message names the file the user asked for.
    public static func finalPath(of url: URL) -> String {
        let name = url.lastPathComponent
        guard name.hasPrefix("."), let range = name.range(of: ".partial-", options: .backwards) else { return url.path }
        return url.deletingLastPathComponent().appendingPathComponent(String(name[name.index(after: name.startIndex)..<range.lowerBound])).path
    }

    /// Moves every staged file into place, in staging order, after deleting `obsolete` files (such
    /// as a previous manifest that must not describe the new files while they are being moved).
    public func commit(removingFirst obsolete: [URL] = []) throws(OutputError) {
        for url in obsolete where FileManager.default.fileExists(atPath: url.path) {
            do { try FileManager.default.removeItem(at: url) } catch {
                throw .cannotReplace(url.path, error.localizedDescription)
            }
        }
        // Durable before visible: each file reaches the disk before it is renamed into place, and
        // the directory entries after, so a power cut cannot leave a manifest beside an empty file.
        for (temporary, final) in staged {
            try Self.sync(temporary, reporting: final)
        }
        for (temporary, final) in staged {
            guard rename(temporary.path, final.path) == 0 else {
                throw .cannotReplace(final.path, String(cString: strerror(errno)))
            }
        }
        for directory in Set(staged.map { $0.final.deletingLastPathComponent() }) {
            let fd = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if fd >= 0 {
                _ = fsync(fd)
                close(fd)
            }
        }
        committed = true
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
        for (temporary, _) in staged { try? FileManager.default.removeItem(at: temporary) }
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
        guard mkdir(url.path, mode) == 0 || errno == EEXIST else {
            throw .cannotCreateDirectory(url.path, String(cString: strerror(errno)))
        }
    }

    /// Removes every leftover of a killed run (`.NAME.partial-PID`) in `directory` whose process
    /// is gone, whatever its name: a run killed outright cannot clean up after itself.
    public static func removeLeftovers(in directory: URL) {
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(".") {
            guard let marker = name.range(of: ".partial-", options: .backwards),
                  let pid = pid_t(name[marker.upperBound...]), pid > 0 else { continue }
            guard pid != getpid(), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }

    /// Removes leftovers of killed runs (`.NAME.partial-PID`) next to `final`.
    public static func removeLeftovers(of final: URL) {
        let directory = final.deletingLastPathComponent()
        let prefix = ".\(final.lastPathComponent).partial-"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(prefix) {
            try? FileManager.default.removeItem(at: directory.appendingPathComponent(name))
        }
    }
}

public enum OutputError: Error, Equatable, CustomStringConvertible {
    case exists(String)
    case cannotReplace(String, String)
    case cannotCreateDirectory(String, String)

    public var description: String {
        switch self {
        case .exists(let path): "\(path) already exists; use --force to replace it"
        case .cannotReplace(let path, let why): "cannot write \(path): \(why)"
        case .cannotCreateDirectory(let path, let why): "cannot create directory \(path): \(why)"
        }
    }
}
