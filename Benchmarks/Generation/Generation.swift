// Generation speed of the care tables against a bare SQLite bulk-insert loop of the same rows,
// measured in the same run. Goal (issue 3): ours ≥ 0.5 × the bare loop, in rows per second.
//
//     swift package --allow-writing-to-package-directory benchmark --target GenerationBenchmarks
//
// Ours: the seconds the generator spends simulating people and writing DCIR, PMSI and CépiDC rows
// (hashing, the population, nomenclatures, indexes and digests excluded), from the manifest's
// timings. Bare: the very rows ours wrote (read back into memory first, untimed), inserted into a
// fresh database with the same pragmas through raw sqlite3 prepared statements, one transaction,
// only the columns ours filled. Per family, ours counts the family's writing time plus its share
// of the simulation time in proportion to its rows. APPARIEMENT_BENCH_BENEFICIARIES sets the size
// (default 4,000 people, about 330,000 care rows).
import Benchmark
import Foundation
import GRDB
import GRDBSQLite
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis

let size = Int(ProcessInfo.processInfo.environment["APPARIEMENT_BENCH_BENEFICIARIES"] ?? "") ?? 4_000

struct Family {
    let name: String
    let tables: [String]
}

func families(_ tables: [String]) -> [Family] {
    [
        Family(name: "DCIR", tables: tables.filter { $0.hasPrefix("ER_") }),
        Family(name: "PMSI", tables: tables.filter { $0.hasPrefix("T_MCO") }),
        Family(name: "CepiDC", tables: tables.filter { $0.hasPrefix("KI_") }),
    ]
}

/// The rows of a table, the columns ours filled only.
struct LoadedTable {
    let name: String
    let columns: [String]
    let values: [SQLiteValue]
    var rows: Int { columns.isEmpty ? 0 : values.count / columns.count }
}

func load(_ db: Database, table: String) throws -> LoadedTable {
    let all = try db.columns(in: table).map(\.name)
    let filled = try all.filter { try (Int.fetchOne(db, sql: "SELECT COUNT(\(ColumnType.quote($0))) FROM \(table)") ?? 0) > 0 }
    var values: [SQLiteValue] = []
    let rows = try Row.fetchCursor(db, sql: "SELECT \(filled.map(ColumnType.quote).joined(separator: ", ")) FROM \(table)")
    while let row = try rows.next() {
        for i in 0..<filled.count {
            let value: DatabaseValue = row[i]
            switch value.storage {
            case .null: values.append(.null)
            case .int64(let v): values.append(.integer(v))
            case .double(let v): values.append(.real(v))
            case .string(let v): values.append(.text(v))
            case .blob: values.append(.null)
            }
        }
    }
    return LoadedTable(name: table, columns: filled, values: values)
}

/// The bare arm: sqlite3 prepared statements, bind, step, reset — nothing else.
func bareInsert(_ tables: [LoadedTable], ddl: [String: String], into path: String) -> Duration {
    var db: OpaquePointer?
    sqlite3_open(path, &db)
    defer { sqlite3_close(db) }
    sqlite3_exec(
        db,
        "PRAGMA page_size = 8192; PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -262144;",
        nil, nil, nil)
    for t in tables { sqlite3_exec(db, ddl[t.name]!, nil, nil, nil) }
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    return ContinuousClock().measure {
        sqlite3_exec(db, "BEGIN", nil, nil, nil)
        for t in tables {
            var statement: OpaquePointer?
            let sql =
                "INSERT INTO \(t.name) (\(t.columns.joined(separator: ", "))) VALUES (\(Array(repeating: "?", count: t.columns.count).joined(separator: ", ")))"
            sqlite3_prepare_v2(db, sql, -1, &statement, nil)
            var i = 0
            while i < t.values.count {
                for c in 0..<t.columns.count {
                    let index = Int32(c + 1)
                    switch t.values[i + c] {
                    case .null: sqlite3_bind_null(statement, index)
                    case .integer(let v): sqlite3_bind_int64(statement, index, v)
                    case .real(let v): sqlite3_bind_double(statement, index, v)
                    case .text(let v):
                        var s = v
                        _ = s.withUTF8 {
                            sqlite3_bind_text(
                                statement, index, UnsafeRawPointer($0.baseAddress!).assumingMemoryBound(to: CChar.self), Int32($0.count), transient)
                        }
                    }
                }
                sqlite3_step(statement)
                sqlite3_reset(statement)
                i += t.columns.count
            }
            sqlite3_finalize(statement)
        }
        sqlite3_exec(db, "COMMIT", nil, nil, nil)
    }
}

func metric(_ name: String) -> BenchmarkMetric { .custom(name, polarity: .prefersLarger, useScalingFactor: false) }
let ratioAll = metric("ratio ‰ ours/bare, all care rows")
let ratioDCIR = metric("ratio ‰ ours/bare, DCIR")
let ratioPMSI = metric("ratio ‰ ours/bare, PMSI")
let oursRate = metric("ours, care rows/s")
let bareRate = metric("bare, care rows/s")

let benchmarks: @Sendable () -> Void = {
    Benchmark(
        "care generation vs bare SQLite insert (\(size) people)",
        configuration: .init(
            metrics: [ratioAll, ratioDCIR, ratioPMSI, oursRate, bareRate], warmupIterations: 0,
            maxDuration: .seconds(900), maxIterations: 3)
    ) { benchmark in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var options = GenerationOptions()
        options.beneficiaries = size
        options.iterations = 1
        options.memoryKiB = 64
        options.files = DatasetFiles(database: directory.appendingPathComponent("snds.sqlite"))
        let reference = try! SynthesisReference(data: ReferenceData.locate())
        let manifest = try! SyntheticSNDSGenerator(reference: reference, options: options).generate(key: .random())

        let store = try! SNDSDatabase.openReadOnly(at: options.files.database)
        let careTables = manifest.tables.map(\.name).filter { $0.hasPrefix("ER_") || $0.hasPrefix("T_MCO") || $0.hasPrefix("KI_") }
        let (loaded, ddl): ([LoadedTable], [String: String]) = try! store.read { db in
            let ddl = Dictionary(
                uniqueKeysWithValues: try Row.fetchAll(db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'table'")
                    .map { ($0["name"] as String, $0["sql"] as String) })
            return (try careTables.map { try load(db, table: $0) }, ddl)
        }
        try? store.close()
        let bareSeconds = families(careTables).reduce(into: [String: Double]()) { result, family in
            let path = directory.appendingPathComponent("bare-\(family.name).sqlite").path
            result[family.name] = bareInsert(loaded.filter { family.tables.contains($0.name) }, ddl: ddl, into: path).asSeconds
        }
        let rows = Dictionary(uniqueKeysWithValues: loaded.map { ($0.name, $0.rows) })
        let total = Double(rows.values.reduce(0, +))
        let t = manifest.timings
        let simulation = t["care.simulation"] ?? 0
        let writing = ["DCIR": t["care.dcir"] ?? 0, "PMSI": t["care.pmsi"] ?? 0, "CepiDC": t["care.cepidc"] ?? 0]
        var ratios: [String: Double] = [:]
        for family in families(careTables) {
            let familyRows = Double(family.tables.reduce(0) { $0 + rows[$1]! })
            let ours = familyRows / (writing[family.name]! + simulation * familyRows / total)
            let bare = familyRows / bareSeconds[family.name]!
            ratios[family.name] = ours / bare
        }
        let oursAll = total / (simulation + writing.values.reduce(0, +))
        let bareAll = total / bareSeconds.values.reduce(0, +)
        benchmark.measurement(ratioAll, Int((oursAll / bareAll * 1000).rounded()))
        benchmark.measurement(ratioDCIR, Int((ratios["DCIR"]! * 1000).rounded()))
        benchmark.measurement(ratioPMSI, Int((ratios["PMSI"]! * 1000).rounded()))
        benchmark.measurement(oursRate, Int(oursAll.rounded()))
        benchmark.measurement(bareRate, Int(bareAll.rounded()))
    }
}

extension Duration {
    var asSeconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
