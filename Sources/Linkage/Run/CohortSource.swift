import Foundation

/// Where a run's cohort came from and how it was read: a run's provenance, the same for every kind
/// of run.
public struct CohortSource: Codable, Sendable, Equatable {
    public var path: String
    public var sha256: String
    public var encoding: String
    public var encodingDetected: Bool
    public var separator: String
    /// Lines holding only separators, skipped like blank lines (absent in runs made before).
    public var blankLines: Int?
    /// Header cells the user mapped to columns (`--column`) or left unread (`--ignore-columns`);
    /// absent when none, and in runs made before.
    public var headerMapping: HeaderMapping?

    init(path: String, file: CohortFile) {
        self.path = path
        sha256 = file.sha256
        encoding = file.encoding.rawValue
        encodingDetected = file.encodingDetected
        separator = file.separator == 0x09 ? "tab" : String(UnicodeScalar(file.separator))
        blankLines = file.blankRecords
        headerMapping = file.mapping.isEmpty ? nil : file.mapping
    }

    /// "; 3 lines of separators only skipped" after the reading line of a printed summary.
    public var skippedLinesNote: String {
        guard let n = blankLines, n > 0 else { return "" }
        return "; \(n.formatted()) line\(n == 1 ? "" : "s") of separators only skipped"
    }
}
