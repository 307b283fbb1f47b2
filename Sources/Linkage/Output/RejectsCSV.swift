import Foundation

/// A run's rejects.csv: one line per rejected cohort line — its number, its NS (empty when it may
/// be a NIR), the reason's code and what is wrong.
enum RejectsCSV {
    static let columns = ["LINE", "NS", "REASON", "DETAIL"]

    static func write(_ rejections: [Rejection], to url: URL, format: CSVFormat) throws {
        var csv = try CSVOutput(url: url, format: format)
        try csv.write(columns)
        for r in rejections { try csv.write([String(r.line), r.ns, r.reason.rawValue, r.detail]) }
        try csv.finish()
    }
}
