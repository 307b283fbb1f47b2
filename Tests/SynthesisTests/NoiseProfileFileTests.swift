import Foundation
import SNDSModel
import Synthesis
import Testing

/// Cohort noise profiles given with `--noise` are a user's YAML: the same guards as a rules file
/// (size and kind of file from its metadata, alias bombs as keys or values, base-60 numbers,
/// libyaml's reason and line for a syntax error), each refused with one line naming the file.
@Suite struct NoiseProfileFileTests {
    static let reference = try! ReferenceData.locate()

    static func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("noise-\(UUID().uuidString).yml")
        try Data(text.utf8).write(to: url)
        return url
    }

    /// The message a profile is refused with, for the direct and the indirect profile (the same).
    static func refusal(_ url: URL) -> [String] {
        var messages: [String] = []
        do { _ = try DirectNoiseProfile.load(url, reference: reference) } catch { messages.append("\(error)") }
        do { _ = try IndirectNoiseProfile.load(url, reference: reference) } catch { messages.append("\(error)") }
        return messages
    }

    static func billionLaughs(asKey: Bool) -> String {
        var yaml = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for i in 1..<9 { yaml += "a\(i): &a\(i) [" + Array(repeating: "*a\(i - 1)", count: 10).joined(separator: ", ") + "]\n" }
        return yaml + (asKey ? "? *a8\n: 1\n" : "defects: *a8\n")
    }

    @Test func theShippedProfilesRead() throws {
        _ = try DirectNoiseProfile.load(nil, reference: Self.reference)
        _ = try IndirectNoiseProfile.load(nil, reference: Self.reference)
    }

    /// A copy of a shipped profile given with --noise reads as the shipped one.
    @Test func aCopyOfTheShippedProfileReads() throws {
        let text = try String(contentsOf: Self.reference.root.appendingPathComponent(DirectNoiseProfile.file), encoding: .utf8)
        let url = try Self.file(text)
        defer { try? FileManager.default.removeItem(at: url) }
        let profile = try DirectNoiseProfile.load(url, reference: Self.reference)
        #expect(profile.rate(of: .wrongNIRKey) == 0.01)
    }

    /// Each bad profile, and what both messages must say, on one line naming the file.
    @Test(arguments: [
        (billionLaughs(asKey: true), "the file's keys expand to too many values (aliases?): not a noise profile"),
        (billionLaughs(asKey: false), "the file expands to too many values (aliases?): not a noise profile"),
        ("defects:\n  wrong_nir_key: 1:0:0:0:0:0:0:0:0:0:0:0:0\n", ", line 2: 1:0:0:0:0:0:0:0:0:0:0:0:0 is a base-60 number"),
        ("defects:\n  wrong_nir_key: 0:0:1\n", ", line 2: 0:0:1 is a base-60 number"),
        ("defects:\n\twrong_nir_key: 0.1\n", ", line 2: not valid YAML at column 1: found character that cannot start any token"),
        ("defects: {wrong_nir_key: 0.1\n", "not valid YAML at column 1: did not find expected ',' or '}'"),
        ("defects: {a: 1, a: 2}\n", ", line 1: the key 'a' is given twice"),
        ("", ": the file is empty"),
        (
            "defects: {\"x\\ny\\e[31m\": 0.1}\ntwins: {share: 0.1, without_rank: 0.1}\nformats: {birth_date: {YYYYMMDD: 1}, sex: {1/2: 1}, nir_with_spaces: 0, date: {YYYYMMDD: 1}, icd10_with_dot: 0, departement_three_digits: 0, corsica_as_20: 0}\n",
            "defects.x\\ny\\u{1B}[31m is not a defect"
        ),
    ])
    func aBadProfileIsRefusedOnOneLine(yaml: String, message: String) throws {
        let url = try Self.file(yaml)
        defer { try? FileManager.default.removeItem(at: url) }
        let started = ContinuousClock.now
        let messages = Self.refusal(url)
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(messages.count == 2)
        for text in messages {
            #expect(text.hasPrefix("reference file \(url.path)"), "\(text)")
            #expect(text.contains(message), "\(text)")
            #expect(!text.contains("\n") && !text.contains("\u{1B}") && !text.contains(": :"), "\(text)")
        }
    }

    /// A device, a pipe or a folder is refused from its metadata: /dev/zero is never read.
    @Test(arguments: [
        ("/dev/zero", "is not a regular file (a device or a pipe): give a noise profile"),
        ("/tmp", "is a directory, not a noise profile"),
        ("/nonexistent/noise.yml", "no such file"),
    ])
    func aFileThatIsNotAProfileIsRefusedBeforeItIsRead(path: String, message: String) {
        let messages = Self.refusal(URL(fileURLWithPath: path))
        #expect(messages == Array(repeating: "reference file \(path): \(message)", count: 2))
    }

    @Test func aFIFOIsRefusedWithoutBlocking() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("noise-\(UUID().uuidString).fifo").path
        #expect(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let messages = Self.refusal(URL(fileURLWithPath: path))
        #expect(messages.allSatisfy { $0.hasSuffix("is not a regular file (a device or a pipe): give a noise profile") })
    }

    @Test func aProfileAbove1MBIsRefusedFromItsSize() throws {
        let url = try Self.file("# " + String(repeating: "x", count: 1 << 20) + "\n")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(Self.refusal(url).allSatisfy { $0.hasSuffix("is larger than 1 MB: not a noise profile") })
    }
}
