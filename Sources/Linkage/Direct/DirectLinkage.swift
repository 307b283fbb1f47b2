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
///
/// A line the ouvreur's path reaches nobody with (or nobody with its twin rank) is tried once more
/// as the patient's **own** NIR: hospitals now hold the patient's own NIR (the INS) as often as the
/// ouvreur's, and a child or a spouse covered by someone else is then unknown to BEN_NIR_PSA. The own NIR's pseudonym is
/// BEN_NIR_ANO (IR_BEN_R); the person it names is taken only when IR_BEN_R's sex, birth year and
/// month agree with the line (the day is not in IR_BEN_R), so that a parent's NIR given with a
/// child's birth date never reaches the parent.
public struct DirectLinkage {
    /// Which NIR linked a line.
    public enum NIRPath: String, Sendable, Codable {
        /// The ouvreur de droits' NIR, as the CNAM procedure hashes it (BEN_NIR_PSA).
        case ouvreur
        /// The patient's own NIR (BEN_NIR_ANO), tried when the ouvreur's path reached nobody.
        case own
    }

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
        /// The NIR path that linked the line (nil when it is not found).
        public var path: NIRPath? = nil
    }

    /// Hashes and resolves `requests` against `database`; returns each line's result and the
    /// number of distinct identities hashed. `progress` receives hashes done.
    public static func link(
        _ requests: [DirectCohort.Request], pseudonymiser: Pseudonymiser, database: SNDSDatabase,
        threads: Int, progress: (@Sendable (Int) -> Void)? = nil
    ) throws -> (results: [Result], hashes: Int) {
        let (inputs, keys) = distinct(requests.map { PseudonymInput.beneficiary(ouvreur: $0.nir, birthDate: $0.birthDate, sex: $0.sex) })
        let pseudonyms = try pseudonymiser.pseudonyms(of: inputs, threads: threads, progress: progress)
        var results: [Result] = try database.read { db in
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
                return Result(request: request, outcome: .found(person: person, pseudonyms: people[person]!), path: .ouvreur)
            }
        }
        // Every line the ouvreur's path found nobody for: no beneficiary, or not with the rank given
        // (a twin given under their own NIR with their rank under a parent).
        let retried = results.indices.filter { if case .notFound = results[$0].outcome { true } else { false } }
        let own = try ownNIRPath(
            for: retried.map { results[$0].request }, pseudonymiser: pseudonymiser, database: database, threads: threads)
        for i in retried {
            if let found = own.found[results[i].request.line] { results[i] = found }
        }
        return (results, inputs.count + own.hashes)
    }

    /// Each distinct input once (argon2id is the cost), and for each of `all` the index of its own.
    private static func distinct(_ all: [PseudonymInput]) -> (inputs: [PseudonymInput], keys: [Int]) {
        var index: [PseudonymInput: Int] = [:]
        var inputs: [PseudonymInput] = []
        let keys = all.map { input in
            if let i = index[input] { return i }
            index[input] = inputs.count
            inputs.append(input)
            return inputs.count - 1
        }
        return (inputs, keys)
    }

    /// The lines the ouvreur's path reached nobody with, tried as the patient's own NIR: the
    /// results of those found, by line, and the hashes made.
    ///
    /// IR_BEN_R holds the birth year and month, not the day, and a NIR's own positions give the
    /// sex, year and month: the day is not checked on this path. So a person who holds rights in
    /// their own name (a row whose ouvreur is themself, ASS_NIR_ANO = BEN_NIR_ANO) is not taken:
    /// the ouvreur's path, with their own NIR, would have found them had the day been right. And a
    /// NIR given without its key is not tried: a miscopied digit would reach someone else on
    /// sex, year and month alone.
    private static func ownNIRPath(
        for requests: [DirectCohort.Request], pseudonymiser: Pseudonymiser, database: SNDSDatabase, threads: Int
    ) throws -> (found: [Int: Result], hashes: Int) {
        let requests = requests.filter(\.keyChecked)
        guard !requests.isEmpty else { return ([:], 0) }
        let (inputs, keys) = distinct(requests.map { PseudonymInput.individual($0.nir) })
        let anonymous = try pseudonymiser.pseudonyms(of: inputs, threads: threads)
        let wanted = Set(anonymous)
        return try database.read { db in
            // One pass over IR_BEN_R (BEN_NIR_ANO has no index), the pseudonyms wanted in a set.
            var rows: [String: [(person: String, sex: Int?, year: Int?, month: Int?, ownRights: Bool)]] = [:]
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT BEN_NIR_ANO, BEN_IDT_ANO, BEN_SEX_COD, BEN_NAI_ANN, BEN_NAI_MOI, ASS_NIR_ANO FROM IR_BEN_R")
            while let row = try cursor.next() {
                guard let ano = row[0] as String?, wanted.contains(ano) else { continue }
                // Numbers or text, as the schema's types have them (BEN_SEX_COD a number, BEN_NAI_ANN text).
                let number = { (i: Int) -> Int? in
                    let value = row[i] as DatabaseValue
                    return Int.fromDatabaseValue(value) ?? String.fromDatabaseValue(value).flatMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                }
                rows[ano, default: []].append((row[1], number(2), number(3), number(4), (row[5] as String?) == ano))
            }
            let byPerson = try db.makeStatement(sql: "SELECT BEN_NIR_PSA, BEN_RNG_GEM FROM IR_BEN_R WHERE BEN_IDT_ANO = ?")
            var found: [Int: Result] = [:]
            for (request, key) in zip(requests, keys) {
                let held = rows[anonymous[key]] ?? []
                guard !held.contains(where: \.ownRights) else { continue }
                let people = Set(
                    held.filter {
                        $0.sex == request.sex.code && $0.year == request.birthDate.year && $0.month == request.birthDate.month
                    }.map(\.person))
                guard people.count == 1, let person = people.first else { continue }
                let pseudonyms = try Row.fetchAll(byPerson, arguments: [person]).map { Pseudonym(benNirPsa: $0[0], rank: $0[1]) }.sorted()
                found[request.line] = Result(request: request, outcome: .found(person: person, pseudonyms: pseudonyms), path: .own)
            }
            return (found, inputs.count)
        }
    }
}
