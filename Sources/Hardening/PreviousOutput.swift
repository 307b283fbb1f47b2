import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What `--force` may replace: only what the command itself wrote before, recognised by its first
/// bytes, and never one of the command's own inputs. A secret key, a database or a user's cohort
/// under an output's name is refused (``OutputError/foreign(_:isNot:replaces:)``), whatever the flag.
public enum PreviousOutput {
    /// Whether `url` is a regular file whose first bytes are `signature` (nothing more is read; a
    /// pipe or a device is not opened).
    public static func begins(_ url: URL, with signature: String) -> Bool {
        let expected = Data(signature.utf8)
        guard let handle = try? InputFile.openForReading(url) else { return false }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: expected.count)) ?? Data()
        return head == expected
    }

    /// Whether two paths name the same file (same device and inode, links followed): an output
    /// that is one of the command's inputs.
    public static func sameFile(_ a: URL, _ b: URL) -> Bool {
        var x = stat(), y = stat()
        guard stat(a.path, &x) == 0, stat(b.path, &y) == 0 else { return false }
        return x.st_dev == y.st_dev && x.st_ino == y.st_ino
    }

    /// Refuses an existing `output` unless `replaceExisting` and `isPrevious` says it is a previous
    /// output of the command; refuses it always when it is one of `inputs`. A file that is not a
    /// previous output is named as such even without `replaceExisting`: advising --force for a file
    /// --force would not replace would send the user round in a circle.
    public static func check(
        _ output: URL, replaceExisting: Bool, inputs: [URL] = [], isNot: String, replaces: String,
        isPrevious: (URL) -> Bool
    ) throws(OutputError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: output.path, isDirectory: &isDirectory) else { return }
        if inputs.contains(where: { sameFile($0, output) }) {
            throw .cannotReplace(output.path, "it is one of the command's own inputs")
        }
        if isDirectory.boolValue { throw .cannotReplace(output.path, "it is a folder") }
        guard isPrevious(output) else { throw .foreign(output.path, isNot: isNot, replaces: replaces) }
        guard replaceExisting else { throw .exists(output.path) }
    }
}
