/// The people behind a run's links, whatever the kind of run: how many, how many have several
/// pseudonyms, how many were reached by more than one NS.
public struct PeopleCounts: Codable, Sendable, Equatable {
    /// Distinct persons (BEN_IDT_ANO) linked.
    public var linked: Int
    /// Linked persons with more than one BEN_NIR_PSA row: their NS receive the data of all.
    public var withSeveralPseudonyms: Int
    /// Persons reached by more than one NS (the same patient listed twice under two numbers).
    public var reachedBySeveralNS: Int
    /// For each person reached by several NS, the cohort lines linked to them (ascending), in the
    /// order of their first line: what the report lists, since both modes link every such line
    /// (docs/direct-linkage.md). Line numbers only, never a person; nil in runs made before it.
    public var linesOfPeopleWithSeveralNS: [[Int]]?

    /// Counts the persons linked, from the cohort lines linked to each (`linesByPerson`: a valid
    /// line has an NS no other valid line has) and each person's number of pseudonym rows
    /// (`pseudonymCounts`).
    init(linesByPerson: [String: [Int]], pseudonymCounts: [String: Int]) {
        linked = linesByPerson.count
        withSeveralPseudonyms = linesByPerson.keys.filter { (pseudonymCounts[$0] ?? 0) > 1 }.count
        let shared = linesByPerson.values.filter { $0.count > 1 }.map { $0.sorted() }
        reachedBySeveralNS = shared.count
        linesOfPeopleWithSeveralNS = shared.sorted { $0[0] < $1[0] }
    }
}
