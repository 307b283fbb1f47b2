import Foundation
import SNDSModel

/// Who was linked and who was not, by sex, age band and département: the bias check of a run.
///
/// A linkage that loses the old, the young or one département more than the others biases every
/// study built on it, whatever its overall rate. The profile is counted while the run still holds
/// each line's values, from the cohort's own columns (the SNDS knows nothing of the lines it did
/// not link), and kept in summary.json as counts per category; the report applies the small-cell
/// rule to them.
public struct CohortProfile: Codable, Sendable, Equatable {
    /// Ages are those reached during this year: the last year of the dataset's period.
    public var referenceYear: Int
    /// The cohort column that gave the département, nil when the cohort has none.
    public var departementColumn: String?
    public var sex: [Split]
    public var ageBand: [Split]
    public var departement: [Split]

    /// One category: lines linked, and lines not linked (rejected, not found, ambiguous or excluded).
    public struct Split: Codable, Sendable, Equatable {
        public var category: String
        public var linked: Int
        public var notLinked: Int
        public var lines: Int { linked + notLinked }
        public init(category: String, linked: Int, notLinked: Int) {
            self.category = category
            self.linked = linked
            self.notLinked = notLinked
        }
    }

    /// What a line says of its subject, each part nil when missing or unreadable.
    public struct Traits: Sendable, Equatable {
        public var sex: Sex?
        public var birthYear: Int?
        public var departement: String?
        public init(sex: Sex? = nil, birthYear: Int? = nil, departement: String? = nil) {
            self.sex = sex
            self.birthYear = birthYear
            self.departement = departement
        }
    }

    /// The category of a missing or unreadable value.
    public static let unknown = "unknown"
    /// Age bands, lower bounds: 0–19, 20–39, 40–59, 60–74, 75 and over. Broad on purpose: finer
    /// bands would mostly produce cells under the small-cell threshold.
    public static let ageBandLowerBounds = [0, 20, 40, 60, 75]

    public static func ageBand(birthYear: Int?, referenceYear: Int) -> String {
        guard let birthYear, birthYear <= referenceYear else { return unknown }
        let age = referenceYear - birthYear
        let i = ageBandLowerBounds.lastIndex { $0 <= age }!
        return i + 1 < ageBandLowerBounds.count ? "\(ageBandLowerBounds[i])-\(ageBandLowerBounds[i + 1] - 1)" : "\(ageBandLowerBounds[i])+"
    }

    /// Counts every line: `traits` by line number (a line absent from it counts as all unknown),
    /// `linkedLines` the lines linked.
    public init(lines: [Int], traits: [Int: Traits], linkedLines: Set<Int>, referenceYear: Int, departementColumn: String?) {
        self.referenceYear = referenceYear
        self.departementColumn = departementColumn
        var sex: [String: Split] = [:], age: [String: Split] = [:], dep: [String: Split] = [:]
        func count(_ key: String, in table: inout [String: Split], linked: Bool) {
            var s = table[key] ?? Split(category: key, linked: 0, notLinked: 0)
            if linked { s.linked += 1 } else { s.notLinked += 1 }
            table[key] = s
        }
        for line in lines {
            let t = traits[line] ?? Traits()
            let linked = linkedLines.contains(line)
            count(t.sex.map { String($0.code) } ?? Self.unknown, in: &sex, linked: linked)
            count(Self.ageBand(birthYear: t.birthYear, referenceYear: referenceYear), in: &age, linked: linked)
            if departementColumn != nil { count(t.departement ?? Self.unknown, in: &dep, linked: linked) }
        }
        // Known categories in their natural order, unknown last.
        func ordered(_ table: [String: Split], by order: (String, String) -> Bool) -> [Split] {
            table.values.sorted { a, b in
                if (a.category == Self.unknown) != (b.category == Self.unknown) { return b.category == Self.unknown }
                return order(a.category, b.category)
            }
        }
        let bandOrder = Self.ageBandLowerBounds
        self.sex = ordered(sex, by: <)
        self.ageBand = ordered(age) { a, b in
            (Int(a.prefix { $0.isNumber }) ?? bandOrder.last!) < (Int(b.prefix { $0.isNumber }) ?? bandOrder.last!)
        }
        self.departement = ordered(dep, by: <)
    }
}
