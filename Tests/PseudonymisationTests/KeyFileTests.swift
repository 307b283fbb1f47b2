import Foundation
import Testing

@testable import Pseudonymisation

struct KeyFileTests {
    @Test func aMissingKeyFileIsCreatedPrivateAndReadBack() throws {
        let scratch = Scratch()
        let path = scratch.file("nested/secret.key")
        let (key, created) = try KeyFile.loadOrCreate(at: path)
        #expect(created)
        let mode = (try FileManager.default.attributesOfItem(atPath: path.path)[.posixPermissions] as! NSNumber).intValue
        #expect(mode == 0o600)
        let (again, createdAgain) = try KeyFile.loadOrCreate(at: path)
        #expect(!createdAgain)
        #expect(again.fingerprint == key.fingerprint)
        #expect(key.fingerprint.count == 16)
        // The file states the fingerprint, never anything else readable about the key.
        let text = try String(contentsOf: path, encoding: .utf8)
        #expect(text.contains(key.fingerprint))
    }

    @Test func twoNewKeysDiffer() throws {
        let scratch = Scratch()
        let a = try KeyFile.loadOrCreate(at: scratch.file("a.key")).key
        let b = try KeyFile.loadOrCreate(at: scratch.file("b.key")).key
        #expect(a.fingerprint != b.fingerprint)
    }

    @Test func aKeyFileOthersCanReadIsRefused() throws {
        let scratch = Scratch()
        let path = scratch.file("open.key")
        _ = try KeyFile.loadOrCreate(at: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path.path)
        #expect(throws: KeyFileError.tooOpen(path.path, mode: 0o644)) { try KeyFile.load(at: path) }
        #expect(KeyFileError.tooOpen(path.path, mode: 0o644).description.contains("chmod 600"))
    }

    @Test(arguments: [
        ("", "the file is empty"),
        ("not a key\n", "expected one line of 64 hexadecimal characters"),
        (String(repeating: "g", count: 64) + "\n", "not hexadecimal"),
        (String(repeating: "a", count: 64) + "\n" + String(repeating: "b", count: 64) + "\n", "expected one line"),
    ])
    func malformedKeyFilesAreRefused(contents: String, reason: String) throws {
        let scratch = Scratch()
        let path = scratch.file("bad.key")
        _ = FileManager.default.createFile(atPath: path.path, contents: Data(contents.utf8), attributes: [.posixPermissions: 0o600])
        do {
            _ = try KeyFile.load(at: path)
            Issue.record("a malformed key file was accepted")
        } catch {
            #expect(error.description.contains(reason))
        }
    }

    @Test func aMissingKeyFileIsNotCreatedWhenOnlyReading() {
        let scratch = Scratch()
        let path = scratch.file("absent.key")
        #expect(throws: KeyFileError.missing(path.path)) { try KeyFile.load(at: path) }
        #expect(!FileManager.default.fileExists(atPath: path.path))
    }

    @Test func theKeyFileIsChosenByOptionThenEnvironmentThenDefault() {
        #expect(KeyFile.resolve(option: "/a.key", environment: ["APPARIEMENT_KEY_FILE": "/b.key"]).url.path == "/a.key")
        #expect(KeyFile.resolve(option: nil, environment: ["APPARIEMENT_KEY_FILE": "/b.key"]).source == .environment)
        #expect(KeyFile.resolve(option: nil, environment: [:]).url.path.hasSuffix("synthetic/secret.key"))
    }
}

/// The file checked is the file read: links and other users' files are refused.
struct KeyFileOwnershipTests {
    @Test func aSymbolicLinkToAKeyIsRefused() throws {
        let scratch = Scratch()
        let real = scratch.file("real.key")
        _ = try KeyFile.loadOrCreate(at: real)
        let link = scratch.file("link.key")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: real)
        #expect(throws: KeyFileError.notAFile(link.path)) { try KeyFile.load(at: link) }
        #expect(throws: KeyFileError.notAFile(scratch.url.path)) { try KeyFile.load(at: scratch.url) }
    }

    @Test(.enabled(if: geteuid() == 0, "needs root to give a file to another user"))
    func anotherUsersKeyFileIsRefused() throws {
        let scratch = Scratch()
        let path = scratch.file("theirs.key")
        _ = try KeyFile.loadOrCreate(at: path)
        #expect(chown(path.path, 65534, 65534) == 0)
        #expect(throws: KeyFileError.notOwned(path.path)) { try KeyFile.load(at: path) }
    }

    @Test func commentsAndSurroundingSpaceAreAllowedAroundTheKeyLine() throws {
        let scratch = Scratch()
        let path = scratch.file("k.key")
        let hex = String(repeating: "0123456789abcdef", count: 4)
        _ = FileManager.default.createFile(
            atPath: path.path, contents: Data("# a comment\n\n  \(hex)  \r\n# another\n".utf8),
            attributes: [.posixPermissions: 0o600])
        let plain = scratch.file("plain.key")
        _ = FileManager.default.createFile(atPath: plain.path, contents: Data(hex.utf8), attributes: [.posixPermissions: 0o600])
        #expect(try KeyFile.load(at: path).fingerprint == KeyFile.load(at: plain).fingerprint)
    }
}
