import Foundation
import GRDB
import SNDSModel
import SNDSStore
import TestSupport
import Testing

@testable import Synthesis

/// What an SNDS analyst checks in the first minutes (issue 21): no impossible coding — the audit
/// script finds none —, deliveries coded as CCAM and ICD-10 say, care that follows the week and its
/// holidays, and twins under one pseudonym told apart on their stays.
@Suite struct ClinicalCoherenceTests {
    let dataset: GeneratedDataset
    init() throws { dataset = try GeneratedDataset.shared(size: 20_000, seed: 7) }

    func value(_ sql: String) throws -> Double {
        try dataset.open().read { db in try Double.fetchOne(db, sql: sql) ?? -1 }
    }

    func union(_ suffix: String, _ columns: String = "*") -> String {
        dataset.options.years.map { "SELECT '\(pad($0 % 100, 2))' AS year, \(columns) FROM T_MCO\(pad($0 % 100, 2))\(suffix)" }
            .joined(separator: " UNION ALL ")
    }

    /// scripts/audit-snds, run on the dataset as a user would run it, exits 0: every impossible
    /// combination it knows (sex- and age-specific coding, GHM against diagnosis, acts of surgical
    /// GHM, care after death, modes and destinations, prices by date, twins' birth rank) is absent.
    @Test func theAuditScriptFindsNoImpossibleCombination() throws {
        let root = try ReferenceData.locate().root.deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/audit-snds").path, dataset.files.database.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(text)")
        #expect(text.contains("no impossible combination found"), "\(text)")
    }

    /// A caesarean's diagnosis and act agree (planned O82.0 with JQGA002; emergency O82.1 with a
    /// caesarean in or outside labour); vaginal deliveries are coded by parity, both kinds
    /// present; multiple births carry the multiple-birth codes.
    @Test func deliveriesAreCodedAsTheyHappened() throws {
        let acts = union("A", "ETA_NUM, RSA_NUM, CDC_ACT"), stays = union("B", "ETA_NUM, RSA_NUM, DGN_PAL")
        let pairs = "SELECT s.DGN_PAL dp, a.CDC_ACT act FROM (\(stays)) s JOIN (\(acts)) a USING (year, ETA_NUM, RSA_NUM) WHERE a.CDC_ACT LIKE 'JQG%'"
        #expect(try value("SELECT COUNT(*) FROM (\(pairs)) WHERE dp = 'O820' AND act <> 'JQGA002'") == 0)
        #expect(try value("SELECT COUNT(*) FROM (\(pairs)) WHERE dp = 'O821' AND act NOT IN ('JQGA003', 'JQGA004')") == 0)
        #expect(try value("SELECT COUNT(*) FROM (\(pairs)) WHERE dp = 'O800' AND act NOT IN ('JQGD010', 'JQGD012')") == 0)
        #expect(try value("SELECT COUNT(*) FROM (\(pairs)) WHERE dp = 'O840' AND act NOT IN ('JQGD002', 'JQGD007')") == 0)
        let planned = try value("SELECT COUNT(*) FROM (\(pairs)) WHERE dp = 'O820'")
        let emergency = try value("SELECT COUNT(*) FROM (\(pairs)) WHERE dp = 'O821'")
        #expect(planned > 0 && emergency > 0 && planned / (planned + emergency) > 0.25 && planned / (planned + emergency) < 0.6)
        let first = try value("SELECT COUNT(*) FROM (\(pairs)) WHERE act = 'JQGD010'")
        let later = try value("SELECT COUNT(*) FROM (\(pairs)) WHERE act = 'JQGD012'")
        #expect(first + later > 50 && first / (first + later) > 0.25 && first / (first + later) < 0.65, "\(first) first births, \(later) later")
        // Twins' mothers: the multiple-birth diagnosis, never the single-birth one.
        #expect(try value("SELECT COUNT(*) FROM (\(pairs)) WHERE dp IN ('O840', 'O842')") > 0)
    }

    /// Care follows the week: GP surgeries, laboratories and pharmacies are all but closed on
    /// Sundays and public holidays, scheduled admissions happen on weekdays, emergency ones every
    /// day.
    @Test func careFollowsTheWeekAndItsHolidays() throws {
        let years = dataset.options.years
        let holidays = PublicHolidays.days(in: years).map { "'\(CalendarDate(daysSinceEpoch: $0).iso)'" }.joined(separator: ", ")
        for (nature, label) in [(1110, "GP consultations"), (3211, "laboratory"), (3331, "vaccines")] {
            let all = try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = \(nature)")
            let sundays = try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = \(nature) AND strftime('%w', EXE_SOI_DTD) = '0'")
            let onHolidays = try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = \(nature) AND EXE_SOI_DTD IN (\(holidays))")
            #expect(
                all > 100 && sundays / all < 0.03 && onHolidays / all < 0.01, "\(label): \(sundays) on Sundays, \(onHolidays) on holidays of \(all)")
        }
        let pharmacy = "SELECT p.EXE_SOI_DTD day FROM ER_PRS_F p JOIN ER_PHA_F f ON \(DCIRWriter.joinOnKeys("f", "p"))"
        let dispensed = try value("SELECT COUNT(*) FROM (\(pharmacy))")
        #expect(try value("SELECT COUNT(*) FROM (\(pharmacy)) WHERE strftime('%w', day) = '0'") / dispensed < 0.03)
        // Admissions: emergency ones (through the emergency department, ENT_PRV 5) on Sundays at
        // about a weekday's level; scheduled ones (births and deaths aside) rarely at weekends.
        let stays = union("B", "ETA_NUM, RSA_NUM, DGN_PAL, ENT_PRV, SOR_MOD")
        let dated = "SELECT s.*, c.ENT_DAT FROM (\(stays)) s JOIN (\(union("C", "ETA_NUM, RSA_NUM, ENT_DAT"))) c USING (year, ETA_NUM, RSA_NUM)"
        let ordinary = "DGN_PAL NOT GLOB 'O8*' AND DGN_PAL NOT GLOB 'Z38*' AND SOR_MOD <> '9'"
        let emergencies = try value("SELECT COUNT(*) FROM (\(dated)) WHERE ENT_PRV = '5' AND \(ordinary)")
        let emergencySundays = try value("SELECT COUNT(*) FROM (\(dated)) WHERE ENT_PRV = '5' AND \(ordinary) AND strftime('%w', ENT_DAT) = '0'")
        #expect(emergencies > 200 && emergencySundays / emergencies > 0.1 && emergencySundays / emergencies < 0.16)
        let scheduled = try value("SELECT COUNT(*) FROM (\(dated)) WHERE ENT_PRV IS NULL AND \(ordinary)")
        let scheduledWeekends = try value(
            "SELECT COUNT(*) FROM (\(dated)) WHERE ENT_PRV IS NULL AND \(ordinary) AND strftime('%w', ENT_DAT) IN ('0', '6')")
        #expect(scheduled > 200 && scheduledWeekends / scheduled < 0.05, "\(scheduledWeekends) of \(scheduled) scheduled admissions at weekends")
    }

    /// Drugs as a pharmacy sells them: several presentations of a substance (brand, generics, a
    /// month's and three months' boxes), generics most of the time, natures by medical benefit (PH7
    /// 65 %, PH4 30 %), a long-term condition raising the rate to 100 % within the nature, and a
    /// prestation line holding several drug rows — the one-to-many join of DCIR — whose boxes add
    /// up to the line's quantity.
    @Test func drugsAreSoldAndReimbursedAsInTown() throws {
        let drugs = "SELECT f.*, d.PHA_ATC_C07 atc, d.PHA_MED_GEN kind FROM ER_PHA_F f JOIN IR_PHA_R d ON d.PHA_CIP_C13 = f.PHA_PRS_C13"
        #expect(try value("SELECT COUNT(*) FROM (\(drugs)) WHERE atc = 'R05CB01'") == 0, "acetylcysteine, delisted in 2006")
        let generic = try value("SELECT AVG(kind = 'G') FROM (\(drugs)) WHERE atc IN (SELECT PHA_ATC_C07 FROM IR_PHA_R WHERE PHA_MED_GEN = 'G')")
        #expect(generic > 0.6 && generic < 0.9)
        #expect(try value("SELECT COUNT(*) FROM (\(drugs)) WHERE atc LIKE 'J07%' AND kind = 'G'") == 0, "vaccines are brand-only")
        #expect(try value("SELECT MAX(n) FROM (SELECT COUNT(DISTINCT PHA_PRS_C13) n FROM (\(drugs)) GROUP BY atc)") >= 4)
        for nature in [3312, 3313] {
            #expect(try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = \(nature)") > 0, "nature \(nature)")
        }
        // The nature is the product's; a long-term condition (EXO_MTF 42) raises the rate to 100 %.
        #expect(
            try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = 3312 AND RGO_REM_TAU <> CASE WHEN EXO_MTF = 42 THEN 100 ELSE 30 END") == 0)
        #expect(try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = 3313 AND EXO_MTF = 42") > 0)
        // Amounts reconcile: the base of a grouped line is its drugs' total.
        #expect(
            try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF IN (3311, 3312, 3313, 3341) AND ABS(PRS_PAI_MNT - BSE_REM_BSE) > 0.005") == 0)
        let keys = DCIRKeys.columns.joined(separator: ", ")
        let perLine = "SELECT \(keys), COUNT(*) rows, SUM(PHA_ACT_QSN) boxes FROM ER_PHA_F GROUP BY \(keys)"
        #expect(try value("SELECT COUNT(*) FROM (\(perLine)) WHERE rows > 1") > 100, "prestation lines with several drugs")
        #expect(
            try value(
                "SELECT COUNT(*) FROM (\(perLine)) l JOIN ER_PRS_F p ON \(DCIRWriter.joinOnKeys("p", "l")) WHERE p.PRS_ACT_QTE <> l.boxes")
                == 0)
    }

    /// Hospitals stand in the towns of their département, the largest first (INSEE populations),
    /// not all in one placeholder commune.
    @Test func hospitalsStandInTheLargestTowns() throws {
        let geography = GeneratedDataset.reference.geography
        let sites = try dataset.open().read { db in try Row.fetchAll(db, sql: "SELECT IDE_ETA_NUM, IDE_BDI_COD FROM BE_IDE_R") }
        var inLargest = 0
        for site in sites {
            let place = site["IDE_BDI_COD"] as String
            let departement = try #require(Departement(place.hasPrefix("97") ? String(place.prefix(3)) : String(place.prefix(2))))
            let commune = String(place.suffix(3))
            let towns = geography.largestCommunes(in: departement, count: 12)
            #expect(towns.contains(commune), "\(site["IDE_ETA_NUM"] as String) in \(place)")
            if towns.first == commune { inLargest += 1 }
        }
        #expect(sites.count > 500 && Double(inLargest) / Double(sites.count) < 0.6, "\(inLargest) of \(sites.count) sites in the largest town")
    }

    /// Same-sex twins share a pseudonym; their stays carry their birth rank (RNG_NAI, BEN_RNG_GEM
    /// of IR_BEN_R), so each twin's stays are told apart.
    @Test func twinsUnderOnePseudonymAreToldApartOnTheirStays() throws {
        let shared = "SELECT BEN_NIR_PSA FROM IR_BEN_R GROUP BY BEN_NIR_PSA HAVING COUNT(DISTINCT BEN_IDT_ANO) > 1"
        let chaining = union("C", "NIR_ANO_17, RNG_NAI")
        #expect(try value("SELECT COUNT(*) FROM (\(chaining)) WHERE NIR_ANO_17 IN (\(shared))") > 0)
        #expect(try value("SELECT COUNT(*) FROM (\(chaining)) WHERE RNG_NAI IS NULL") == 0)
        // Each stay's rank is one of its pseudonym's ranks, and both twins' stays appear.
        #expect(
            try value(
                """
                SELECT COUNT(*) FROM (\(chaining)) s WHERE NIR_ANO_17 IN (\(shared)) AND NOT EXISTS (
                  SELECT 1 FROM IR_BEN_R r WHERE r.BEN_NIR_PSA = s.NIR_ANO_17 AND r.BEN_RNG_GEM = s.RNG_NAI)
                """) == 0)
        #expect(
            try value(
                "SELECT COUNT(*) FROM (SELECT NIR_ANO_17 FROM (\(chaining)) WHERE NIR_ANO_17 IN (\(shared)) GROUP BY NIR_ANO_17 HAVING COUNT(DISTINCT RNG_NAI) = 2)"
            ) > 0)
    }

    /// Episodes chained by transfers: a hip fracture of the old goes on to rehabilitation (SSR)
    /// the day it leaves acute care; some infarctions are transferred from a first hospital; each
    /// SSR stay has one weekly summary (RHS) per week it spans, their days present adding up to
    /// the stay; palliative care at home (HAD) ends in death at home.
    @Test func episodesChainAcuteCareRehabilitationAndCareAtHome() throws {
        let ssr = dataset.options.years.map { y -> String in
            let yy = pad(y % 100, 2)
            return
                "SELECT c.*, s.ENT_MOD, s.ENT_PRV, s.SOR_MOD, s.SEJ_NBJ, s.PRE_JOU_NBR FROM T_SSR\(yy)C c JOIN T_SSR\(yy)S s USING (ETA_NUM, RHA_NUM)"
        }.joined(separator: " UNION ALL ")
        let mco = dataset.options.years.map { y -> String in
            let yy = pad(y % 100, 2)
            return
                "SELECT c.NIR_ANO_17, c.ENT_DAT, c.SOR_DAT, b.* FROM T_MCO\(yy)C c JOIN T_MCO\(yy)B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM"
        }.joined(separator: " UNION ALL ")
        #expect(try value("SELECT COUNT(*) FROM (\(ssr))") > 20)
        #expect(try value("SELECT COUNT(*) FROM (\(ssr)) WHERE ENT_MOD NOT IN ('6', '7') OR ENT_PRV <> '1'") == 0)
        // Hip fractures of patients aged 75 and over discharged alive: about half go to SSR.
        let fractures = "SELECT * FROM (\(mco)) WHERE DGN_PAL = 'S720' AND CAST(AGE_ANN AS INTEGER) >= 75 AND SOR_MOD <> '9'"
        let toRehabilitation = try value("SELECT AVG(COALESCE(SOR_DES, '') = '2') FROM (\(fractures))")
        #expect(toRehabilitation > 0.35 && toRehabilitation < 0.8, "share of hip fractures 75+ going to SSR: \(toRehabilitation)")
        // Every transfer out names its destination; MCO-to-MCO transfers exist, entered the same day.
        #expect(try value("SELECT COUNT(*) FROM (\(mco)) WHERE SOR_MOD IN ('6', '7') AND SOR_DES IS NULL") == 0)
        #expect(
            try value(
                """
                SELECT COUNT(*) FROM (\(mco)) a JOIN (\(mco)) b ON b.NIR_ANO_17 = a.NIR_ANO_17 AND b.ENT_DAT = a.SOR_DAT
                WHERE a.SOR_DES = '1' AND b.ENT_MOD = '7' AND b.ENT_PRV = '1' AND a.DGN_PAL = b.DGN_PAL
                """) > 0)
        // Weekly summaries: one per week the stay spans, days present adding up to the stay.
        for y in dataset.options.years.map({ pad($0 % 100, 2) }) {
            #expect(
                try value(
                    """
                    SELECT COUNT(*) FROM T_SSR\(y)S s JOIN T_SSR\(y)C c USING (ETA_NUM, RHA_NUM) WHERE
                      (SELECT COUNT(*) FROM T_SSR\(y)B b WHERE b.ETA_NUM = s.ETA_NUM AND b.RHA_NUM = s.RHA_NUM)
                        <> CAST(julianday(c.SOR_DAT) - julianday(c.ENT_DAT) + (CAST(strftime('%w', c.ENT_DAT) AS INTEGER) + 6) % 7 AS INTEGER) / 7 + 1
                      OR (SELECT SUM(LENGTH(REPLACE(JP_HWE || JP_WE, '0', ''))) FROM T_SSR\(y)B b
                          WHERE b.ETA_NUM = s.ETA_NUM AND b.RHA_NUM = s.RHA_NUM) <> s.PRE_JOU_NBR
                      OR s.PRE_JOU_NBR <> MAX(s.SEJ_NBJ, 1) OR s.NBR_RHA <> (SELECT COUNT(*) FROM T_SSR\(y)B b
                          WHERE b.ETA_NUM = s.ETA_NUM AND b.RHA_NUM = s.RHA_NUM)
                    """) == 0)
            #expect(try value("SELECT COUNT(*) FROM T_HAD\(y)B WHERE PEC_PAL = '04' AND SOR_MOD <> '9'") == 0)
        }
        #expect(
            try value(dataset.options.years.map { "SELECT COUNT(*) n FROM T_HAD\(pad($0 % 100, 2))B" }.joined(separator: " UNION ALL ").wrappedSum)
                > 0)
        // Multi-unit and long stays exist, as in the real base.
        #expect(try value("SELECT AVG(NBR_RUM > 1) FROM (\(mco))") > 0.05)
        #expect(try value("SELECT COUNT(*) FROM (\(mco)) WHERE SEJ_NBJ > 30") > 0)
    }
}

extension String {
    /// `SELECT SUM(n) FROM (self)`: the total of a union of counts.
    fileprivate var wrappedSum: String { "SELECT SUM(n) FROM (\(self))" }
}
