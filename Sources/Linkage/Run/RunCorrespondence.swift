import Foundation
import Pseudonymisation
import SNDSModel

/// A run's sealed correspondence (`correspondence.sealed`): NS ↔ BEN_NIR_PSA, BEN_RNG_GEM,
/// BEN_IDT_ANO, one line per pseudonym row of each linked person, AES-256-GCM with the dataset's
/// key. The same format for every kind of run; its header says which kind made it.
public enum RunCorrespondence {
    public static let columns = ["NS", "BEN_NIR_PSA", "BEN_RNG_GEM", "BEN_IDT_ANO"]

    static func write(_ links: [Extraction.Link], kind: RunKind, key: SecretKey, parameters: PseudonymParameters, to url: URL) throws {
        let writer = try SealedFileWriter(
            url: url, key: key, contents: kind.correspondenceContents, pseudonymisation: parameters,
            columns: columns, createdBy: "appariement \(AppariementVersion.current)")
        for l in links {
            try writer.write(line: "\(l.ns)\t\(l.benNirPsa)\t\(l.rank)\t\(l.benIdtAno)")
        }
        try writer.finish()
    }

    /// Reads a finished run's NS ↔ person links.
    public static func read(in run: URL, key: SecretKey) throws -> [Extraction.Link] {
        let url = run.appendingPathComponent(RunFolder.correspondence)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw LinkageError.badRun(run.path, "no correspondence.sealed: not a finished linkage run")
        }
        let reader = try SealedFileReader(url: url, key: key)
        guard RunKind.allCases.map(\.correspondenceContents).contains(reader.header.contents),
            reader.header.columns == columns
        else {
            throw LinkageError.badRun(url.path, "not a linkage correspondence")
        }
        let payload = try reader.readAll()
        return try payload.split(separator: UInt8(ascii: "\n")).map { line in
            let f = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard f.count == 4, let rank = Int(f[2]) else { throw LinkageError.badRun(url.path, "a malformed entry") }
            return Extraction.Link(ns: f[0], benNirPsa: f[1], rank: rank, benIdtAno: f[3])
        }
    }
}
