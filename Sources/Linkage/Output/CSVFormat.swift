import Foundation
import SNDSModel

/// How a run writes its CSV files — results.csv, rejects.csv, review.csv, candidates.csv and the
/// extraction's tables — for the tool that will open them.
///
/// No one layout suits every tool: French Excel opens a `;` file by double-click right only when it
/// is UTF-8 with a byte order mark (or Windows-1252) and its decimals are written with a comma; a
/// SAS session in `wlatin1` reads Windows-1252; R's `read.csv2` expects comma decimals; Python,
/// pandas, SCALPEL and most programs expect UTF-8 without a mark and point decimals, which is the
/// default. The separator is always `;`. The choice is recorded in summary.json, and every command
/// of appariement that reads a run's CSV reads any of them back (docs/usage.md, "Files for your
/// tools").
public struct CSVFormat: Codable, Sendable, Equatable {
    public enum Encoding: String, Codable, Sendable, CaseIterable {
        /// UTF-8 without a byte order mark: programs (Python, R ≥ 4.2, pandas, SCALPEL).
        case utf8 = "utf-8"
        /// UTF-8 with a byte order mark: Excel, and R with `fileEncoding = "UTF-8-BOM"`.
        case utf8BOM = "utf-8-bom"
        /// Windows-1252 (SAS's `wlatin1`, Latin-1 with œ, € and curly quotes): SAS, old Excel.
        case windows1252 = "windows-1252"

        /// Names users give the same encodings.
        public init?(named name: String) {
            switch name.lowercased() {
            case "utf-8", "utf8": self = .utf8
            case "utf-8-bom", "utf8-bom", "utf-8-sig", "utf8bom": self = .utf8BOM
            // Not "latin-1": Windows-1252 writes œ, € and curly quotes where Latin-1 has control characters.
            case "windows-1252", "cp1252", "wlatin1": self = .windows1252
            default: return nil
            }
        }
    }

    public enum DecimalMark: String, Codable, Sendable, CaseIterable {
        /// 0.98: programs, SAS, English Excel.
        case point
        /// 0,98: French Excel, R's `read.csv2`.
        case comma
    }

    public var encoding: Encoding
    public var decimalMark: DecimalMark

    public init(encoding: Encoding = .utf8, decimalMark: DecimalMark = .point) {
        self.encoding = encoding
        self.decimalMark = decimalMark
    }

    /// UTF-8 without a mark, point decimals: what runs wrote before the choice existed.
    public static let standard = CSVFormat()

    /// A decimal number's text (written with a point) in this format.
    public func number(_ text: String) -> String {
        decimalMark == .comma ? text.replacingOccurrences(of: ".", with: ",") : text
    }

    /// A decimal number written by any run, with a point or a comma.
    public static func parseNumber(_ text: String) -> Double? {
        Double(text) ?? Double(text.replacingOccurrences(of: ",", with: "."))
    }

    /// Symbols of the tool's own text that Windows-1252 lacks, and what is written for them.
    static let asciiSymbols: [(String, String)] = [("≠", "!="), ("≥", ">="), ("≤", "<="), ("→", "->"), ("↔", "<->"), ("−", "-")]

    /// Whether `text` can be written in this encoding (always, in UTF-8).
    public func canWrite(_ text: String) -> Bool {
        encoding != .windows1252 || text.unicodeScalars.allSatisfy { $0.isASCII }
            || text.precomposedStringWithCanonicalMapping.data(using: .windowsCP1252) != nil
    }

    /// The cohort lines holding, in a column the run reads (`columns`: field positions), a
    /// character this encoding cannot write, checked before linking so that a run never stops
    /// half-written, nor writes a `?` for a character of an NS. Columns left unread are never
    /// written, so never checked.
    public func linesNotWritable(in records: [DelimitedReader.Record], columns: Set<Int>) -> [(line: Int, character: Character)] {
        guard encoding == .windows1252 else { return [] }
        var out: [(Int, Character)] = []
        for r in records {
            for (i, field) in r.fields.enumerated() where columns.contains(i) && !canWrite(field) {
                if let c = field.precomposedStringWithCanonicalMapping.first(where: { !canWrite(String($0)) }) { out.append((r.line, c)) }
                break
            }
        }
        return out
    }
}
