import Foundation
import GRDB
import SNDSModel
import SNDSStore

/// The linked people's SNDS data, keyed by NS: their rows of IR_BEN_R, ER_PRS_F and its detail
/// tables, the PMSI MCO tables of every year, and CépiDC, copied by SQL into a new SQLite file.
///
/// Pseudonym columns (BEN_NIR_PSA, BEN_IDT_ANO, BEN_NIR_ANO, ASS_NIR_ANO, NIR_ANO_17,
/// NIR_ANO_MAM) are replaced by the NS: whoever holds the cohort knows who each NS is, so pairing
/// NS with pseudonyms belongs only in the sealed correspondence. Tables still join as in SNDS:
/// DCIR on the nine keys, PMSI on ETA_NUM + RSA_NUM, CépiDC on DCD_IDT_ENC.
///
/// PMSI stays carry BEN_NIR_PSA without the twin rank, so a stay under a pseudonym that same-sex
/// twins share cannot be attributed to one of them: such stays are left out and counted.
///
/// An ``ExtractionScope`` limits it to a protocol's tables and years; a table needed only to join
/// another (ER_PRS_F for ER_PHA_F, the stays for their diagnoses, the certificates for their
/// causes) is built, used and dropped.
public struct Extraction {
    /// Columns that identify a person or a pseudonym, never copied.
    public static let pseudonymColumns: Set<String> = ["BEN_NIR_PSA", "BEN_IDT_ANO", "BEN_NIR_ANO", "ASS_NIR_ANO", "NIR_ANO_17", "NIR_ANO_MAM"]

    /// One linked NS and one of its person's pseudonym rows.
    public struct Link: Sendable {
        public let ns: String
        public let benNirPsa: String
        public let rank: Int
        public let benIdtAno: String
        public init(ns: String, benNirPsa: String, rank: Int, benIdtAno: String) {
            self.ns = ns
            self.benNirPsa = benNirPsa
            self.rank = rank
            self.benIdtAno = benIdtAno
        }
    }

    public struct Counts: Sendable, Codable, Equatable {
        /// Rows per extracted table, in extraction order.
        public var rows: [String: Int] = [:]
        public var tables: [String] = []
        /// Stays left out because their pseudonym is shared by same-sex twins.
        public var staysUnattributable = 0
        /// The tables and years asked for; nil when everything was (and in runs before the choice).
        public var scope: ExtractionScope?
        /// The forms written: `sqlite`, `csv`, `parquet` (nil in runs before the choice: SQLite and CSV).
        public var files: [String]?
    }

    /// Writes the extraction of `links` from the SNDS at `source` into a new database at `target`.
    public static func write(
        links: [Link], source: URL, years: [Int], scope: ExtractionScope = .everything, to target: URL
    ) throws(StoreError) -> Counts {
        do { return try copy(links: links, source: source, years: years, scope: scope, to: target) } catch {
            throw StoreError.wrap(error, target.path)
        }
    }

    private static func copy(links: [Link], source: URL, years: [Int], scope: ExtractionScope, to target: URL) throws -> Counts {
        var configuration = Configuration()
        configuration.journalMode = .default
        let queue = try DatabaseQueue(path: target.path, configuration: configuration)
        var counts = Counts()
        if !scope.isEverything { counts.scope = scope }
        // Dated rows of the years asked for only (all the dataset's when no year was asked).
        let yearList = years.map { "'\($0)'" }.joined(separator: ", ")
        func dated(_ column: String) -> String { scope.years == nil ? "" : " AND substr(t.\(column), 1, 4) IN (\(yearList))" }
        var helpers: [String] = []  // tables built only to join others, dropped at the end
        try queue.inDatabase { db in
            // secure_delete: a table built only to join another is dropped with its pages zeroed, so
            // the file holds nothing beyond the perimeter asked for, not even in its free pages.
            try db.execute(sql: "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA secure_delete = ON")
            try db.execute(sql: "ATTACH DATABASE ? AS snds", arguments: [source.path])
            try db.execute(
                sql: "CREATE TEMP TABLE links (NS TEXT NOT NULL, BEN_NIR_PSA TEXT NOT NULL, BEN_RNG_GEM INTEGER NOT NULL, BEN_IDT_ANO TEXT NOT NULL)")
            let insert = try db.makeStatement(sql: "INSERT INTO temp.links VALUES (?, ?, ?, ?)")
            for l in links { try insert.execute(arguments: [l.ns, l.benNirPsa, l.rank, l.benIdtAno]) }
            try db.execute(sql: "CREATE INDEX temp.links_psa ON links (BEN_NIR_PSA, BEN_RNG_GEM)")
            // Pseudonyms that belong to more than one person (same-sex twins): no PMSI through them.
            // Their stays are counted once per NS they would have gone to, as delivered stays are.
            try db.execute(
                sql: """
                    CREATE TEMP TABLE stay_keys AS
                    SELECT DISTINCT l.NS, l.BEN_NIR_PSA FROM temp.links l
                    WHERE NOT EXISTS (SELECT 1 FROM snds.IR_BEN_R b WHERE b.BEN_NIR_PSA = l.BEN_NIR_PSA AND b.BEN_IDT_ANO <> l.BEN_IDT_ANO)
                    """)
            try db.execute(
                sql: """
                    CREATE TEMP TABLE shared_keys AS
                    SELECT DISTINCT l.NS, l.BEN_NIR_PSA FROM temp.links l
                    WHERE EXISTS (SELECT 1 FROM snds.IR_BEN_R b WHERE b.BEN_NIR_PSA = l.BEN_NIR_PSA AND b.BEN_IDT_ANO <> l.BEN_IDT_ANO)
                    """)

            func copy(_ table: String, from: String, on join: String, select ns: String) throws {
                guard try db.tableExists(table, in: "snds") else { return }
                let columns = try Row.fetchAll(db, sql: "SELECT name, type FROM snds.pragma_table_info(?)", arguments: [table])
                    .map { (name: $0[0] as String, type: $0[1] as String) }
                    .filter { !pseudonymColumns.contains($0.name) }
                let declared = (["\"NS\" TEXT NOT NULL"] + columns.map { "\(quote($0.name)) \($0.type)" }).joined(separator: ", ")
                try db.execute(sql: "CREATE TABLE main.\(quote(table)) (\(declared))")
                let selected = ([ns] + columns.map { "t.\(quote($0.name))" }).joined(separator: ", ")
                try db.execute(sql: "INSERT INTO main.\(quote(table)) SELECT \(selected) FROM \(from) JOIN snds.\(quote(table)) t ON \(join)")
                counts.tables.append(table)
                counts.rows[table] = db.changesCount
            }
            let person = "t.BEN_NIR_PSA = l.BEN_NIR_PSA AND t.BEN_RNG_GEM = l.BEN_RNG_GEM"
            if scope.includes("IR_BEN_R") { try copy("IR_BEN_R", from: "temp.links l", on: person, select: "l.NS") }
            // Long-term conditions (ALD) are a referential too: whole, for the linked people.
            if scope.includes("IR_IMB_R") { try copy("IR_IMB_R", from: "temp.links l", on: person, select: "l.NS") }
            let dcirDetails = ["ER_PHA_F", "ER_CAM_F", "ER_ETE_F", "ER_BIO_F", "ER_TRS_F"].filter(scope.includes)
            if scope.includes("ER_PRS_F") || !dcirDetails.isEmpty {
                try copy("ER_PRS_F", from: "temp.links l", on: person + dated("EXE_SOI_DTD"), select: "l.NS")
                if !scope.includes("ER_PRS_F") { helpers.append("ER_PRS_F") }
            }
            let nineKeys = DCIRKeys.join("t", "p")
            for detail in dcirDetails {
                try copy(detail, from: "main.ER_PRS_F p", on: nineKeys, select: "p.NS")
            }
            let mco = ["C", "B", "D", "A"].filter { scope.includes("T_MCOaa\($0)") }
            for year in years where !mco.isEmpty {
                let aa = pad(year % 100, 2)
                let c = "T_MCO\(aa)C"
                guard try db.tableExists(c, in: "snds") else { continue }
                try copy(c, from: "temp.stay_keys l", on: "t.NIR_ANO_17 = l.BEN_NIR_PSA", select: "l.NS")
                if !mco.contains("C") { helpers.append(c) }
                counts.staysUnattributable +=
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM temp.shared_keys s JOIN snds.\(c) t ON t.NIR_ANO_17 = s.BEN_NIR_PSA") ?? 0
                // B types ETA_NUM and RSA_NUM as integers like C; D and A as text, ETA_NUM on 9
                // positions: the probe is converted so that the join uses their index.
                if mco.contains("B") {
                    try copy("T_MCO\(aa)B", from: "main.\(c) c", on: "t.ETA_NUM = c.ETA_NUM AND t.RSA_NUM = c.RSA_NUM", select: "c.NS")
                }
                for detail in ["D", "A"] where mco.contains(detail) {
                    try copy(
                        "T_MCO\(aa)\(detail)", from: "main.\(c) c",
                        on: "t.ETA_NUM = printf('%09d', c.ETA_NUM) AND t.RSA_NUM = CAST(c.RSA_NUM AS TEXT)", select: "c.NS")
                }
            }
            if scope.includes("KI_CCI_R") || scope.includes("KI_ECD_R") {
                try db.execute(
                    sql: """
                        CREATE TEMP TABLE people AS SELECT DISTINCT NS, BEN_IDT_ANO FROM temp.links
                        """)
                try copy("KI_CCI_R", from: "temp.people l", on: "t.BEN_IDT_ANO = l.BEN_IDT_ANO" + dated("BEN_DCD_DTE"), select: "l.NS")
                if !scope.includes("KI_CCI_R") { helpers.append("KI_CCI_R") }
                if scope.includes("KI_ECD_R") {
                    try copy("KI_ECD_R", from: "main.KI_CCI_R c", on: "t.DCD_IDT_ENC = c.DCD_IDT_ENC", select: "c.NS")
                }
            }
            for helper in helpers where counts.tables.contains(helper) {
                try db.execute(sql: "DROP TABLE main.\(quote(helper))")
                counts.tables.removeAll { $0 == helper }
                counts.rows[helper] = nil
            }
            // Indexes for what a team joins on: NS, and the SNDS keys within the extraction.
            for table in counts.tables {
                try db.execute(sql: "CREATE INDEX \(quote("idx_\(table)_NS")) ON \(quote(table)) (NS)")
                if table.hasPrefix("ER_") {
                    try db.execute(
                        sql: "CREATE INDEX \(quote("idx_\(table)_keys")) ON \(quote(table)) (\(DCIRKeys.indexColumns.joined(separator: ", ")))")
                } else if table.hasPrefix("T_MCO") {
                    try db.execute(sql: "CREATE INDEX \(quote("idx_\(table)_stay")) ON \(quote(table)) (ETA_NUM, RSA_NUM)")
                }
            }
            try db.execute(sql: "DETACH DATABASE snds")
        }
        // The dropped tables' zeroed pages given back: the file is the perimeter's size.
        if !helpers.isEmpty { try queue.inDatabase { db in try db.execute(sql: "VACUUM") } }
        try queue.close()
        return counts
    }

    static func quote(_ name: String) -> String { ColumnType.quote(name) }
}
