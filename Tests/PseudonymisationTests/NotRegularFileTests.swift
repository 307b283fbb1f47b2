import Foundation
import Testing

@testable import Pseudonymisation

/// Sealed files and key files that are not regular files — a named pipe, a device, a directory —
/// are refused from their metadata, without blocking: a pipe no one writes to would make an
/// `open(2)` for reading wait forever. Each check runs on a thread with a deadline, so a
/// regression fails instead of hanging the test run.
struct NotRegularFileTests {
    /// The error `body` throws, run on its own thread; nil if it has not returned within 10 s
    /// (the thread is left blocked: the test fails rather than hangs).
    static func thrown(_ body: @escaping @Sendable () throws -> Void) -> String? {
        final class Box: @unchecked Sendable { var value = "" }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            do { try body(); box.value = "no error" } catch { box.value = "\(error)" }
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success else { return nil }
        return box.value
    }

    @Test func aSealedFileThatIsAPipeADeviceOrADirectoryIsRefused() throws {
        let scratch = Scratch()
        let fifo = scratch.file("pipe.sealed")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        let directory = scratch.file("folder.sealed")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        let cases: [(String, String)] = [
            (fifo.path, "is not a regular file (a device or a pipe): give a sealed file"),
            ("/dev/zero", "is not a regular file (a device or a pipe): give a sealed file"),
            (directory.path, "is a directory, not a sealed file"),
        ]
        for (path, why) in cases {
            let error = Self.thrown { _ = try SealedFileReader(url: URL(fileURLWithPath: path), key: .random()) }
            #expect(error == "\(PseudonymisationError.notAFile(path, why))", "\(path): \(error ?? "still blocked after 10 s")")
        }
    }

    @Test func aSealedFileCutInsideItsFixedHeaderIsTruncatedAndOtherBytesAreNotASealedFile() throws {
        let scratch = Scratch()
        let key = SecretKey.random()
        let url = scratch.file("x.sealed")
        try SealedFileTests.seal(SealedFileTests.payload(100), key: key, at: url)
        let bytes = try Data(contentsOf: url)
        let cut = scratch.file("cut.sealed")
        try bytes.prefix(10).write(to: cut)
        #expect(throws: PseudonymisationError.truncated(cut.path)) { try SealedFileReader(url: cut, key: key) }
        let text = scratch.file("text.sealed")
        try Data("NS;BEN_NIR_PSA\n".utf8).write(to: text)
        #expect(throws: PseudonymisationError.notASealedFile(text.path)) { try SealedFileReader(url: text, key: key) }
        let short = scratch.file("short.sealed")
        try Data("NS\n".utf8).write(to: short)
        #expect(throws: PseudonymisationError.notASealedFile(short.path)) { try SealedFileReader(url: short, key: key) }
    }

    @Test func aKeyFileThatIsAPipeOrADeviceIsRefused() throws {
        let scratch = Scratch()
        let fifo = scratch.file("pipe.key")
        #expect(mkfifo(fifo.path, 0o600) == 0)
        for path in [fifo.path, "/dev/zero"] {
            let expected = "\(KeyFileError.notRegular(path))"
            let loaded = Self.thrown { _ = try KeyFile.load(at: URL(fileURLWithPath: path)) }
            #expect(loaded == expected, "\(path): \(loaded ?? "still blocked after 10 s")")
            let created = Self.thrown { _ = try KeyFile.loadOrCreate(at: URL(fileURLWithPath: path)) }
            #expect(created == expected, "\(path): \(created ?? "still blocked after 10 s")")
        }
    }
}
