import Foundation
import GRDB
import SNDSModel
import SNDSStore
import TestSupport
import Testing

@testable import Synthesis

/// IR_BEN_R and the nomenclatures loaded beside it, against their shipped schemas.
@Suite struct ReferentialConformanceTests {
    let dataset: GeneratedDataset
    init() throws { dataset = try GeneratedDataset.shared() }

    @Test func everyTableConformsToItsSchema() throws {
        let database = try dataset.open()
        let reference = try ReferenceData.locate()
        let tables = try database.tableNames()
        let expected = [
            "IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "ER_ETE_F", "T_MCO23C", "T_MCO23B", "T_MCO23D",
            "T_MCO23A", "T_MCO24C", "T_MCO24B", "T_MCO24D", "T_MCO24A", "KI_CCI_R", "KI_ECD_R", "BE_IDE_R", "IR_PHA_R",
        ]
        #expect(Set(expected).isSubset(of: tables), "missing: \(Set(expected).subtracting(tables))")
        for table in tables {
            // Yearly PMSI tables (T_MCO23C, T_SSR24B) are described by their template (T_MCOaaC).
            let template = TableSchema.yearlyTemplate(of: table) ?? table
            let schema = try reference.anySchema(named: String(template)).forYear(dataset.options.years.lowerBound)
            let named = TableSchema(
                name: table, title: schema.title, fields: schema.fields, primaryKey: schema.primaryKey,
                foreignKeys: schema.foreignKeys)
            let violations = try database.read { db in
                try SchemaConformance.check(db, schema: named, nomenclatures: { try? reference.anySchema(named: $0) })
            }
            #expect(violations.isEmpty, "\(violations)")
        }
    }

    /// The checker itself finds what is wrong (so an empty list above means something).
    @Test func theConformanceCheckerCatchesDefects() throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("conformance-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: scratch) }
        try FileManager.default.copyItem(at: dataset.files.database, to: scratch)
        let queue = try DatabaseQueue(path: scratch.path)
        try queue.write { db in
            try db.execute(
                sql: """
                    UPDATE IR_BEN_R SET BEN_NIR_PSA = BEN_NIR_PSA || 'X' WHERE rowid = 1;
                    UPDATE IR_BEN_R SET BEN_SEX_COD = 7 WHERE rowid = 2;
                    UPDATE IR_BEN_R SET BEN_DTE_INS = '2023-02-30' WHERE rowid = 3;
                    UPDATE IR_BEN_R SET BEN_NAI_MOI = '13' WHERE rowid = 4;
                    UPDATE IR_BEN_R SET BEN_RES_DPT = '0ZZ' WHERE rowid = 5;
                    UPDATE IR_BEN_R SET BEN_RNG_GEM = 'one' WHERE rowid = 6;
                    """)
        }
        let schema = try ReferenceData.locate().schema(named: "IR_BEN_R")
        let found = try queue.read { db in try SchemaConformance.check(db, schema: schema) }
        let columns = Set(found.compactMap(\.column))
        #expect(columns.isSuperset(of: ["BEN_NIR_PSA", "BEN_SEX_COD", "BEN_DTE_INS", "BEN_NAI_MOI", "BEN_RES_DPT", "BEN_RNG_GEM"]), "\(found)")
        try queue.write { db in try db.execute(sql: "ALTER TABLE IR_BEN_R ADD COLUMN EXTRA TEXT") }
        let structural = try queue.read { db in try SchemaConformance.check(db, schema: schema) }
        #expect(structural.contains { $0.column == nil && $0.problem.contains("EXTRA") })
    }

    @Test func residencesAreCommunesOfTheirDepartement() throws {
        let strays = try dataset.open().read { db in
            try Int.fetchOne(
                db,
                sql: """
                    SELECT COUNT(*) FROM IR_BEN_R b WHERE NOT EXISTS (
                      SELECT 1 FROM IR_GEO_V g WHERE g.GEO_DPT_COD = b.BEN_RES_DPT AND g.GEO_COM_COD = b.BEN_RES_COM)
                    """)
        }
        #expect(strays == 0)
    }

    @Test func datesFollowTheCalendarOfALife() throws {
        let end = "\(dataset.options.years.upperBound)-12-31", start = "\(dataset.options.years.lowerBound)-01-01"
        let problems = try dataset.open().read { db in
            try Row.fetchOne(
                db,
                sql: """
                    SELECT
                      SUM(BEN_DTE_INS > BEN_DTE_MAJ),
                      SUM(BEN_DTE_MAJ > '\(end)'),
                      SUM(BEN_DCD_DTE IS NOT NULL AND (BEN_DCD_DTE < '\(start)' OR BEN_DCD_DTE > '\(end)')),
                      SUM(BEN_DCD_DTE IS NOT NULL AND substr(BEN_DCD_DTE, 1, 7) < BEN_NAI_ANN || '-' || BEN_NAI_MOI),
                      SUM(BEN_DCD_DTE IS NOT NULL AND BEN_DCD_AME <> substr(BEN_DCD_DTE, 1, 4) || substr(BEN_DCD_DTE, 6, 2)),
                      SUM((BEN_DCD_DTE IS NULL) <> (BEN_DCD_AME IS NULL)),
                      SUM(substr(BEN_DTE_INS, 1, 7) < BEN_NAI_ANN || '-' || BEN_NAI_MOI),
                      COUNT(DISTINCT CASE WHEN BEN_DCD_DTE IS NOT NULL THEN BEN_IDT_ANO END)
                    FROM IR_BEN_R
                    """)!
        }
        for i in 0..<7 { #expect((problems[i] as Int?) == 0, "check \(i) failed: \(problems[i] as Int?)") }
        #expect((problems[7] as Int) == dataset.manifest.population["deathsDuringPeriod"])
        // A person's rows agree on the death date.
        let disagreeing = try dataset.open().read { db in
            try Int.fetchOne(
                db, sql: "SELECT COUNT(*) FROM (SELECT BEN_IDT_ANO FROM IR_BEN_R GROUP BY 1 HAVING COUNT(DISTINCT COALESCE(BEN_DCD_DTE, '-')) > 1)")
        }
        #expect(disagreeing == 0)
    }

    @Test func theManifestDescribesTheFilesBesideIt() throws {
        let manifest = try DatasetManifest.load(for: dataset.files)
        let database = try dataset.open()
        #expect(try database.metadata("dataset_id") == manifest.datasetId)
        #expect(manifest.keyFingerprint == dataset.key.fingerprint)
        #expect(manifest.seed == 42 && manifest.beneficiariesRequested == dataset.options.beneficiaries)
        for table in manifest.tables {
            #expect(try database.rowCount(table.name) == table.rows)
            #expect(try database.read { db in try TableDigest.compute(db, table: table.name) } == table.digest)
        }
        #expect(Set(manifest.tables.map(\.name)) == Set(try database.tableNames()))
        #expect(manifest.table("IR_BEN_R")?.rows == manifest.population["referentialRows"])
        let sealed = try Data(contentsOf: dataset.files.correspondence)
        #expect(manifest.files.correspondenceBytes == sealed.count)
        #expect(manifest.pseudonymisation.iterations == GeneratedDataset.cheapIterations)
    }
}
