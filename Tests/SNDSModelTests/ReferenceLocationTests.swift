import Foundation
import Testing

@testable import SNDSModel

/// The reference data is found from where the running binary is, never from where the code was
/// compiled: a clone that moved, or a binary installed with its reference folder, still finds it.
struct ReferenceLocationTests {
    /// A folder tree of `paths` (folders ending in "/", else empty files) under a new temporary folder.
    private func tree(_ paths: [String]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("reference-\(UUID().uuidString)")
        for path in paths {
            let url = root.appendingPathComponent(path)
            if path.hasSuffix("/") {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            } else {
                try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                FileManager.default.createFile(atPath: url.path, contents: Data())
            }
        }
        return root
    }

    @Test func aBinaryInAClonesBuildFolderFindsTheClonesReference() throws {
        let clone = try tree(["synthetic/reference/schemas/", ".build/x86_64-unknown-linux-gnu/release/appariement"])
        defer { try? FileManager.default.removeItem(at: clone) }
        let executable = clone.appendingPathComponent(".build/x86_64-unknown-linux-gnu/release/appariement")
        let candidates = ReferenceData.besideExecutable(executable).map(\.standardizedFileURL.path)
        #expect(candidates.contains(clone.appendingPathComponent("synthetic/reference").standardizedFileURL.path))
    }

    @Test func anInstalledBinaryLooksBesideItself() throws {
        let prefix = try tree(["bin/appariement", "share/appariement/reference/schemas/"])
        defer { try? FileManager.default.removeItem(at: prefix) }
        let candidates = ReferenceData.besideExecutable(prefix.appendingPathComponent("bin/appariement")).map(\.standardizedFileURL.path)
        #expect(candidates.contains(prefix.appendingPathComponent("share/appariement/reference").standardizedFileURL.path))
        #expect(candidates.contains(prefix.appendingPathComponent("bin/reference").standardizedFileURL.path))
        // The two places beside an installed binary come first, before any clone above it.
        #expect(
            Array(candidates.prefix(2)) == [
                prefix.appendingPathComponent("bin/reference").standardizedFileURL.path,
                prefix.appendingPathComponent("share/appariement/reference").standardizedFileURL.path,
            ])
    }

    /// This test process runs from the checkout's build folder: the reference is found from the
    /// executable alone, whatever the working directory.
    @Test func theTestBinaryFindsTheCheckoutsReference() throws {
        let executable = try #require(Bundle.main.executableURL?.resolvingSymlinksInPath())
        let found = ReferenceData.besideExecutable(executable).filter {
            FileManager.default.fileExists(atPath: $0.appendingPathComponent("schemas").path)
        }
        #expect(found.count == 1, "\(executable.path)")
        #expect(found.allSatisfy { FileManager.default.fileExists(atPath: $0.appendingPathComponent("SOURCES.md").path) })
    }
}
