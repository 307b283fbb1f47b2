import Foundation
import Testing

@testable import Pseudonymisation

struct SealedFileTests {
    static func payload(_ size: Int) -> [UInt8] { (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) } }

    static func seal(_ payload: [UInt8], key: SecretKey, at url: URL, blockBytes: Int = 1000) throws {
        let writer = try SealedFileWriter(
            url: url, key: key, contents: "test", columns: ["A", "B"],
            createdBy: "tests", blockBytes: blockBytes)
        try writer.write(payload.prefix(payload.count / 3))
        try writer.write(payload.dropFirst(payload.count / 3))
        try writer.finish()
    }

    @Test(arguments: [0, 1, 999, 1000, 1001, 5432])
    func whatIsSealedOpensIdentically(size: Int) throws {
        let scratch = Scratch()
        let key = SecretKey.random()
        let url = scratch.file("x.sealed")
        let payload = Self.payload(size)
        try Self.seal(payload, key: key, at: url)
        let reader = try SealedFileReader(url: url, key: key)
        #expect(reader.header.keyFingerprint == key.fingerprint)
        #expect(reader.header.columns == ["A", "B"])
        #expect(try reader.readAll() == payload)
        // The payload is not in the file in clear.
        let raw = try Data(contentsOf: url)
        #expect(size < 64 || raw.range(of: Data(payload.prefix(64))) == nil)
        let mode = (try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as! NSNumber).intValue
        #expect(mode == 0o600)
    }

    @Test func aWrongKeyIsNamedAsSuch() throws {
        let scratch = Scratch()
        let url = scratch.file("x.sealed")
        let key = SecretKey.random(), other = SecretKey.random()
        try Self.seal(Self.payload(3000), key: key, at: url)
        #expect(throws: PseudonymisationError.wrongKey(url.path, expected: key.fingerprint, given: other.fingerprint)) {
            try SealedFileReader(url: url, key: other)
        }
    }

    /// Flipping any single byte anywhere in the file is refused, and never yields altered data.
    @Test func everyFlippedByteIsRefused() throws {
        let scratch = Scratch()
        let url = scratch.file("x.sealed")
        let key = SecretKey.random()
        let payload = Self.payload(2500)
        try Self.seal(payload, key: key, at: url)
        let original = try [UInt8](Data(contentsOf: url))
        let altered = scratch.file("altered.sealed")
        var refused = 0
        for position in original.indices {
            var bytes = original
            bytes[position] ^= 0x01
            try Data(bytes).write(to: altered)
            do {
                let reader = try SealedFileReader(url: altered, key: key)
                _ = try reader.readAll()
            } catch {
                refused += 1
                continue
            }
            Issue.record("byte \(position) flipped and the file still opened")
        }
        #expect(refused == original.count)
    }

    @Test func aCutFileIsTruncatedAndAnExtendedOneTampered() throws {
        let scratch = Scratch()
        let url = scratch.file("x.sealed")
        let key = SecretKey.random()
        try Self.seal(Self.payload(2500), key: key, at: url)
        let original = try Data(contentsOf: url)
        // Cut right after a full block: what remains authenticates, but the final block is missing.
        for cut in [original.count - 1, original.count - 17, original.count / 2] {
            let cutURL = scratch.file("cut-\(cut).sealed")
            try original.prefix(cut).write(to: cutURL)
            #expect(throws: PseudonymisationError.self) { try SealedFileReader(url: cutURL, key: key).readAll() }
        }
        let longer = scratch.file("longer.sealed")
        try (original + Data([0])).write(to: longer)
        #expect(throws: PseudonymisationError.self) { try SealedFileReader(url: longer, key: key).readAll() }
    }

    @Test func aFileThatIsNotSealedIsNamed() throws {
        let scratch = Scratch()
        let url = scratch.file("plain.txt")
        try Data("NIR;NS\n".utf8).write(to: url)
        #expect(throws: PseudonymisationError.notASealedFile(url.path)) { try SealedFileReader(url: url, key: .random()) }
    }
}

/// Block-level attacks: the payload is authenticated as a whole sequence, not block by block.
struct SealedFileBlockTests {
    /// Offsets of each block record (length field) in a file sealed with `blockBytes` = 1000.
    static func records(_ bytes: [UInt8]) -> [Range<Int>] {
        let headerLength = bytes[10..<14].reduce(0) { $0 << 8 | Int($1) }
        var offset = 14 + headerLength
        var ranges: [Range<Int>] = []
        while offset < bytes.count {
            let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            ranges.append(offset..<offset + 4 + length + 16)
            offset += 4 + length + 16
        }
        return ranges
    }

    @Test func cuttingAtABlockBoundarySwappingOrTransplantingBlocksIsRefused() throws {
        let scratch = Scratch()
        let key = SecretKey.random()
        let a = scratch.file("a.sealed"), b = scratch.file("b.sealed")
        try SealedFileTests.seal(SealedFileTests.payload(2500), key: key, at: a)
        try SealedFileTests.seal(SealedFileTests.payload(2500).reversed(), key: key, at: b)
        let bytesA = try [UInt8](Data(contentsOf: a)), bytesB = try [UInt8](Data(contentsOf: b))
        let blocksA = Self.records(bytesA), blocksB = Self.records(bytesB)
        #expect(blocksA.count == 3)

        let attempts: [(String, [UInt8])] = [
            ("cut after the first full block", Array(bytesA[..<blocksA[0].upperBound])),
            ("cut after the second full block", Array(bytesA[..<blocksA[1].upperBound])),
            ("blocks 0 and 1 swapped", Array(bytesA[..<blocksA[0].lowerBound]) + bytesA[blocksA[1]] + bytesA[blocksA[0]] + bytesA[blocksA[2]]),
            ("block 1 taken from another file", Array(bytesA[..<blocksA[1].lowerBound]) + bytesB[blocksB[1]] + bytesA[blocksA[2]]),
            ("final block dropped and block 1 repeated", Array(bytesA[..<blocksA[2].lowerBound]) + bytesA[blocksA[1]]),
        ]
        for (name, bytes) in attempts {
            let url = scratch.file("attempt.sealed")
            try Data(bytes).write(to: url)
            #expect(throws: PseudonymisationError.self, "\(name) was accepted") { try SealedFileReader(url: url, key: key).readAll() }
        }
    }
}
