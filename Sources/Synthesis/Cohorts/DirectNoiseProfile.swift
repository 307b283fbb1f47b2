import Foundation
import SNDSModel
import Yams

/// How defective a synthetic direct-linkage cohort is: the rate of each defect, the share of
/// same-sex twins and how values are formatted. Read from YAML (the default is
/// synthetic/reference/assumptions/direct-cohort-noise.yml) so a team can reproduce the defects
/// of its own files.
public struct DirectNoiseProfile: Decodable, Sendable {
    public static let file = "assumptions/direct-cohort-noise.yml"

    /// A defect a cohort line can be given (at most one per line).
    public enum Defect: String, Sendable, CaseIterable, Codable {
        case none
        case wrongNIRKey = "wrong_nir_key"
        case transposedDigits = "transposed_digits"
        case beneficiaryNIR = "beneficiary_nir"
        case absentFromSNDS = "absent_from_snds"
        case duplicateNS = "duplicate_ns"
        /// An earlier line's patient again, under another NS (registered twice): both lines are
        /// found, to the same person.
        case duplicatePatient = "duplicate_patient"
        case missingValue = "missing_value"
        /// A same-sex twin given without their rank (drawn separately from the others).
        case twinWithoutRank = "twin_without_rank"
    }

    public let defects: [String: Double]
    public let twins: Twins
    public let formats: Formats

    public struct Twins: Decodable, Sendable {
        public let share: Double
        public let withoutRank: Double
        enum CodingKeys: String, CodingKey { case share, withoutRank = "without_rank" }
    }

    public struct Formats: Decodable, Sendable {
        public let birthDate: [String: Double]
        public let sex: [String: Double]
        public let nirWithSpaces: Double
        enum CodingKeys: String, CodingKey { case birthDate = "birth_date", sex, nirWithSpaces = "nir_with_spaces" }
    }

    /// Birth date layouts a profile may name.
    public static let dateFormats = ["YYYY-MM-DD", "DD/MM/YYYY", "YYYYMMDD"]
    /// Sex codings a profile may name: male/female as 1/2, M/F or H/F.
    public static let sexFormats = ["1/2", "M/F", "H/F"]

    /// The rate of a defect (0 when the profile does not name it).
    public func rate(of defect: Defect) -> Double { defects[defect.rawValue] ?? 0 }

    /// Loads and checks a profile; `url` nil means the shipped default.
    public static func load(_ url: URL?, reference: ReferenceData) throws(ReferenceDataError) -> DirectNoiseProfile {
        let (profile, name) = try NoiseProfileFile.decode(DirectNoiseProfile.self, url, defaultFile: file, reference: reference)
        try profile.check(name)
        return profile
    }

    private func check(_ name: String) throws(ReferenceDataError) {
        func fail(_ why: String) -> ReferenceDataError { NoiseProfileFile.failure(name, why) }
        let drawn = Set(Defect.allCases.map(\.rawValue)).subtracting([Defect.none.rawValue, Defect.twinWithoutRank.rawValue])
        for (key, rate) in defects {
            guard drawn.contains(key) else {
                throw fail("defects.\(key) is not a defect (known: \(drawn.sorted().joined(separator: ", ")))")
            }
            guard (0...1).contains(rate) else { throw fail("defects.\(key): \(rate) is not a share between 0 and 1") }
        }
        guard defects.values.reduce(0, +) <= 1 else { throw fail("defects: the rates add up to more than 1") }
        try NoiseProfileFile.checkShares(
            [
                ("twins.share", twins.share), ("twins.without_rank", twins.withoutRank),
                ("formats.nir_with_spaces", formats.nirWithSpaces),
            ], in: name)
        try NoiseProfileFile.checkFormats(
            [
                ("formats.birth_date", formats.birthDate, Self.dateFormats),
                ("formats.sex", formats.sex, Self.sexFormats),
            ], in: name)
    }
}
