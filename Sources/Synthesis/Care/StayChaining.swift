import SNDSModel
import SNDSStore

/// How a hospital stay is chained to its patient in every PMSI field (MCO, SSR, HAD): NIR_ANO_17
/// is the BEN_NIR_PSA the stay was billed under, unless the chaining failed — one of the *_RET
/// quality codes is then 1 and NIR_ANO_17 is ATIH's placeholder or a well-formed pseudonym of a
/// wrong identity, found nowhere.
struct StayChaining {
    let rules: CareModel.Chaining
    private let failureCodes: [String]
    private let failureSampler: WeightedSampler

    init(rules: CareModel.Chaining, table: String) throws {
        self.rules = rules
        failureCodes = rules.codes.keys.sorted()
        failureSampler = WeightedSampler(weights: failureCodes.map { rules.codes[$0]! })
        for code in failureCodes where !PMSIChaining.qualityCodes.contains(code) {
            throw StoreError.schemaMismatch(table, "the care model names an unknown chaining code \(code)")
        }
    }

    /// The stay's NIR_ANO_17 and the quality code that failed, if one did.
    func draw(row: Int, newborn: Bool, beneficiaries: Beneficiaries, rng: inout SeededGenerator) -> (nirAno: String, failed: String?) {
        guard rng.chance(newborn ? rules.newbornFailureShare : rules.failureShare) else { return (beneficiaries.psa(row), nil) }
        let failed = failureCodes[failureSampler.sample(using: &rng)]
        return (rng.chance(rules.placeholderShare) ? rules.placeholder : Self.strayPseudonym(&rng), failed)
    }

    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func strayPseudonym(_ rng: inout SeededGenerator) -> String {
        String((0..<17).map { _ in alphabet[rng.uniform(alphabet.count)] })
    }
}
