import Foundation
import GRDB
import SNDSModel
import SNDSStore
import Testing
@testable import Synthesis

/// Referential integrity of the care tables: every pseudonym leads to IR_BEN_R, DCIR details join
/// their ER_PRS_F line on the nine keys, PMSI tables join on ETA_NUM + RSA_NUM, CépiDC on its
/// certificate, and every code points to a referential row.
@Suite struct CareIntegrityTests {
    let dataset: GeneratedDataset
    init() throws { dataset = try GeneratedDataset.shared() }

    func count(_ sql: String) throws -> Int {
        try dataset.open().read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    var years: [String] { dataset.options.years.map { pad($0 % 100, 2) } }

    @Test func everyClaimIsUnderABeneficiaryOfTheReferential() throws {
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F") > dataset.options.beneficiaries * 10)
        #expect(try count("""
            SELECT COUNT(*) FROM ER_PRS_F p WHERE NOT EXISTS (
              SELECT 1 FROM IR_BEN_R b WHERE b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM)
            """) == 0)
        // And the claim shows the row's person: same sex and birth year.
        #expect(try count("""
            SELECT COUNT(*) FROM ER_PRS_F p JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
            WHERE b.BEN_SEX_COD <> p.BEN_SEX_COD OR b.BEN_NAI_ANN <> p.BEN_NAI_ANN
            """) == 0)
    }

    @Test func stayPseudonymsLeadToTheReferentialUnlessTheChainingFailed() throws {
        for year in years {
            let ok = "NIR_RET = 0 AND NAI_RET = '0' AND SEX_RET = 0 AND SEJ_RET = 0 AND FHO_RET = 0 AND PMS_RET = 0 AND DAT_RET = '0' AND COH_NAI_RET = 0 AND COH_SEX_RET = 0"
            let stays = try count("SELECT COUNT(*) FROM T_MCO\(year)C")
            let chained = try count("SELECT COUNT(*) FROM T_MCO\(year)C WHERE \(ok)")
            #expect(stays > 100)
            #expect(try count("SELECT COUNT(*) FROM T_MCO\(year)C c WHERE \(ok) AND NOT EXISTS (SELECT 1 FROM IR_BEN_R b WHERE b.BEN_NIR_PSA = c.NIR_ANO_17)") == 0)
            #expect(try count("SELECT COUNT(*) FROM T_MCO\(year)C c WHERE NOT (\(ok)) AND EXISTS (SELECT 1 FROM IR_BEN_R b WHERE b.BEN_NIR_PSA = c.NIR_ANO_17)") == 0)
            let failed = Double(stays - chained) / Double(stays)
            #expect(failed > 0 && failed < 0.08, "share of failed chaining \(failed)")
        }
    }

    @Test func dcirDetailsJoinTheirLineOnTheNineKeys() throws {
        let keys = DCIRWriter.keyColumns
        #expect(try count("SELECT COUNT(*) FROM (SELECT 1 FROM ER_PRS_F GROUP BY \(keys.joined(separator: ", ")) HAVING COUNT(*) > 1)") == 0)
        let on = keys.map { "d.\($0) = p.\($0)" }.joined(separator: " AND ")
        for detail in ["ER_PHA_F", "ER_CAM_F", "ER_ETE_F"] {
            #expect(try count("SELECT COUNT(*) FROM \(detail)") > 0, "\(detail) is empty")
            #expect(try count("SELECT COUNT(*) FROM \(detail) d WHERE NOT EXISTS (SELECT 1 FROM ER_PRS_F p WHERE \(on))") == 0,
                    "\(detail) rows without their ER_PRS_F line")
        }
        // Each drug line is a pharmacy line; each CCAM detail an act line.
        #expect(try count("SELECT COUNT(*) FROM ER_PHA_F d JOIN ER_PRS_F p ON \(on) WHERE p.PRS_NAT_REF NOT IN (3311, 3313)") == 0)
        #expect(try count("SELECT COUNT(*) FROM ER_CAM_F d JOIN ER_PRS_F p ON \(on) WHERE p.PRS_NAT_REF NOT IN (1321, 1322, 1352)") == 0)
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F p WHERE p.PRS_NAT_REF IN (3311, 3313) AND NOT EXISTS (SELECT 1 FROM ER_PHA_F d WHERE \(on))") == 0)
    }

    @Test func pmsiTablesJoinOnEstablishmentAndStayNumber() throws {
        for year in years {
            let b = "T_MCO\(year)B", c = "T_MCO\(year)C", d = "T_MCO\(year)D", a = "T_MCO\(year)A"
            #expect(try count("SELECT COUNT(*) FROM (SELECT 1 FROM \(b) GROUP BY ETA_NUM, RSA_NUM HAVING COUNT(*) > 1)") == 0)
            #expect(try count("SELECT COUNT(*) FROM \(b) x WHERE NOT EXISTS (SELECT 1 FROM \(c) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)") == 0)
            #expect(try count("SELECT COUNT(*) FROM \(c) x WHERE NOT EXISTS (SELECT 1 FROM \(b) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)") == 0)
            for detail in [d, a] {
                #expect(try count("SELECT COUNT(*) FROM \(detail)") > 0)
                // D and A type ETA_NUM and RSA_NUM as text, B as integers: the join converts.
                #expect(try count("SELECT COUNT(*) FROM \(detail) x WHERE NOT EXISTS (SELECT 1 FROM \(b) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)") == 0)
            }
            // NBR_DGN and NBR_ACT count the D and A rows.
            #expect(try count("SELECT COUNT(*) FROM \(b) x WHERE NBR_DGN <> (SELECT COUNT(*) FROM \(d) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)") == 0)
            #expect(try count("SELECT COUNT(*) FROM \(b) x WHERE NBR_ACT <> (SELECT COUNT(*) FROM \(a) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)") == 0)
            // Every stay's establishment is in the establishment referential.
            #expect(try count("SELECT COUNT(*) FROM \(b) x WHERE NOT EXISTS (SELECT 1 FROM BE_IDE_R e WHERE CAST(e.IDE_ETA_NUM AS INTEGER) = x.ETA_NUM)") == 0)
        }
    }

    @Test func deathCertificatesPointToDeceasedBeneficiaries() throws {
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R") > 0)
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R k WHERE BEN_IDT_TOP = 1 AND NOT EXISTS (SELECT 1 FROM IR_BEN_R b WHERE b.BEN_IDT_ANO = k.BEN_IDT_ANO AND b.BEN_DCD_DTE IS NOT NULL)") == 0)
        #expect(try count("SELECT COUNT(*) FROM KI_ECD_R e WHERE NOT EXISTS (SELECT 1 FROM KI_CCI_R c WHERE c.DCD_IDT_ENC = e.DCD_IDT_ENC)") == 0)
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R c WHERE NOT EXISTS (SELECT 1 FROM KI_ECD_R e WHERE e.DCD_IDT_ENC = c.DCD_IDT_ENC AND e.ECD_CAU_RNG = 1 AND e.ECD_CIM_COD = c.DCD_CIM_COD)") == 0)
        // CépiDC's date agrees with the referential's within a day.
        #expect(try count("""
            SELECT COUNT(*) FROM KI_CCI_R k JOIN IR_BEN_R b ON b.BEN_IDT_ANO = k.BEN_IDT_ANO
            WHERE abs(julianday(k.BEN_DCD_DTE) - julianday(b.BEN_DCD_DTE)) > 1
            """) == 0)
        // Coverage is partial, and lower for the last year.
        let deaths = try count("SELECT COUNT(DISTINCT BEN_IDT_ANO) FROM IR_BEN_R WHERE BEN_DCD_DTE IS NOT NULL")
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R") < deaths)
    }

    @Test func establishmentsAndDrugsHaveValidNumbers() throws {
        let finess = try dataset.open().read { db in try String.fetchAll(db, sql: "SELECT IDE_ETA_NUM FROM BE_IDE_R UNION SELECT IDE_GES_NUM FROM BE_IDE_R") }
        #expect(finess.count > 500)
        #expect(finess.allSatisfy(Establishment.isValidFiness), "\(finess.filter { !Establishment.isValidFiness($0) }.prefix(5))")
        // Public sites are grouped under legal entities, as in FINESS.
        #expect(try count("SELECT COUNT(*) FROM (SELECT IDE_GES_NUM FROM BE_IDE_R GROUP BY 1 HAVING COUNT(*) > 1)") > 10)
        let cips = try dataset.open().read { db in try Int64.fetchAll(db, sql: "SELECT PHA_CIP_C13 FROM IR_PHA_R") }
        for cip in cips {
            let text = String(cip)
            #expect(text.count == 13 && text.hasPrefix("34009"))
            #expect(DrugCatalogue.ean13Check(String(text.prefix(12))) == Int(String(text.last!))!)
        }
        #expect(try count("SELECT COUNT(*) FROM ER_ETE_F e WHERE NOT EXISTS (SELECT 1 FROM BE_IDE_R b WHERE b.IDE_ETA_NU8 = e.ETB_EXE_FIN)") == 0)
    }
}

/// Time in the care tables: nothing before birth, after death or outside the period; stays do not
/// overlap; births, deliveries and deaths agree across tables.
@Suite struct CareTemporalTests {
    let dataset: GeneratedDataset
    init() throws { dataset = try GeneratedDataset.shared() }

    func count(_ sql: String) throws -> Int {
        try dataset.open().read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    var start: String { "\(dataset.options.years.lowerBound)-01-01" }
    var end: String { "\(dataset.options.years.upperBound)-12-31" }
    var stays: String {
        dataset.options.years.map { y in
            let yy = pad(y % 100, 2)
            return "SELECT '\(yy)' year, c.NIR_ANO_17, c.ENT_DAT, c.SOR_DAT, b.SOR_MOD, b.DGN_PAL FROM T_MCO\(yy)C c JOIN T_MCO\(yy)B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM"
        }.joined(separator: " UNION ALL ")
    }

    @Test func noCareBeforeBirthAfterDeathOrOutsideThePeriod() throws {
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE EXE_SOI_DTD < '\(start)' OR EXE_SOI_DTD > '\(end)'") == 0)
        #expect(try count("""
            SELECT COUNT(*) FROM ER_PRS_F p JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
            WHERE p.EXE_SOI_DTD >= b.BEN_DCD_DTE OR substr(p.EXE_SOI_DTD, 1, 7) < b.BEN_NAI_ANN || '-' || b.BEN_NAI_MOI
            """) == 0)
        #expect(try count("""
            SELECT COUNT(*) FROM (\(stays)) s JOIN IR_BEN_R b ON b.BEN_NIR_PSA = s.NIR_ANO_17
            WHERE s.SOR_DAT > b.BEN_DCD_DTE OR substr(s.ENT_DAT, 1, 7) < b.BEN_NAI_ANN || '-' || b.BEN_NAI_MOI
               OR s.ENT_DAT < '\(start)' OR s.SOR_DAT > '\(end)' OR s.SOR_DAT < s.ENT_DAT
            """) == 0)
        // The exit is the death day exactly when the stay ends in death.
        #expect(try count("""
            SELECT COUNT(*) FROM (\(stays)) s JOIN IR_BEN_R b ON b.BEN_NIR_PSA = s.NIR_ANO_17
            WHERE (s.SOR_MOD = '9') <> (s.SOR_DAT = COALESCE(b.BEN_DCD_DTE, ''))
            """) == 0)
        #expect(try count("SELECT COUNT(*) FROM (\(stays)) WHERE SOR_MOD = '9'") > 0)
        // PMSI year = discharge year.
        #expect(try count("SELECT COUNT(*) FROM (\(stays)) WHERE substr(SOR_DAT, 3, 2) <> year") == 0)
    }

    @Test func aPersonIsInOneStayAtATime() throws {
        #expect(try count("""
            SELECT COUNT(*) FROM (\(stays)) a JOIN (\(stays)) b ON a.NIR_ANO_17 = b.NIR_ANO_17 AND a.ENT_DAT < b.ENT_DAT AND b.ENT_DAT <= a.SOR_DAT
            """) == 0)
    }

    @Test func birthsDeliveriesAndNewbornStaysAgree() throws {
        let births = dataset.manifest.population["birthsDuringPeriod"]!
        let twinPairsBorn = try count("""
            SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL = 'Z383'
            """) / 2
        let newbornStays = try count("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL IN ('Z380', 'Z383')")
        let deliveries = try count("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL IN ('O800', 'O821')")
        // One birth stay per newborn (a few lost to chaining failures), one delivery per birth event.
        #expect(newbornStays <= births && Double(newbornStays) >= Double(births) * 0.9)
        #expect(abs(deliveries - (births - twinPairsBorn)) <= max(3, births / 10))
        #expect(births > 50)
    }
}

/// Care pathways hang together: an infarction brings its act and its drugs after discharge; a
/// chronic treatment is dispensed again and again; winter brings more consultations.
@Suite struct CarePathwayTests {
    let dataset: GeneratedDataset
    init() throws { dataset = try GeneratedDataset.shared(size: 20_000, seed: 7) }

    func value(_ sql: String) throws -> Double {
        try dataset.open().read { db in try Double.fetchOne(db, sql: sql) ?? -1 }
    }

    var stays: String {
        dataset.options.years.map { y in
            let yy = pad(y % 100, 2)
            return "SELECT '\(yy)' year, c.ETA_NUM, c.RSA_NUM, c.NIR_ANO_17, c.ENT_DAT, c.SOR_DAT, b.SOR_MOD, b.DGN_PAL FROM T_MCO\(yy)C c JOIN T_MCO\(yy)B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM"
        }.joined(separator: " UNION ALL ")
    }

    var acts: String {
        dataset.options.years.map { "SELECT '\(pad($0 % 100, 2))' year, * FROM T_MCO\(pad($0 % 100, 2))A" }.joined(separator: " UNION ALL ")
    }

    @Test func anInfarctionBringsItsActAndTheUsualDrugsAfterDischarge() throws {
        let infarctions = try value("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL LIKE 'I21%' AND SOR_MOD <> '9'")
        #expect(infarctions >= 10)
        let withAngiography = try value("""
            SELECT COUNT(*) FROM (\(stays)) s WHERE s.DGN_PAL LIKE 'I21%' AND s.SOR_MOD <> '9'
            AND EXISTS (SELECT 1 FROM (\(acts)) a WHERE a.year = s.year AND a.ETA_NUM = s.ETA_NUM AND a.RSA_NUM = s.RSA_NUM AND a.CDC_ACT = 'DDQH009')
            """)
        #expect(withAngiography / infarctions > 0.6)
        // An antiplatelet dispensed within 45 days of discharge, for stays discharged early enough.
        let end = "\(dataset.options.years.upperBound)-11-01"
        let eligible = try value("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL LIKE 'I21%' AND SOR_MOD <> '9' AND SOR_DAT < '\(end)'")
        let treated = try value("""
            SELECT COUNT(*) FROM (\(stays)) s WHERE s.DGN_PAL LIKE 'I21%' AND s.SOR_MOD <> '9' AND s.SOR_DAT < '\(end)' AND EXISTS (
              SELECT 1 FROM ER_PRS_F p JOIN ER_PHA_F f ON f.DCT_ORD_NUM = p.DCT_ORD_NUM AND f.PRS_ORD_NUM = p.PRS_ORD_NUM
              JOIN IR_PHA_R d ON d.PHA_CIP_C13 = f.PHA_PRS_C13
              JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
              WHERE b.BEN_IDT_ANO IN (SELECT BEN_IDT_ANO FROM IR_BEN_R WHERE BEN_NIR_PSA = s.NIR_ANO_17)
                AND d.PHA_ATC_C07 LIKE 'B01AC%' AND p.EXE_SOI_DTD > s.SOR_DAT AND julianday(p.EXE_SOI_DTD) - julianday(s.SOR_DAT) <= 45)
            """)
        #expect(eligible > 0 && treated / eligible > 0.7, "antiplatelet after \(treated) of \(eligible) infarctions")
    }

    @Test func chronicTreatmentsAreDispensedRepeatedly() throws {
        // People on metformin in the first year get it about monthly.
        let year = dataset.options.years.lowerBound
        let perPerson = try value("""
            SELECT AVG(n) FROM (
              SELECT b.BEN_IDT_ANO, COUNT(*) n FROM ER_PRS_F p
              JOIN ER_PHA_F f ON f.DCT_ORD_NUM = p.DCT_ORD_NUM AND f.PRS_ORD_NUM = p.PRS_ORD_NUM
              JOIN IR_PHA_R d ON d.PHA_CIP_C13 = f.PHA_PRS_C13 AND d.PHA_ATC_C07 = 'A10BA02'
              JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
              WHERE substr(p.EXE_SOI_DTD, 1, 4) = '\(year)' AND b.BEN_DCD_DTE IS NULL
              GROUP BY b.BEN_IDT_ANO)
            """)
        #expect(perPerson >= 8 && perPerson <= 14, "metformin dispensations per treated person-year: \(perPerson)")
        // Long-term conditions are reimbursed at 100 %.
        #expect(try value("SELECT COUNT(*) FROM ER_PRS_F WHERE RGO_REM_TAU = 100 AND EXO_MTF = 42") > 0)
    }

    @Test func winterBringsMoreConsultationsAndInfections() throws {
        let january = try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = 1110 AND substr(EXE_SOI_DTD, 6, 2) = '01'")
        let august = try value("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = 1110 AND substr(EXE_SOI_DTD, 6, 2) = '08'")
        #expect(january / august > 1.6)
        let winterPneumonia = try value("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL = 'J189' AND substr(ENT_DAT, 6, 2) IN ('12', '01', '02')")
        let summerPneumonia = try value("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL = 'J189' AND substr(ENT_DAT, 6, 2) IN ('06', '07', '08')")
        #expect(winterPneumonia > summerPneumonia * 1.5)
    }

    @Test func diagnosesFollowAgeAndSex() throws {
        let b = dataset.options.years.map { "SELECT * FROM T_MCO\(pad($0 % 100, 2))B" }.joined(separator: " UNION ALL ")
        let menAMI = try value("SELECT COUNT(*) FROM (\(b)) WHERE DGN_PAL LIKE 'I21%' AND COD_SEX = '1'")
        let womenAMI = try value("SELECT COUNT(*) FROM (\(b)) WHERE DGN_PAL LIKE 'I21%' AND COD_SEX = '2'")
        #expect(menAMI > womenAMI * 1.3)
        #expect(try value("SELECT COUNT(*) FROM (\(b)) WHERE DGN_PAL LIKE 'O%' AND (COD_SEX = '1' OR AGE_ANN < 13 OR AGE_ANN > 55)") == 0)
        #expect(try value("SELECT AVG(AGE_ANN) FROM (\(b)) WHERE DGN_PAL = 'H259'") > 65)
        #expect(try value("SELECT AVG(AGE_ANN) FROM (\(b)) WHERE DGN_PAL = 'S720'") > 70)
        #expect(try value("SELECT COUNT(*) FROM (\(b)) WHERE DGN_PAL IN ('Z380', 'Z383') AND AGE_ANN IS NOT NULL") == 0)
    }
}

/// The headline figures of a generated SNDS, against the reference figures shipped with the care
/// model and INSEE: each within its stated tolerance.
@Suite struct HeadlineFigureTests {
    @Test func everyHeadlineFigureIsWithinItsTolerance() throws {
        let dataset = try GeneratedDataset.shared(size: 20_000, seed: 7)
        let reference = try ReferenceData.locate()
        let description = try DatasetDescription.describe(dataset.open(), manifest: dataset.manifest,
                                                          model: CareModel.load(from: reference),
                                                          population: PopulationReference(reference: reference))
        #expect(description.figures.count >= 13)
        for figure in description.figures {
            #expect(figure.withinTolerance == true,
                    "\(figure.label): \(figure.generated) vs \(figure.reference ?? .nan) ± \((figure.tolerance ?? 0) * 100) %")
        }
        // Care rises with age: the oldest see their GP and the hospital far more than young adults.
        let young = description.byAgeBand.first { $0.band.hasPrefix("25") && $0.sex == 1 }!
        let old = description.byAgeBand.first { $0.band.hasPrefix("85") && $0.sex == 1 }!
        #expect(old.gpContacts > 2.5 * young.gpContacts)
        #expect(old.staysPerThousand > 3 * young.staysPerThousand)
    }
}
