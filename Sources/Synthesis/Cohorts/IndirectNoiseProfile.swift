import Foundation
import SNDSModel
import Yams

/// How defective a synthetic indirect-linkage cohort is: the rate of each defect and the formats
/// values are written in. Read from YAML (the default is
/// synthetic/reference/assumptions/indirect-cohort-noise.yml).
public struct IndirectNoiseProfile: Decodable, Sendable {
    public static let file = "assumptions/indirect-cohort-noise.yml"

    public enum Defect: String, Sendable, CaseIterable, Codable {
        case absentFromSNDS = "absent_from_snds"
        case duplicatePatient = "duplicate_patient"
        case dateShift = "date_shift"
        case moved
        case legalFiness = "legal_finess"
        case icdOtherLevel = "icd_other_level"
        case icdNeighbour = "icd_neighbour"
        case birthMonthMissing = "birth_month_missing"
        case birthYearOff = "birth_year_off"
    }

    public let defects: [String: Double]
    public let formats: Formats

    public struct Formats: Decodable, Sendable {
        public let date: [String: Double]
        public let sex: [String: Double]
        public let icd10WithDot: Double
        public let departementThreeDigits: Double
        public let corsicaAs20: Double
        enum CodingKeys: String, CodingKey {
            case date, sex, icd10WithDot = "icd10_with_dot", departementThreeDigits = "departement_three_digits"
            case corsicaAs20 = "corsica_as_20"
        }
    }

    public func rate(of defect: Defect) -> Double { defects[defect.rawValue] ?? 0 }

    public static func load(_ url: URL?, reference: ReferenceData) throws(ReferenceDataError) -> IndirectNoiseProfile {
        let (profile, name) = try NoiseProfileFile.decode(IndirectNoiseProfile.self, url, defaultFile: file, reference: reference)
        func fail(_ why: String) -> ReferenceDataError { NoiseProfileFile.failure(name, why) }
        let known = Defect.allCases.map(\.rawValue)
        for (key, rate) in profile.defects {
            guard known.contains(key) else { throw fail("defects.\(key) is not a defect (known: \(known.joined(separator: ", ")))") }
            guard (0...1).contains(rate) else { throw fail("defects.\(key): \(rate) is not a share between 0 and 1") }
        }
        guard profile.rate(of: .absentFromSNDS) + profile.rate(of: .duplicatePatient) < 0.5 else {
            throw fail("defects: absent_from_snds and duplicate_patient add up to half the cohort or more")
        }
        try NoiseProfileFile.checkShares(
            [
                ("formats.icd10_with_dot", profile.formats.icd10WithDot),
                ("formats.departement_three_digits", profile.formats.departementThreeDigits),
                ("formats.corsica_as_20", profile.formats.corsicaAs20),
            ], in: name)
        try NoiseProfileFile.checkFormats(
            [
                ("formats.date", profile.formats.date, DirectNoiseProfile.dateFormats),
                ("formats.sex", profile.formats.sex, DirectNoiseProfile.sexFormats),
            ], in: name)
        return profile
    }
}
