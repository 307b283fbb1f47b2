import Foundation
import GRDB
import SNDSModel
import SNDSStore

/// Headline figures of a synthetic SNDS, computed from its tables alone (as a user of the data
/// would), next to the reference figures of the care model and INSEE.
///
/// `appariement describe` prints it; the tests assert that each figure lands within its stated
/// tolerance. Exposure is counted in person-years from IR_BEN_R (birth month, death date) over the
/// generated years.
public struct DatasetDescription: Codable, Sendable {
    public struct Figure: Codable, Sendable {
        public let id: String
        public let label: String
        public let generated: Double
        public let reference: Double?
        public let tolerance: Double?
        public let source: String?

        public var withinTolerance: Bool? {
            guard let reference, let tolerance else { return nil }
            return abs(generated - reference) <= tolerance * reference
        }
    }

    public struct AgeBandRow: Codable, Sendable {
        public let band: String
        public let sex: Int
        public let personYears: Double
        public let gpContacts: Double
        public let dispensings: Double
        public let staysPerThousand: Double
    }

    public let personYears: Double
    public let figures: [Figure]
    public let byAgeBand: [AgeBandRow]
    /// GP contacts per calendar month (1…12), all years together.
    public let gpContactsByMonth: [Int]
    /// Most frequent principal diagnoses of stays (sessions excluded).
    public let topDiagnoses: [Count]
    public let tableRows: [String: Int]

    public struct Count: Codable, Sendable {
        public let code: String
        public let count: Int
    }

    public func figure(_ id: String) -> Figure? { figures.first { $0.id == id } }

    /// `stage` is told each stage as it starts (a terminal shows it: a large dataset takes minutes).
    public static func describe(
        _ database: SNDSDatabase, manifest: DatasetManifest, model: CareModel,
        population: PopulationReference, geography: Geography, stage: (String) -> Void = { _ in }
    ) throws -> DatasetDescription {
        let years = manifest.years
        let start = "\(years.first!)-01-01", end = "\(years.last!)-12-31"
        let yearTables = years.map { pad($0 % 100, 2) }
        // RSA_NUM restarts every year: stays are keyed by year, ETA_NUM and RSA_NUM.
        func stays(_ suffix: String) -> String {
            yearTables.map { "SELECT '\($0)' year, * FROM T_MCO\($0)\(suffix)" }.joined(separator: " UNION ALL ")
        }
        let bands = model.ageBands
        // Temporary tables live in SQLite's temp database, writable even on a read-only connection;
        // `inDatabase` (not `read`, which forbids any write) lets us create them.
        return try database.queue.inDatabase { db in
            // Exposure per person (one row per BEN_IDT_ANO): born mid-month, alive until death.
            stage("person-years of exposure")
            try db.execute(
                sql: """
                    CREATE TEMP TABLE exposure AS
                    SELECT BEN_IDT_ANO id, MIN(BEN_SEX_COD) sex,
                           date(MIN(BEN_NAI_ANN) || '-' || MIN(BEN_NAI_MOI) || '-15') birth, MIN(BEN_DCD_DTE) death
                    FROM IR_BEN_R GROUP BY BEN_IDT_ANO
                    """)
            try db.execute(
                sql: """
                    CREATE TEMP TABLE person_years AS
                    SELECT id, sex, birth, death,
                           MAX(0, julianday(MIN('\(end)', COALESCE(date(death, '-1 day'), '\(end)'))) - julianday(MAX('\(start)', birth)) + 1) / 365.25 py,
                           CAST((julianday(MAX('\(start)', birth)) - julianday(birth)) / 365.25 AS INTEGER) age
                    FROM exposure
                    """)
            let personYears = try Double.fetchOne(db, sql: "SELECT SUM(py) FROM person_years") ?? 0
            // Every claim and stay, tied to its person and age band.
            stage("claims and stays by person")
            try db.execute(
                sql: """
                    CREATE TEMP TABLE claim_person AS
                    SELECT p.PRS_NAT_REF nature, p.PSE_ACT_NAT activity, p.EXE_SOI_DTD day,
                           p.FLX_TRT_DTD || '/' || p.FLX_EMT_TYP || '/' || p.FLX_EMT_NUM || '/' || p.ORG_CLE_NUM || '/' || p.DCT_ORD_NUM decompte,
                           b.BEN_IDT_ANO id
                    FROM ER_PRS_F p JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
                    """)
            try db.execute(
                sql: """
                    CREATE TEMP TABLE stay_person AS
                    SELECT b.DGN_PAL dp, b.SOR_MOD exit_mode, b.BDI_DEP home, e.IDE_IMP_DPT site, r.BEN_IDT_ANO id
                    FROM (\(stays("B"))) b
                    JOIN (\(stays("C"))) c ON c.year = b.year AND c.ETA_NUM = b.ETA_NUM AND c.RSA_NUM = b.RSA_NUM
                    LEFT JOIN BE_IDE_R e ON CAST(e.IDE_ETA_NUM AS INTEGER) = b.ETA_NUM
                    LEFT JOIN (SELECT BEN_NIR_PSA, MIN(BEN_IDT_ANO) BEN_IDT_ANO FROM IR_BEN_R GROUP BY BEN_NIR_PSA) r
                      ON r.BEN_NIR_PSA = c.NIR_ANO_17
                    """)
            func scalar(_ sql: String) throws -> Double { try Double.fetchOne(db, sql: sql) ?? 0 }
            let gp = try scalar("SELECT COUNT(*) FROM claim_person WHERE nature IN (1110, 1210)")
            let specialists = try scalar("SELECT COUNT(*) FROM claim_person WHERE nature IN (1112, 1118)")
            let dispensings = try scalar("SELECT COUNT(DISTINCT decompte) FROM claim_person WHERE nature IN (3311, 3312, 3313, 3341)")
            let allStays = try scalar("SELECT COUNT(*) FROM stay_person WHERE dp <> 'Z511'")
            let ami = try scalar("SELECT COUNT(*) FROM stay_person WHERE dp LIKE 'I21%'")
            let hip = try scalar("SELECT COUNT(*) FROM stay_person WHERE dp = 'S720'")
            let deaths = try scalar("SELECT COUNT(*) FROM exposure WHERE death IS NOT NULL")
            // Deaths in acute care or in rehabilitation (a death in HAD is a death at home).
            let rehabilitationDeaths = try yearTables.reduce(0.0) { total, yy in
                try total + scalar("SELECT COUNT(*) FROM T_SSR\(yy)S WHERE SOR_MOD = '9'")
            }
            let hospitalDeaths = try scalar("SELECT COUNT(*) FROM stay_person WHERE exit_mode = '9'") + rehabilitationDeaths
            let homeStays = try scalar(
                """
                SELECT COUNT(*) FROM stay_person WHERE dp <> 'Z511' AND (substr(site, 2) = home OR (home = '97' AND site LIKE '97%'))
                """)
            let firstYearEnd = "\(years.first!)-12-31"
            let treatedDiabetes = try scalar(
                """
                SELECT COUNT(DISTINCT b.BEN_IDT_ANO) FROM ER_PHA_F f
                JOIN IR_PHA_R d ON d.PHA_CIP_C13 = f.PHA_PRS_C13 AND d.PHA_ATC_C07 LIKE 'A10%'
                JOIN ER_PRS_F p ON \(DCIRWriter.joinOnKeys("p", "f"))
                JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
                WHERE p.EXE_SOI_DTD <= '\(firstYearEnd)'
                """)
            let aliveFirstYear = try scalar("SELECT COUNT(*) FROM exposure WHERE birth < '\(start)'")
            let monthly = try (1...12).map { month in
                try Int.fetchOne(
                    db, sql: "SELECT COUNT(*) FROM claim_person WHERE nature IN (1110, 1210) AND CAST(substr(day, 6, 2) AS INTEGER) = ?",
                    arguments: [month]) ?? 0
            }
            // The week: GP consultations on Sundays.
            let gpSundays = try scalar("SELECT COUNT(*) FROM claim_person WHERE nature = 1110 AND strftime('%w', day) = '0'")
            let gpConsultations = try scalar("SELECT COUNT(*) FROM claim_person WHERE nature = 1110")
            // Pathways and coding: multi-unit stays, hip fractures of the old going to SSR, planned
            // caesareans, first births.
            let multiUnit = try scalar("SELECT AVG(NBR_RUM > 1) FROM (\(stays("B"))) WHERE GRG_GHM NOT LIKE '28%'")
            let hipToSSR = try scalar(
                "SELECT AVG(COALESCE(SOR_DES, '') = '2') FROM (\(stays("B"))) WHERE DGN_PAL = 'S720' AND CAST(AGE_ANN AS INTEGER) >= 75 AND SOR_MOD <> '9'"
            )
            let deliveryActs = "SELECT a.CDC_ACT act FROM (\(stays("A"))) a"
            let plannedCaesareans = try scalar("SELECT AVG(act = 'JQGA002') FROM (\(deliveryActs)) WHERE act IN ('JQGA002', 'JQGA003', 'JQGA004')")
            let firstBirths = try scalar("SELECT AVG(act = 'JQGD010') FROM (\(deliveryActs)) WHERE act IN ('JQGD010', 'JQGD012')")
            let boxes = try scalar("SELECT SUM(PHA_ACT_QSN) FROM ER_PHA_F")
            let cataracts = try scalar("SELECT COUNT(*) FROM stay_person WHERE dp = 'H259'")
            let tonsillectomies = try scalar("SELECT COUNT(*) FROM stay_person WHERE dp = 'J350'")
            // Town care beyond consultations: imaging and echography acts, dentists' visits (a
            // décompte each), laboratory acts; people without any claim in the first year.
            let imaging = try scalar("SELECT COUNT(*) FROM claim_person WHERE nature IN (1351, 1324)")
            let dental = try scalar("SELECT COUNT(DISTINCT decompte) FROM claim_person WHERE activity IN (19, 53, 54)")
            let biologyActs = try scalar("SELECT COUNT(*) FROM ER_BIO_F")
            let noClaim = try scalar(
                """
                SELECT AVG(id NOT IN (SELECT id FROM claim_person WHERE day <= '\(firstYearEnd)'))
                FROM exposure WHERE birth < '\(start)' AND (death IS NULL OR death > '\(firstYearEnd)')
                """)
            // Long-term conditions in force during the first year, per person present on its first day.
            let exempted = try scalar(
                """
                SELECT COUNT(DISTINCT b.BEN_IDT_ANO) FROM IR_IMB_R i
                JOIN IR_BEN_R b ON b.BEN_NIR_PSA = i.BEN_NIR_PSA AND b.BEN_RNG_GEM = i.BEN_RNG_GEM
                JOIN exposure e ON e.id = b.BEN_IDT_ANO AND e.birth < '\(start)'
                WHERE i.IMB_ALD_DTD <= '\(firstYearEnd)' AND i.IMB_ALD_DTF >= '\(start)'
                """)
            // Sick leave: people aged 20 to 64 on the first 1 January paid daily allowances that year.
            let sickLeave = try scalar(
                """
                SELECT AVG(id IN (SELECT id FROM claim_person WHERE nature IN (6111, 6112) AND day <= '\(firstYearEnd)'))
                FROM person_years WHERE birth < '\(start)' AND age BETWEEN 20 AND 64
                """)
            let generated: [String: Double] = [
                "sick_leave_share": sickLeave,
                "long_term_condition_share": aliveFirstYear > 0 ? exempted / aliveFirstYear : 0,
                "imaging_acts_per_person_year": imaging / personYears,
                "dental_visits_per_person_year": dental / personYears,
                "biology_acts_per_person_year": biologyActs / personYears,
                "no_claim_share": noClaim,
                "drug_boxes_per_person_year": boxes / personYears,
                "cataract_stays_per_100k": cataracts / personYears * 100_000,
                "tonsillectomy_stays_per_100k": tonsillectomies / personYears * 100_000,
                "gp_sunday_share": gpConsultations > 0 ? gpSundays / gpConsultations : 0,
                "multi_unit_stay_share": multiUnit,
                "hip_fracture_75_to_ssr_share": hipToSSR,
                "planned_caesarean_share": plannedCaesareans,
                "first_birth_share": firstBirths,
                "gp_contacts_per_person_year": gp / personYears,
                "specialist_contacts_per_person_year": specialists / personYears,
                "pharmacy_dispensings_per_person_year": dispensings / personYears,
                "mco_stays_per_thousand": allStays / personYears * 1000,
                "ami_stays_per_100k": ami / personYears * 100_000,
                "hip_fracture_stays_per_100k": hip / personYears * 100_000,
                "in_hospital_death_share": deaths > 0 ? hospitalDeaths / deaths : 0,
                "stays_in_home_departement_share": allStays > 0 ? homeStays / allStays : 0,
                "diabetes_prevalence": aliveFirstYear > 0 ? treatedDiabetes / aliveFirstYear : 0,
                "winter_summer_gp_ratio": monthly[7] > 0 ? Double(monthly[0]) / Double(monthly[7]) : 0,
            ]
            var figures = model.references.map { r in
                Figure(
                    id: r.id, label: r.label, generated: generated[r.id] ?? .nan, reference: r.value,
                    tolerance: r.tolerance, source: r.source)
            }
            // Population against INSEE and the identity assumptions.
            stage("figures")
            let women = try scalar("SELECT AVG(sex = 2) FROM exposure WHERE birth < '\(start)'")
            figures.append(
                Figure(
                    id: "women_share", label: "share of women on the first 1 January", generated: women,
                    reference: population.share(of: .female), tolerance: 0.05,
                    source: "INSEE, population au 1er janvier 2023"))
            let over75 = try scalar("SELECT AVG(age >= 75) FROM person_years WHERE birth < '\(start)'")
            // `age` is the age when the person enters the period (0 for those born during it).
            figures.append(
                Figure(
                    id: "aged_75_and_over_share", label: "share aged 75 and over on the first 1 January",
                    generated: over75, reference: population.share(ages: 75...120), tolerance: 0.1,
                    source: "INSEE, population au 1er janvier 2023"))
            figures.append(
                Figure(
                    id: "deaths_per_thousand", label: "deaths per 1,000 person-years",
                    generated: deaths / personYears * 1000, reference: 9.4, tolerance: 0.2,
                    source: "INSEE, bilan démographique 2023: 639,000 deaths for 68 million people"))

            // Where people live: Marseille's share of the Bouches-du-Rhône, against INSEE's commune
            // populations (a uniform draw over the communes gave 11 %).
            if let bouches = Departement("13"), let communes = geography.communes[bouches], let counts = geography.populations[bouches] {
                let arrondissements = zip(communes, counts).filter { ("201"..."216").contains($0.0) }.reduce(0) { $0 + $1.1 }
                let total = counts.reduce(0, +)
                let residents = try scalar(
                    """
                    SELECT AVG(com BETWEEN '201' AND '216') FROM (
                      SELECT MIN(BEN_RES_COM) com FROM IR_BEN_R WHERE BEN_RES_DPT = '013' GROUP BY BEN_IDT_ANO)
                    """)
                figures.append(
                    Figure(
                        id: "marseille_share", label: "share of the Bouches-du-Rhône's residents living in Marseille",
                        generated: residents, reference: total > 0 ? Double(arrondissements) / Double(total) : nil, tolerance: 0.15,
                        source: "INSEE, populations légales 2021 (insee/insee_communes_population.csv)"))
            }

            // By age band and sex.
            var rows: [AgeBandRow] = []
            for (i, low) in bands.enumerated() {
                let high = i + 1 < bands.count ? bands[i + 1] - 1 : 200
                for sex in [1, 2] {
                    let py = try scalar("SELECT SUM(py) FROM person_years WHERE sex = \(sex) AND age BETWEEN \(low) AND \(high)")
                    guard py > 0 else { continue }
                    let inBand = "id IN (SELECT id FROM person_years WHERE sex = \(sex) AND age BETWEEN \(low) AND \(high))"
                    let gpBand = try scalar("SELECT COUNT(*) FROM claim_person WHERE nature IN (1110, 1210) AND \(inBand)")
                    let dispBand = try scalar(
                        "SELECT COUNT(DISTINCT decompte) FROM claim_person WHERE nature IN (3311, 3312, 3313, 3341) AND \(inBand)")
                    let staysBand = try scalar("SELECT COUNT(*) FROM stay_person WHERE dp <> 'Z511' AND \(inBand)")
                    rows.append(
                        AgeBandRow(
                            band: high >= 200 ? "\(low)+" : low == high ? "\(low)" : "\(low)–\(high)", sex: sex, personYears: py,
                            gpContacts: gpBand / py, dispensings: dispBand / py, staysPerThousand: staysBand / py * 1000))
                }
            }
            let top = try Row.fetchAll(db, sql: "SELECT dp, COUNT(*) n FROM stay_person WHERE dp <> 'Z511' GROUP BY dp ORDER BY n DESC, dp LIMIT 12")
                .map { Count(code: $0["dp"], count: $0["n"]) }
            for table in ["exposure", "person_years", "claim_person", "stay_person"] { try db.execute(sql: "DROP TABLE temp.\(table)") }
            return DatasetDescription(
                personYears: personYears, figures: figures, byAgeBand: rows, gpContactsByMonth: monthly,
                topDiagnoses: top, tableRows: Dictionary(uniqueKeysWithValues: manifest.tables.map { ($0.name, $0.rows) }))
        }
    }
}
