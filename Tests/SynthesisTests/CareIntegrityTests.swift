import Foundation
import GRDB
import SNDSModel
import SNDSStore
import TestSupport
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
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM ER_PRS_F p WHERE NOT EXISTS (
                  SELECT 1 FROM IR_BEN_R b WHERE b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM)
                """) == 0)
        // And the claim shows the row's person: same sex and birth year.
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM ER_PRS_F p JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
                WHERE b.BEN_SEX_COD <> p.BEN_SEX_COD OR b.BEN_NAI_ANN <> p.BEN_NAI_ANN
                """) == 0)
    }

    @Test func stayPseudonymsLeadToTheReferentialUnlessTheChainingFailed() throws {
        for year in years {
            let ok =
                "NIR_RET = 0 AND NAI_RET = '0' AND SEX_RET = 0 AND SEJ_RET = 0 AND FHO_RET = 0 AND PMS_RET = 0 AND DAT_RET = '0' AND COH_NAI_RET = 0 AND COH_SEX_RET = 0"
            let stays = try count("SELECT COUNT(*) FROM T_MCO\(year)C")
            let chained = try count("SELECT COUNT(*) FROM T_MCO\(year)C WHERE \(ok)")
            #expect(stays > 100)
            #expect(
                try count(
                    "SELECT COUNT(*) FROM T_MCO\(year)C c WHERE \(ok) AND NOT EXISTS (SELECT 1 FROM IR_BEN_R b WHERE b.BEN_NIR_PSA = c.NIR_ANO_17)")
                    == 0)
            #expect(
                try count(
                    "SELECT COUNT(*) FROM T_MCO\(year)C c WHERE NOT (\(ok)) AND EXISTS (SELECT 1 FROM IR_BEN_R b WHERE b.BEN_NIR_PSA = c.NIR_ANO_17)")
                    == 0)
            let failed = Double(stays - chained) / Double(stays)
            #expect(failed > 0 && failed < 0.08, "share of failed chaining \(failed)")
        }
    }

    @Test func dcirDetailsJoinTheirLineOnTheNineKeys() throws {
        let keys = DCIRWriter.keyColumns
        #expect(try count("SELECT COUNT(*) FROM (SELECT 1 FROM ER_PRS_F GROUP BY \(keys.joined(separator: ", ")) HAVING COUNT(*) > 1)") == 0)
        let on = keys.map { "d.\($0) = p.\($0)" }.joined(separator: " AND ")
        for detail in ["ER_PHA_F", "ER_CAM_F", "ER_ETE_F", "ER_BIO_F"] {
            #expect(try count("SELECT COUNT(*) FROM \(detail)") > 0, "\(detail) is empty")
            #expect(
                try count("SELECT COUNT(*) FROM \(detail) d WHERE NOT EXISTS (SELECT 1 FROM ER_PRS_F p WHERE \(on))") == 0,
                "\(detail) rows without their ER_PRS_F line")
        }
        // Each drug line is a pharmacy line (drugs at 65 % or 100 %, the flu vaccine); each CCAM
        // detail an act line of its CCAM group's nature (ADI imaging 1351, ADC surgery 1321…);
        // each NABM detail a laboratory line.
        #expect(try count("SELECT COUNT(*) FROM ER_PHA_F d JOIN ER_PRS_F p ON \(on) WHERE p.PRS_NAT_REF NOT IN (3311, 3312, 3313, 3341, 3331)") == 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM ER_CAM_F d JOIN ER_PRS_F p ON \(on) JOIN IR_CCAM_V63 c ON c.CAM_PRS_IDE_COD = d.CAM_PRS_IDE
                WHERE p.PRS_NAT_REF NOT IN (SELECT PRS_NAT FROM IR_NAT_V WHERE PRS_NAT_CB2 = c.CAM_PRS_RGT)
                """) == 0)
        #expect(try count("SELECT COUNT(DISTINCT p.PRS_NAT_REF) FROM ER_CAM_F d JOIN ER_PRS_F p ON \(on)") >= 4)
        #expect(try count("SELECT COUNT(*) FROM ER_BIO_F d JOIN ER_PRS_F p ON \(on) WHERE p.PRS_NAT_REF <> 3211") == 0)
        #expect(
            try count(
                "SELECT COUNT(*) FROM ER_PRS_F p WHERE p.PRS_NAT_REF IN (3311, 3312, 3313, 3341, 3331) AND NOT EXISTS (SELECT 1 FROM ER_PHA_F d WHERE \(on))"
            )
                == 0)
    }

    /// A laboratory line's base is its NABM acts' coefficients (IR_BIO_R) times the key letter B,
    /// and it counts them; every laboratory line has its acts.
    @Test func laboratoryLinesArePricedByTheirActs() throws {
        let on = DCIRWriter.keyColumns.map { "d.\($0) = p.\($0)" }.joined(separator: " AND ")
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F p WHERE p.PRS_NAT_REF = 3211 AND NOT EXISTS (SELECT 1 FROM ER_BIO_F d WHERE \(on))") == 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM (
                  SELECT p.BSE_REM_BSE base, p.PRS_ACT_QTE quantity, COUNT(*) acts, SUM(CAST(r.BIO_TAR_COF AS REAL) * 0.27) priced
                  FROM ER_PRS_F p JOIN ER_BIO_F d ON \(on) JOIN IR_BIO_R r ON CAST(r.BIO_PRS_IDE AS INTEGER) = d.BIO_PRS_IDE
                  WHERE p.PRS_NAT_REF = 3211 GROUP BY \(DCIRWriter.keyColumns.map { "p." + $0 }.joined(separator: ", ")))
                WHERE quantity <> acts OR ABS(base - priced) > 0.01 * acts
                """) == 0)
    }

    /// The participation forfaitaire and the franchises: a negative line of their own nature in
    /// the décompte of the care they apply to, at the amount of the day, never for a child, within
    /// the yearly caps.
    @Test func costSharesFollowTheirRules() throws {
        let deductions = "(PRS_NAT_REF IN (1951, 1952) OR PRS_NAT_REF BETWEEN 1971 AND 1978)"
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF IN (1951, 1952)") > dataset.options.beneficiaries)
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF = 1972") > 0)
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE \(deductions) AND (BSE_REM_SGN <> 2 OR PRS_PAI_MNT <> 0 OR BSE_REM_MNT <= 0)") == 0)
        #expect(
            try count(
                "SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF IN (1951, 1952) AND BSE_REM_PRU <> (CASE WHEN EXE_SOI_DTD < '2024-05-15' THEN 1.0 ELSE 2.0 END)"
            ) == 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM ER_PRS_F p JOIN IR_BEN_R r ON r.BEN_NIR_PSA = p.BEN_NIR_PSA AND r.BEN_RNG_GEM = p.BEN_RNG_GEM
                WHERE \(deductions) AND p.EXE_SOI_DTD < date(r.BEN_NAI_ANN || '-' || r.BEN_NAI_MOI || '-01', '+18 years')
                """) == 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM (SELECT SUM(BSE_REM_MNT) total FROM ER_PRS_F WHERE \(deductions)
                GROUP BY BEN_NIR_PSA, BEN_RNG_GEM, substr(EXE_SOI_DTD, 1, 4), PRS_NAT_REF IN (1951, 1952)) WHERE total > 50.001
                """) == 0)
        // Each deduction sits in the décompte of a care line.
        let decompte = ["FLX_TRT_DTD", "FLX_EMT_TYP", "FLX_EMT_NUM", "FLX_EMT_ORD", "ORG_CLE_NUM", "DCT_ORD_NUM"]
            .map { "c.\($0) = f.\($0)" }.joined(separator: " AND ")
        #expect(
            try count(
                "SELECT COUNT(*) FROM ER_PRS_F f WHERE \(deductions) AND NOT EXISTS (SELECT 1 FROM ER_PRS_F c WHERE \(decompte) AND c.BSE_REM_SGN = 1)"
            ) == 0)
    }

    /// Transports: a line of an ambulance, VSL or taxi nature with one ER_TRS_F row per leg on its
    /// day, prescribed by a hospital. Sick leave: paid from EXE_SOI_DTD to EXE_SOI_DTF in payments
    /// of at most 30 days processed after them, one day of allowance per day, 6112 from the leave's
    /// fourth month (the leave starts on PRE_PRE_DTD), to people of working age only (the oldest
    /// band in work is 65–74).
    @Test func transportsAndSickLeavesAreBilledAsTheyHappen() throws {
        let on = DCIRWriter.keyColumns.map { "d.\($0) = p.\($0)" }.joined(separator: " AND ")
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF IN (4212, 4213, 4214)") > 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM ER_PRS_F p WHERE p.PRS_NAT_REF IN (4212, 4213, 4214) AND (COALESCE(p.ETB_PRE_FIN, '') = ''
                  OR p.PRS_ACT_QTE <> (SELECT COUNT(*) FROM ER_TRS_F d WHERE \(on) AND d.TRS_DTD_DTE = p.EXE_SOI_DTD))
                """) == 0)
        #expect(
            try count(
                "SELECT COUNT(*) FROM ER_TRS_F d WHERE NOT EXISTS (SELECT 1 FROM ER_PRS_F p WHERE \(on) AND p.PRS_NAT_REF IN (4212, 4213, 4214))")
                == 0)
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE PRS_NAT_REF IN (6111, 6112)") > 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM ER_PRS_F p JOIN IR_BEN_R r ON r.BEN_NIR_PSA = p.BEN_NIR_PSA AND r.BEN_RNG_GEM = p.BEN_RNG_GEM
                WHERE p.PRS_NAT_REF IN (6111, 6112) AND (p.EXE_SOI_DTF < p.EXE_SOI_DTD
                  OR p.PRS_ACT_QTE <> julianday(p.EXE_SOI_DTF) - julianday(p.EXE_SOI_DTD) + 1 OR p.PRS_ACT_QTE > 30
                  OR (p.PRS_NAT_REF = 6112) <> (p.EXE_SOI_DTD >= date(p.PRE_PRE_DTD, '+90 days'))
                  OR p.FLX_TRT_DTD < p.EXE_SOI_DTF
                  OR p.EXE_SOI_DTD < date(r.BEN_NAI_ANN || '-' || r.BEN_NAI_MOI || '-01', '+15 years')
                  OR p.EXE_SOI_DTD > date(r.BEN_NAI_ANN || '-' || r.BEN_NAI_MOI || '-01', '+76 years'))
                """) == 0)
    }

    /// Long-term conditions (IR_IMB_R): under a pseudonym of the referential, a five-year grant in
    /// force during the period, and every person billed at 100 % for a long-term condition (EXO_MTF
    /// 42) is listed (a grant is backdated to its condition's first day).
    @Test func longTermConditionsListThePeopleExemptedForThem() throws {
        let start = "\(dataset.options.years.lowerBound)-01-01", end = "\(dataset.options.years.upperBound)-12-31"
        #expect(try count("SELECT COUNT(*) FROM IR_IMB_R") > dataset.options.beneficiaries / 50)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM IR_IMB_R i WHERE NOT EXISTS (SELECT 1 FROM IR_BEN_R b WHERE b.BEN_NIR_PSA = i.BEN_NIR_PSA AND b.BEN_RNG_GEM = i.BEN_RNG_GEM)
                  OR i.IMB_ALD_DTF < '\(start)' OR i.IMB_ALD_DTD > '\(end)' OR i.IMB_ALD_DTD >= i.IMB_ALD_DTF
                  OR i.IMB_ALD_NUM NOT IN (SELECT CAST(ALD_030_COD AS INTEGER) FROM IR_ALD_V) OR i.IMB_ETM_NAT <> 41
                """) == 0)
        #expect(
            try count(
                """
                SELECT COUNT(DISTINCT b.BEN_IDT_ANO) FROM ER_PRS_F p JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
                WHERE p.EXO_MTF = 42 AND b.BEN_IDT_ANO NOT IN (
                  SELECT o.BEN_IDT_ANO FROM IR_IMB_R i JOIN IR_BEN_R o ON o.BEN_NIR_PSA = i.BEN_NIR_PSA AND o.BEN_RNG_GEM = i.BEN_RNG_GEM)
                """) == 0)
    }

    @Test func pmsiTablesJoinOnEstablishmentAndStayNumber() throws {
        for year in years {
            let b = "T_MCO\(year)B", c = "T_MCO\(year)C", d = "T_MCO\(year)D", a = "T_MCO\(year)A"
            #expect(try count("SELECT COUNT(*) FROM (SELECT 1 FROM \(b) GROUP BY ETA_NUM, RSA_NUM HAVING COUNT(*) > 1)") == 0)
            #expect(
                try count("SELECT COUNT(*) FROM \(b) x WHERE NOT EXISTS (SELECT 1 FROM \(c) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)")
                    == 0)
            #expect(
                try count("SELECT COUNT(*) FROM \(c) x WHERE NOT EXISTS (SELECT 1 FROM \(b) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)")
                    == 0)
            for detail in [d, a] {
                #expect(try count("SELECT COUNT(*) FROM \(detail)") > 0)
                // D and A type ETA_NUM and RSA_NUM as text, B as integers: the join converts.
                #expect(
                    try count(
                        "SELECT COUNT(*) FROM \(detail) x WHERE NOT EXISTS (SELECT 1 FROM \(b) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)"
                    ) == 0)
            }
            // NBR_DGN and NBR_ACT count the D and A rows.
            #expect(
                try count(
                    "SELECT COUNT(*) FROM \(b) x WHERE NBR_DGN <> (SELECT COUNT(*) FROM \(d) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)"
                ) == 0)
            #expect(
                try count(
                    "SELECT COUNT(*) FROM \(b) x WHERE NBR_ACT <> (SELECT COUNT(*) FROM \(a) y WHERE y.ETA_NUM = x.ETA_NUM AND y.RSA_NUM = x.RSA_NUM)"
                ) == 0)
            // Every stay's establishment is in the establishment referential.
            #expect(
                try count("SELECT COUNT(*) FROM \(b) x WHERE NOT EXISTS (SELECT 1 FROM BE_IDE_R e WHERE CAST(e.IDE_ETA_NUM AS INTEGER) = x.ETA_NUM)")
                    == 0)
        }
    }

    @Test func deathCertificatesPointToDeceasedBeneficiaries() throws {
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R") > 0)
        #expect(
            try count(
                "SELECT COUNT(*) FROM KI_CCI_R k WHERE BEN_IDT_TOP = 1 AND NOT EXISTS (SELECT 1 FROM IR_BEN_R b WHERE b.BEN_IDT_ANO = k.BEN_IDT_ANO AND b.BEN_DCD_DTE IS NOT NULL)"
            ) == 0)
        #expect(try count("SELECT COUNT(*) FROM KI_ECD_R e WHERE NOT EXISTS (SELECT 1 FROM KI_CCI_R c WHERE c.DCD_IDT_ENC = e.DCD_IDT_ENC)") == 0)
        #expect(
            try count(
                "SELECT COUNT(*) FROM KI_CCI_R c WHERE NOT EXISTS (SELECT 1 FROM KI_ECD_R e WHERE e.DCD_IDT_ENC = c.DCD_IDT_ENC AND e.ECD_CAU_RNG = 1 AND e.ECD_CIM_COD = c.DCD_CIM_COD)"
            ) == 0)
        // CépiDC's date agrees with the referential's within a day.
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM KI_CCI_R k JOIN IR_BEN_R b ON b.BEN_IDT_ANO = k.BEN_IDT_ANO
                WHERE abs(julianday(k.BEN_DCD_DTE) - julianday(b.BEN_DCD_DTE)) > 1
                """) == 0)
        // Coverage is partial, and lower for the last year.
        let deaths = try count("SELECT COUNT(DISTINCT BEN_IDT_ANO) FROM IR_BEN_R WHERE BEN_DCD_DTE IS NOT NULL")
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R") < deaths)
    }

    @Test func establishmentsAndDrugsHaveValidNumbers() throws {
        let finess = try dataset.open().read { db in
            try String.fetchAll(db, sql: "SELECT IDE_ETA_NUM FROM BE_IDE_R UNION SELECT IDE_GES_NUM FROM BE_IDE_R")
        }
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
            return
                "SELECT '\(yy)' year, '\(yy)/' || c.ETA_NUM || '/' || c.RSA_NUM stay, c.ETA_NUM, c.NIR_ANO_17, c.ENT_DAT, c.SOR_DAT, b.SOR_MOD, b.DGN_PAL, b.GRG_GHM, b.SEJ_NBJ FROM T_MCO\(yy)C c JOIN T_MCO\(yy)B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM"
        }.joined(separator: " UNION ALL ")
    }

    @Test func noCareBeforeBirthAfterDeathOrOutsideThePeriod() throws {
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE EXE_SOI_DTD < '\(start)' OR EXE_SOI_DTD > '\(end)'") == 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM ER_PRS_F p JOIN IR_BEN_R b ON b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM
                WHERE p.EXE_SOI_DTD >= b.BEN_DCD_DTE OR substr(p.EXE_SOI_DTD, 1, 7) < b.BEN_NAI_ANN || '-' || b.BEN_NAI_MOI
                """) == 0)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM (\(stays)) s JOIN IR_BEN_R b ON b.BEN_NIR_PSA = s.NIR_ANO_17
                WHERE s.SOR_DAT > b.BEN_DCD_DTE OR substr(s.ENT_DAT, 1, 7) < b.BEN_NAI_ANN || '-' || b.BEN_NAI_MOI
                   OR s.ENT_DAT < '\(start)' OR s.SOR_DAT > '\(end)' OR s.SOR_DAT < s.ENT_DAT
                """) == 0)
        // The exit is the death day exactly when the stay ends in death (pseudonyms shared by twins,
        // one of whom may have died, left out).
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM (\(stays)) s
                JOIN (SELECT BEN_NIR_PSA, MIN(BEN_DCD_DTE) BEN_DCD_DTE FROM IR_BEN_R GROUP BY BEN_NIR_PSA HAVING COUNT(*) = 1) b
                  ON b.BEN_NIR_PSA = s.NIR_ANO_17
                WHERE (s.SOR_MOD = '9') <> (s.SOR_DAT = COALESCE(b.BEN_DCD_DTE, ''))
                """) == 0)
        #expect(try count("SELECT COUNT(*) FROM (\(stays)) WHERE SOR_MOD = '9'") > 0)
        // PMSI year = discharge year.
        #expect(try count("SELECT COUNT(*) FROM (\(stays)) WHERE substr(SOR_DAT, 3, 2) <> year") == 0)
    }

    /// Stays of one person (through all their pseudonyms) never overlap — but for the day of a
    /// transfer, when one stay ends (SOR_MOD 6 or 7) as the next begins. Pseudonyms shared by
    /// same-sex twins are left out: two babies under one pseudonym may well be in hospital together.
    @Test func aPersonIsInOneStayAtATime() throws {
        let person = """
            SELECT s.*, r.BEN_IDT_ANO person FROM (\(stays)) s
            JOIN (SELECT BEN_NIR_PSA, MIN(BEN_IDT_ANO) BEN_IDT_ANO FROM IR_BEN_R GROUP BY BEN_NIR_PSA HAVING COUNT(*) = 1) r
              ON r.BEN_NIR_PSA = s.NIR_ANO_17
            """
        #expect(try count("SELECT COUNT(*) FROM (\(person))") > 500)
        #expect(
            try count(
                """
                SELECT COUNT(*) FROM (\(person)) a JOIN (\(person)) b ON a.person = b.person AND a.stay < b.stay
                AND a.ENT_DAT <= b.SOR_DAT AND b.ENT_DAT <= a.SOR_DAT
                AND NOT (a.SOR_DAT = b.ENT_DAT AND a.SOR_MOD IN ('6', '7')) AND NOT (b.SOR_DAT = a.ENT_DAT AND b.SOR_MOD IN ('6', '7'))
                """) == 0)
    }

    /// Each newborn's birth stay is in the same maternity, on the same day, as a delivery stay of
    /// the parent who covers the child (through IR_BEN_R: the child's ASS_NIR_ANO is the mother's
    /// BEN_NIR_ANO). Chaining failures on either side leave a few unpaired.
    @Test func eachNewbornIsBornWhereAndWhenItsMotherDelivers() throws {
        let newborns = try count(
            "SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL IN ('Z380', 'Z383') AND NIR_ANO_17 IN (SELECT BEN_NIR_PSA FROM IR_BEN_R)")
        let paired = try count(
            """
            SELECT COUNT(*) FROM (\(stays)) child WHERE child.DGN_PAL IN ('Z380', 'Z383') AND EXISTS (
              SELECT 1 FROM IR_BEN_R c JOIN IR_BEN_R m ON m.BEN_NIR_ANO = c.ASS_NIR_ANO
              JOIN (\(stays)) mother ON mother.NIR_ANO_17 = m.BEN_NIR_PSA
              WHERE c.BEN_NIR_PSA = child.NIR_ANO_17 AND mother.DGN_PAL GLOB 'O8[0-4]*'
                AND mother.ETA_NUM = child.ETA_NUM AND mother.ENT_DAT = child.ENT_DAT)
            """)
        #expect(newborns > 50)
        #expect(Double(paired) / Double(newborns) > 0.9, "\(paired) of \(newborns) newborns paired with their mother's delivery")
    }

    @Test func birthsDeliveriesAndNewbornStaysAgree() throws {
        let births = dataset.manifest.population["birthsDuringPeriod"]!
        let twinPairsBorn =
            try count(
                """
                SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL = 'Z383'
                """) / 2
        let newbornStays = try count("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL IN ('Z380', 'Z383')")
        // Deliveries: O80–O84 (single or multiple, vaginal or caesarean).
        let deliveries = try count("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL GLOB 'O8[0-4]*'")
        // One birth stay per newborn (a few lost to chaining failures), one delivery per birth event.
        #expect(newbornStays <= births && Double(newbornStays) >= Double(births) * 0.9)
        #expect(abs(deliveries - (births - twinPairsBorn)) <= max(3, births / 10))
        #expect(births > 50)
    }
}

/// Coding conventions and dates within a claim or a stay.
@Suite struct CareCodingTests {
    let dataset: GeneratedDataset
    init() throws { dataset = try GeneratedDataset.shared() }

    func count(_ sql: String) throws -> Int {
        try dataset.open().read { db in try Int.fetchOne(db, sql: sql) ?? -1 }
    }

    var b: String { dataset.options.years.map { "SELECT * FROM T_MCO\(pad($0 % 100, 2))B" }.joined(separator: " UNION ALL ") }

    @Test func ghmCodesFollowTheClassificationsShape() throws {
        #expect(try count("SELECT COUNT(*) FROM (\(b))") > 500)
        #expect(try count("SELECT COUNT(*) FROM (\(b)) WHERE GRG_GHM NOT GLOB '[0-2][0-9][CKMZ][0-9][0-9][1-4ABCDJTZ]'") == 0)
        // Sessions end in Z; obstetrics and newborns take A–D; levels 2, 3, 4 need 3, 4, 5 days.
        #expect(try count("SELECT COUNT(*) FROM (\(b)) WHERE substr(GRG_GHM, 1, 2) = '28' AND substr(GRG_GHM, 6) <> 'Z'") == 0)
        #expect(
            try count("SELECT COUNT(*) FROM (\(b)) WHERE substr(GRG_GHM, 1, 2) IN ('14', '15') AND substr(GRG_GHM, 6) NOT IN ('A', 'B', 'C', 'D')")
                == 0)
        #expect(
            try count(
                "SELECT COUNT(*) FROM (\(b)) WHERE (substr(GRG_GHM, 6) = '2' AND SEJ_NBJ < 3) OR (substr(GRG_GHM, 6) = '3' AND SEJ_NBJ < 4) OR (substr(GRG_GHM, 6) = '4' AND SEJ_NBJ < 5)"
            ) == 0)
        #expect(try count("SELECT COUNT(*) FROM (\(b)) WHERE substr(GRG_GHM, 6) = 'J' AND SEJ_NBJ <> 0") == 0)
        // A principal diagnosis is not repeated as an associated one.
        for year in dataset.options.years.map({ pad($0 % 100, 2) }) {
            #expect(
                try count(
                    "SELECT COUNT(*) FROM T_MCO\(year)B x JOIN T_MCO\(year)D d ON d.ETA_NUM = x.ETA_NUM AND d.RSA_NUM = x.RSA_NUM WHERE d.ASS_DGN = x.DGN_PAL"
                ) == 0)
        }
    }

    @Test func claimsAreProcessedAfterCareAndPrescribedBeforeIt() throws {
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE FLX_TRT_DTD < EXE_SOI_DTD OR FLX_DIS_DTD <= FLX_TRT_DTD") == 0)
        #expect(try count("SELECT COUNT(*) FROM ER_PRS_F WHERE PRE_PRE_DTD > EXE_SOI_DTD") == 0)
        // Discharge prescriptions are dated on a discharge day of the patient's (from acute care,
        // or from rehabilitation or care at home after it).
        let fromHospital = try count("SELECT COUNT(*) FROM ER_PRS_F WHERE ETB_PRE_FIN IS NOT NULL")
        let stays = dataset.options.years.flatMap { y in
            ["MCO", "SSR", "HAD"].map { "SELECT NIR_ANO_17, SOR_DAT FROM T_\($0)\(pad(y % 100, 2))C" }
        }.joined(separator: " UNION ALL ")
        let atDischarge = try count(
            """
            SELECT COUNT(*) FROM ER_PRS_F p WHERE ETB_PRE_FIN IS NOT NULL AND EXISTS (
              SELECT 1 FROM IR_BEN_R b JOIN IR_BEN_R o ON o.BEN_IDT_ANO = b.BEN_IDT_ANO JOIN (\(stays)) s ON s.NIR_ANO_17 = o.BEN_NIR_PSA
              WHERE b.BEN_NIR_PSA = p.BEN_NIR_PSA AND b.BEN_RNG_GEM = p.BEN_RNG_GEM AND s.SOR_DAT = p.PRE_PRE_DTD)
            """)
        #expect(fromHospital > 0)
        #expect(Double(atDischarge) / Double(fromHospital) > 0.9)
    }

    /// A claim comes under a pseudonym that is valid for its beneficiary on the day of care: a
    /// parent's until the 18th birthday, the person's own afterwards (validity from the sealed
    /// correspondence).
    @Test func claimsUseThePseudonymValidOnTheirDay() throws {
        var validity: [String: (CalendarDate, CalendarDate?)] = [:]
        for entry in try dataset.correspondence() { validity["\(entry.benNirPsa)/\(entry.rank)"] = (entry.validFrom, entry.validUntil) }
        let claims = try dataset.open().read { db in
            try Row.fetchAll(db, sql: "SELECT DISTINCT BEN_NIR_PSA, BEN_RNG_GEM, EXE_SOI_DTD FROM ER_PRS_F")
        }
        #expect(claims.count > 1000)
        var outside = 0
        for claim in claims {
            guard let (from, until) = validity["\(claim["BEN_NIR_PSA"] as String)/\(claim["BEN_RNG_GEM"] as Int)"],
                let day = CalendarDate(iso: claim["EXE_SOI_DTD"] as String)
            else { outside += 1; continue }
            if day < from || until.map({ day >= $0 }) == true { outside += 1 }
        }
        #expect(outside == 0)
    }

    @Test func causeOfDeathCoverageIsLowerForTheLastYear() throws {
        let first = dataset.options.years.lowerBound, last = dataset.options.years.upperBound
        func coverage(_ year: Int) throws -> Double {
            let deaths = try count("SELECT COUNT(DISTINCT BEN_IDT_ANO) FROM IR_BEN_R WHERE substr(BEN_DCD_DTE, 1, 4) = '\(year)'")
            let records = try count("SELECT COUNT(*) FROM KI_CCI_R WHERE FLX_PER_ANN = '\(year)'")
            return Double(records) / Double(max(1, deaths))
        }
        #expect(try coverage(first) > coverage(last))
        #expect(try coverage(first) > 0.8)
        // A record CépiDC could not link carries nothing that leads to the person.
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R WHERE BEN_IDT_TOP = 0 AND (BEN_IDT_ANO IS NOT NULL OR BEN_NIR_ANO IS NOT NULL)") == 0)
        #expect(try count("SELECT COUNT(*) FROM KI_CCI_R k JOIN IR_BEN_R b ON b.BEN_IDT_ANO = k.DCD_IDT_ENC OR b.BEN_NIR_PSA = k.DCD_IDT_ENC") == 0)
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
            return
                "SELECT '\(yy)' year, c.ETA_NUM, c.RSA_NUM, c.NIR_ANO_17, c.ENT_DAT, c.SOR_DAT, b.SOR_MOD, b.DGN_PAL FROM T_MCO\(yy)C c JOIN T_MCO\(yy)B b ON b.ETA_NUM = c.ETA_NUM AND b.RSA_NUM = c.RSA_NUM"
        }.joined(separator: " UNION ALL ")
    }

    var acts: String {
        dataset.options.years.map { "SELECT '\(pad($0 % 100, 2))' year, * FROM T_MCO\(pad($0 % 100, 2))A" }.joined(separator: " UNION ALL ")
    }

    @Test func anInfarctionBringsItsActAndTheUsualDrugsAfterDischarge() throws {
        let infarctions = try value("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL LIKE 'I21%' AND SOR_MOD <> '9'")
        #expect(infarctions >= 10)
        let withAngiography = try value(
            """
            SELECT COUNT(*) FROM (\(stays)) s WHERE s.DGN_PAL LIKE 'I21%' AND s.SOR_MOD <> '9'
            AND EXISTS (SELECT 1 FROM (\(acts)) a WHERE a.year = s.year AND a.ETA_NUM = s.ETA_NUM AND a.RSA_NUM = s.RSA_NUM AND a.CDC_ACT = 'DDQH009')
            """)
        #expect(withAngiography / infarctions > 0.6)
        // An antiplatelet dispensed within 45 days of discharge, for stays discharged early enough.
        let end = "\(dataset.options.years.upperBound)-11-01"
        let eligible = try value("SELECT COUNT(*) FROM (\(stays)) WHERE DGN_PAL LIKE 'I21%' AND SOR_MOD <> '9' AND SOR_DAT < '\(end)'")
        let treated = try value(
            """
            SELECT COUNT(*) FROM (\(stays)) s WHERE s.DGN_PAL LIKE 'I21%' AND s.SOR_MOD <> '9' AND s.SOR_DAT < '\(end)' AND EXISTS (
              SELECT 1 FROM ER_PRS_F p JOIN ER_PHA_F f ON \(DCIRWriter.joinOnKeys("f", "p"))
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
        let perPerson = try value(
            """
            SELECT AVG(n) FROM (
              SELECT b.BEN_IDT_ANO, COUNT(*) n FROM ER_PRS_F p
              JOIN ER_PHA_F f ON \(DCIRWriter.joinOnKeys("f", "p"))
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
        // Respiratory infections (pneumonia, bronchiolitis) peak in winter; stays ending in death are
        // left out because end-of-life stays also carry J189 without seasonality.
        let infections = "DGN_PAL IN ('J189', 'J219') AND SOR_MOD <> '9'"
        let winter = try value("SELECT COUNT(*) FROM (\(stays)) WHERE \(infections) AND substr(ENT_DAT, 6, 2) IN ('12', '01', '02')")
        let summer = try value("SELECT COUNT(*) FROM (\(stays)) WHERE \(infections) AND substr(ENT_DAT, 6, 2) IN ('06', '07', '08')")
        #expect(winter > summer * 1.3, "respiratory infection stays: \(winter) in winter, \(summer) in summer")
    }

    @Test func diagnosesFollowAgeAndSex() throws {
        let b = dataset.options.years.map { "SELECT * FROM T_MCO\(pad($0 % 100, 2))B" }.joined(separator: " UNION ALL ")
        // Coronary disease (infarction, angina) is about twice as frequent in men.
        let menCoronary = try value("SELECT COUNT(*) FROM (\(b)) WHERE (DGN_PAL LIKE 'I21%' OR DGN_PAL LIKE 'I20%') AND COD_SEX = '1'")
        let womenCoronary = try value("SELECT COUNT(*) FROM (\(b)) WHERE (DGN_PAL LIKE 'I21%' OR DGN_PAL LIKE 'I20%') AND COD_SEX = '2'")
        #expect(menCoronary > womenCoronary * 1.3, "\(menCoronary) men, \(womenCoronary) women")
        #expect(try value("SELECT COUNT(*) FROM (\(b)) WHERE DGN_PAL LIKE 'O%' AND (COD_SEX = '1' OR AGE_ANN < 13 OR AGE_ANN > 55)") == 0)
        #expect(try value("SELECT AVG(AGE_ANN) FROM (\(b)) WHERE DGN_PAL = 'H259'") > 65)
        #expect(try value("SELECT AVG(AGE_ANN) FROM (\(b)) WHERE DGN_PAL = 'S720'") > 70)
        // Under one year the age is in days only (the official schema holds AGE_ANN to 1–120).
        #expect(try value("SELECT COUNT(*) FROM (\(b)) WHERE DGN_PAL IN ('Z380', 'Z383') AND (AGE_ANN IS NOT NULL OR AGE_JOU IS NULL)") == 0)
        #expect(try value("SELECT COUNT(*) FROM (\(b)) WHERE (AGE_JOU IS NULL) = (AGE_ANN IS NULL)") == 0)
    }
}

/// The headline figures of a generated SNDS, against the reference figures shipped with the care
/// model and INSEE: each within its stated tolerance, on 100,000 people (at 20,000, a figure of a
/// few dozen events — infarctions — wanders out of its tolerance by chance alone). The figures,
/// their references, tolerances and sources are the care model's data, not this test's.
@Suite struct HeadlineFigureTests {
    @Test func everyHeadlineFigureIsWithinItsTolerance() throws {
        let dataset = try GeneratedDataset.make(size: 100_000, seed: 7, key: GeneratedDataset.sharedKey)
        defer { try? FileManager.default.removeItem(at: dataset.directory) }
        let reference = try ReferenceData.locate()
        let description = try DatasetDescription.describe(
            dataset.open(), manifest: dataset.manifest,
            model: CareModel.load(from: reference),
            population: PopulationReference(reference: reference), geography: Geography(reference: reference))
        #expect(description.figures.count >= 13)
        for figure in description.figures {
            #expect(
                figure.withinTolerance == true,
                "\(figure.label): \(figure.generated) vs \(figure.reference ?? .nan) ± \((figure.tolerance ?? 0) * 100) %")
        }
        // Care rises with age: the oldest see their GP and the hospital far more than young adults.
        let young = description.byAgeBand.first { $0.band.hasPrefix("25") && $0.sex == 1 }!
        let old = description.byAgeBand.first { $0.band.hasPrefix("85") && $0.sex == 1 }!
        #expect(old.gpContacts > 2.5 * young.gpContacts)
        #expect(old.staysPerThousand > 3 * young.staysPerThousand)
    }
}
