import Foundation
import Hardening
import SNDSModel

/// The JSON files of a run's folder (summary.json, evaluation.json): one layout (pretty, sorted
/// keys, a final newline) and one mode (0600: they describe a cohort) for all of them.
enum RunJSON {
    static func encoded(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value) + Data("\n".utf8)
    }

    static func write(_ value: some Encodable, to url: URL) throws {
        try StagedOutputs.writeFile(try encoded(value), to: url, mode: 0o600)
    }

    /// Reads `file` in `run`; `what` names the expected content in the error.
    static func read<T: Decodable>(_ type: T.Type, file: String, in run: URL, what: String) throws -> T {
        let url = run.appendingPathComponent(file)
        let data: Data
        do { data = try InputFile.read(url, limit: 256 << 20) } catch {
            switch error {
            case .missing: throw LinkageError.badRun(run.path, "no \(file): not a finished linkage run")
            case .directory, .notRegular: throw LinkageError.badRun(url.path, "is not a regular file (a directory, a device or a pipe)")
            case .tooLarge: throw LinkageError.badRun(url.path, "is larger than 256 MB: not a run's \(file)")
            case .unreadable(let why): throw LinkageError.badRun(url.path, "cannot be read (\(why))")
            }
        }
        do { return try JSONDecoder().decode(type, from: data) } catch {
            throw LinkageError.badRun(url.path, "cannot be read\(what) (\(error.localizedDescription))")
        }
    }
}
