import Foundation
import Hardening
import Linkage
import SNDSModel

/// Writes a run's report files, `report.html` and `report.json`, into its folder: both staged
/// under temporary names and renamed into place together (the JSON last), so a failed or killed
/// report leaves the previous pair, or none, never half of one.
public enum ReportWriter {
    public static func write(_ report: LinkageReport, into run: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let json = try encoder.encode(report) + Data("\n".utf8)
        let html = Data(HTMLReport(report).html.utf8)
        let staged = StagedOutputs()
        for (name, data) in [(LinkageReport.htmlFile, html), (LinkageReport.jsonFile, json)] {
            let url = staged.stage(run.appendingPathComponent(name))
            // 0600 like the run's other files: a report describes a cohort.
            try StagedOutputs.writeFile(data, to: url, mode: 0o600)
        }
        try staged.commit()
    }

    /// Reads a report's JSON twin.
    public static func read(from run: URL) throws -> LinkageReport {
        let url = run.appendingPathComponent(LinkageReport.jsonFile)
        guard let data = try? InputFile.read(url, limit: 256 << 20) else {
            throw LinkageError.badRun(run.path, "no readable \(LinkageReport.jsonFile) (a regular file): run `appariement report` first")
        }
        return try JSONDecoder().decode(LinkageReport.self, from: data)
    }
}
