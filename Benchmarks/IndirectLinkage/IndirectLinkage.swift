// End-to-end indirect linkage of a 10,000-line registry cohort (scenario `sejours`, shipped noise
// profile, rules/default.yml) against a synthetic SNDS of 100,000 or 1,000,000 beneficiaries:
// wall time, peak memory, and the time of each stage.
//
//     swift package --allow-writing-to-package-directory benchmark --target IndirectLinkageBenchmarks
//
// The dataset: APPARIEMENT_BENCH_DATABASE (an existing synthetic SNDS) with its key in
// APPARIEMENT_BENCH_KEY_FILE, else one generated in the set-up with APPARIEMENT_BENCH_BENEFICIARIES
// people (default 100,000; generating 1,000,000 takes most of an hour, so pass one made by
// `appariement generate`). APPARIEMENT_BENCH_COHORT sets the cohort's size (default 10,000). The
// cohort is drawn in the set-up; each iteration runs `probabiliste --no-extraction` (read and
// validate, build the candidate events, measure discriminance and uniqueness, link group by group,
// write the sealed correspondence, results and rejects), then the same with the extraction, then
// the bare join (``BareJoin``) on the same values: the ratio of the engine's join stage (the
// summary's "linkage" timing) to it is measured in the same iteration (issue 7).
import Benchmark
import Foundation
import GRDB
import Linkage
import Pseudonymisation
import SNDSModel
import SNDSStore
import Synthesis

let environment = ProcessInfo.processInfo.environment
let lines = Int(environment["APPARIEMENT_BENCH_COHORT"] ?? "") ?? 10_000

struct Setup: @unchecked Sendable {
    let directory: URL
    let files: DatasetFiles
    let key: SecretKey
    let cohort: URL
    let people: Int
    let reference: ReferenceData
    let join: BareJoin

    static let shared: Setup = {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-indirect-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let reference = try! ReferenceData.locate()
        let files: DatasetFiles, key: SecretKey
        if let database = environment["APPARIEMENT_BENCH_DATABASE"] {
            files = DatasetFiles(database: URL(fileURLWithPath: database))
            key = try! KeyFile.load(at: URL(fileURLWithPath: environment["APPARIEMENT_BENCH_KEY_FILE"] ?? "synthetic/secret.key"))
        } else {
            var options = GenerationOptions()
            options.beneficiaries = Int(environment["APPARIEMENT_BENCH_BENEFICIARIES"] ?? "") ?? 100_000
            options.files = DatasetFiles(database: directory.appendingPathComponent("snds.sqlite"))
            key = SecretKey.random()
            _ = try! SyntheticSNDSGenerator(reference: SynthesisReference(data: reference), options: options).generate(key: key)
            files = options.files
        }
        let manifest = try! DatasetVerifier.verifyIdentity(files)
        let database = try! SNDSDatabase.openReadOnly(at: files.database)
        let generator = try! IndirectCohortGenerator(
            database: database, years: manifest.years,
            scenario: IndirectScenario.named("sejours")!,
            profile: IndirectNoiseProfile.load(nil, reference: reference))
        try! database.close()
        let made = try! generator.make(size: lines, seed: 1)
        let cohort = directory.appendingPathComponent("cohort.csv")
        try! made.csv.write(to: cohort, atomically: true, encoding: .utf8)
        let join = try! BareJoin.prepare(
            cohort: cohort, rules: URL(fileURLWithPath: "rules/default.yml"), files: files,
            years: manifest.years, reference: reference)
        return Setup(
            directory: directory, files: files, key: key, cohort: cohort,
            people: manifest.population["personsOnFirstJanuary"] ?? 0, reference: reference, join: join)
    }()
}

func metric(_ name: String, larger: Bool = false) -> BenchmarkMetric {
    .custom(name, polarity: larger ? .prefersLarger : .prefersSmaller, useScalingFactor: false)
}
let linkageMs = metric("linkage end to end, ms")
let extractionMs = metric("linkage + extraction, ms")
let candidatesMs = metric("candidate events, ms")
let discriminanceMs = metric("discriminance and uniqueness, ms")
let joinsMs = metric("groups (joins), ms")
let foundPermille = metric("found ‰ of the cohort", larger: true)
let bareJoinUs = metric("bare join, all groups, µs")
let bareGroup1Us = metric("bare join, group 1 only, µs")
let joinRatio = metric("join ratio ×10 (engine's linkage stage / bare join)")
let joinRatioGroup1 = metric("join ratio ×10 (engine's linkage stage / bare group 1)")

let benchmarks: @Sendable () -> Void = {
    let rules = URL(fileURLWithPath: "rules/default.yml")
    Benchmark(
        "indirect linkage (\(lines) lines)",
        configuration: .init(
            metrics: [
                .wallClock, .peakMemoryResident, linkageMs, extractionMs, candidatesMs, discriminanceMs,
                joinsMs, foundPermille, bareJoinUs, bareGroup1Us, joinRatio, joinRatioGroup1,
            ],
            warmupIterations: 0, maxDuration: .seconds(1800), maxIterations: 3)
    ) { benchmark in
        let setup = Setup.shared
        func run(extraction: Bool) -> IndirectSummary {
            var options = IndirectRun.Options(
                cohort: setup.cohort, rules: rules, dataset: setup.files,
                output: setup.directory.appendingPathComponent("run-\(extraction)"))
            options.extraction = extraction
            options.replaceExisting = true
            return try! IndirectRun.run(options, key: setup.key, reference: setup.reference)
        }
        let linkage = run(extraction: false)
        let withExtraction = run(extraction: true)
        func ms(_ s: Double?) -> Int { Int(((s ?? 0) * 1000).rounded()) }
        benchmark.measurement(linkageMs, ms(linkage.timings["total"]))
        benchmark.measurement(extractionMs, ms(withExtraction.timings["total"]))
        benchmark.measurement(candidatesMs, ms(linkage.timings["candidates"]))
        benchmark.measurement(discriminanceMs, ms(linkage.timings["discriminance"]))
        benchmark.measurement(joinsMs, ms(linkage.timings["linkage"]))
        benchmark.measurement(foundPermille, Int((linkage.counts.foundRate * 1000).rounded()))
        // The bare arm, in the same iteration, on the same values.
        var links = 0
        let all = seconds { links = setup.join.run(groups: nil) }
        let group1 = seconds { blackHole(setup.join.run(groups: [1])) }
        let stage = linkage.timings["linkage"] ?? 0
        benchmark.measurement(bareJoinUs, Int((all * 1e6).rounded()))
        benchmark.measurement(bareGroup1Us, Int((group1 * 1e6).rounded()))
        benchmark.measurement(joinRatio, Int((stage / all * 10).rounded()))
        benchmark.measurement(joinRatioGroup1, Int((stage / group1 * 10).rounded()))
        FileHandle.standardError.write(
            Data(
                ("\(setup.people) people, \(linkage.candidates.events) candidate events; "
                    + "found \(linkage.counts.found) by the engine, \(links) by the bare join; linkage stage \(ms(stage)) ms, "
                    + "bare join \(Int(all * 1e6)) µs (group 1: \(Int(group1 * 1e6)) µs)\n").utf8))
    }
}

func seconds(_ body: () -> Void) -> Double {
    let start = ContinuousClock.now
    body()
    let (s, atto) = (ContinuousClock.now - start).components
    return Double(s) + Double(atto) / 1e18
}

/// The bare baseline of the engine's join stage: the same links, made by a plain in-memory hash
/// join in Swift.
///
/// Why this is the minimum work of the join: the engine's "linkage" stage (`loadCohort` + `link`)
/// takes the cohort's valid lines and the candidate events (already built, normalised and coded by
/// the earlier stages), and for each group runs one join per configuration of the plan, keeps the
/// matches unique both ways, and removes linked lines and persons from the pool. This arm does that
/// and nothing more: per configuration, a hash table of the pool's events keyed on the
/// configuration's exact criteria (the codes packed into 128 bits), each line probing it once, the
/// bucket filtered on the date criteria (within ±d days) and on persons already linked — a line
/// leaving up to `max_missing` criteria empty is joined on the others, one table per such set of
/// empty criteria, as the engine does (rules/default.yml keeps the default, 1; criteria marked
/// `keep` are always compared, an empty value matching nothing; a line leaving more empty matches
/// nothing in the configuration) — then the
/// same uniqueness rules as the engine (a line with one person, that person matched by that line
/// alone, no other line claiming it in the group). Its links are counted and printed beside the
/// engine's, so that it is seen to do the same job.
///
/// What it is spared, and the ratio therefore charges the engine for: loading the cohort into
/// SQLite and normalising it in SQL (the values here are read, set-up and untimed, from the
/// engine's own TEMP tables, so both arms compare exactly the same values), the string
/// comparisons of SQL (here each value is a dictionary code, a date its day number), the SQL
/// indexes, the matches table and the per-line outcomes with their exclusion reasons. The group-1
/// figure (every criterion kept: one configuration) is the single join alone.
struct BareJoin: Sendable {
    /// NULL: never equal to anything, as in SQL.
    static let null = Int64.min
    /// Per criterion: the date tolerance in days, nil for an exact comparison.
    let tolerance: [Int64?]
    /// Per criterion, per event: the code (exact criteria) or the day number (dates).
    let events: [[Int64]]
    let eventPerson: [Int32]
    /// Per criterion, per valid cohort line.
    let lines: [[Int64]]
    /// Per criterion: bits taken by its codes in a packed key.
    let widths: [Int]
    /// Per criterion: marked `keep` (compared even when the line leaves it empty).
    let keep: [Bool]
    /// Empty criteria a line may leave uncompared in a configuration (the rules' `max_missing`).
    let maxMissing: Int
    let configurations: [(group: Int, kept: [Int])]

    /// Reads the engine's own normalised values: a set-up engine builds the candidate events and
    /// loads the cohort exactly as a run does, then its TEMP tables are read into arrays.
    static func prepare(
        cohort url: URL, rules rulesURL: URL, files: DatasetFiles, years: [Int],
        reference: ReferenceData
    ) throws -> BareJoin {
        let rules = try IndirectRules.load(rulesURL, reference: reference)
        let cohort = try IndirectCohort(file: CohortFile(url: url, columns: rules.cohortColumns), rules: rules)
        let database = try SNDSDatabase.openReadOnly(at: files.database)
        defer { try? database.close() }
        let candidates = try CandidateEvents(rules: rules, database: database, years: years)
        let plan = candidates.plan
        let profile = candidates.profile()
        // Loaded only for its TEMP tables, read below: the pool is not linked.
        _ = try candidates.load(cohort, profile: profile)
        let n = rules.criteria.count
        let tolerance: [Int64?] = rules.criteria.map { if case .withinDays(let d) = $0.comparison { Int64(d) } else { nil } }
        let columns = (0..<n).map { "v\($0)" }.joined(separator: ", ")
        var dictionaries = Array(repeating: [DatabaseValue: Int64](), count: n)
        func code(_ value: DatabaseValue, _ c: Int) -> Int64 {
            if value.isNull { return null }
            if tolerance[c] != nil {
                guard case .int64(let day) = value.storage else { return null }
                return day
            }
            if let known = dictionaries[c][value] { return known }
            let new = Int64(dictionaries[c].count + 1)
            dictionaries[c][value] = new
            return new
        }
        var events = Array(repeating: [Int64](), count: n), lines = Array(repeating: [Int64](), count: n)
        var eventPerson: [Int32] = [], persons: [String: Int32] = [:]
        try database.queue.inDatabase { db in
            let cursor = try Row.fetchCursor(db, sql: "SELECT person, \(columns) FROM temp.candidates")
            while let row = try cursor.next() {
                let person: String = row[0]
                if persons[person] == nil { persons[person] = Int32(persons.count) }
                eventPerson.append(persons[person]!)
                for c in 0..<n { events[c].append(code(row[c + 1], c)) }
            }
            for row in try Row.fetchAll(db, sql: "SELECT \(columns) FROM temp.cohort ORDER BY line") {
                for c in 0..<n { lines[c].append(code(row[c], c)) }
            }
        }
        let widths = (0..<n).map { c in Int64.bitWidth - Int64(dictionaries[c].count + 1).leadingZeroBitCount }
        return BareJoin(
            tolerance: tolerance, events: events, eventPerson: eventPerson, lines: lines, widths: widths,
            keep: rules.criteria.map(\.keep), maxMissing: rules.strategy.maxMissing,
            configurations: plan.configurations.map { ($0.group, $0.kept) })
    }

    struct Key: Hashable { var high: UInt64 = 0, low: UInt64 = 0 }

    /// Runs the plan's groups (or only `groups`) and returns the number of lines linked.
    func run(groups only: Set<Int>?) -> Int {
        let lineCount = lines.first?.count ?? 0
        var linkedLine = [Bool](repeating: false, count: lineCount)
        var linkedPerson = [Bool](repeating: false, count: (eventPerson.max().map { Int($0) } ?? -1) + 1)
        var links = 0
        let groups = Array(Set(configurations.map(\.group))).sorted().filter { only?.contains($0) ?? true }
        for group in groups {
            // Per configuration of the group: for each line matching exactly one person, that person.
            var uniqueByLine: [Int: Set<Int32>] = [:]
            var linesOfPerson: [Int32: Set<Int>] = [:]
            for cfg in configurations where cfg.group == group {
                var matched: [(line: Int, persons: [Int32])] = []
                var personLines: [Int32: Int] = [:]
                // The pool's lines by the criteria they leave empty: those are not compared for them.
                let skippable = maxMissing > 0 ? cfg.kept.filter { !keep[$0] } : []
                var byMissing: [Int: [Int]] = [:]
                for line in 0..<lineCount where !linkedLine[line] {
                    var mask = 0
                    for (k, c) in skippable.enumerated() where lines[c][line] == Self.null { mask |= 1 << k }
                    byMissing[mask, default: []].append(line)
                }
                for (mask, pool) in byMissing where mask.nonzeroBitCount <= maxMissing {
                    let compared = cfg.kept.filter { c in
                        guard let k = skippable.firstIndex(of: c) else { return true }
                        return mask & (1 << k) == 0
                    }
                    guard !compared.isEmpty else { continue }
                    let exact = compared.filter { tolerance[$0] == nil }
                    let dates = compared.filter { tolerance[$0] != nil }
                    precondition(exact.reduce(0) { $0 + widths[$1] } <= 128, "codes wider than 128 bits")
                    func key(_ values: [[Int64]], _ r: Int) -> Key? {
                        var k = Key()
                        for c in exact {
                            let v = values[c][r]
                            if v == Self.null { return nil }
                            let w = UInt64(widths[c])
                            k.high = k.high << w | k.low >> (64 - w)
                            k.low = k.low << w | UInt64(v)
                        }
                        return k
                    }
                    // Build: the events of persons still in the pool, with every compared value present.
                    var table: [Key: [Int32]] = [:]
                    for e in 0..<eventPerson.count where !linkedPerson[Int(eventPerson[e])] {
                        guard let k = key(events, e), dates.allSatisfy({ events[$0][e] != Self.null }) else { continue }
                        table[k, default: []].append(Int32(e))
                    }
                    // Probe: each of these lines, once.
                    for line in pool {
                        guard let k = key(lines, line), let bucket = table[k] else { continue }
                        var persons: [Int32] = []
                        for e in bucket {
                            let e = Int(e)
                            var within = true
                            for c in dates {
                                let a = lines[c][line]
                                if a == Self.null || abs(events[c][e] - a) > tolerance[c]! { within = false; break }
                            }
                            if within, !persons.contains(eventPerson[e]) { persons.append(eventPerson[e]) }
                        }
                        guard !persons.isEmpty else { continue }
                        matched.append((line, persons))
                        for p in persons { personLines[p, default: 0] += 1 }
                    }
                }
                // Unique both ways: the line matches one person, and that person this line alone.
                for m in matched where m.persons.count == 1 && personLines[m.persons[0]] == 1 {
                    uniqueByLine[m.line, default: []].insert(m.persons[0])
                    linesOfPerson[m.persons[0], default: []].insert(m.line)
                }
            }
            // A line is linked when its configurations agree on one person no other line claims.
            var newLines: [Int] = [], newPersons: [Int32] = []
            for (line, persons) in uniqueByLine where persons.count == 1 {
                let p = persons.first!
                guard linesOfPerson[p]!.count == 1 else { continue }
                newLines.append(line)
                newPersons.append(p)
            }
            for l in newLines { linkedLine[l] = true }
            for p in newPersons { linkedPerson[Int(p)] = true }
            links += newLines.count
        }
        return links
    }
}
