// Fuzzes the rules parser of indirect linkage, `IndirectRules.load` (Linkage/IndirectRules.swift,
// Yams' node tree checked key by key), through a file written with the input's bytes, as
// `appariement probabiliste --criteria FILE` reads it, against the project's SNDS schemas.
//
// Properties:
// - nothing traps and nothing hangs (alias bombs included: libFuzzer's -timeout catches a hang,
//   -rss_limit_mb a blow-up): the input gives rules or a RulesError;
// - a RulesError names the file, has a reason, a line from 1 when it has one, and is one line;
// - rules accepted pass their own checks: version 1; 1 to 20 criteria; column names of letters,
//   digits and '_' (at most 64), unique across columns, aliases and the id column; sources in the
//   event source's tables; within_days only on dates (0–366), prefix only on codes (1–20);
//   filters with prefixes; max_dropped within the criteria and the droppable ones; max_missing
//   within the criteria; success_threshold in (0, 1]; an explicit drop order of distinct criteria
//   not marked keep; at most 400 configurations;
// - rules accepted, written back as YAML, read back to the same rules.
import Foundation
import FuzzSupport
import Linkage
import SNDSModel

private let file = ScratchFile("rules.yml")
private let reference: ReferenceData = {
    do { return try ReferenceData.locate() } catch { fatalError("fuzz setup: \(error)") }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRules(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = inputBytes(data, size)
    file.write(bytes)
    let rules: IndirectRules
    do {
        rules = try IndirectRules.load(file.url, reference: reference)
    } catch {
        require(error.path == file.url.relativePath, "an error names another file")
        require(!error.why.isEmpty, "an error without a reason")
        if let line = error.line { require(line >= 1, "an error on line \(line)") }
        require(!error.description.contains(where: { $0 == "\n" || $0 == "\r" }), "an error message is not one line")
        return 0
    }
    checkRules(rules)
    let yaml = emit(rules)
    do {
        let again = try IndirectRules.parse(yaml, path: "written back", reference: reference)
        compare(rules, again)
    } catch {
        require(false, "rules accepted, written back, are refused: \(error)")
    }
    return 0
}

private func isName(_ s: String) -> Bool {
    !s.isEmpty && s.utf8.count <= 64 && s.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
}

/// The schemas, read once (reading them is most of what the parser costs).
nonisolated(unsafe) private var schemas: [String: TableSchema] = [:]
private func schema(_ table: String) -> TableSchema? {
    if let known = schemas[table] { return known }
    let found = try? reference.schema(named: table)
    schemas[table] = found
    return found
}

private func checkRules(_ rules: IndirectRules) {
    let criteria = rules.criteria
    require(!rules.name.isEmpty && rules.name == rules.name.trimmingCharacters(in: .whitespaces), "a name empty or untrimmed")
    if let d = rules.description { require(!d.isEmpty, "an empty description") }
    require(isName(rules.idColumn), "id column '\(rules.idColumn)' is not a name")
    require((1...20).contains(criteria.count), "\(criteria.count) criteria")
    let idNames = [rules.idColumn] + (rules.idColumn == "NS" ? IndirectRules.subjectNumberAliases : [])
    let names = criteria.flatMap { [$0.column] + $0.aliases } + idNames
    require(Set(names).count == names.count, "a name used twice among columns, aliases and the id")
    let columns = rules.cohortColumns.flatMap { [$0.name] + $0.aliases }
    require(Set(columns).count == columns.count, "the cohort's columns repeat a name")
    for c in criteria {
        require(isName(c.column) && c.aliases.allSatisfy(isName), "a column or alias that is not a name")
        require(rules.events.tables.contains(c.source.table), "a source outside the event source's tables")
        require(schema(c.source.table)?.field(named: c.source.column) != nil, "a source column the schema does not have")
        switch c.comparison {
        case .exact: break
        case .withinDays(let d): require(c.normalisation == .date && (0...366).contains(d), "within_days \(d) on \(c.normalisation.rawValue)")
        case .prefix(let k):
            require(
                [.text, .icd10, .finess, .departement, .scheme].contains(c.normalisation) && (1...20).contains(k),
                "prefix \(k) on \(c.normalisation.rawValue)")
        }
    }
    for f in rules.filters {
        require(!f.prefixes.isEmpty && f.prefixes.allSatisfy { !$0.isEmpty }, "a filter without prefixes")
        require(rules.events.tables.contains(f.source.table), "a filter outside the event source's tables")
    }
    let s = rules.strategy
    let droppable: Int
    switch s.dropOrder {
    case .auto: droppable = criteria.filter { !$0.keep }.count
    case .explicit(let order):
        droppable = order.count
        require(Set(order).count == order.count, "a criterion twice in the drop order")
        for column in order {
            require(criteria.contains { $0.column == column && !$0.keep }, "the drop order names a column that is no criterion or is kept")
        }
    }
    require(s.maxDropped >= 0 && s.maxDropped <= criteria.count - 1 && s.maxDropped <= droppable, "max_dropped \(s.maxDropped)")
    require(s.maxMissing >= 0 && s.maxMissing <= max(0, criteria.count - 1), "max_missing \(s.maxMissing)")
    require(s.successThreshold > 0 && s.successThreshold <= 1, "success_threshold \(s.successThreshold)")
    let configurations = LinkagePlan.configurationCount(criteria: criteria.count, droppable: droppable, maxDropped: s.maxDropped)
    require(configurations >= 1 && configurations <= IndirectRules.maxConfigurations, "\(configurations) configurations")
}

// MARK: - Writing rules back

/// A YAML double-quoted scalar: quotes and backslashes escaped, anything but printable ASCII as \U.
private func quoted(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case " "..."~": out.unicodeScalars.append(u)
        default:
            let hex = String(u.value, radix: 16, uppercase: true)
            out += "\\U" + String(repeating: "0", count: 8 - hex.count) + hex
        }
    }
    return out + "\""
}

private func list(_ items: [String]) -> String { "[" + items.map(quoted).joined(separator: ", ") + "]" }

private func emit(_ rules: IndirectRules) -> String {
    var y = "version: 1\nname: \(quoted(rules.name))\n"
    if let d = rules.description { y += "description: \(quoted(d))\n" }
    y += "cohort:\n  id: \(quoted(rules.idColumn))\nevents:\n  source: \(quoted(rules.events.rawValue))\n"
    if !rules.filters.isEmpty {
        y += "  where:\n"
        var seen: [String: Int] = [:]
        for f in rules.filters {
            // The same column may be filtered twice when written two ways (T.C and T..C): a key
            // written twice would be a duplicate, so repeats get trailing spaces (trimmed on reading).
            let key = f.source.description
            let repeats = seen[key, default: 0]
            seen[key] = repeats + 1
            y += "    \(quoted(key + String(repeating: " ", count: repeats))): \(list(f.prefixes))\n"
        }
    }
    y += "criteria:\n"
    for c in rules.criteria {
        y += "  - column: \(quoted(c.column))\n"
        if !c.aliases.isEmpty { y += "    aliases: \(list(c.aliases))\n" }
        y += "    source: \(quoted(c.source.description))\n    normalise: \(quoted(c.normalisation.rawValue))\n"
        switch c.comparison {
        case .exact: y += "    compare: exact\n"
        case .withinDays(let d): y += "    compare: {within_days: \(d)}\n"
        case .prefix(let k): y += "    compare: {prefix: \(k)}\n"
        }
        y += "    keep: \(c.keep)\n"
    }
    let s = rules.strategy
    y += "strategy:\n"
    switch s.dropOrder {
    case .auto: y += "  drop_order: auto\n"
    case .explicit(let order): y += "  drop_order: \(list(order))\n"
    }
    y += "  max_dropped: \(s.maxDropped)\n  success_threshold: \(s.successThreshold)\n  max_missing: \(s.maxMissing)\n"
    return y
}

private func compare(_ a: IndirectRules, _ b: IndirectRules) {
    require(
        a.name == b.name && a.description == b.description && a.idColumn == b.idColumn && a.events == b.events,
        "written back: name, description, id column or event source changed")
    require(
        a.filters.map(\.source) == b.filters.map(\.source) && a.filters.map(\.prefixes) == b.filters.map(\.prefixes),
        "written back: the event filters changed")
    require(a.criteria.count == b.criteria.count, "written back: the number of criteria changed")
    for (x, y) in zip(a.criteria, b.criteria) {
        require(
            x.column == y.column && x.aliases == y.aliases && x.source == y.source && x.normalisation == y.normalisation
                && x.comparison == y.comparison && x.keep == y.keep, "written back: criterion \(x.column) changed")
    }
    require(
        a.strategy.dropOrder == b.strategy.dropOrder && a.strategy.maxDropped == b.strategy.maxDropped
            && a.strategy.successThreshold == b.strategy.successThreshold && a.strategy.maxMissing == b.strategy.maxMissing,
        "written back: the strategy changed")
}
