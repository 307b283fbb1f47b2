import Foundation
import Hardening
import SNDSModel
import YAMLInput
import Yams

/// Reading a cohort noise profile (YAML), shared by the direct and indirect profiles: where the
/// file is (given, or the shipped default), one message per problem, and the checks every profile
/// needs (shares between 0 and 1, format weights over known formats).
///
/// A profile given with `--noise` is a user's file: it gets the guards of a rules file — measured
/// before it is read (a regular file of at most 1 MB: `/dev/zero` or a pipe is refused from its
/// metadata), then `YAMLInput` (alias bombs as keys or values, libyaml's reason and line for a
/// syntax error) and no base-60 number (`0:0:1` is 1 in YAML 1.1) — before it is decoded.
enum NoiseProfileFile {
    /// A profile is a page of rates; this is far above any.
    static let maxBytes = 1 << 20

    /// Decodes the profile at `url`, or the shipped `defaultFile` when nil; also returns the name
    /// messages use for it.
    static func decode<T: Decodable>(
        _ type: T.Type, _ url: URL?, defaultFile: String,
        reference: ReferenceData
    ) throws(ReferenceDataError) -> (profile: T, name: String) {
        let location = url ?? reference.root.appendingPathComponent(defaultFile)
        let name = url?.path ?? defaultFile
        func fail(_ line: Int?, _ why: String) -> ReferenceDataError { failure(name, line: line, why) }
        let data: Data
        do { data = try InputFile.read(location, limit: maxBytes) } catch {
            if url == nil, error == .missing || error == .directory { throw .missingFile(defaultFile) }
            let why =
                switch error {
                case .missing: "no such file"
                case .directory: "is a directory, not a noise profile"
                case .notRegular: "is not a regular file (a device or a pipe): give a noise profile"
                case .tooLarge: "is larger than 1 MB: not a noise profile"
                case .unreadable(let why): "cannot be read (\(why))"
                }
            throw fail(nil, why)
        }
        guard let text = String(data: data, encoding: .utf8) else { throw fail(nil, "is not UTF-8 text") }
        let composed: Node?
        do throws(YAMLInput.Problem) { composed = try YAMLInput.compose(text, kind: "a noise profile") } catch {
            throw fail(error.line, error.why)
        }
        guard let root = composed else { throw fail(nil, "the file is empty") }
        // Yams reads `1:30` as base 60 (90), and traps on an integer of about twelve parts; `0x1`
        // as 1: a rate written so is a mistake, never a share.
        if let number = YAMLInput.nonDecimalNumber(in: root) {
            throw fail(number.mark?.line, YAMLInput.nonDecimalMessage(number, example: "0.05"))
        }
        do {
            return (try YAMLDecoder().decode(type, from: root), name)
        } catch let error as DecodingError {
            throw fail(nil, CareModel.explain(error) + " (rates are numbers between 0 and 1)")
        } catch {
            throw fail(nil, "\(error)")
        }
    }

    /// A problem in a profile, as one line: keys and paths are quoted from the user's file.
    static func failure(_ name: String, line: Int? = nil, _ why: String) -> ReferenceDataError {
        .malformed(MessageText.shown(name), line: line ?? 0, MessageText.shown(why))
    }

    /// Each value a share between 0 and 1.
    static func checkShares(_ values: [(key: String, value: Double)], in name: String) throws(ReferenceDataError) {
        for (key, value) in values where !(0...1).contains(value) {
            throw failure(name, "\(key): \(value) is not a share between 0 and 1")
        }
    }

    /// Format weights: only known formats, non-negative, at least one positive.
    static func checkFormats(_ entries: [(key: String, weights: [String: Double], known: [String])], in name: String) throws(ReferenceDataError) {
        for (key, weights, known) in entries {
            for format in weights.keys where !known.contains(format) {
                throw failure(name, "\(key): unknown format \(format) (known: \(known.joined(separator: ", ")))")
            }
            guard weights.values.allSatisfy({ $0 >= 0 }), weights.values.reduce(0, +) > 0 else {
                throw failure(name, "\(key): weights must be non-negative, at least one positive")
            }
        }
    }
}
