import Foundation
import Testing

/// What a user names is used or refused, never passed over in silence for something else: an empty
/// --key-file is not the default key, an APPARIEMENT_REFERENCE naming nothing is not the copy in the
/// working directory; and a key file that cannot be written is an output problem (6), not a key
/// problem (4).
@Suite struct SilentFallbackTests {
    @Test func anEmptyKeyFileOptionIsRefused() throws {
        let scratch = Scratch()
        let outcome = try CommandLine.run(
            ["generate", "--beneficiaries", "20", "--out", "x/snds.sqlite", "--key-file", ""], in: scratch.url)
        #expect(outcome.status == 64, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("--key-file is empty"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("synthetic/secret.key").path))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("x").path))
    }

    @Test func aReferenceFolderNamingNothingIsRefused() throws {
        let scratch = Scratch()
        // The working directory holds a copy the old lookup fell back to without a word.
        try FileManager.default.createDirectory(at: scratch.file("synthetic"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(
            at: CommandLine.checkout.appendingPathComponent("synthetic/reference"), to: scratch.file("synthetic/reference"))
        let outcome = try CommandLine.run(
            ["generate", "--beneficiaries", "20", "--out", "x/snds.sqlite", "--key-file", "k.key"], in: scratch.url,
            environment: ["APPARIEMENT_REFERENCE": scratch.file("nowhere").path])
        #expect(outcome.status == 3, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("APPARIEMENT_REFERENCE names") && outcome.stderr.contains("holds no reference data"), "\(outcome.stderr)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("x/snds.sqlite").path))
    }

    @Test func aKeyFileThatCannotBeWrittenIsAnOutputProblem() throws {
        let scratch = Scratch()
        // A regular file where the key's folder should be: the key cannot be created there.
        try Data("not a folder\n".utf8).write(to: scratch.file("keys"))
        let outcome = try CommandLine.run(
            ["generate", "--beneficiaries", "20", "--out", "x/snds.sqlite", "--key-file", "keys/k.key"], in: scratch.url)
        #expect(outcome.status == 6, "\(outcome.stderr)")
        #expect(outcome.stderr.contains("key file"), "\(outcome.stderr)")
    }
}
