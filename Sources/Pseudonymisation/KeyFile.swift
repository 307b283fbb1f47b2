import Foundation
import Hardening
import SNDSModel

#if canImport(Glibc)
import Glibc
#endif

/// Where the secret key lives and how it is read, created and protected.
///
/// Keys never come from the command line (argv is visible to every user of the machine through
/// `ps` and lands in shell histories): only from a key file, named by `--key-file`, by the
/// environment variable `APPARIEMENT_KEY_FILE`, or by default `synthetic/secret.key`. A key file is
/// one line of 64 hexadecimal characters (256 bits), optionally preceded by `#` comment lines,
/// created with mode 0600 and refused when group or others may read it.
public enum KeyFile {
    public static let environmentVariable = "APPARIEMENT_KEY_FILE"
    public static let defaultPath = "synthetic/secret.key"

    /// How the key file was chosen, for messages.
    public enum Source: String, Sendable {
        case option = "--key-file"
        case environment = "APPARIEMENT_KEY_FILE"
        case defaultLocation = "default location"
    }

    /// The key file to use: the option, else the environment variable, else the default.
    public static func resolve(
        option: String?, environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> (url: URL, source: Source)
    {
        if let option, !option.isEmpty { return (URL(fileURLWithPath: option), .option) }
        if let fromEnvironment = environment[environmentVariable], !fromEnvironment.isEmpty {
            return (URL(fileURLWithPath: fromEnvironment), .environment)
        }
        return (URL(fileURLWithPath: defaultPath), .defaultLocation)
    }

    /// Reads an existing key file.
    ///
    /// The file is opened once, without following a symbolic link, and every check (regular file,
    /// owned by this user, no access for group or others) is made on that open descriptor, so the
    /// file checked is the file read. The bytes are read into one buffer that is parsed in place
    /// and overwritten before returning; only the ``SecretKey`` keeps the key.
    public static func load(at url: URL) throws(KeyFileError) -> SecretKey {
        // A creation killed between linking the key into place and removing its hidden copy leaves
        // a second copy of the key: removed by any later run that reads the key, not only by a
        // creation (which never comes again once the key exists).
        StagedOutputs.removeLeftovers(of: url)
        // A device or a named pipe is refused from its metadata, before any open (a device's open
        // may act on it); the checks on the open descriptor below still decide for the file read.
        var before = stat()
        if lstat(url.path, &before) == 0, ![S_IFREG, S_IFDIR, S_IFLNK].contains(before.st_mode & S_IFMT) {
            throw .notRegular(url.path)
        }
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            switch errno {
            case ENOENT: throw .missing(url.path)
            case ELOOP: throw .notAFile(url.path)
            case ENXIO: throw .notRegular(url.path)  // a socket
            default: throw .unreadable(url.path)
            }
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(url.path) }
        switch info.st_mode & S_IFMT {
        case S_IFREG: break
        case S_IFDIR: throw .notAFile(url.path)
        default: throw .notRegular(url.path)
        }
        guard info.st_uid == geteuid() else { throw .notOwned(url.path) }
        let mode = Int(info.st_mode & 0o777)
        guard mode & 0o077 == 0 else { throw .tooOpen(url.path, mode: mode) }
        // A key file is a few hundred bytes; anything much larger is not one.
        guard info.st_size <= 64 * 1024 else { throw .malformed(url.path, "the file is too large to be a key file") }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Int(info.st_size), 1), alignment: 16)
        defer {
            LibCrypto.cleanse(buffer.baseAddress!, count: buffer.count)
            buffer.deallocate()
        }
        var filled = 0
        while filled < buffer.count {
            let n = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if n < 0 { throw .unreadable(url.path) }
            if n == 0 { break }
            filled += n
        }
        guard filled > 0 else { throw .malformed(url.path, "the file is empty") }
        let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])

        // One line of 64 hex characters, besides blank lines and # comments; parsed in place.
        var key = [UInt8](repeating: 0, count: 32)
        var keyLines = 0
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var first = lineStart, last = lineEnd
            while first < last, [32, 9].contains(bytes[first]) { first += 1 }
            while last > first, [32, 9, 13].contains(bytes[last - 1]) { last -= 1 }
            if first < last, bytes[first] != UInt8(ascii: "#") {
                keyLines += 1
                guard keyLines == 1, last - first == 64 else {
                    key.withUnsafeMutableBytes { LibCrypto.cleanse($0.baseAddress!, count: $0.count) }
                    throw .malformed(url.path, "expected one line of 64 hexadecimal characters (a 256-bit key), besides # comment lines")
                }
                for i in 0..<32 {
                    guard let high = hexValue(bytes[first + 2 * i]), let low = hexValue(bytes[first + 2 * i + 1]) else {
                        key.withUnsafeMutableBytes { LibCrypto.cleanse($0.baseAddress!, count: $0.count) }
                        throw .malformed(url.path, "the key line has a character that is not hexadecimal")
                    }
                    key[i] = high << 4 | low
                }
            }
            lineStart = lineEnd + 1
        }
        guard keyLines == 1 else {
            throw .malformed(url.path, "expected one line of 64 hexadecimal characters (a 256-bit key), besides # comment lines")
        }
        return SecretKey(consuming: &key)
    }

    /// Reads the key file, or creates it (mode 0600, parent directory 0700 if absent) with a fresh
    /// random key when it does not exist yet.
    public static func loadOrCreate(at url: URL) throws(KeyFileError) -> (key: SecretKey, created: Bool) {
        var info = stat()
        if lstat(url.path, &info) == 0 { return (try load(at: url), false) }
        let directory = url.deletingLastPathComponent()
        do throws(OutputError) { try StagedOutputs.createDirectory(directory, mode: 0o700) } catch {
            throw .cannotCreate(url.path, error.description)
        }
        let key = SecretKey.random()
        var text = Array(
            "# appariement secret key (fingerprint \(key.fingerprint)). Keep it private: with it, pseudonyms can be recomputed and sealed files opened.\n"
                .utf8)
        key.withBytes { bytes in
            for i in 0..<key.count {
                text.append(hexDigits[Int(bytes[i] >> 4)])
                text.append(hexDigits[Int(bytes[i] & 0x0F)])
            }
        }
        text.append(UInt8(ascii: "\n"))
        defer { text.withUnsafeMutableBytes { LibCrypto.cleanse($0.baseAddress!, count: $0.count) } }
        // Whole or not at all: written and synced under a hidden name, then linked into place —
        // a process killed mid-write must not leave an empty key file that every later run
        // refuses. link(2), unlike rename(2), never replaces a key file created meanwhile.
        StagedOutputs.removeLeftovers(of: url)
        let temporary = directory.appendingPathComponent(".\(url.lastPathComponent).partial-\(getpid())")
        unlink(temporary.path)
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw .cannotCreate(url.path, String(cString: strerror(errno))) }
        defer { unlink(temporary.path) }
        let written = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == text.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw .cannotCreate(url.path, reason)
        }
        close(fd)
        if link(temporary.path, url.path) != 0 {
            // A file system without hard links: rename, having checked nothing took the name.
            guard errno != EEXIST, lstat(url.path, &info) != 0, rename(temporary.path, url.path) == 0 else {
                throw .cannotCreate(url.path, String(cString: strerror(errno)))
            }
        }
        let directoryFD = open(directory.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directoryFD >= 0 {
            _ = fsync(directoryFD)
            close(directoryFD)
        }
        return (key, true)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 48...57: c - 48
        case 97...102: c - 87
        case 65...70: c - 55
        default: nil
        }
    }
}

public enum KeyFileError: Error, Equatable, CustomStringConvertible {
    case missing(String)
    /// A directory or a symbolic link.
    case notAFile(String)
    /// A device, a named pipe or a socket: refused before it is read.
    case notRegular(String)
    case notOwned(String)
    case tooOpen(String, mode: Int)
    case unreadable(String)
    case malformed(String, String)
    case cannotCreate(String, String)

    public var description: String {
        switch self {
        case .missing(let path):
            "key file \(path) does not exist (give the key used to generate the data with --key-file or \(KeyFile.environmentVariable))"
        case .notAFile(let path): "key file \(path) is not a regular file (a directory, or a symbolic link, which is refused)"
        case .notRegular(let path): "key file \(path) is not a regular file (a device or a pipe): give the key file"
        case .notOwned(let path): "key file \(path) belongs to another user; a key file must be yours and private (chmod 600)"
        case .tooOpen(let path, let mode):
            "key file \(path) may be read by group or others (mode \(String(mode, radix: 8))); run: chmod 600 \(path)"
        case .unreadable(let path): "key file \(path) cannot be read"
        case .malformed(let path, let why): "key file \(path) is not a valid key: \(why)"
        case .cannotCreate(let path, let why): "cannot create key file \(path): \(why)"
        }
    }
}

extension KeyFileError: ExitStatusProviding {
    /// Whatever is wrong with a key file — missing, too open, malformed — is a key problem; a key
    /// file that cannot be written (a full disk, a folder not writable) is an output problem.
    public var exitStatus: ExitStatus {
        if case .cannotCreate = self { .output } else { .key }
    }
}
