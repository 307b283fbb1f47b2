import SNDSModel

/// A health establishment site with its FINESS numbers.
///
/// FINESS numbers have 9 characters: the département (2, or 3 overseas), a sequence, and a Luhn
/// check digit. A site has its own number (FINESS géographique) and belongs to a legal entity
/// (FINESS juridique), which for public hospitals groups several sites — the confusion between the
/// two is a classic defect of registries linked to PMSI. Corsican sites use `20`, so that numbers
/// stay numeric as the PMSI schemas type ETA_NUM (integer).
public struct Establishment: Sendable, Equatable {
    public enum Sector: Int, Sendable { case `public` = 1, `private` = 2 }

    public let finess: String
    public let legalFiness: String
    public let departement: Departement
    public let commune: String
    public let sector: Sector
    public let teaching: Bool
    public let maternity: Bool
    public let name: String

    /// The 8 first positions, as DCIR writes establishment numbers (ETB_EXE_FIN, ETB_PRE_FIN).
    public var finess8: String { String(finess.prefix(8)) }
    /// IR_CET_V category: CHR, CH, or a private multidisciplinary clinic.
    public var category: Int { teaching ? 101 : (sector == .public ? 355 : 365) }
    /// IR_TYE_V type: public, or private for-profit under agreement.
    public var type: Int { sector == .public ? 1 : 4 }

    /// Luhn check digit of a string of digits.
    static func luhn(_ digits: String) -> Int {
        var sum = 0
        for (i, c) in digits.reversed().enumerated() {
            var d = Int(c.asciiValue! - 48)
            if i % 2 == 0 { d *= 2; if d > 9 { d -= 9 } }
            sum += d
        }
        return (10 - sum % 10) % 10
    }

    /// Whether a 9-digit FINESS number's last digit is its Luhn key.
    public static func isValidFiness(_ number: String) -> Bool {
        number.count == 9 && number.allSatisfy(\.isASCII) && number.allSatisfy(\.isNumber)
            && luhn(String(number.prefix(8))) == Int(String(number.last!))!
    }
}

/// The synthetic establishments of France: a teaching hospital (CHR) per region, public hospitals
/// and private clinics per département in proportion to its population (INSEE figures, so the
/// network does not depend on the synthetic population's size), and where stays take place.
public struct EstablishmentDirectory: Sendable {
    public let all: [Establishment]
    private let byDepartement: [Departement: [Int]]
    private let byRegion: [Int: [Departement]]
    private let regionOf: [Departement: Int]
    private let rules: CareModel.EstablishmentRules

    init(reference: SynthesisReference, rules: CareModel.EstablishmentRules) throws {
        self.rules = rules
        // Regions from IR_DPT_V.
        let (_, csv) = try reference.data.nomenclature(named: "IR_DPT_V")
        let table = try ReferenceData.readTable(at: csv, name: "IR_DPT_V.csv")
        let d = try table.column("GEO_DPT_COD", in: "IR_DPT_V.csv"), r = try table.column("GEO_REG_COD", in: "IR_DPT_V.csv")
        let l = try table.column("GEO_DPT_LIB", in: "IR_DPT_V.csv")
        var regionOf: [Departement: Int] = [:], labels: [Departement: String] = [:]
        for row in table.rows {
            guard let departement = Departement(row[d]), let region = Int(row[r]) else { continue }
            regionOf[departement] = region
            labels[departement] = row[l]
        }
        let population = reference.population.byDepartement
        var byRegion: [Int: [Departement]] = [:]
        for departement in population.keys.sorted() {
            byRegion[regionOf[departement] ?? 0, default: []].append(departement)
        }
        // The most populous département of each region hosts its teaching hospital.
        let teachingHosts = Set(byRegion.values.compactMap { $0.max { population[$0]! < population[$1]! } })

        var all: [Establishment] = []
        var byDepartement: [Departement: [Int]] = [:]
        for departement in population.keys.sorted() {
            let inhabitants = population[departement]!
            let prefix = departement.isOverseas ? departement.code : (departement.isCorsica ? "20" : departement.code)
            var sequence = departement.isCorsica ? (departement.code == "2A" ? 0 : 5000) : 0
            func number() -> String {
                sequence += 1
                let body = prefix + pad(sequence, 8 - prefix.count)
                return body + String(Establishment.luhn(body))
            }
            let label = labels[departement] ?? departement.code
            // Hospitals stand in the département's largest towns: the teaching hospital and the
            // first public hospital in the largest (the prefecture, mostly), the others and the
            // clinics spread over the next ones.
            let towns = reference.geography.largestCommunes(in: departement, count: 12)
            func town(_ rank: Int) -> String { towns.isEmpty ? "999" : towns[rank % towns.count] }
            let commune = town(0)
            var sites: [Establishment] = []
            if teachingHosts.contains(departement) {
                let entity = number()
                for site in 1...2 {
                    sites.append(
                        Establishment(
                            finess: number(), legalFiness: entity, departement: departement, commune: commune,
                            sector: .public, teaching: true, maternity: site == 1,
                            name: "CHR \(label) SITE \(site)"))
                }
            }
            let publicCount = max(1, Int((Double(inhabitants) / Double(rules.inhabitantsPerPublicSite)).rounded()))
            var entity = number()
            for site in 0..<publicCount {
                if site > 0, site % max(1, rules.publicSitesPerLegalEntity) == 0 { entity = number() }
                sites.append(
                    Establishment(
                        finess: number(), legalFiness: entity, departement: departement, commune: town(site),
                        sector: .public, teaching: false, maternity: site == 0,
                        name: "CH \(label) \(site + 1)"))
            }
            let privateCount = Int((Double(inhabitants) / Double(rules.inhabitantsPerPrivateSite)).rounded())
            for site in 0..<privateCount {
                let own = number()
                sites.append(
                    Establishment(
                        finess: number(), legalFiness: own, departement: departement, commune: town(site / 2),
                        sector: .private, teaching: false, maternity: site % 2 == 0,
                        name: "CLINIQUE \(label) \(site + 1)"))
            }
            byDepartement[departement] = Array(all.count..<all.count + sites.count)
            all += sites
        }
        self.all = all
        self.byDepartement = byDepartement
        self.byRegion = byRegion
        self.regionOf = regionOf
    }

    /// Where a stay of the given setting takes place for a patient living in `home`: mostly in
    /// the home département, sometimes elsewhere in its region, rarely anywhere.
    func site(
        for setting: CareModel.Setting, maternity: Bool = false, home: Departement,
        using rng: inout SeededGenerator
    ) -> Establishment {
        var departement = home
        let draw = rng.unit()
        if draw < rules.elsewhereShare {
            let keys = byDepartement.keys.sorted()
            departement = keys[rng.uniform(keys.count)]
        } else if draw < rules.elsewhereShare + rules.otherDepartementShare,
            let region = regionOf[home], let neighbours = byRegion[region], neighbours.count > 1
        {
            departement = neighbours[rng.uniform(neighbours.count)]
        }
        return pick(setting, maternity: maternity, in: departement, region: regionOf[departement], using: &rng)
    }

    private func pick(
        _ setting: CareModel.Setting, maternity: Bool, in departement: Departement, region: Int?,
        using rng: inout SeededGenerator
    ) -> Establishment {
        let local = (byDepartement[departement] ?? []).map { all[$0] }
        func suitable(_ e: Establishment) -> Bool {
            if maternity && !e.maternity { return false }
            switch setting {
            case .teaching: return e.teaching
            case .public: return e.sector == .public
            case .private: return e.sector == .private
            case .any: return true
            }
        }
        var candidates = local.filter(suitable)
        if candidates.isEmpty, setting == .teaching, let region {
            // The region's teaching hospital, or a public one locally.
            candidates = (byRegion[region] ?? []).flatMap { (byDepartement[$0] ?? []).map { all[$0] } }.filter(suitable)
        }
        if candidates.isEmpty { candidates = local.filter { !maternity || $0.maternity } }
        if candidates.isEmpty { candidates = local }
        return candidates[rng.uniform(candidates.count)]
    }
}
