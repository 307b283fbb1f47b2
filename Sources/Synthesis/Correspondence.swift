import Foundation
import Pseudonymisation
import SNDSModel

/// The clear identity ↔ pseudonym correspondence of a synthetic SNDS, sealed (AES-256-GCM).
///
/// It is the only place the population's NIRs are kept. Cohort generation opens it (with the
/// key) to write cohorts of real-looking identities with a known truth; nothing else needs it.
/// One tab-separated line per IR_BEN_R row, with the columns of ``columns``.
public enum Correspondence {
    public static let contents = "synthetic-correspondence"
    public static let columns = [
        "BEN_IDT_ANO", "BEN_NIR_PSA", "BEN_RNG_GEM", "COVER", "NIR_OUVREUR", "NIR_BENEFICIAIRE",
        "BIRTH_DATE", "SEX", "VALID_FROM", "VALID_UNTIL",
    ]

    /// One line of the correspondence.
    public struct Entry: Sendable, Equatable {
        public let benIdtAno: String
        public let benNirPsa: String
        public let rank: Int
        public let cover: BeneficiaryRow.Cover
        public let ouvreurNIR: NIR
        public let beneficiaryNIR: NIR
        public let birthDate: CalendarDate
        public let sex: Sex
        public let validFrom: CalendarDate
        public let validUntil: CalendarDate?
    }

    static func write(
        population: Population, identity: IdentityStructure, pseudonyms: PopulationPseudonyms,
        parameters: PseudonymParameters, key: SecretKey, to url: URL, toolVersion: String
    ) throws {
        let writer = try SealedFileWriter(
            url: url, key: key, contents: contents, pseudonymisation: parameters,
            columns: columns, createdBy: "appariement \(toolVersion)")
        var lines: [UInt8] = []
        lines.reserveCapacity(1 << 16)
        for row in identity.rows {
            let p = population.people[row.person]
            let fields = [
                pseudonyms.individual[p.id], pseudonyms.benNirPsa(row), String(row.rank), row.cover.rawValue,
                population.people[row.ouvreur].nir.clearText, p.nir.clearText, p.birthDate.iso, String(p.sex.code),
                row.validFrom.iso, row.validUntil?.iso ?? "",
            ]
            lines.append(contentsOf: fields.joined(separator: "\t").utf8)
            lines.append(UInt8(ascii: "\n"))
            if lines.count >= 1 << 16 {
                try writer.write(lines)
                lines.removeAll(keepingCapacity: true)
            }
        }
        try writer.write(lines)
        try writer.finish()
    }

    /// Opens a sealed correspondence and returns its entries (after authenticating all of it).
    public static func read(from url: URL, key: SecretKey) throws -> [Entry] {
        let reader = try SealedFileReader(url: url, key: key)
        guard reader.header.contents == contents, reader.header.columns == columns else {
            throw PseudonymisationError.damagedHeader(url.path, "not a synthetic SNDS correspondence")
        }
        let payload = try reader.readAll()
        var entries: [Entry] = []
        for (number, line) in payload.split(separator: UInt8(ascii: "\n")).enumerated() {
            let f = line.split(separator: UInt8(ascii: "\t"), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            guard f.count == columns.count, let rank = Int(f[2]), let cover = BeneficiaryRow.Cover(rawValue: f[3]),
                let ouvreur = try? NIR(validating: f[4]), let beneficiary = try? NIR(validating: f[5]),
                let birth = CalendarDate(iso: f[6]), let sexCode = Int(f[7]), let sex = Sex(rawValue: sexCode),
                let from = CalendarDate(iso: f[8])
            else {
                throw PseudonymisationError.damagedHeader(url.path, "entry \(number + 1) is malformed")
            }
            entries.append(
                Entry(
                    benIdtAno: f[0], benNirPsa: f[1], rank: rank, cover: cover, ouvreurNIR: ouvreur,
                    beneficiaryNIR: beneficiary, birthDate: birth, sex: sex, validFrom: from,
                    validUntil: f[9].isEmpty ? nil : CalendarDate(iso: f[9])))
        }
        return entries
    }
}
