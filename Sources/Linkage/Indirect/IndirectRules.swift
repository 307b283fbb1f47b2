import Foundation
import Hardening
import SNDSModel
import SNDSStore
import YAMLInput
import Yams

/// A rules file for indirect linkage (`rules/*.yml`): which cohort column is compared with which
/// SNDS column, how both are normalised and compared, and the strategy (drop order, how many
/// criteria may be dropped, the success threshold).
///
/// The file is read from a YAML node tree rather than decoded, so that every problem (unknown key,
/// unknown table or column, a tolerance on a criterion that cannot have one) is reported with its
/// place in the file and one clear sentence. See docs/indirect-linkage.md for the format.
public struct IndirectRules: Sendable {
    /// How a value is brought to one representation on both sides before comparison.
    /// SNDS columns that identify a person (pseudonyms, the anonymous person key): never a criterion.
    public static let identifierColumns: Set<String> = ["BEN_NIR_PSA", "NIR_ANO_17", "BEN_NIR_ANO", "BEN_IDT_ANO", "NIR_ANO_PSA"]

    public enum Normalisation: String, Sendable, CaseIterable, Codable {
        /// Trimmed, upper case.
        case text
        /// A whole number (`03` and `3` are equal).
        case integer
        /// A month, 1 to 12 (`03` and `3` are equal).
        case month
        /// A year on four digits, 1850 to 2100.
        case year
        /// 1/2, M/F, H/F → 1 or 2.
        case sex
        /// Any of the accepted date layouts → a day number.
        case date
        /// `075`/`75`, `2A`/`2B`/`20` → `20`, overseas `971`…`976` → `97` (PMSI's coding).
        case departement
        /// FINESS on 9 positions (a leading zero restored when a number lost it).
        case finess
        /// FINESS compared at the legal entity: a site's number (FINESS géographique) is replaced by
        /// its legal entity's (FINESS juridique, IDE_GES_NUM of the establishment referential
        /// BE_IDE_R), a number that is no site's stays itself. Registries give either: PMSI names the
        /// site, a hospital's registry often the entity of a public hospital with several sites.
        case finessEntity = "finess_entity"
        /// ICD-10 without dot, space or dagger, upper case (`I21.4` → `I214`).
        case icd10
        /// Affiliation scheme: the two first positions of an affiliation body (`01C770648` → `01`).
        case scheme
    }

    /// How two normalised values are compared.
    public enum Comparison: Sendable, Equatable, Codable, CustomStringConvertible {
        case exact
        /// Dates within ±d days.
        case withinDays(Int)
        /// The k first characters agree.
        case prefix(Int)

        public var description: String {
            switch self {
            case .exact: "exact"
            case .withinDays(let d): "within \(d) day\(d == 1 ? "" : "s")"
            case .prefix(let k): "first \(k) characters"
            }
        }

        /// As the rules file writes it (`exact`, `{within_days: 2}`, `{prefix: 3}`): the words of a
        /// report in any language.
        public var rulesText: String {
            switch self {
            case .exact: "exact"
            case .withinDays(let d): "{within_days: \(d)}"
            case .prefix(let k): "{prefix: \(k)}"
            }
        }
    }

    /// A column of an SNDS table as the rules name it (`T_MCOaaB.DGN_PAL`: `aa` stands for every year).
    public struct SourceColumn: Sendable, Equatable, Codable, CustomStringConvertible {
        public let table: String
        public let column: String
        public var description: String { "\(table).\(column)" }
    }

    public struct Criterion: Sendable, Codable {
        /// The cohort column (canonical name, upper case).
        public let column: String
        /// Other names accepted for the column in the cohort's header.
        public let aliases: [String]
        public let source: SourceColumn
        public let normalisation: Normalisation
        public let comparison: Comparison
        /// Never dropped, whatever the strategy.
        public let keep: Bool
    }

    public enum DropOrder: Sendable, Equatable, Codable {
        /// Least discriminant first, measured on the SNDS side before the run.
        case auto
        /// The criteria that may be dropped, in this order.
        case explicit([String])
    }

    public struct Strategy: Sendable, Codable {
        public let dropOrder: DropOrder
        /// How many criteria a configuration may leave out (0: group 1 only).
        public let maxDropped: Int
        /// Share of the cohort that must be found for the linkage to succeed.
        public let successThreshold: Double
        /// How many of a configuration's criteria a line may leave empty and still be compared on
        /// the others (0: an empty value matches nothing, as a plain SQL join on all criteria).
        public var maxMissing: Int = 1
        /// The guard: links whose probability (``LinkConfidence``) is below it are excluded as
        /// `weak_link`. 0 turns it off.
        public var minLinkProbability: Double = IndirectRules.defaultMinLinkProbability
        /// Whether the rules file set it (else the default, which the summary says).
        public var minLinkProbabilityGiven = false
        /// The `weighted` last group: a line the groups left with several candidates (or two
        /// configurations disagreeing) is linked to its most probable candidate when that one's
        /// probability clears the guard (at least 0.5). `weighted_group: false` keeps the strict
        /// procedure alone.
        public var weightedGroup = true
    }

    /// Keeps candidate events whose column starts with one of the prefixes (e.g. DGN_PAL in I21, I22).
    public struct EventFilter: Sendable, Codable {
        public let source: SourceColumn
        public let prefixes: [String]
    }

    public let name: String
    public let description: String?
    /// The subject-number column of the cohort.
    public let idColumn: String
    public let events: EventSource
    public let filters: [EventFilter]
    public let criteria: [Criterion]
    public let strategy: Strategy
    /// Where the rules were read from, and the SHA-256 of their bytes (provenance).
    public let path: String
    public let sha256: String

    public static let defaultThreshold = 0.90
    /// The guard when a rules file sets none: a link less likely right than 9 in 10 is not
    /// accepted. Chosen from measurements (docs/link-confidence.md): 0.8 left a thin registry at
    /// 1,000,000 people at precision 0.997 (patients absent from the SNDS matching a stranger as
    /// well as patients who moved match themselves); 0.9 keeps every scenario measured at 0.998 or
    /// more, with the weighted group above the recall of the CNAM groups alone; 0.95 costs recall.
    public static let defaultMinLinkProbability = 0.90
    /// Other names accepted for an NS column.
    public static let subjectNumberAliases = SubjectNumber.columnAliases
    /// Beyond this many configurations a run would be slow and its report unreadable.
    public static let maxConfigurations = 400

    /// The columns a cohort file for these rules has.
    public var cohortColumns: [CohortFile.Column] {
        // The usual names of a subject number are accepted for NS; a custom id column is taken as named.
        [CohortFile.Column(idColumn, aliases: idColumn == "NS" ? Self.subjectNumberAliases : [])]
            + criteria.map { CohortFile.Column($0.column, aliases: $0.aliases) }
    }

    /// Reads and checks a rules file; `reference` gives the SNDS schemas the sources are checked against.
    public static func load(_ url: URL, reference: ReferenceData) throws(RulesError) -> IndirectRules {
        let path = url.relativePath
        let data: Data
        do { data = try InputFile.read(url, limit: 1 << 20) } catch {
            let why =
                switch error {
                case .missing, .directory: "no such rules file"
                case .notRegular: "is not a regular file (a device or a pipe): give a rules file"
                case .tooLarge: "is larger than 1 MB: not a rules file"
                case .unreadable(let why): "cannot be read (\(why))"
                }
            throw RulesError(path: path, place: nil, line: nil, why: why)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw RulesError(path: path, place: nil, line: nil, why: "is not UTF-8 text")
        }
        return try parse(text, path: path, sha256: FileDigest.sha256(data), reference: reference)
    }

    /// Parses rules from YAML text (`path` only names the file in messages).
    public static func parse(_ text: String, path: String, sha256: String = "", reference: ReferenceData) throws(RulesError) -> IndirectRules {
        // The guards every YAML a user gives goes through (YAMLInput): alias bombs as keys, which Yams
        // would hash for exponential time while composing, refused before; a tree expanding to too
        // many nodes refused before it is walked; a syntax error with libyaml's reason and line.
        let composed: Node?
        do throws(YAMLInput.Problem) { composed = try YAMLInput.compose(text, kind: "a rules file") } catch {
            throw RulesError(path: path, place: nil, line: error.line, why: error.why)
        }
        guard let root = composed else { throw RulesError(path: path, place: nil, line: nil, why: "the file is empty") }
        // `success_threshold: 0:0.9` is 0.9 in base 60, `max_dropped: 0x1` is 1: refused, not read.
        if let number = YAMLInput.nonDecimalNumber(in: root) {
            throw RulesError(path: path, place: nil, line: number.mark?.line, why: YAMLInput.nonDecimalMessage(number, example: "0.90"))
        }
        var reader = NodeReader(path: path)
        return try reader.rules(root, sha256: sha256, reference: reference)
    }
}

/// A problem in a rules file: where (key path and line) and why, in one sentence.
public struct RulesError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let place: String?
    public let line: Int?
    public let why: String

    public var description: String {
        var where_ = path
        if let line { where_ += " line \(line)" }
        if let place { where_ += " (\(place))" }
        // Keys and values are quoted from the file: shown as one line of plain text.
        return MessageText.shown("\(where_): \(why)")
    }
}

/// Walks the YAML tree, checking each key against what the format allows.
private struct NodeReader {
    let path: String
    /// Nodes visited: a file of aliases expanding to millions of nodes is refused, not walked.
    var visited = 0

    init(path: String) { self.path = path }

    func fail(_ place: String?, _ node: Node?, _ why: String) -> RulesError {
        RulesError(path: path, place: place, line: node?.mark.map { $0.line }, why: why)
    }

    mutating func mapping(_ node: Node, _ place: String, allowed: [String], required: [String] = []) throws(RulesError) -> [String: Node] {
        visited += 1
        guard visited < 10_000 else { throw fail(place, node, "the file expands to too many values (aliases?): not a rules file") }
        guard let mapping = node.mapping else { throw fail(place, node, "expected a mapping (key: value lines)") }
        var out: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = key.string else { throw fail(place, key, "a key is not a plain name") }
            guard allowed.contains(name) else {
                throw fail(place.isEmpty ? name : "\(place).\(name)", key, "unknown key '\(name)' (allowed: \(allowed.joined(separator: ", ")))")
            }
            guard out[name] == nil else { throw fail(place, key, "the key '\(name)' is given twice") }
            out[name] = value
        }
        for name in required where out[name] == nil {
            throw fail(place.isEmpty ? nil : place, node, "missing key '\(name)'")
        }
        return out
    }

    mutating func sequence(_ node: Node, _ place: String) throws(RulesError) -> [Node] {
        visited += 1
        guard let s = node.sequence else { throw fail(place, node, "expected a list") }
        visited += s.count
        guard visited < 10_000 else { throw fail(place, node, "the file expands to too many values (aliases?): not a rules file") }
        return Array(s)
    }

    func string(_ node: Node, _ place: String) throws(RulesError) -> String {
        guard let scalar = node.scalar else { throw fail(place, node, "expected a single value") }
        let s = scalar.string.trimmingCharacters(in: .whitespaces)
        guard !s.isEmpty else { throw fail(place, node, "the value is empty") }
        return s
    }

    func integer(_ node: Node, _ place: String, in range: ClosedRange<Int>) throws(RulesError) -> Int {
        // Yams reads `1:30` as base 60 and traps on overflow from about twelve parts: never asked.
        guard let scalar = node.scalar, !scalar.string.contains(":"), let value = node.int else {
            throw fail(place, node, "expected a whole number")
        }
        guard range.contains(value) else {
            throw fail(place, node, "\(value) is out of range (\(range.lowerBound) to \(range.upperBound))")
        }
        return value
    }

    func name(_ node: Node, _ place: String) throws(RulesError) -> String {
        let s = try string(node, place).uppercased()
        guard s.count <= 64, s.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) else {
            throw fail(place, node, "a column name is letters, digits and '_' (at most 64)")
        }
        return s
    }

    mutating func rules(_ root: Node, sha256: String, reference: ReferenceData) throws(RulesError) -> IndirectRules {
        let top = try mapping(
            root, "", allowed: ["version", "name", "description", "cohort", "events", "criteria", "strategy"],
            required: ["version", "events", "criteria"])
        let version = try integer(top["version"]!, "version", in: 1...100)
        guard version == 1 else { throw fail("version", top["version"], "version \(version) is not supported (this tool reads version 1)") }
        let name = try top["name"].map { n throws(RulesError) in try string(n, "name") } ?? "rules"
        let description = try top["description"].map { n throws(RulesError) in try string(n, "description") }
        var idColumn = "NS"
        if let cohortNode = top["cohort"] {
            let cohort = try mapping(cohortNode, "cohort", allowed: ["id"])
            if let id = cohort["id"] { idColumn = try self.name(id, "cohort.id") }
        }

        let eventsNode = try mapping(top["events"]!, "events", allowed: ["source", "where"], required: ["source"])
        let sourceName = try string(eventsNode["source"]!, "events.source")
        guard let events = EventSource(rawValue: sourceName) else {
            throw fail(
                "events.source", eventsNode["source"],
                "unknown event source '\(sourceName)' (known: \(EventSource.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var filters: [IndirectRules.EventFilter] = []
        if let whereNode = eventsNode["where"] {
            guard let m = whereNode.mapping else { throw fail("events.where", whereNode, "expected TABLE.COLUMN: [prefixes]") }
            for (key, value) in m {
                let place = "events.where.\(key.string ?? "?")"
                let source = try self.source(key, place, events: events, reference: reference)
                var prefixes: [String] = []
                for (i, p) in try sequence(value, place).enumerated() {
                    // A prefix is a code: `null`, `yes`, `75.0` or `1` unquoted are read by YAML as
                    // something else (nothing, true, 75, 1 matching 10–19), and filtered silently.
                    if let scalar = p.scalar, scalar.style == .plain || scalar.style == .any {
                        let text = scalar.string
                        let kind: String? =
                            ["", "~", "null", "Null", "NULL"].contains(text)
                            ? "missing value"
                            : Bool.construct(from: scalar) != nil
                                ? "yes/no value" : (Int.construct(from: scalar) != nil || Double.construct(from: scalar) != nil) ? "number" : nil
                        if let kind {
                            throw fail(
                                "\(place)[\(i)]", p,
                                "\(MessageText.shown(text)) is read by YAML as a \(kind), not a code: quote it ('\(MessageText.shown(text))')")
                        }
                    }
                    prefixes.append(try string(p, "\(place)[\(i)]").uppercased())
                }
                guard !prefixes.isEmpty else { throw fail(place, value, "give at least one prefix") }
                filters.append(.init(source: source, prefixes: prefixes))
            }
        }

        var criteria: [IndirectRules.Criterion] = []
        for (i, node) in try sequence(top["criteria"]!, "criteria").enumerated() {
            let place = "criteria[\(i)]"
            let c = try mapping(
                node, place, allowed: ["column", "aliases", "source", "normalise", "compare", "keep"],
                required: ["column", "source", "normalise"])
            let column = try self.name(c["column"]!, "\(place).column")
            guard column != idColumn else { throw fail("\(place).column", c["column"], "\(column) is the cohort's id column, not a criterion") }
            guard !criteria.contains(where: { $0.column == column }) else {
                throw fail("\(place).column", c["column"], "the column \(column) is given twice")
            }
            var aliases: [String] = []
            if let a = c["aliases"] {
                for (j, n) in try sequence(a, "\(place).aliases").enumerated() { aliases.append(try self.name(n, "\(place).aliases[\(j)]")) }
            }
            let source = try self.source(c["source"]!, "\(place).source", events: events, reference: reference)
            let normName = try string(c["normalise"]!, "\(place).normalise")
            guard let normalisation = IndirectRules.Normalisation(rawValue: normName) else {
                throw fail(
                    "\(place).normalise", c["normalise"],
                    "unknown normalisation '\(normName)' (known: \(IndirectRules.Normalisation.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let comparison = try self.comparison(c["compare"], "\(place).compare", normalisation: normalisation)
            var keep = false
            if let k = c["keep"] {
                guard k.scalar != nil, let b = k.bool else { throw fail("\(place).keep", k, "expected true or false") }
                keep = b
            }
            criteria.append(
                .init(
                    column: column, aliases: aliases, source: source, normalisation: normalisation,
                    comparison: comparison, keep: keep))
        }
        guard !criteria.isEmpty else { throw fail("criteria", top["criteria"], "give at least one criterion") }
        guard criteria.count <= 20 else { throw fail("criteria", top["criteria"], "at most 20 criteria") }
        let idNames = [idColumn] + (idColumn == "NS" ? IndirectRules.subjectNumberAliases : [])
        let allNames = criteria.flatMap { [$0.column] + $0.aliases } + idNames
        if let clash = Dictionary(grouping: allNames, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw fail("criteria", top["criteria"], "the name \(clash) is used by two columns (or an alias)")
        }

        var dropOrder = IndirectRules.DropOrder.auto
        // One dropped criterion unless the rules ask for more: a second one costs precision on
        // dense event sets (docs/indirect-linkage.md).
        var maxDropped = min(1, criteria.filter { !$0.keep }.count)
        var threshold = IndirectRules.defaultThreshold
        // One empty criterion by default, within the range a file may give (none with a single criterion).
        var maxMissing = min(1, criteria.count - 1)
        var minLinkProbability: Double?
        var weightedGroup = true
        if let s = top["strategy"] {
            let strategy = try mapping(
                s, "strategy", allowed: ["drop_order", "max_dropped", "success_threshold", "max_missing", "min_link_probability", "weighted_group"])
            if let d = strategy["drop_order"] {
                if d.scalar != nil {
                    let value = try string(d, "strategy.drop_order")
                    guard value == "auto" else { throw fail("strategy.drop_order", d, "expected auto or a list of criterion columns") }
                } else {
                    var order: [String] = []
                    for (i, n) in try sequence(d, "strategy.drop_order").enumerated() {
                        let column = try self.name(n, "strategy.drop_order[\(i)]")
                        guard let c = criteria.first(where: { $0.column == column }) else {
                            throw fail("strategy.drop_order[\(i)]", n, "\(column) is not a criterion's column")
                        }
                        guard !c.keep else { throw fail("strategy.drop_order[\(i)]", n, "\(column) is marked keep: it is never dropped") }
                        guard !order.contains(column) else { throw fail("strategy.drop_order[\(i)]", n, "\(column) is listed twice") }
                        order.append(column)
                    }
                    dropOrder = .explicit(order)
                }
            }
            let droppable: Int
            if case .explicit(let order) = dropOrder { droppable = order.count } else { droppable = criteria.filter { !$0.keep }.count }
            if let m = strategy["max_dropped"] {
                maxDropped = try integer(m, "strategy.max_dropped", in: 0...max(0, criteria.count - 1))
                guard maxDropped <= droppable else {
                    throw fail("strategy.max_dropped", m, "\(maxDropped) criteria cannot be dropped: only \(droppable) may be")
                }
            } else {
                maxDropped = min(maxDropped, droppable)
            }
            if let t = strategy["success_threshold"] {
                guard t.scalar != nil, let v = t.float, v > 0, v <= 1 else {
                    throw fail("strategy.success_threshold", t, "expected a share above 0 and at most 1 (e.g. 0.90)")
                }
                threshold = v
            }
            if let m = strategy["max_missing"] {
                maxMissing = try integer(m, "strategy.max_missing", in: 0...max(0, criteria.count - 1))
            }
            if let g = strategy["min_link_probability"] {
                guard g.scalar != nil, let v = g.float, v >= 0, v < 1 else {
                    throw fail("strategy.min_link_probability", g, "expected a probability from 0 (no guard) to below 1 (e.g. 0.9)")
                }
                minLinkProbability = v
            }
            if let w = strategy["weighted_group"] {
                guard w.scalar != nil, let b = w.bool else { throw fail("strategy.weighted_group", w, "expected true or false") }
                weightedGroup = b
            }
        }
        let rules = IndirectRules(
            name: name, description: description, idColumn: idColumn, events: events, filters: filters,
            criteria: criteria,
            strategy: .init(
                dropOrder: dropOrder, maxDropped: min(maxDropped, criteria.count - 1),
                successThreshold: threshold, maxMissing: maxMissing,
                minLinkProbability: minLinkProbability ?? IndirectRules.defaultMinLinkProbability,
                minLinkProbabilityGiven: minLinkProbability != nil, weightedGroup: weightedGroup),
            path: path, sha256: sha256)
        let configurations = LinkagePlan.configurationCount(
            criteria: criteria.count,
            droppable: {
                if case .explicit(let o) = dropOrder { return o.count }
                return criteria.filter { !$0.keep }.count
            }(), maxDropped: rules.strategy.maxDropped)
        guard configurations <= IndirectRules.maxConfigurations else {
            throw fail(
                "strategy.max_dropped", top["strategy"],
                "\(configurations) configurations of criteria to try: at most \(IndirectRules.maxConfigurations) (drop fewer criteria)")
        }
        return rules
    }

    mutating func source(
        _ node: Node, _ place: String, events: EventSource, reference: ReferenceData
    ) throws(RulesError) -> IndirectRules.SourceColumn {
        let text = try string(node, place)
        let parts = text.split(separator: ".")
        guard parts.count == 2 else { throw fail(place, node, "expected TABLE.COLUMN, e.g. T_MCOaaB.DGN_PAL") }
        let table = String(parts[0]), column = String(parts[1])
        guard events.tables.contains(table) else {
            throw fail(
                place, node,
                "the table \(table) is not available to the event source \(events.rawValue) (available: \(events.tables.joined(separator: ", ")))")
        }
        let schema: TableSchema
        do { schema = try reference.schema(named: table) } catch {
            throw fail(place, node, "no schema for the table \(table): \(error)")
        }
        guard schema.field(named: column) != nil else {
            throw fail(place, node, "the table \(table) has no column \(column)")
        }
        // Indirect linkage compares non-identifying criteria: a pseudonym as a criterion would put
        // it beside each NS in the export and the candidates, which hold neither by design.
        guard !IndirectRules.identifierColumns.contains(column) else {
            throw fail(
                place, node, "\(column) is a pseudonym or a person's identifier, not a criterion: indirect linkage compares non-identifying values")
        }
        return .init(table: table, column: column)
    }

    func comparison(_ node: Node?, _ place: String, normalisation: IndirectRules.Normalisation) throws(RulesError) -> IndirectRules.Comparison {
        guard let node else { return .exact }
        if node.scalar != nil {
            let s = try string(node, place)
            guard s == "exact" else { throw fail(place, node, "unknown comparison '\(s)' (known: exact, {within_days: d}, {prefix: k})") }
            return .exact
        }
        guard let m = node.mapping, m.count == 1, let key = m.first?.key.string, let value = m.first?.value else {
            throw fail(place, node, "expected exact, {within_days: d} or {prefix: k}")
        }
        switch key {
        case "within_days":
            guard normalisation == .date else {
                throw fail(place, node, "within_days compares dates: this criterion is normalised as \(normalisation.rawValue)")
            }
            return .withinDays(try integer(value, "\(place).within_days", in: 0...366))
        case "prefix":
            guard [.text, .icd10, .finess, .departement, .scheme].contains(normalisation) else {
                throw fail(place, node, "prefix compares codes: this criterion is normalised as \(normalisation.rawValue)")
            }
            return .prefix(try integer(value, "\(place).prefix", in: 1...20))
        default:
            throw fail(place, node, "unknown comparison '\(key)' (known: exact, {within_days: d}, {prefix: k})")
        }
    }
}

extension RulesError: ExitStatusProviding {
    public var exitStatus: ExitStatus { .badInput }
}
