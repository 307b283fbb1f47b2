import SNDSModel

/// Gives an indirect-linkage cohort its patients' identities, as a hospital registry holds them:
/// NIR and birth date beside the stay (`cohort probabiliste --identity`), the file a cascade links
/// directly first and indirectly for the lines the NIR does not find (`probabiliste --from-direct`).
///
/// The NIR and birth date take the place of the year and month of birth (a file holding a birth
/// date does not also hold its parts; the indirect step reads them from the date). Identity
/// defects are drawn from their own random stream, so the stays are those of the same cohort
/// without `--identity`; their rates are assumptions, as the direct profile's:
///
/// | defect | rate | what the cascade does |
/// |---|---|---|
/// | `wrong_nir_key` (the key miscopied) | 3 % | the direct step rejects the line; the indirect step links it on its stay |
/// | `nir_missing` (no NIR in the record) | 5 % | the same |
/// | `beneficiary_nir` (the patient's own NIR, covered by someone else) | what the direct profile says, 4 % | found on the own-NIR path, or passed on |
///
/// Patients absent from the SNDS get an identity nobody holds, consistent with the values the
/// line already gives (sex, birth year and month). The truth keeps each line's person and
/// expected outcome (the cascade's: found when the person is in the SNDS), its identity defects
/// added to the others.
public struct RegistryIdentity: Sendable {
    public static let wrongKeyRate = 0.03
    public static let missingRate = 0.05
    public static let ownNIRRate = 0.04

    private let rowsByPerson: [String: [Correspondence.Entry]]
    /// Bodies of every NIR the dataset knows (ouvreurs' and beneficiaries'), for absent patients.
    private let knownBodies: Set<String>

    public init(correspondence: [Correspondence.Entry]) {
        rowsByPerson = Dictionary(grouping: correspondence, by: \.benIdtAno)
        knownBodies = Set(correspondence.flatMap { [$0.ouvreurNIR.body, $0.beneficiaryNIR.body] })
    }

    /// The cohort with NS, NIR, DATE_NAISSANCE, then its other columns less the birth year and month.
    public func add(to cohort: IndirectCohortGenerator.Cohort, seed: UInt64) -> IndirectCohortGenerator.Cohort {
        var rng = SeededGenerator.stream(seed: seed, purpose: "registry-identity")
        let rows = cohort.csv.split(separator: "\n", omittingEmptySubsequences: true).map {
            $0.split(separator: ";", omittingEmptySubsequences: false).map(String.init)
        }
        guard let header = rows.first else { return cohort }
        let dropped: Set<String> = ["ANNEE_NAISSANCE", "MOIS_NAISSANCE"]
        let kept = header.indices.filter { $0 > 0 && !dropped.contains(header[$0]) }
        let sexColumn = header.firstIndex(of: "SEXE"), yearColumn = header.firstIndex(of: "ANNEE_NAISSANCE")
        let monthColumn = header.firstIndex(of: "MOIS_NAISSANCE")
        var csv = (["NS", "NIR", "DATE_NAISSANCE"] + kept.map { header[$0] }).joined(separator: ";") + "\n"
        var entries: [CohortTruth.Entry] = []
        for (index, entry) in cohort.truth.entries.enumerated() {
            let fields = rows[index + 1]
            var defects = entry.defect == "none" ? [] : entry.defect.split(separator: "+").map(String.init)
            // The birth date replaces the year and month: their defects go with them.
            defects.removeAll { $0 == "birth_month_missing" || $0 == "birth_year_off" }
            var nir = "", birth = ""
            if let person = entry.benIdtAno, let all = rowsByPerson[person], !all.isEmpty {
                let open = all.filter { $0.validUntil == nil }
                var row = open.isEmpty ? all[all.count - 1] : open[rng.uniform(open.count)]
                let u = rng.unit()
                if u < Self.ownNIRRate, let covered = all.first(where: { $0.cover != .ownRights }) {
                    row = covered
                    nir = row.beneficiaryNIR.clearText
                    defects.append("beneficiary_nir")
                } else {
                    nir = row.ouvreurNIR.clearText
                    if u < Self.ownNIRRate + Self.wrongKeyRate {
                        let key = row.ouvreurNIR.key
                        nir = row.ouvreurNIR.body + pad((key - 1 + 1 + rng.uniform(96)) % 97 + 1, 2)
                        defects.append("wrong_nir_key")
                    } else if u < Self.ownNIRRate + Self.wrongKeyRate + Self.missingRate {
                        nir = ""
                        defects.append("nir_missing")
                    }
                }
                birth = row.birthDate.iso
            } else {
                // Nobody's identity, agreeing with what the line says of the patient.
                // The generator writes the sex as 1/2, M/F or H/F.
                let written = sexColumn.map { fields[$0] } ?? ""
                let sex: Sex =
                    ["1", "M", "H"].contains(written) ? .male : ["2", "F"].contains(written) ? .female : rng.chance(0.5) ? .male : .female
                let year = yearColumn.flatMap { Int(fields[$0]) } ?? (1930 + rng.uniform(80))
                let month = monthColumn.flatMap { Int(fields[$0]) } ?? (1 + rng.uniform(12))
                var candidate: NIR
                repeat {
                    candidate = NIR(
                        sexDigit: sex.code, birthYear: year, birthMonth: month,
                        birthPlace: pad(1 + rng.uniform(95), 2) + pad(1 + rng.uniform(400), 3),
                        order: 1 + rng.uniform(999))
                } while knownBodies.contains(candidate.body)
                nir = candidate.clearText
                birth = CalendarDate(year: year, month: month, day: 1 + rng.uniform(28))?.iso ?? ""
            }
            csv += ([fields[0], nir, birth] + kept.map { fields[$0] }).joined(separator: ";") + "\n"
            entries.append(
                CohortTruth.Entry(
                    line: entry.line, ns: entry.ns, benIdtAno: entry.benIdtAno, defect: defects.isEmpty ? "none" : defects.joined(separator: "+"),
                    expected: entry.expected))
        }
        return IndirectCohortGenerator.Cohort(csv: csv, truth: CohortTruth(entries: entries))
    }
}
