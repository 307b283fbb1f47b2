import Foundation
import Testing

/// A message points to an option only when the command that failed has it: the same error (an
/// output that is someone else's folder) says "--force only replaces a previous run" from `direct`,
/// which has --force, and nothing of --force from `demo`, which does not.
@Suite(.serialized) struct RemedyTests {
    @Test func theSameErrorNamesForceOnlyWhereTheCommandHasIt() throws {
        let scratch = Scratch()
        let dir = scratch.url
        func run(_ arguments: [String]) throws -> CommandLine.Outcome { try CommandLine.run(arguments, in: dir) }
        // Someone's folder where the demo puts its direct run.
        let foreign = dir.appendingPathComponent("runs/demo-direct")
        try FileManager.default.createDirectory(at: foreign, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: foreign.appendingPathComponent("notes.txt"))

        let demo = try run(["demo", "--beneficiaries", "300", "--key-file", "keys/k.key"])
        #expect(demo.status == 6, "\(demo.stderr)")
        #expect(demo.stderr.contains("it exists and is not a linkage run folder"), "\(demo.stderr)")
        #expect(!demo.stderr.contains("--force"), "\(demo.stderr)")

        let direct = try run(["direct", "cohorts/demo-direct.csv", "--out", "runs/demo-direct", "--force", "--key-file", "keys/k.key"])
        #expect(direct.status == 6, "\(direct.stderr)")
        #expect(direct.stderr.contains("it exists and is not a linkage run folder; --force only replaces a previous run"), "\(direct.stderr)")
        let again = try run(["direct", "cohorts/demo-direct.csv", "--out", "runs/demo-direct", "--key-file", "keys/k.key"])
        #expect(again.status == 6 && again.stderr.contains("already exists; use --force to replace it"), "\(again.stderr)")
        // The folder is untouched.
        #expect(try String(contentsOf: foreign.appendingPathComponent("notes.txt"), encoding: .utf8) == "mine\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: foreign.path) == ["notes.txt"])
    }
}
