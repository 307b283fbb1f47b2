import Foundation
import Linkage
import SNDSModel
import TestSupport
import Testing

/// Whatever a cohort holds, every output a run writes grows at most linearly with it: bounded by a
/// constant times the cohort's size plus a constant. Lines naming other lines ("same person as
/// lines …", "the NS is also on lines …") listed every one of them, so n lines of one identity or one
/// NS wrote n² numbers.
@Suite(.serialized) struct OutputSizeTests {
    /// Bytes an output may take per byte of cohort, plus a fixed allowance: headers, and the summary's per-criterion and per-configuration figures.
    static let perInputByte = 4
    static let fixedBytes = 65_536

    private func outputs(of run: URL) throws -> [(name: String, bytes: Int)] {
        try [RunFolder.results, RunFolder.rejects, RunFolder.summary, RunFolder.correspondence].map { name in
            let attributes = try FileManager.default.attributesOfItem(atPath: run.appendingPathComponent(name).path)
            return (name, (attributes[.size] as? Int) ?? 0)
        }
    }

    /// A direct cohort of `n` lines of one identity under distinct NS, and `n` lines of one NS.
    @Test(arguments: [10, 300, 3_000])
    func directOutputsAreLinearInTheCohort(n: Int) throws {
        let f = try DirectFixture.shared.get()
        // A valid line of the fixture, found: its identity repeated under other NS, then one NS repeated.
        // (a person with one pseudonym row: the sealed correspondence holds one row per row.)
        let found = try #require(try f.csv("results.csv").dropFirst().first { $0[2] == "found" && $0[4] == "1" && $0[3].isEmpty })
        let line = try #require(f.cohortText.split(separator: "\n").dropFirst().first { $0.hasPrefix(found[1] + ";") })
        let fields = line.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        let header = f.cohortText.split(separator: "\n").first.map(String.init) ?? ""
        var text = header + "\n"
        for i in 0..<n { text += (["SAME_PERSON_\(i)"] + fields.dropFirst()).joined(separator: ";") + "\n" }
        for _ in 0..<n { text += (["ONE_NS"] + fields.dropFirst()).joined(separator: ";") + "\n" }
        let folder = f.dataset.directory.appendingPathComponent("size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cohort = folder.appendingPathComponent("cohort.csv")
        try text.write(to: cohort, atomically: true, encoding: .utf8)
        var options = DirectRun.Options(cohort: cohort, dataset: f.dataset.files, output: folder.appendingPathComponent("run"))
        options.extraction = false
        let summary = try DirectRun.run(options, key: f.dataset.key)
        #expect(summary.counts.found == n && summary.counts.rejected == n)
        #expect(summary.people.reachedBySeveralNS == (n > 1 ? 1 : 0))
        let input = text.utf8.count
        for (name, bytes) in try outputs(of: options.output) {
            #expect(bytes <= Self.perInputByte * input + Self.fixedBytes, "\(name): \(bytes) bytes for a cohort of \(input)")
        }
        // The reason still says how many other lines there are.
        let results = try String(contentsOf: options.output.appendingPathComponent(RunFolder.results), encoding: .utf8)
        if n > 6 { #expect(results.contains("and \(n - 1 - 5) more")) }
    }

    /// An indirect cohort whose `n` lines share one NS, beside `n` lines of one stay under distinct
    /// NS (a file more than half rejected would be refused whole).
    @Test(arguments: [10, 3_000])
    func indirectRejectsAreLinearInTheCohort(n: Int) throws {
        let f = try IndirectFixture.shared.get()
        let lines = try String(contentsOf: f.cohortFile, encoding: .utf8).split(separator: "\n").map(String.init)
        let header = try #require(lines.first)
        let body = try #require(lines.dropFirst().first)
        let rest = body.split(separator: ";", omittingEmptySubsequences: false).dropFirst().joined(separator: ";")
        let text = header + "\n" + String(repeating: "ONE_NS;" + rest + "\n", count: n) + (0..<n).map { "NS_\($0);" + rest + "\n" }.joined()
        let folder = f.dataset.directory.appendingPathComponent("size-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let cohort = folder.appendingPathComponent("cohort.csv")
        try text.write(to: cohort, atomically: true, encoding: .utf8)
        let run = folder.appendingPathComponent("run")
        let summary = try IndirectFixture.link(cohort, rules: IndirectFixture.defaultRules, dataset: f.dataset, to: run)
        #expect(summary.counts.rejected == n)
        for (name, bytes) in try outputs(of: run) {
            #expect(bytes <= Self.perInputByte * text.utf8.count + Self.fixedBytes, "\(name): \(bytes) bytes for a cohort of \(text.utf8.count)")
        }
    }
}
