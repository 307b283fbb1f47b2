import Foundation
import GRDB
import Hardening
import SNDSModel
import SNDSStore

/// Draws a direct-linkage cohort from a synthetic SNDS's clear identities, with the defects of a
/// noise profile, and computes its truth.
///
/// The truth's expected outcome comes from the clear identities alone (which people hold the NIR,
/// birth date and sex the line gives, and the rank if any), never from pseudonyms: it is an
/// independent oracle for the linkage, which works on hashes and the database.
public struct DirectCohortGenerator {
    /// The cohort file's columns, in the CNAM procedure's terms.
    public static let columns = ["NS", "NIR", "DATE_NAISSANCE", "SEXE", "RANG_GEMELLAIRE"]

    public struct Cohort: Sendable {
        /// The cohort file's text (`;`-separated, UTF-8, with a header).
        public let csv: String
        public let truth: CohortTruth
    }

    private let entries: [Correspondence.Entry]
    private let profile: DirectNoiseProfile
    /// BEN_IDT_ANO → département of residence (IR_BEN_R.BEN_RES_DPT); when given, the cohort has a
    /// DEPARTEMENT column, as registries do, for the report's bias check.
    private let residence: [String: String]
    /// (ouvreur NIR, birth date, sex) → the people holding it, with their rank.
    private let holders: [IdentityKey: [(person: String, rank: Int)]]
    /// A person's own NIR (13 positions) → the people it is, with the sex and birth year and month
    /// IR_BEN_R holds, and whether they hold rights in their own name: the patient's-own-NIR path,
    /// tried when the ouvreur's reaches nobody (see DirectLinkage: a person with rights of their own
    /// is not taken on it, their day being the one thing that can have failed).
    private let owners: [String: [(person: String, sex: Sex, year: Int, month: Int, ownRights: Bool)]]

    struct IdentityKey: Hashable {
        let nir: String
        let birth: CalendarDate
        let sex: Sex
    }

    public init(correspondence entries: [Correspondence.Entry], profile: DirectNoiseProfile, residence: [String: String] = [:]) {
        self.entries = entries
        self.profile = profile
        self.residence = residence
        var holders: [IdentityKey: [(person: String, rank: Int)]] = [:]
        for e in entries {
            let key = IdentityKey(nir: e.ouvreurNIR.clearText, birth: e.birthDate, sex: e.sex)
            if !(holders[key]?.contains { $0.person == e.benIdtAno && $0.rank == e.rank } ?? false) {
                holders[key, default: []].append((e.benIdtAno, e.rank))
            }
        }
        self.holders = holders
        var owners: [String: [(person: String, sex: Sex, year: Int, month: Int, ownRights: Bool)]] = [:]
        for e in entries {
            owners[e.beneficiaryNIR.body, default: []].append((e.benIdtAno, e.sex, e.birthDate.year, e.birthDate.month, e.cover == .ownRights))
        }
        self.owners = owners
    }

    /// Each person's département of residence, from IR_BEN_R (the latest row of a person with
    /// several pseudonyms).
    public static func residences(in database: SNDSDatabase) throws -> [String: String] {
        try database.read { db in
            var out: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT BEN_IDT_ANO, BEN_RES_DPT FROM IR_BEN_R ORDER BY BEN_IDT_ANO, BEN_DTE_MAJ") {
                // Written as registries do: 59, 2A, 971 (IR_BEN_R pads metropolitan codes: 059, 02A).
                if let person: String = row[0], let dpt: String = row[1] {
                    out[person] = dpt.count == 3 && dpt.hasPrefix("0") ? String(dpt.dropFirst()) : dpt
                }
            }
            return out
        }
    }

    /// One line before formatting: clear values, the person, the defect.
    private struct Line {
        var ns: String
        var nir: NIR?
        var nirText: String?
        var birth: CalendarDate?
        var sex: Sex?
        var rank: Int?
        var person: String?
        var defect: DirectNoiseProfile.Defect
    }

    /// A cohort of `size` lines drawn with `seed`.
    public func make(size: Int, seed: UInt64) throws(CohortError) -> Cohort {
        var rng = SeededGenerator.stream(seed: seed, purpose: "direct-cohort")
        // People, in the correspondence's order (independent of the key), each with the identity
        // row a hospital would hold today: a current cover, else the latest.
        var rowsByPerson: [String: [Correspondence.Entry]] = [:]
        var people: [String] = []
        for e in entries {
            if rowsByPerson[e.benIdtAno] == nil { people.append(e.benIdtAno) }
            rowsByPerson[e.benIdtAno, default: []].append(e)
        }
        let absentShare = profile.rate(of: .absentFromSNDS)
        guard Double(size) * (1 - absentShare) <= Double(people.count) * 0.9 else {
            throw .tooLarge(size: size, population: people.count)
        }
        func isShared(_ e: Correspondence.Entry) -> Bool {
            Set(holders[IdentityKey(nir: e.ouvreurNIR.clearText, birth: e.birthDate, sex: e.sex)]!.map(\.person)).count > 1
        }
        let twins = people.filter { rowsByPerson[$0]!.contains(where: isShared) }
        var order = people
        rng.shuffle(&order)
        var twinOrder = twins
        rng.shuffle(&twinOrder)
        var used = Set<String>()

        // Defects first, then people suited to them.
        let drawn: [DirectNoiseProfile.Defect] = [
            .wrongNIRKey, .transposedDigits, .beneficiaryNIR, .absentFromSNDS,
            .duplicateNS, .missingValue, .duplicatePatient,
        ]
        let twinLines = min(Int((Double(size) * profile.twins.share).rounded()), twinOrder.count)
        var kinds: [Bool] = Array(repeating: true, count: twinLines) + Array(repeating: false, count: size - twinLines)
        rng.shuffle(&kinds)
        // The twins drawn for twin lines are kept out of the other draws.
        used.formUnion(twinOrder.prefix(twinLines))

        var cursor = 0, twinCursor = 0
        func nextPerson(where suits: (String) -> Bool = { _ in true }) -> String? {
            var i = cursor
            while i < order.count {
                let p = order[i]
                if !used.contains(p), suits(p) {
                    used.insert(p)
                    if i == cursor { cursor += 1 }
                    return p
                }
                i += 1
            }
            return nil
        }
        func current(_ person: String) -> Correspondence.Entry {
            let rows = rowsByPerson[person]!
            let open = rows.filter { $0.validUntil == nil }
            return open.isEmpty ? rows.max { $0.validFrom < $1.validFrom }! : open[rng.uniform(open.count)]
        }

        // Subject numbers as a study assigns them: unique, not in line order, drawn from ten times
        // as many; so two cohorts of the same size do not share their NS line by line.
        let digits = max(6, String(size * 10).count)
        var numbers = Set<Int>()
        var numbering: [Int] = []
        numbering.reserveCapacity(size)
        while numbering.count < size {
            let n = 1 + rng.uniform(size * 10)
            if numbers.insert(n).inserted { numbering.append(n) }
        }
        var lines: [Line] = []
        lines.reserveCapacity(size)
        var cleanPeople: [String] = []  // the people of the clean lines so far, for duplicate_patient
        for (index, isTwin) in kinds.enumerated() {
            let ns = "NS_" + pad(numbering[index], digits)
            if isTwin {
                let person = twinOrder[twinCursor]
                twinCursor += 1
                let row = rowsByPerson[person]!.first(where: isShared)!
                let withoutRank = rng.chance(profile.twins.withoutRank)
                lines.append(
                    Line(
                        ns: ns, nir: row.ouvreurNIR, birth: row.birthDate, sex: row.sex,
                        rank: withoutRank ? nil : row.rank, person: person,
                        defect: withoutRank ? .twinWithoutRank : .none))
                continue
            }
            var defect = DirectNoiseProfile.Defect.none
            var draw = rng.unit()
            for d in drawn {
                draw -= profile.rate(of: d)
                if draw < 0 { defect = d; break }
            }
            if defect == .duplicateNS, lines.isEmpty { defect = .none }
            // A patient registered twice: an earlier clean line's person, under its own NS and its
            // current identity (reformatted like any line).
            let again = defect == .duplicatePatient && !cleanPeople.isEmpty ? cleanPeople[rng.uniform(cleanPeople.count)] : nil
            if defect == .duplicatePatient, again == nil { defect = .none }
            if defect == .absentFromSNDS {
                lines.append(absentLine(ns: ns, &rng))
                continue
            }
            let person: String
            if let again {
                person = again
            } else if defect == .beneficiaryNIR, let covered = nextPerson(where: { p in rowsByPerson[p]!.contains { $0.cover != .ownRights } }) {
                person = covered
            } else {
                if defect == .beneficiaryNIR { defect = .none }
                guard let p = nextPerson() else { throw .tooLarge(size: size, population: people.count) }
                person = p
            }
            var row = current(person)
            if defect == .beneficiaryNIR { row = rowsByPerson[person]!.first { $0.cover != .ownRights }! }
            var line = Line(
                ns: ns, nir: row.ouvreurNIR, birth: row.birthDate, sex: row.sex,
                rank: isShared(row) ? row.rank : nil, person: person, defect: defect)
            switch defect {
            case .beneficiaryNIR: line.nir = row.beneficiaryNIR
            case .duplicateNS: line.ns = lines[rng.uniform(lines.count)].ns
            case .missingValue:
                switch rng.uniform(3) {
                case 0: line.nir = nil
                case 1: line.birth = nil
                default: line.sex = nil
                }
            case .wrongNIRKey:
                let key = row.ouvreurNIR.key
                let wrong = (key - 1 + 1 + rng.uniform(96)) % 97 + 1  // any other key from 01 to 97
                line.nirText = row.ouvreurNIR.body + pad(wrong, 2)
            case .transposedDigits:
                var digits = Array(row.ouvreurNIR.clearText)
                let candidates = (7..<12).filter { digits[$0] != digits[$0 + 1] }
                if let i = candidates.isEmpty ? nil : candidates[rng.uniform(candidates.count)] {
                    digits.swapAt(i, i + 1)
                    line.nirText = String(digits)
                } else {
                    line.defect = .none
                }
            default: break
            }
            if line.defect == .none { cleanPeople.append(person) }
            lines.append(line)
        }
        return format(lines, &rng, seed: seed)
    }

    /// A valid identity nobody in the synthetic SNDS holds.
    private func absentLine(ns: String, _ rng: inout SeededGenerator) -> Line {
        while true {
            let sex: Sex = rng.chance(0.5) ? .male : .female
            guard let birth = CalendarDate(year: 1930 + rng.uniform(90), month: 1 + rng.uniform(12), day: 1 + rng.uniform(28)) else { continue }
            let place = pad(1 + rng.uniform(95), 2) + pad(1 + rng.uniform(400), 3)
            let nir = NIR(
                sexDigit: sex.code, birthYear: birth.year, birthMonth: birth.month, birthPlace: place,
                order: 1 + rng.uniform(999))
            if holders[IdentityKey(nir: nir.clearText, birth: birth, sex: sex)] == nil, owners[nir.body] == nil {
                return Line(ns: ns, nir: nir, birth: birth, sex: sex, rank: nil, person: nil, defect: .absentFromSNDS)
            }
        }
    }

    /// Writes the lines in the profile's formats and computes each one's expected outcome.
    private func format(_ lines: [Line], _ rng: inout SeededGenerator, seed: UInt64) -> Cohort {
        var nsCount: [String: Int] = [:]
        for l in lines { nsCount[l.ns, default: 0] += 1 }
        let dateFormats = profile.formats.birthDate.sorted { $0.key < $1.key }
        let sexFormats = profile.formats.sex.sorted { $0.key < $1.key }
        var csv = (Self.columns + (residence.isEmpty ? [] : ["DEPARTEMENT"])).joined(separator: ";") + "\n"
        var truth: [CohortTruth.Entry] = []
        // Residences come from their own stream: the other columns are drawn as without them. A
        // person absent from the SNDS lives where somebody else of the dataset does.
        var places = SeededGenerator.stream(seed: seed, purpose: "direct-cohort-residence")
        let known = residence.isEmpty ? [] : Array(Set(residence.values)).sorted()
        for (i, l) in lines.enumerated() {
            var nirText = l.nirText ?? l.nir?.clearText ?? ""
            if !nirText.isEmpty, rng.chance(profile.formats.nirWithSpaces) {
                let c = Array(nirText)
                nirText = [c[0..<1], c[1..<3], c[3..<5], c[5..<7], c[7..<10], c[10..<13], c[13..<15]].map { String($0) }.joined(separator: " ")
            }
            var birth = ""
            if let b = l.birth {
                switch rng.pick(weighted: dateFormats) {
                case "DD/MM/YYYY": birth = "\(pad(b.day, 2))/\(pad(b.month, 2))/\(b.year)"
                case "YYYYMMDD": birth = b.compact
                default: birth = b.iso
                }
            }
            var sex = ""
            if let s = l.sex {
                switch rng.pick(weighted: sexFormats) {
                case "M/F": sex = s == .male ? "M" : "F"
                case "H/F": sex = s == .male ? "H" : "F"
                default: sex = String(s.code)
                }
            }
            var fields = [l.ns, nirText, birth, sex, l.rank.map(String.init) ?? ""]
            if !residence.isEmpty {
                fields.append(l.person.flatMap { residence[$0] } ?? known[Int(places.next() % UInt64(known.count))])
            }
            csv += fields.joined(separator: ";") + "\n"
            truth.append(
                CohortTruth.Entry(
                    line: i + 2, ns: l.ns, benIdtAno: l.person, defect: l.defect.rawValue,
                    expected: expected(l, duplicated: nsCount[l.ns]! > 1)))
        }
        return Cohort(csv: csv, truth: CohortTruth(entries: truth))
    }

    /// What a correct linkage does with a line, from the clear identities.
    private func expected(_ l: Line, duplicated: Bool) -> CohortTruth.Expected {
        guard !duplicated, l.nirText == nil, let nir = l.nir, let birth = l.birth, let sex = l.sex else { return .rejected }
        var found = holders[IdentityKey(nir: nir.clearText, birth: birth, sex: sex)] ?? []
        if let rank = l.rank { found = found.filter { $0.rank == rank } }
        if found.isEmpty {
            // Nobody under the ouvreur's path (or not with the rank given): the patient's own NIR,
            // checked on sex, year and month, unless its person holds rights of their own.
            let rows = owners[nir.body] ?? []
            guard !rows.contains(where: \.ownRights) else { return .notFound }
            let own = Set(rows.filter { $0.sex == sex && $0.year == birth.year && $0.month == birth.month }.map(\.person))
            return own.count == 1 ? .found : .notFound
        }
        switch Set(found.map(\.person)).count {
        case 0: return .notFound
        case 1: return .found
        default: return .ambiguous
        }
    }
}

public enum CohortError: Error, Equatable, CustomStringConvertible {
    case tooLarge(size: Int, population: Int)
    case tooFewPatients(size: Int, eligible: Int, scenario: String, maximum: Int)

    public var description: String {
        switch self {
        case .tooLarge(let size, let population):
            "a cohort of \(size) lines cannot be drawn from \(population) people without repeating them: at most 90 % of the population may be drawn (lines of people absent from the SNDS do not count)"
        case .tooFewPatients(let size, let eligible, let scenario, let maximum):
            "the scenario \(scenario) has \(eligible) eligible patients in this dataset: a cohort of \(size) lines would draw more than 90 % of them; at most \(maximum) lines (or generate more beneficiaries)"
        }
    }
}

extension CohortError: ExitStatusProviding {
    /// A cohort larger than the dataset can give: wrong usage (--size).
    public var exitStatus: ExitStatus { .usage }
}
