import Foundation
import SNDSModel
import Yams

/// Reading a cohort noise profile (YAML), shared by the direct and indirect profiles: where the
/// file is (given, or the shipped default), one message per problem, and the checks every profile
/// needs (shares between 0 and 1, format weights over known formats).
enum NoiseProfileFile {
    /// Decodes the profile at `url`, or the shipped `defaultFile` when nil; also returns the name
    /// messages use for it.
    static func decode<T: Decodable>(_ type: T.Type, _ url: URL?, defaultFile: String,
                                     reference: ReferenceData) throws(ReferenceDataError) -> (profile: T, name: String) {
        let location = url ?? reference.root.appendingPathComponent(defaultFile)
        let name = url?.path ?? defaultFile
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            if url == nil { throw .missingFile(name) }
            throw .malformed(name, line: 0, "no such file")
        }
        guard let data = FileManager.default.contents(atPath: location.path), let text = String(data: data, encoding: .utf8) else {
            throw .malformed(name, line: 0, "cannot be read as UTF-8 text")
        }
        do {
            return (try YAMLDecoder().decode(type, from: text), name)
        } catch let error as DecodingError {
            throw .malformed(name, line: 0, CareModel.explain(error) + " (rates are numbers between 0 and 1)")
        } catch let error as YamlError {
            throw .malformed(name, line: 0, "not valid YAML: \(error)")
        } catch {
            throw .malformed(name, line: 0, "\(error)")
        }
    }

    /// Each value a share between 0 and 1.
    static func checkShares(_ values: [(key: String, value: Double)], in name: String) throws(ReferenceDataError) {
        for (key, value) in values where !(0...1).contains(value) {
            throw .malformed(name, line: 0, "\(key): \(value) is not a share between 0 and 1")
        }
    }

    /// Format weights: only known formats, non-negative, at least one positive.
    static func checkFormats(_ entries: [(key: String, weights: [String: Double], known: [String])], in name: String) throws(ReferenceDataError) {
        for (key, weights, known) in entries {
            for format in weights.keys where !known.contains(format) {
                throw .malformed(name, line: 0, "\(key): unknown format \(format) (known: \(known.joined(separator: ", ")))")
            }
            guard weights.values.allSatisfy({ $0 >= 0 }), weights.values.reduce(0, +) > 0 else {
                throw .malformed(name, line: 0, "\(key): weights must be non-negative, at least one positive")
            }
        }
    }
}
