import Foundation
import Hardening

/// The known truth of a synthetic cohort, kept apart from the cohort itself (cohorts/NAME.truth.csv).
///
/// One entry per data line of the cohort file: which person of the synthetic SNDS the line
/// describes (BEN_IDT_ANO, empty for people absent from it), which defect the line was given, and
/// the outcome a correct linkage must reach. The cohort generator writes it from the clear
/// identities, independently of hashing; `appariement evaluate` compares a run with it line by line
/// (lines, not NS, because a defective file may repeat or omit an NS).
public struct CohortTruth: Sendable, Equatable {
    /// What a correct linkage does with a line.
    public enum Expected: String, Sendable, CaseIterable, Codable {
        /// Linked to exactly this person.
        case found
        /// Valid, but nobody in the SNDS has this identity.
        case notFound = "not_found"
        /// Valid, but several people share it (same-sex twins without a rank): never guessed.
        case ambiguous
        /// Invalid: the line must be rejected.
        case rejected
    }

    public struct Entry: Sendable, Equatable {
        /// Line of the cohort file (the header is line 1).
        public let line: Int
        public let ns: String
        /// The person the line describes; nil when absent from the synthetic SNDS.
        public let benIdtAno: String?
        /// The defect the line was given (`none` when clean).
        public let defect: String
        public let expected: Expected

        public init(line: Int, ns: String, benIdtAno: String?, defect: String, expected: Expected) {
            self.line = line
            self.ns = ns
            self.benIdtAno = benIdtAno
            self.defect = defect
            self.expected = expected
        }
    }

    public static let columns = ["LINE", "NS", "BEN_IDT_ANO", "DEFECT", "EXPECTED"]

    public var entries: [Entry]

    public init(entries: [Entry]) { self.entries = entries }

    /// The file's text: `;`-separated, UTF-8, one line per entry after the header.
    public var text: String {
        var out = Self.columns.joined(separator: ";") + "\n"
        for e in entries {
            out += "\(e.line);\(e.ns);\(e.benIdtAno ?? "");\(e.defect);\(e.expected.rawValue)\n"
        }
        return out
    }

    /// Reads a truth file written by ``text``.
    public static func read(from url: URL) throws(CohortTruthError) -> CohortTruth {
        // A truth has one short line per cohort line: 1 GB is far above any cohort's.
        guard let data = try? InputFile.read(url, limit: 1 << 30) else { throw .unreadable(url.path) }
        var reader = DelimitedReader(bytes: [UInt8](data))
        do {
            guard let header = try reader.next(), header.fields == columns else {
                throw CohortTruthError.malformed(url.path, "its header is not \(columns.joined(separator: ";"))")
            }
            var entries: [Entry] = []
            while let record = try reader.next() {
                let f = record.fields
                guard f.count == columns.count, let line = Int(f[0]), let expected = Expected(rawValue: f[4]) else {
                    throw CohortTruthError.malformed(url.path, "line \(record.line) is not LINE;NS;BEN_IDT_ANO;DEFECT;EXPECTED")
                }
                entries.append(Entry(line: line, ns: f[1], benIdtAno: f[2].isEmpty ? nil : f[2], defect: f[3], expected: expected))
            }
            return CohortTruth(entries: entries)
        } catch let error as CohortTruthError {
            throw error
        } catch {
            throw .malformed(url.path, "\(error)")
        }
    }
}

public enum CohortTruthError: Error, Equatable, CustomStringConvertible {
    case unreadable(String)
    case malformed(String, String)

    public var description: String {
        switch self {
        case .unreadable(let path): "cannot read the truth file \(path)"
        case .malformed(let path, let why): "\(path) is not a cohort truth file: \(why)"
        }
    }
}

extension CohortTruthError: ExitStatusProviding {
    public var exitStatus: ExitStatus { .badInput }
}
