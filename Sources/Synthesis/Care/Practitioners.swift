import SNDSModel

/// Synthetic health professionals (PS numbers of 9 characters, as PFS_EXE_NUM / PFS_PRE_NUM):
/// per département, pools of general practitioners, specialists by specialty, pharmacies,
/// laboratories, nurses, physiotherapists, dentists and transporters, sized from the real population living there (one GP
/// for about 1,100 inhabitants…), so patients spread over many professionals as in France.
///
/// A number is the département on three positions, a kind digit and a sequence
/// (`075` `1` `00042`; specialists `075` `2` `03` `042` with their specialty): readable, unique,
/// and never a real professional's identifier.
public struct PractitionerDirectory: Sendable {
    public struct Pool: Sendable {
        public let numbers: [String]
    }

    private var pools: [String: [String]] = [:]
    let rules: CareModel.PractitionerRules

    init(residents: [Departement: Int], specialties: [Int], rules: CareModel.PractitionerRules) {
        self.rules = rules
        for (departement, count) in residents {
            let prefix = departement.referentialCode
            func make(_ kind: Int, _ perInhabitants: Int, key: String) {
                let n = max(1, Int((Double(count) / Double(perInhabitants)).rounded(.up)))
                pools[prefix + key] = (1...min(n, 99_999)).map { prefix + String(kind) + pad($0, 5) }
            }
            make(1, rules.inhabitantsPerGP, key: "gp")
            make(3, rules.inhabitantsPerPharmacy, key: "pharmacy")
            make(4, rules.inhabitantsPerLab, key: "lab")
            make(5, rules.inhabitantsPerNurse, key: "nurse")
            make(6, rules.inhabitantsPerPhysio, key: "physio")
            make(7, rules.inhabitantsPerDentist, key: "dentist")
            make(8, rules.inhabitantsPerTransporter, key: "transporter")
            // Specialists: one pool per specialty; numbers carry the specialty in the sequence.
            for specialty in specialties {
                let n = max(1, Int((Double(count) / Double(rules.inhabitantsPerSpecialist)).rounded(.up)))
                pools[prefix + "s\(specialty)"] = (1...min(n, 999)).map { prefix + "2" + pad(specialty % 100, 2) + pad($0, 3) }
            }
        }
    }

    /// A professional of `executor` kind (and `specialty` for specialists) practising in `departement`.
    func pick(
        _ executor: CareModel.Executor, specialty: Int? = nil, in departement: Departement,
        using rng: inout SeededGenerator
    ) -> String {
        let key: String
        switch executor {
        case .specialist: key = "s\(specialty ?? 0)"
        default: key = executor.rawValue
        }
        let pool = pools[departement.referentialCode + key] ?? pools[departement.referentialCode + "gp"] ?? ["000000000"]
        return pool[rng.uniform(pool.count)]
    }
}
