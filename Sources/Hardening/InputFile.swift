import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reads a file a user names (a cohort, a rules file, a truth), deciding from its metadata, before
/// reading a byte, whether it can be one: a regular file no larger than the format allows.
///
/// Reading first and measuring after would let `/dev/zero`, a named pipe or a multi-gigabyte file
/// exhaust memory or block forever before any check runs.
public enum InputFile {
    public enum Problem: Error, Equatable, Sendable {
        case missing
        case directory
        /// A device, a pipe or a socket: it has no size to check and may never end.
        case notRegular
        case tooLarge(bytes: Int)
        case unreadable(String)
    }

    /// The file's bytes; `limit` bytes at most (a file growing while read past it is refused too).
    public static func read(_ url: URL, limit: Int) throws(Problem) -> Data {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .directory
        default: throw .notRegular
        }
        guard Int(info.st_size) <= limit else { throw .tooLarge(bytes: Int(info.st_size)) }
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw .unreadable(String(cString: strerror(errno)))
        }
        defer { try? handle.close() }
        let data: Data
        do { data = try handle.read(upToCount: limit + 1) ?? Data() } catch {
            throw .unreadable(error.localizedDescription)
        }
        guard data.count <= limit else { throw .tooLarge(bytes: data.count) }
        return data
    }
}

extension InputFile.Problem: ExitStatusProviding {
    /// A file given as input that cannot be read as one: refused input.
    public var exitStatus: ExitStatus { .badInput }
}
