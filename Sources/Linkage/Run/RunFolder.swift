import Foundation
import Hardening

/// A linkage run's folder: the names of its files, how to tell a finished run of this tool from
/// any other folder, and when a run may replace what is at its path.
public enum RunFolder {
    public static let summary = "summary.json"
    public static let results = "results.csv"
    public static let rejects = "rejects.csv"
    public static let correspondence = "correspondence.sealed"
    /// The files a run seals in integrity.json: those later commands read back.
    public static let sealed = [summary, results, rejects, correspondence]

    /// The kind of a finished linkage run of this tool (its summary.json says so), nil for any
    /// other folder or file.
    public static func kind(of folder: URL) -> RunKind? {
        // Read with the special-file guard: a pipe named summary.json is not a run, and not opened.
        guard let data = try? InputFile.read(folder.appendingPathComponent(summary), limit: 256 << 20),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            object["tool"] as? String == "appariement"
        else { return nil }
        return (object["kind"] as? String).flatMap(RunKind.init(rawValue:))
    }

    /// Whether a folder is a finished linkage run of this tool, of either kind.
    public static func isRun(_ folder: URL) -> Bool { kind(of: folder) != nil }

    /// An existing output is replaced only with --force, and only when it is a finished linkage run
    /// (or an empty folder): --force must never delete a folder of other files, the cohort or the
    /// database.
    static func checkReplaceable(_ output: URL, replaceExisting: Bool) throws {
        try StagedOutputs.checkWritable(output)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) else { return }
        guard replaceExisting else { throw OutputError.exists(output.path) }
        let contents = isDirectory.boolValue ? ((try? FileManager.default.contentsOfDirectory(atPath: output.path)) ?? ["?"]) : ["?"]
        guard contents.isEmpty || isRun(output) else {
            throw OutputError.foreign(output.path, isNot: "a linkage run folder", replaces: "a previous run")
        }
    }
}
