import Foundation

/// Checks a property of the code under test: when it does not hold, the message goes to stderr and
/// the process aborts, which libFuzzer records as a crash (the input is saved as `crash-…`).
///
/// Messages describe the property, never the input: libFuzzer saves the input itself.
@inline(__always)
public func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if !condition() {
        let text = "property violated (\(file):\(line)): \(message())\n"
        FileHandle.standardError.write(text.data(using: .utf8)!)
        abort()
    }
}

/// The fuzz input as bytes.
public func inputBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}

nonisolated(unsafe) private var scratchDirectories: [String] = []
private let scratchLock = NSLock()

/// A file the readers can be pointed at, rewritten for each input: the commands read cohorts and
/// rules from paths, and the fuzzers go through the same entry points. One per process (libFuzzer's
/// `-fork`/`-jobs` run several processes), under /dev/shm (or $APPARIEMENT_FUZZ_TMPDIR, $TMPDIR,
/// /tmp), removed at exit.
public final class ScratchFile: @unchecked Sendable {
    public let url: URL

    /// `name` ends the file's name (e.g. `cohort.csv`); the directory has no digits but the
    /// process id, so that messages naming the file never show a long run of digits.
    public init(_ name: String) {
        // In memory when /dev/shm exists: rewriting a file on ext4 for every input costs more than the
        // code under test.
        let shm = FileManager.default.isWritableFile(atPath: "/dev/shm") ? "/dev/shm" : nil
        let base =
            ProcessInfo.processInfo.environment["APPARIEMENT_FUZZ_TMPDIR"].flatMap { $0.isEmpty ? nil : $0 }
            ?? shm ?? ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let dir = URL(fileURLWithPath: base).appendingPathComponent("appariement-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        url = dir.appendingPathComponent(name)
        scratchLock.lock()
        if scratchDirectories.isEmpty { atexit { for path in scratchDirectories { try? FileManager.default.removeItem(atPath: path) } } }
        scratchDirectories.append(dir.path)
        scratchLock.unlock()
    }

    /// Replaces the file's contents with `bytes`.
    public func write(_ bytes: [UInt8]) {
        let ok = bytes.withUnsafeBytes { raw -> Bool in
            let fd = open(url.path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(fd, raw.baseAddress! + offset, raw.count - offset)
                guard n > 0 else { return false }
                offset += n
            }
            return true
        }
        require(ok, "cannot write the scratch file \(url.path)")
    }
}

/// The checkout this fuzzer was built from (Fuzz/Sources/FuzzSupport/Check.swift → the root).
public let checkoutRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

/// Whether `text` holds a run of at least `length` ASCII digits, spaces ignored: what a clear NIR
/// (13 digits and a key) would leave in a message.
public func hasDigitRun(_ text: String, length: Int = 13) -> Bool {
    var run = 0
    for c in text.utf8 where c != UInt8(ascii: " ") {
        run = (c >= 48 && c <= 57) ? run + 1 : 0
        if run >= length { return true }
    }
    return false
}
