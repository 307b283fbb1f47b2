import Foundation
import GRDB
import SNDSModel
import SNDSStore

/// A registry-like cohort an indirect linkage can be tried on: which stays it is drawn from, which
/// columns it has (criteria only, nothing identifying) and the rules file shipped for it.
public struct IndirectScenario: Sendable {
    /// A value of a stay a registry records.
    public enum Field: String, Sendable {
        case sex, birthYear, birthMonth, departement, finess, entryDate, exitDate, diagnosis, scheme
    }
    public enum Pick: Sendable { case anyStay, firstStay }

    public let name: String
    public let label: String
    /// The rules file shipped for the scenario.
    public let rulesFile: String
    /// Principal diagnoses (prefixes) of the stays the registry holds; empty: every stay.
    public let diagnosisPrefixes: [String]
    public let pick: Pick
    /// The cohort's columns after NS, and the field each holds.
    public let columns: [(name: String, field: Field)]
    /// Largest shift, in days, of a `date_shift` defect.
    public let maxDateShift: Int

    static let stayColumns: [(name: String, field: Field)] = [
        ("SEXE", .sex), ("ANNEE_NAISSANCE", .birthYear), ("MOIS_NAISSANCE", .birthMonth), ("DEPARTEMENT", .departement),
        ("FINESS", .finess), ("DATE_ENTREE", .entryDate), ("DATE_SORTIE", .exitDate), ("DIAGNOSTIC", .diagnosis),
        ("REGIME", .scheme),
    ]

    public static let all: [IndirectScenario] = [
        IndirectScenario(
            name: "sejours", label: "patients hospitalised in MCO during the dataset's years, one stay each (a hospital discharge registry)",
            rulesFile: "rules/default.yml", diagnosisPrefixes: [], pick: .anyStay, columns: stayColumns, maxDateShift: 2),
        IndirectScenario(
            name: "infarctus", label: "patients hospitalised for an acute myocardial infarction (I21, I22), first stay (a coronary registry)",
            rulesFile: "rules/infarctus.yml", diagnosisPrefixes: ["I21", "I22"], pick: .firstStay, columns: stayColumns, maxDateShift: 2),
        IndirectScenario(
            name: "cancer", label: "patients with a cancer (principal diagnosis C00–C97), date and topography of the first stay (a cancer registry)",
            rulesFile: "rules/cancer.yml", diagnosisPrefixes: ["C"], pick: .firstStay,
            columns: [
                ("SEXE", .sex), ("ANNEE_NAISSANCE", .birthYear), ("MOIS_NAISSANCE", .birthMonth),
                ("DEPARTEMENT", .departement), ("DATE_DIAGNOSTIC", .entryDate), ("TOPOGRAPHIE", .diagnosis),
            ],
            maxDateShift: 20),
    ]

    public static let defaultName = "sejours"

    public static func named(_ name: String) -> IndirectScenario? { all.first { $0.name == name } }
}

/// Draws an indirect-linkage cohort from a synthetic SNDS's hospital stays, with the defects of a
/// noise profile, and writes its truth (which person each line describes).
///
/// The truth comes from the stay the line was drawn from (its pseudonym, through IR_BEN_R, gives
/// the person); the linkage never sees it, only the criteria. Stays with a failed chaining or
/// under a pseudonym that same-sex twins share are not drawn: their person cannot be told. The
/// same dataset population, size, seed and profile give the same cohort file whatever the key.
public struct IndirectCohortGenerator {
    public struct Cohort: Sendable {
        public let csv: String
        public let truth: CohortTruth
    }

    /// One stay as the SNDS records it.
    struct Stay {
        let person: String
        let sex: Int
        let birthYear: Int
        let birthMonth: Int?
        let departement: String
        let finess: String
        let legalFiness: String?
        let entry: CalendarDate
        let exit: CalendarDate
        let diagnosis: String
        let scheme: String
    }

    /// A line's values before formatting.
    struct Values {
        var sex: Int
        var birthYear: Int
        var birthMonth: Int?
        var departement: String
        var finess: String
        var entry: CalendarDate
        var exit: CalendarDate
        var diagnosis: String
        var scheme: String
    }

    let scenario: IndirectScenario
    let profile: IndirectNoiseProfile
    let stays: [Stay]
    let years: [Int]

    /// Reads the scenario's stays from the dataset.
    public init(database: SNDSDatabase, years: [Int], scenario: IndirectScenario, profile: IndirectNoiseProfile) throws {
        self.scenario = scenario
        self.profile = profile
        self.years = years
        var stays: [Stay] = []
        let filter =
            scenario.diagnosisPrefixes.isEmpty
            ? ""
            : " AND ("
                + scenario.diagnosisPrefixes
                .map { "substr(b.DGN_PAL, 1, \($0.count)) = '\($0)'" }.joined(separator: " OR ") + ")"
        try database.queue.inDatabase { db in
            for year in years {
                let aa = pad(year % 100, 2)
                let rows = try Row.fetchCursor(
                    db,
                    sql: """
                        SELECT r.BEN_IDT_ANO, r.BEN_SEX_COD, r.BEN_NAI_ANN, r.BEN_NAI_MOI, b.BDI_DEP, printf('%09d', c.ETA_NUM),
                               (SELECT e.IDE_GES_NUM FROM BE_IDE_R e WHERE e.IDE_ETA_NUM = printf('%09d', c.ETA_NUM)),
                               substr(c.EXE_SOI_DTD, 1, 10), substr(c.EXE_SOI_DTF, 1, 10), b.DGN_PAL, substr(r.ORG_AFF_BEN, 1, 2)
                        FROM T_MCO\(aa)C c
                        JOIN T_MCO\(aa)B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM
                        JOIN IR_BEN_R r ON r.BEN_NIR_PSA = c.NIR_ANO_17
                        WHERE \(PMSIChaining.reliableConditions(on: "c").joined(separator: " AND "))\(filter)
                          AND NOT EXISTS (SELECT 1 FROM IR_BEN_R t WHERE t.BEN_NIR_PSA = c.NIR_ANO_17 AND t.BEN_IDT_ANO <> r.BEN_IDT_ANO)
                        ORDER BY c.EXE_SOI_DTD, c.ETA_NUM, c.RSA_NUM
                        """)
                while let row = try rows.next() {
                    guard let entry = CalendarDate(iso: row[7] as String), let exit = CalendarDate(iso: row[8] as String) else { continue }
                    stays.append(
                        Stay(
                            person: row[0], sex: Int(row[1] as String) ?? 0, birthYear: Int(row[2] as String) ?? 0,
                            birthMonth: Int(row[3] as String? ?? ""), departement: row[4], finess: row[5],
                            legalFiness: row[6], entry: entry, exit: exit, diagnosis: row[9], scheme: row[10]))
                }
            }
        }
        self.stays = stays
    }

    /// Patients the scenario can draw.
    public var eligiblePatients: Int { Set(stays.map(\.person)).count }

    public func make(size: Int, seed: UInt64) throws(CohortError) -> Cohort {
        var rng = SeededGenerator.stream(seed: seed, purpose: "indirect-cohort-\(scenario.name)")
        var staysOf: [String: [Int]] = [:]
        var people: [String] = []
        for (i, s) in stays.enumerated() {
            if staysOf[s.person] == nil { people.append(s.person) }
            staysOf[s.person, default: []].append(i)
        }
        let absent = profile.rate(of: .absentFromSNDS), duplicate = profile.rate(of: .duplicatePatient)
        // Lines of patients absent from the SNDS draw nobody, so they do not count against the 90 %.
        let maximum = Int((Double(people.count) * 0.9 / (1 - absent)).rounded(.down))
        guard !stays.isEmpty, size <= maximum else {
            throw .tooFewPatients(size: size, eligible: people.count, scenario: scenario.name, maximum: maximum)
        }
        rng.shuffle(&people)
        var cursor = 0
        // Each line: the stay it describes (nil when absent from the SNDS), and the defects it got.
        var drawn: [(stay: Int?, defects: [String])] = []
        for _ in 0..<size {
            let u = rng.unit()
            if u < absent {
                drawn.append((nil, [IndirectNoiseProfile.Defect.absentFromSNDS.rawValue]))
            } else if u < absent + duplicate, let earlier = drawn.last(where: { $0.stay != nil })?.stay {
                drawn.append((earlier, [IndirectNoiseProfile.Defect.duplicatePatient.rawValue]))
            } else {
                guard cursor < people.count else {
                    throw .tooFewPatients(size: size, eligible: people.count, scenario: scenario.name, maximum: maximum)
                }
                let own = staysOf[people[cursor]]!
                cursor += 1
                drawn.append((scenario.pick == .firstStay ? own[0] : own[rng.uniform(own.count)], []))
            }
        }
        let digits = max(6, String(size * 10).count)
        var numbers = Set<Int>(), numbering: [Int] = []
        while numbering.count < size {
            let n = 1 + rng.uniform(size * 10)
            if numbers.insert(n).inserted { numbering.append(n) }
        }
        let departements = Array(Set(stays.map(\.departement))).sorted()

        var csv = (["NS"] + scenario.columns.map(\.name)).joined(separator: ";") + "\n"
        var truth: [CohortTruth.Entry] = []
        for (index, d) in drawn.enumerated() {
            var defects = d.defects
            var values: Values
            if let s = d.stay {
                values = Self.values(of: stays[s])
                applyDefects(&values, stay: stays[s], defects: &defects, departements: departements, &rng)
            } else {
                values = absentValues(people: people, staysOf: staysOf, &rng)
            }
            let ns = "NS_" + pad(numbering[index], digits)
            csv += ([ns] + scenario.columns.map { format($0.field, values, &rng) }).joined(separator: ";") + "\n"
            let person = d.stay.map { stays[$0].person }
            // A patient registered twice is found on both lines, to the same person: the policy of
            // both modes for one person under several NS (docs/indirect-linkage.md).
            let expected: CohortTruth.Expected = person == nil ? .notFound : .found
            truth.append(
                CohortTruth.Entry(
                    line: index + 2, ns: ns, benIdtAno: person,
                    defect: defects.isEmpty ? "none" : defects.joined(separator: "+"), expected: expected))
        }
        return Cohort(csv: csv, truth: CohortTruth(entries: truth))
    }

    static func values(of s: Stay) -> Values {
        Values(
            sex: s.sex, birthYear: s.birthYear, birthMonth: s.birthMonth, departement: s.departement, finess: s.finess,
            entry: s.entry, exit: s.exit, diagnosis: s.diagnosis, scheme: s.scheme)
    }

    private var fields: Set<IndirectScenario.Field> { Set(scenario.columns.map(\.field)) }

    private func applyDefects(_ v: inout Values, stay: Stay, defects: inout [String], departements: [String], _ rng: inout SeededGenerator) {
        typealias D = IndirectNoiseProfile.Defect
        for defect in D.allCases where defect != .absentFromSNDS && defect != .duplicatePatient {
            guard rng.chance(profile.rate(of: defect)) else { continue }
            var applied = true
            switch defect {
            case .dateShift where fields.contains(.entryDate):
                let shift = (1 + rng.uniform(scenario.maxDateShift)) * (rng.chance(0.5) ? 1 : -1)
                v.entry = v.entry.adding(days: shift)
                v.exit = v.exit.adding(days: shift)
            case .moved where fields.contains(.departement) && departements.count > 1:
                var other = v.departement
                while other == v.departement { other = departements[rng.uniform(departements.count)] }
                v.departement = other
            case .legalFiness where fields.contains(.finess):
                if let legal = stay.legalFiness, legal != stay.finess { v.finess = legal } else { applied = false }
            case .icdOtherLevel where fields.contains(.diagnosis) && v.diagnosis.count >= 4:
                v.diagnosis = String(v.diagnosis.prefix(3))
            case .icdNeighbour where fields.contains(.diagnosis) && v.diagnosis.count == 4:
                let last = v.diagnosis.last!
                var digit = last
                while digit == last { digit = Character(String(rng.uniform(10))) }
                v.diagnosis = String(v.diagnosis.prefix(3)) + String(digit)
            case .birthMonthMissing where fields.contains(.birthMonth):
                v.birthMonth = nil
            case .birthYearOff where fields.contains(.birthYear):
                v.birthYear += rng.chance(0.5) ? 1 : -1
            default:
                applied = false
            }
            if applied { defects.append(defect.rawValue) }
        }
    }

    /// Values describing nobody, drawn as a present patient's are, so that nothing in them but
    /// the absence tells them apart: one eligible patient's stay (a patient drawn, not a stay, as
    /// for present lines) gives the sex, diagnosis, place and length of stay; the birth year is one
    /// to three years off it and the entry date at least a month from it, so that this patient is
    /// not a near match. Measured: values scrambled further (any sex for any diagnosis, a birth
    /// year up to 15 years off, a template weighted by stays) made absent lines far rarer in the
    /// pool than present ones, an artefact the match model, which takes absence independent of
    /// the values as it is in a real registry, was wrong about both ways
    /// (docs/link-confidence.md).
    private func absentValues(people: [String], staysOf: [String: [Int]], _ rng: inout SeededGenerator) -> Values {
        let own = staysOf[people[rng.uniform(people.count)]]!
        let template = stays[scenario.pick == .firstStay ? own[0] : own[rng.uniform(own.count)]]
        let first = CalendarDate(year: years.first ?? 2023, month: 1, day: 1)!
        let span = CalendarDate(year: (years.last ?? 2023) + 1, month: 1, day: 1)!.daysSinceEpoch - first.daysSinceEpoch
        var entry = template.entry
        while abs(template.entry.days(until: entry)) < 31 { entry = first.adding(days: rng.uniform(span)) }
        let offset = rng.uniform(in: 1...3) * (rng.chance(0.5) ? 1 : -1)
        return Values(
            sex: template.sex, birthYear: template.birthYear + offset, birthMonth: 1 + rng.uniform(12),
            departement: template.departement, finess: template.finess, entry: entry,
            exit: entry.adding(days: template.entry.days(until: template.exit)), diagnosis: template.diagnosis,
            scheme: template.scheme)
    }

    private func format(_ field: IndirectScenario.Field, _ v: Values, _ rng: inout SeededGenerator) -> String {
        func date(_ d: CalendarDate) -> String {
            switch rng.pick(weighted: profile.formats.date.sorted { $0.key < $1.key }) {
            case "DD/MM/YYYY": "\(pad(d.day, 2))/\(pad(d.month, 2))/\(d.year)"
            case "YYYYMMDD": d.compact
            default: d.iso
            }
        }
        switch field {
        case .sex:
            switch rng.pick(weighted: profile.formats.sex.sorted { $0.key < $1.key }) {
            case "M/F": return v.sex == 1 ? "M" : "F"
            case "H/F": return v.sex == 1 ? "H" : "F"
            default: return String(v.sex)
            }
        case .birthYear: return String(v.birthYear)
        case .birthMonth: return v.birthMonth.map { pad($0, 2) } ?? ""
        case .departement:
            if v.departement == "2A" || v.departement == "2B" { return rng.chance(profile.formats.corsicaAs20) ? "20" : v.departement }
            if v.departement.count == 2, v.departement != "97", rng.chance(profile.formats.departementThreeDigits) { return "0" + v.departement }
            return v.departement
        case .finess: return v.finess
        case .entryDate: return date(v.entry)
        case .exitDate: return date(v.exit)
        case .diagnosis:
            if v.diagnosis.count >= 4, rng.chance(profile.formats.icd10WithDot) {
                return String(v.diagnosis.prefix(3)) + "." + String(v.diagnosis.dropFirst(3))
            }
            return v.diagnosis
        case .scheme: return v.scheme
        }
    }
}
