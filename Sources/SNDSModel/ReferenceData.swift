import Foundation
import Hardening

/// The project's own copy of the SNDS schemas, nomenclatures and open figures
/// (`synthetic/reference`, see its SOURCES.md), located and read.
///
/// The copy travels with the repository because users do not have the shared folder it came from.
/// It is found, in order: in the directory named by `APPARIEMENT_REFERENCE`; under
/// `synthetic/reference` in the working directory; then beside the running executable, as it is
/// laid out wherever the binary is — `reference/` or `../share/appariement/reference` next to an
/// installed binary, or the `synthetic/reference` of the clone whose build folder holds it
/// (`.build/release/appariement`, a test bundle, a fuzzer). Nothing is taken from the path the code
/// was compiled at: a clone that moves, or a binary copied with its reference folder, still finds it.
public struct ReferenceData: Sendable {
    public let root: URL

    public init(root: URL) throws(ReferenceDataError) {
        guard FileManager.default.fileExists(atPath: root.appendingPathComponent("schemas").path) else {
            throw .notFound(searched: [root.path])
        }
        self.root = root
    }

    /// Finds the reference directory as described on the type.
    public static func locate(
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        throws(ReferenceDataError) -> ReferenceData
    {
        // Named by the user: used, or refused — never passed over for another copy without a word.
        if let dir = environment["APPARIEMENT_REFERENCE"], !dir.isEmpty {
            let named = URL(fileURLWithPath: dir)
            guard FileManager.default.fileExists(atPath: named.appendingPathComponent("schemas").path) else {
                throw .notInEnvironmentFolder(dir)
            }
            return try ReferenceData(root: named.standardizedFileURL)
        }
        var candidates: [URL] = []
        candidates.append(
            URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                .appendingPathComponent("synthetic/reference"))
        if let executable = Bundle.main.executableURL?.resolvingSymlinksInPath() {
            candidates += besideExecutable(executable)
        }
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate.appendingPathComponent("schemas").path) {
            return try ReferenceData(root: candidate.standardizedFileURL)
        }
        throw .notFound(searched: candidates.map(\.path))
    }

    /// Where the reference folder is, relative to the running executable: beside an installed
    /// binary, then in the clone that built it (the first ancestor folder holding
    /// `synthetic/reference`, e.g. from `.build/x86_64-unknown-linux-gnu/release/appariement`).
    static func besideExecutable(_ executable: URL) -> [URL] {
        let folder = executable.deletingLastPathComponent()
        var candidates = [
            folder.appendingPathComponent("reference"),
            folder.deletingLastPathComponent().appendingPathComponent("share/appariement/reference"),
        ]
        var ancestor = folder
        while ancestor.pathComponents.count > 1 {
            let reference = ancestor.appendingPathComponent("synthetic/reference")
            if FileManager.default.fileExists(atPath: reference.appendingPathComponent("schemas").path) {
                candidates.append(reference)
                break
            }
            ancestor.deleteLastPathComponent()
        }
        return candidates
    }

    /// The schema of an SNDS table by its name (`IR_BEN_R`, `T_MCOaaC`), from any product folder.
    public func schema(named name: String) throws(ReferenceDataError) -> TableSchema {
        let schemas = root.appendingPathComponent("schemas")
        let products = (try? FileManager.default.contentsOfDirectory(atPath: schemas.path)) ?? []
        for product in products.sorted() {
            let file = schemas.appendingPathComponent(product).appendingPathComponent(name + ".json")
            if FileManager.default.fileExists(atPath: file.path) {
                return try decodeSchema(at: file)
            }
        }
        throw .missingFile("schemas/*/\(name).json")
    }

    /// The description of a nomenclature table (`IR_SEX_V`) and the path of its CSV.
    public func nomenclature(named name: String) throws(ReferenceDataError) -> (schema: TableSchema, csv: URL) {
        let dir = root.appendingPathComponent("nomenclatures")
        let groups = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for group in groups.sorted() {
            let json = dir.appendingPathComponent(group).appendingPathComponent(name + ".json")
            let csv = dir.appendingPathComponent(group).appendingPathComponent(name + ".csv")
            if FileManager.default.fileExists(atPath: json.path), FileManager.default.fileExists(atPath: csv.path) {
                return (try decodeSchema(at: json), csv)
            }
        }
        throw .missingFile("nomenclatures/*/\(name).csv")
    }

    /// The schema of any shipped table: an SNDS table, else a nomenclature.
    public func anySchema(named name: String) throws(ReferenceDataError) -> TableSchema {
        if let table = try? schema(named: name) { return table }
        return try nomenclatureSchema(named: name)
    }

    /// The description of a nomenclature table shipped without its rows (IR_PHA_R, whose rows the
    /// generator makes).
    public func nomenclatureSchema(named name: String) throws(ReferenceDataError) -> TableSchema {
        let dir = root.appendingPathComponent("nomenclatures")
        let groups = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        for group in groups.sorted() {
            let json = dir.appendingPathComponent(group).appendingPathComponent(name + ".json")
            if FileManager.default.fileExists(atPath: json.path) { return try decodeSchema(at: json) }
        }
        throw .missingFile("nomenclatures/*/\(name).json")
    }

    /// Reads a `;`-separated UTF-8 reference table (header line first) into rows of strings.
    ///
    /// A ragged row or undecodable bytes mean the copy was damaged, which is reported with its line
    /// rather than guessed around.
    public func readTable(_ relativePath: String) throws(ReferenceDataError) -> DelimitedTable {
        try Self.readTable(at: root.appendingPathComponent(relativePath), name: relativePath)
    }

    public static func readTable(at url: URL, name: String) throws(ReferenceDataError) -> DelimitedTable {
        let data = try contents(of: url, name: name)
        var reader = DelimitedReader(bytes: [UInt8](data), separator: UInt8(ascii: ";"), encoding: .utf8)
        let records: [DelimitedReader.Record]
        do throws(DelimitedError) { records = try reader.readAll() } catch {
            throw .malformed(name, line: error.line, error.description)
        }
        guard let header = records.first else { throw .malformed(name, line: 1, "empty file") }
        var rows: [[String]] = []
        rows.reserveCapacity(records.count)
        for record in records.dropFirst() {
            guard record.fields.count == header.fields.count else {
                throw .malformed(name, line: record.line, "\(record.fields.count) fields, header has \(header.fields.count)")
            }
            rows.append(record.fields)
        }
        return DelimitedTable(header: header.fields, rows: rows)
    }

    /// A reference file's bytes, read with the special-file guard: a pipe or a device under a
    /// reference file's name is refused, never opened (the read would block, or never end).
    static func contents(of url: URL, name: String) throws(ReferenceDataError) -> Data {
        do { return try InputFile.read(url, limit: 256 << 20) } catch {
            switch error {
            case .missing: throw .missingFile(name)
            case .directory, .notRegular: throw .malformed(name, line: 0, "is not a regular file (a directory, a device or a pipe)")
            case .tooLarge: throw .malformed(name, line: 0, "is larger than 256 MB: not a reference file")
            case .unreadable(let why): throw .malformed(name, line: 0, "cannot be read (\(why))")
            }
        }
    }

    private func decodeSchema(at url: URL) throws(ReferenceDataError) -> TableSchema {
        let relative = String(url.path.dropFirst(root.path.count + 1))
        let data = try Self.contents(of: url, name: relative)
        do {
            return try JSONDecoder().decode(TableSchema.self, from: data)
        } catch {
            throw .malformed(relative, line: 0, "not a Table Schema: \(error)")
        }
    }
}

/// A small in-memory table read from a reference file.
public struct DelimitedTable: Sendable {
    public let header: [String]
    public let rows: [[String]]

    /// Index of a column; a missing column is a damaged reference file.
    public func column(_ name: String, in file: String) throws(ReferenceDataError) -> Int {
        guard let i = header.firstIndex(of: name) else {
            throw .malformed(file, line: 1, "no column \(name) (columns: \(header.joined(separator: ", ")))")
        }
        return i
    }
}

public enum ReferenceDataError: Error, Equatable, CustomStringConvertible {
    case notFound(searched: [String])
    /// `APPARIEMENT_REFERENCE` names a folder without reference data.
    case notInEnvironmentFolder(String)
    case missingFile(String)
    case malformed(String, line: Int, String)

    public var description: String {
        switch self {
        case .notFound(let searched):
            "the reference data (synthetic/reference) was not found; looked in: "
                + searched.joined(separator: ", ") + ". Run from the checkout or set APPARIEMENT_REFERENCE."
        case .notInEnvironmentFolder(let dir):
            "APPARIEMENT_REFERENCE names \(MessageText.shown(dir)), which holds no reference data (no schemas folder): set it to a copy of synthetic/reference, or unset it"
        case .missingFile(let file): "reference file \(file) is missing from synthetic/reference"
        case .malformed(let file, let line, let why):
            "reference file \(file)" + (line > 0 ? ", line \(line)" : "") + ": \(why)"
        }
    }
}

extension ReferenceDataError: ExitStatusProviding {
    public var exitStatus: ExitStatus { .badInput }
}
