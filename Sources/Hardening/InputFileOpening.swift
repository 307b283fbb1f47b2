import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The same rule as ``InputFile/read(_:limit:)`` for files that are not read whole — a database,
/// a manifest, a sealed file, a file to digest: decided from the metadata before reading a byte.
///
/// Opening a named pipe for reading blocks until a writer comes, and `/dev/zero` never ends: a
/// path that is not a regular file must be refused before the `open(2)` that would wait, not after.
extension InputFile {
    /// What is at `url` (symbolic links followed), from `stat(2)`, without opening it: throws
    /// unless it is a regular file; returns its size in bytes.
    @discardableResult
    public static func requireRegular(_ url: URL) throws(Problem) -> Int {
        var info = stat()
        guard stat(url.path, &info) == 0 else {
            throw errno == ENOENT || errno == ENOTDIR ? .missing : .unreadable(String(cString: strerror(errno)))
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int(info.st_size)
        case S_IFDIR: throw .directory
        default: throw .notRegular
        }
    }

    /// Opens a regular file for reading. Checked twice: from its path first (``requireRegular(_:)``,
    /// so a device is not even opened), then on the descriptor opened without blocking (`fstat(2)`),
    /// so a file swapped for a pipe in between is refused too — never waited on.
    public static func openForReading(_ url: URL) throws(Problem) -> FileHandle {
        try requireRegular(url)
        let fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            switch errno {
            case ENOENT, ENOTDIR: throw .missing
            case ENXIO: throw .notRegular  // a socket
            default: throw .unreadable(String(cString: strerror(errno)))
            }
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .unreadable(reason)
        }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR:
            close(fd)
            throw .directory
        default:
            close(fd)
            throw .notRegular
        }
        // A regular file: blocking reads from here on, as any file handle.
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
        return FileHandle(fileDescriptor: fd, closeOnDealloc: true)
    }
}
