import ArgumentParser
import Foundation
import SNDSModel
import SNDSStore
import Synthesis
import Terminal

/// `appariement describe`: headline distributions of a synthetic SNDS against the reference figures.
struct Describe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a synthetic SNDS's headline figures next to the reference figures they should match.",
        discussion: """
            Computed from the tables alone: care per person-year, stays, deaths, prevalences, seasonality, \
            by age band and sex. The reference figures and their sources are in \
            synthetic/reference/assumptions/care-model.yml. Needs no key.
            """)

    @Argument(help: ArgumentHelp("The database (its manifest is beside it).", valueName: "database"))
    var database = DatasetFiles.defaultDatabase

    @Flag(help: "Print JSON instead of tables.")
    var json = false

    func run() throws {
        try Failure.reporting {
            let files = DatasetFiles(database: URL(fileURLWithPath: database))
            // Describing needs the tables, not a pristine dataset: only check the manifest belongs
            // to this database (an analyst's extra index should not stop it; check-dataset is the
            // full verification).
            let manifest = try DatasetVerifier.verifyForReading(files)
            let reference = try ReferenceData.locate()
            let model = try CareModel.load(from: reference)
            let store = try SNDSDatabase.openReadOnly(at: files.database)
            // On a terminal, each stage as it starts (a 1,000,000-person dataset takes minutes).
            let progress = ProgressReporter()
            let description = try DatasetDescription.describe(
                store, manifest: manifest, model: model,
                population: PopulationReference(reference: reference), geography: Geography(reference: reference)
            ) { stage in
                progress.end()
                progress.begin("describing: \(stage)")
            }
            progress.end()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                print(String(decoding: try encoder.encode(description), as: UTF8.self))
                return
            }
            print(Self.render(description, manifest: manifest))
        }
    }

    static func render(_ d: DatasetDescription, manifest: DatasetManifest) -> String {
        var out =
            "Synthetic SNDS, seed \(manifest.seed), \(manifest.years.first!)–\(manifest.years.last!): "
            + "\(Int(d.personYears.rounded()).formatted()) person-years\n\n"
        out += "Headline figures" + String(repeating: " ", count: 60) + "generated   reference   within\n"
        for f in d.figures {
            let generated = Self.number(f.generated), reference = f.reference.map(Self.number) ?? "–"
            let within = f.withinTolerance.map { $0 ? "yes" : "NO" } ?? ""
            out +=
                "  " + f.label.padding(toLength: 74, withPad: " ", startingAt: 0)
                + generated.leftPadded(11) + reference.leftPadded(12) + "   " + within
                + (f.tolerance.map { " (±\(Int(($0 * 100).rounded())) %)" } ?? "") + "\n"
        }
        out += "\nPer person-year, by age band        sex   person-years   GP contacts   pharmacy visits   stays per 1,000\n"
        for r in d.byAgeBand {
            out +=
                "  " + r.band.padding(toLength: 34, withPad: " ", startingAt: 0) + (r.sex == 1 ? "M" : "F").leftPadded(4)
                + Self.number(r.personYears).leftPadded(15) + Self.number(r.gpContacts).leftPadded(14)
                + Self.number(r.dispensings).leftPadded(18) + Self.number(r.staysPerThousand).leftPadded(18) + "\n"
        }
        if d.personYears < 20_000 {
            out +=
                "  (fewer than 20,000 person-years: rare events such as infarctions and hip fractures are noisy;\n"
                + "   the tolerances are met on datasets of 20,000 people over two years and more)\n"
        }
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        out += "\nGP contacts by month: " + zip(months, d.gpContactsByMonth).map { "\($0) \($1)" }.joined(separator: ", ") + "\n"
        out += "Most frequent principal diagnoses: " + d.topDiagnoses.map { "\($0.code) \($0.count)" }.joined(separator: ", ") + "\n"
        out += "\nSources of the reference figures:\n"
        for f in d.figures { if let source = f.source { out += "  \(f.id): \(source)\n" } }
        return out
    }

    static func number(_ v: Double) -> String {
        guard v.isFinite else { return "–" }
        if v >= 100 { return String(format: "%.0f", v) }
        if v >= 10 { return String(format: "%.1f", v) }
        return String(format: "%.3f", v)
    }
}

private extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
