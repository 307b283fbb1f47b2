import Foundation
import GRDB
import Pseudonymisation
import SNDSModel
import SNDSStore

/// Direct linkage: each valid cohort line's identity is hashed into BEN_NIR_PSA exactly as the
/// dataset was pseudonymised, looked up in IR_BEN_R (with BEN_RNG_GEM when given) to reach the
/// person (BEN_IDT_ANO), and from the person to **all** their BEN_NIR_PSA.
///
/// Same-sex twins covered by the same ouvreur share a BEN_NIR_PSA; without a rank the line is
/// ambiguous and is never guessed.
public struct DirectLinkage {
    /// A person's pseudonym row: the DCIR person key.
    public struct Pseudonym: Sendable, Hashable, Comparable {
        public let benNirPsa: String
        public let rank: Int
        public static func < (a: Pseudonym, b: Pseudonym) -> Bool { (a.benNirPsa, a.rank) < (b.benNirPsa, b.rank) }
    }

    /// What became of a valid line.
    public enum Outcome: Sendable, Equatable {
        /// Linked to one person, with every pseudonym row of that person.
        case found(person: String, pseudonyms: [Pseudonym])
        /// No beneficiary has this identity (or not with this rank).
        case notFound(NotFoundReason)
        /// Several people share the identity: same-sex twins given without a rank.
        case ambiguous(people: Int)

        public var status: LineStatus {
            switch self {
            case .found: .found
            case .notFound: .notFound
            case .ambiguous: .ambiguous
            }
        }

        /// results.csv's REASON for a line not found or ambiguous (empty for a line found).
        public var wording: String {
            switch self {
            case .found: ""
            case .notFound(let reason): reason.wording
            case .ambiguous(let people): "\(people) people share this identity (same-sex twins): give the twin rank"
            }
        }
    }

    public struct Result: Sendable {
        public let request: DirectCohort.Request
        public let outcome: Outcome
    }

    /// Hashes and resolves `requests` against `database`; returns each line's result and the
    /// number of distinct identities hashed. `progress` receives hashes done.
    public static func link(
        _ requests: [DirectCohort.Request], pseudonymiser: Pseudonymiser, database: SNDSDatabase,
        threads: Int, progress: (@Sendable (Int) -> Void)? = nil
    ) throws -> (results: [Result], hashes: Int) {
        // Hash each distinct identity once.
        var index: [PseudonymInput: Int] = [:]
        var inputs: [PseudonymInput] = []
        let keys = requests.map { r in
            let input = PseudonymInput.beneficiary(ouvreur: r.nir, birthDate: r.birthDate, sex: r.sex)
            if let i = index[input] { return i }
            index[input] = inputs.count
            inputs.append(input)
            return inputs.count - 1
        }
        let pseudonyms = try pseudonymiser.pseudonyms(of: inputs, threads: threads, progress: progress)
        let results: [Result] = try database.read { db in
            let byPseudonym = try db.makeStatement(sql: "SELECT BEN_RNG_GEM, BEN_IDT_ANO FROM IR_BEN_R WHERE BEN_NIR_PSA = ?")
            let byPerson = try db.makeStatement(sql: "SELECT BEN_NIR_PSA, BEN_RNG_GEM FROM IR_BEN_R WHERE BEN_IDT_ANO = ?")
            var people: [String: [Pseudonym]] = [:]
            return try zip(requests, keys).map { request, key in
                let rows = try Row.fetchAll(byPseudonym, arguments: [pseudonyms[key]])
                var holders = rows.map { (rank: $0[0] as Int, person: $0[1] as String) }
                if holders.isEmpty {
                    return Result(request: request, outcome: .notFound(.noBeneficiary))
                }
                if let rank = request.rank {
                    holders = holders.filter { $0.rank == rank }
                    if holders.isEmpty {
                        return Result(request: request, outcome: .notFound(.twinRankMismatch(rank: rank)))
                    }
                }
                let distinct = Set(holders.map(\.person))
                guard distinct.count == 1, let person = distinct.first else {
                    return Result(request: request, outcome: .ambiguous(people: distinct.count))
                }
                if people[person] == nil {
                    people[person] = try Row.fetchAll(byPerson, arguments: [person])
                        .map { Pseudonym(benNirPsa: $0[0], rank: $0[1]) }.sorted()
                }
                return Result(request: request, outcome: .found(person: person, pseudonyms: people[person]!))
            }
        }
        return (results, inputs.count)
    }
}
