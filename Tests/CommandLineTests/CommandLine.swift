import Foundation

/// Runs the built `appariement` binary as a user would, capturing its output and exit code.
struct CommandLine {
    struct Outcome {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The binary next to the test bundle (`swift build` puts every product in one folder).
    static let binary: URL = {
        var candidates: [URL] = []
        if let testBinary = ProcessInfo.processInfo.arguments.first {
            var folder = URL(fileURLWithPath: testBinary).deletingLastPathComponent()
            // On Linux the tests run from `…/debug/appariementPackageTests.xctest`.
            if folder.lastPathComponent.hasSuffix(".xctest") { folder.deleteLastPathComponent() }
            candidates.append(folder.appendingPathComponent("appariement"))
        }
        let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        candidates.append(checkout.appendingPathComponent(".build/debug/appariement"))
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates.last!
    }()

    static let checkout = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `appariement arguments…` in `directory`, with `environment` added to a clean one.
    static func run(_ arguments: [String], in directory: URL, environment: [String: String] = [:]) throws -> Outcome {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = directory
        var env = ProcessInfo.processInfo.environment
        env["APPARIEMENT_KEY_FILE"] = nil
        env["APPARIEMENT_REFERENCE"] = checkout.appendingPathComponent("synthetic/reference").path
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Outcome(
            status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A fresh temporary directory, removed when released.
final class Scratch {
    let url: URL
    init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("appariement-cli-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }
    func file(_ name: String) -> URL { url.appendingPathComponent(name) }
}
