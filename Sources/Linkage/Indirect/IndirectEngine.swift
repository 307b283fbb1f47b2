import Foundation

/// The indirect-linkage engine: joins the cohort with the SNDS's candidate events in SQL, group by
/// group, and keeps only links unique both ways.
///
/// Its stages are values, each made from the one before, so that none can run out of order or
/// twice: ``CandidateEvents`` (the events built and measured, the plan made) →
/// ``CandidateEvents/profile()`` (a ``UniquenessProfile``: the uniqueness of each configuration) →
/// ``CandidateEvents/load(_:profile:)``, which consumes the events, gives a ``LinkagePool`` (the
/// cohort normalised by the same SQL) → ``LinkagePool/link(progress:)``, which consumes the pool,
/// gives the ``Linkage`` (one outcome per line). This enum holds the types the stages share.
///
/// Everything runs in the read-only connection to the dataset, in TEMP tables (in memory):
/// `candidates` (one row per event: person, pseudonym, rank, one normalised value per criterion),
/// `cohort` (one row per valid line, normalised by the same SQL), `matches` (pairs line × person
/// per configuration), `linked` and `linked_persons` (what has left the pool). Each configuration
/// is one INSERT … SELECT that walks the cohort and probes `candidates` through an index on that
/// configuration's most discriminant columns (forced with INDEXED BY, so a plan can never fall
/// back to scanning the events).
public enum IndirectEngine {
    /// Why a line was not linked.
    public enum Exclusion: String, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
        /// No event matches the line in any configuration tried.
        case noCandidate = "no_candidate"
        /// Events of several persons match in every configuration where any matches.
        case multipleCandidates = "multiple_candidates"
        /// Unique matches to different persons under two configurations of one group.
        case conflicting
        /// The line's unique person is also matched by another line.
        case duplicatePerson = "duplicate_person"
        /// The line's unique person agrees too weakly to be trusted: its link probability is below
        /// the rules' `min_link_probability` (the guard), so it is not accepted.
        case weakLink = "weak_link"

        /// Which reason names a line's exclusion when groups disagree: a conflict or a person claimed
        /// twice says more than several candidates, which says more than none.
        public var severity: Int {
            switch self {
            case .noCandidate: 0
            case .multipleCandidates: 1
            case .duplicatePerson: 2
            case .conflicting: 3
            case .weakLink: 4
            }
        }
    }

    /// How well a criterion tells events apart, measured on the SNDS side.
    public struct Discriminance: Sendable, Codable, Equatable {
        public let column: String
        /// Shannon entropy of its normalised values over the events, in bits.
        public let entropyBits: Double
        /// The entropy left once the comparison's tolerance is counted: a date compared within ±d
        /// days cannot tell apart about 2d + 1 neighbouring days, so log2(2d + 1) bits are taken
        /// off (a prefix comparison is already measured on the prefix). `auto` orders by this.
        public let effectiveBits: Double
        public let distinctValues: Int
        /// Share of events whose value no other event has.
        public let uniqueShare: Double
        /// Share of events without a value.
        public let missingShare: Double
    }

    public struct ConfigurationResult: Sendable, Codable, Equatable {
        public let id: Int
        public let group: Int
        public let kept: [String]
        public let dropped: [String]
        /// Share of SNDS events unique on this combination of values (exact values, tolerances aside).
        public var uniqueShare: Double
        /// The index the join probes.
        public let index: [String]
        /// Lines with at least one match, and links first made under this configuration.
        public var linesMatched = 0
        public var linked = 0
    }

    public struct Outcome: Sendable {
        public let line: Int
        public let ns: String
        /// The person linked (BEN_IDT_ANO), with the group and configuration of the link.
        public var person: String?
        public var group: Int?
        public var configuration: Int?
        /// Why not linked: the most telling reason over the groups tried (see ``Exclusion/severity``).
        public var exclusion: Exclusion?
        /// Per group tried: the reason the line stayed out.
        public var history: [Int: Exclusion] = [:]
    }

    /// What the join made: one outcome per valid line, in line order, and the configurations with
    /// the lines each matched and linked.
    public struct Linkage: Sendable {
        public let outcomes: [Outcome]
        public let configurations: [ConfigurationResult]
    }
}
