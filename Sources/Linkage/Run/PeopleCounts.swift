/// The people behind a run's links, whatever the kind of run: how many, how many have several
/// pseudonyms, how many were reached by more than one NS.
public struct PeopleCounts: Codable, Sendable, Equatable {
    /// Distinct persons (BEN_IDT_ANO) linked.
    public var linked: Int
    /// Linked persons with more than one BEN_NIR_PSA row: their NS receive the data of all.
    public var withSeveralPseudonyms: Int
    /// Persons reached by more than one NS (the same patient listed twice under two numbers).
    public var reachedBySeveralNS: Int

    /// Counts the persons linked, from the NS each was linked to (`nsByPerson`) and each person's
    /// number of pseudonym rows (`pseudonymCounts`).
    init(nsByPerson: [String: Set<String>], pseudonymCounts: [String: Int]) {
        linked = nsByPerson.count
        withSeveralPseudonyms = nsByPerson.keys.filter { (pseudonymCounts[$0] ?? 0) > 1 }.count
        reachedBySeveralNS = nsByPerson.values.filter { $0.count > 1 }.count
    }
}
