import Foundation
import Hardening
import Pseudonymisation
import SNDSModel
import SNDSStore
import Terminal

/// What to generate.
public struct GenerationOptions: Sendable {
    /// People alive on 1 January of the first year; births during the years come on top.
    public var beneficiaries = 20_000
    public var seed: UInt64 = 1
    public var years: ClosedRange<Int> = 2023...2024
    public var files = DatasetFiles(database: URL(fileURLWithPath: DatasetFiles.defaultDatabase))
    public var iterations = PseudonymParameters.defaultIterations
    public var memoryKiB = PseudonymParameters.defaultMemoryKiB
    public var lanes = PseudonymParameters.defaultLanes
    public var threads = ProcessInfo.processInfo.activeProcessorCount
    public var assumptions = IdentityAssumptions()
    /// Replace an existing dataset at the same place instead of refusing.
    public var replaceExisting = false

    public init() {}

    public var pseudonymParameters: PseudonymParameters {
        PseudonymParameters(
            iterations: iterations, memoryKiB: memoryKiB, lanes: lanes,
            salt: PseudonymParameters.salt(forSeed: seed))
    }

    func validate() throws(GenerationError) {
        guard (1...50_000_000).contains(beneficiaries) else {
            throw .invalidOption("--beneficiaries must be between 1 and 50,000,000, not \(beneficiaries)")
        }
        guard years.lowerBound >= 2006, years.upperBound <= 2040, years.count <= 10 else {
            throw .invalidOption("--years must be 1 to 10 consecutive years between 2006 and 2040")
        }
        guard (1...4096).contains(threads) else { throw .invalidOption("--threads must be between 1 and 4096") }
        do { try pseudonymParameters.validate() } catch { throw .invalidOption(error.description) }
    }
}

/// Generates a synthetic SNDS: the population, its identity structure, its pseudonyms, the
/// tables, the sealed correspondence and the manifest — and puts them in place atomically.
public struct SyntheticSNDSGenerator {
    public let reference: SynthesisReference
    public let options: GenerationOptions
    public let progress: ProgressReporter

    /// Nomenclatures IR_BEN_R's columns take their codes from (the care tables add theirs).
    static let nomenclatures = ["IR_SEX_V", "IR_BER_V", "IR_NIR_V", "IR_ORG_V", "IR_DPT_V", "IR_GEO_V"]

    public init(reference: SynthesisReference, options: GenerationOptions, progress: ProgressReporter = .silent) {
        self.reference = reference
        self.options = options
        self.progress = progress
    }

    /// Runs the whole generation and returns the manifest written beside the database.
    /// Checks the options and the output location without writing anything but the output
    /// directory: call it before creating a key file, so a doomed run leaves nothing behind.
    public func preflight() throws {
        try options.validate()
        try prepareOutputs(options.files)
    }

    @discardableResult
    public func generate(key: SecretKey) throws -> DatasetManifest {
        try preflight()
        let files = options.files
        var timings: [String: Double] = [:]
        func timed<T>(_ stage: String, _ body: () throws -> T) rethrows -> T {
            let clock = ContinuousClock.now
            defer { timings[stage] = (ContinuousClock.now - clock).seconds }
            return try body()
        }
        let startedAt = ContinuousClock.now

        progress.begin("population")
        var population = timed("population") {
            PopulationBuilder(
                reference: reference, assumptions: options.assumptions, seed: options.seed,
                years: options.years
            ).build(size: options.beneficiaries)
        }
        timed("family") { FamilyLinker(assumptions: options.assumptions, seed: options.seed).link(&population) }
        let identity = timed("identity") { IdentityStructure(population: population, assumptions: options.assumptions) }
        progress.end()

        let parameters = options.pseudonymParameters
        let pseudonymiser = try Pseudonymiser(key: key, parameters: parameters)
        let inputs = identity.pseudonymInputs + population.people.map { PseudonymInput.individual($0.nir) }
        progress.begin("hashing (argon2id, \(options.threads) threads)", total: inputs.count)
        let hashed = try timed("hashing") {
            try pseudonymiser.pseudonyms(of: inputs, threads: options.threads) { [progress] in progress.advance(by: $0) }
        }
        progress.end()
        let pseudonyms = PopulationPseudonyms(
            beneficiary: Array(hashed[..<identity.pseudonymInputs.count]),
            individual: Array(hashed[identity.pseudonymInputs.count...]))

        let staged = StagedOutputs()
        let databaseURL = staged.stage(files.database)
        let correspondenceURL = staged.stage(files.correspondence)
        let manifestURL = staged.stage(files.manifest)
        let datasetId = UUID().uuidString.lowercased()

        let database = try SNDSDatabase.createForGeneration(at: databaseURL)
        let care = try timed("care") {
            try CareGenerator(reference: reference, population: population, seed: options.seed, threads: options.threads)
                .generate(into: database, identity: identity, pseudonyms: pseudonyms, progress: progress)
        }

        for (stage, seconds) in care.seconds { timings["care." + stage] = seconds }

        progress.begin("writing \(BeneficiaryReferential.table), nomenclatures, indexes")
        let (tables, schemaDigest): ([DatasetManifest.Table], String) = try timed("database") {
            let schema = try reference.data.schema(named: BeneficiaryReferential.table)
            try database.createTable(schema)
            try BeneficiaryReferential(
                population: population, identity: identity, pseudonyms: pseudonyms,
                assumptions: options.assumptions, seed: options.seed, usage: care.beneficiaries
            )
            .write(to: database, schema: schema)
            for name in Self.nomenclatures + CareGenerator.nomenclatures {
                let (nomenclatureSchema, csv) = try reference.data.nomenclature(named: name)
                _ = try database.loadNomenclature(schema: nomenclatureSchema, csv: csv)
            }
            try Self.createIndexes(database, years: options.years)
            try database.analyze()
            try database.setMetadata("dataset_id", datasetId)
            try database.setMetadata("tool_version", AppariementVersion.current)
            let tables = try database.tableNames().map { name throws -> DatasetManifest.Table in
                try database.read { db in
                    DatasetManifest.Table(
                        name: name, rows: try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(ColumnType.quote(name))") ?? 0,
                        digest: try TableDigest.compute(db, table: name))
                }
            }
            let schemaDigest = try database.read { db in try TableDigest.schema(db) }
            try database.close()
            return (tables, schemaDigest)
        }
        progress.end()

        progress.begin("sealing the correspondence")
        try timed("correspondence") {
            try Correspondence.write(
                population: population, identity: identity, pseudonyms: pseudonyms,
                parameters: parameters, key: key, to: correspondenceURL,
                toolVersion: AppariementVersion.current)
        }
        progress.end()

        timings["total"] = (ContinuousClock.now - startedAt).seconds
        let manifest = DatasetManifest(
            tool: "appariement", toolVersion: AppariementVersion.current, layoutVersion: SNDSDatabase.layoutVersion,
            datasetId: datasetId, createdAt: ISO8601DateFormatter().string(from: Date()), seed: options.seed,
            beneficiariesRequested: options.beneficiaries, years: Array(options.years), threads: options.threads,
            pseudonymisation: parameters, keyFingerprint: key.fingerprint,
            files: .init(
                database: files.database.lastPathComponent, databaseBytes: fileSize(databaseURL),
                correspondence: files.correspondence.lastPathComponent,
                correspondenceBytes: fileSize(correspondenceURL),
                correspondenceSHA256: try correspondenceDigest(correspondenceURL)),
            schemaDigest: schemaDigest, tables: tables,
            population: identity.summary(of: population).merging(careSummary(care)) { identityCount, _ in identityCount },
            assumptions: try JSONValue(encoding: options.assumptions),
            timings: timings.mapValues { ($0 * 1000).rounded() / 1000 })
        do { try manifest.write(to: manifestURL) } catch { throw OutputError.writing(files.manifest, error) }
        // The previous manifest goes first only when replacing: without --force there was none when
        // the run checked, and one there now is another run's, which must stay (the commit then
        // fails at the database, exclusive, and this run exits 6).
        try staged.commit(removingFirst: options.replaceExisting ? [files.manifest] : [], replacingExisting: options.replaceExisting)
        // The manifest's digests were computed from the database just written: it is verified
        // whole, and the first linkage need not digest it again.
        VerificationStamp.record(for: files, manifest: manifest)
        return manifest
    }

    private func careSummary(_ outcome: CareGenerator.Outcome) -> [String: Int] {
        var summary: [String: Int] = [:]
        for (id, count) in zip(outcome.conditionIds, outcome.conditionCounts) { summary["condition." + id] = count }
        return summary
    }

    /// Indexes for what linkage and integrity checks join on: pseudonyms, the DCIR décompte, the
    /// PMSI stay key, the CépiDC person key.
    static func createIndexes(_ database: SNDSDatabase, years: ClosedRange<Int>) throws {
        try database.createIndex(on: "IR_BEN_R", columns: ["BEN_NIR_PSA", "BEN_RNG_GEM"])
        try database.createIndex(on: "IR_BEN_R", columns: ["BEN_IDT_ANO"])
        try database.createIndex(on: "ER_PRS_F", columns: ["BEN_NIR_PSA", "BEN_RNG_GEM"])
        try database.createIndex(on: "IR_IMB_R", columns: ["BEN_NIR_PSA", "BEN_RNG_GEM"])
        for table in ["ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "ER_ETE_F", "ER_BIO_F", "ER_TRS_F"] {
            try database.createIndex(on: table, columns: DCIRKeys.indexColumns)
        }
        for year in years {
            // Each PMSI field keys its stays its own way: MCO on ETA_NUM + RSA_NUM, SSR on ETA_NUM +
            // RHA_NUM, HAD on ETA_NUM_EPMSI + RHAD_NUM.
            let fields = [("MCO", ["ETA_NUM", "RSA_NUM"]), ("SSR", ["ETA_NUM", "RHA_NUM"]), ("HAD", ["ETA_NUM_EPMSI", "RHAD_NUM"])]
            for (field, key) in fields {
                try database.createIndex(on: PMSIWriter.tableName("T_\(field)aaC", year: year), columns: ["NIR_ANO_17"])
                for template in CareGenerator.yearlyTables where template.hasPrefix("T_\(field)") {
                    try database.createIndex(on: PMSIWriter.tableName(template, year: year), columns: key)
                }
            }
        }
        try database.createIndex(on: "KI_CCI_R", columns: ["BEN_IDT_ANO"])
        try database.createIndex(on: "KI_ECD_R", columns: ["DCD_IDT_ENC"])
    }

    private func prepareOutputs(_ files: DatasetFiles) throws {
        let directory = files.database.deletingLastPathComponent()
        try StagedOutputs.checkWritable(files.database)
        try StagedOutputs.createDirectory(directory)
        for url in files.all { StagedOutputs.removeLeftovers(of: url) }
        if !options.replaceExisting, let existing = files.all.first(where: { FileManager.default.fileExists(atPath: $0.path) }) {
            throw OutputError.exists(existing.path)
        }
        if options.replaceExisting, let foreign = files.all.first(where: { !Self.isReplaceable($0, in: files) }) {
            throw OutputError.foreign(foreign.path, isNot: "part of a synthetic SNDS made by appariement", replaces: "a previous dataset")
        }
        guard FileManager.default.isWritableFile(atPath: directory.path) else {
            throw OutputError.cannotReplace(directory.path, "the directory is not writable")
        }
    }

    /// Whether --force may replace the file at `url`: nothing is there, or it is what its name says
    /// in a dataset of this tool (any layout version) — the database, the sealed correspondence,
    /// the manifest. Anything else (a cohort, another SQLite file, a folder) is the user's.
    static func isReplaceable(_ url: URL, in files: DatasetFiles) -> Bool {
        guard (try? FileManager.default.attributesOfItem(atPath: url.path)) != nil else {
            // Nothing there. (A symbolic link, even dangling, is something: `attributesOfItem` does
            // not follow it. In the database's place it is judged by the file it leads to; in the
            // other two it is refused.)
            return true
        }
        switch url {
        case files.database:
            do { try SNDSDatabase.openReadOnly(at: url).close(); return true } catch {
                if case .wrongLayout = error { return true }
                return false
            }
        case files.correspondence:
            return SealedFileSignature.matches(url)
        default:
            guard (try? FileManager.default.attributesOfItem(atPath: url.path))?[.type] as? FileAttributeType == .typeRegular,
                let data = try? InputFile.read(url, limit: 64 << 20),
                let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
            else { return false }
            return object["tool"] as? String == "appariement"
        }
    }

    private func fileSize(_ url: URL) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: url.path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    private func correspondenceDigest(_ url: URL) throws -> String {
        guard let digest = FileDigest.sha256(of: url) else {
            throw OutputError.cannotReplace(url.path, "cannot read back the sealed file")
        }
        return digest
    }
}

public enum GenerationError: Error, Equatable, CustomStringConvertible {
    case invalidOption(String)
    public var description: String {
        switch self {
        case .invalidOption(let why): why
        }
    }
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}

extension GenerationError: ExitStatusProviding {
    /// Options that cannot make a dataset: wrong usage.
    public var exitStatus: ExitStatus { .usage }
}
