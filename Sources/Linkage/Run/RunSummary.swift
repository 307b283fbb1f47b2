import Foundation

/// A finished run's summary, whichever kind of linkage made it, read as the kind its summary.json
/// declares: what the report is built from.
public enum RunSummary: Sendable {
    case direct(DirectSummary)
    case indirect(IndirectSummary)

    /// Reads `summary.json` in `run`, as the kind it declares.
    public static func read(from run: URL) throws -> RunSummary {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: run.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw LinkageError.badRun(run.path, "no such folder")
        }
        guard let kind = RunFolder.kind(of: run) else {
            throw LinkageError.badRun(run.path, "no summary.json of appariement: not a finished linkage run")
        }
        do {
            return switch kind {
            case .direct: .direct(try DirectSummary.read(from: run))
            case .probabiliste: .indirect(try IndirectSummary.read(from: run))
            }
        } catch let error as LinkageError {
            guard case .badRun(let path, let why) = error else { throw error }
            throw LinkageError.badRun(path, why + " — was the run made by an older version? Run the linkage again with this one")
        }
    }
}
