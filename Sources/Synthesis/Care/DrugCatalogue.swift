import SNDSModel

/// A synthetic drug referential (IR_PHA_R): CIP13-shaped presentation codes for every ATC
/// substance of openmedic_ATC5.
///
/// The real CIP13 referential is too large to ship and not needed, but its shape matters to an
/// analyst: a substance is sold as its brand and, unless it is brand-only (vaccines, insulins,
/// recent drugs — `drugs.brand_only`), one to three generics, each in a month's box (30 units) and
/// a three months' box (90 units). Codes are `34009` + 7 digits + an EAN-13 check digit, derived
/// from the ATC code so they are stable across runs; a generic costs 60 % of its brand, a three
/// months' box 2.8 times a month's. Each presentation carries its reimbursement rate.
public struct DrugCatalogue: Sendable {
    public struct Presentation: Sendable {
        public let cip13: Int64
        public let cip7: Int
        public let atc: String
        /// The ATC substance's label.
        public let substance: String
        public let label: String
        public let price: Double
        public let generic: Bool
        /// Units in the box: 30 (a month) or 90 (three months).
        public let units: Int
        /// Reimbursement rate (%) outside a long-term condition.
        public let rate: Int
    }

    public let presentations: [Presentation]
    private let byATC: [String: [Int]]
    private let genericShare: Double

    init(atcLabels: [String: String], rules: CareModel.DrugRules) {
        var presentations: [Presentation] = []
        var byATC: [String: [Int]] = [:]
        var used = Set<Int>()
        for atc in atcLabels.keys.sorted() where atc.count == 7 {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in atc.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            let expensive = atc.hasPrefix("L01") || atc.hasPrefix("L02") || atc.hasPrefix("L04")
            // The brand's price for a month; a generic costs 60 % of it.
            let base = expensive ? 80.0 + Double(h % 300) : 1.5 + Double(h % 1500) / 100
            let generics = rules.isBrandOnly(atc) ? 0 : 1 + Int(h % 3)
            let rate = rules.rate(of: atc)
            for maker in 0...generics {
                let generic = maker > 0
                for units in [30, 90] {
                    var cip7 = Int(h % 9_000_000) + 1_000_000
                    while !used.insert(cip7).inserted { cip7 = cip7 % 9_999_999 + 1 }
                    h = h &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                    let body = "34009" + pad(cip7, 7)
                    let cip13 = Int64(body + String(Self.ean13Check(body)))!
                    let price = (generic ? base * 0.6 : base) * (units == 90 ? 2.8 : 1)
                    let name = atcLabels[atc]! + (generic ? " GENERIQUE \(maker)" : " PRINCEPS")
                    byATC[atc, default: []].append(presentations.count)
                    presentations.append(
                        Presentation(
                            cip13: cip13, cip7: cip7, atc: atc, substance: atcLabels[atc]!,
                            label: String(name.prefix(52)) + " B/\(units)",
                            price: (price * 100).rounded() / 100, generic: generic, units: units, rate: rate))
                }
            }
        }
        self.presentations = presentations
        self.byATC = byATC
        genericShare = rules.genericShare
    }

    /// A presentation of the substance: a generic (any of them) `genericShare` of the time when
    /// there is one, else the brand; a three months' box for long treatments.
    func presentation(of atc: String, longTerm: Bool = false, using rng: inout SeededGenerator) -> Presentation? {
        guard let choices = byATC[atc] else { return nil }
        let makers = choices.count / 2
        let maker = makers > 1 && rng.chance(genericShare) ? 1 + rng.uniform(makers - 1) : 0
        return presentations[choices[2 * maker + (longTerm ? 1 : 0)]]
    }

    /// EAN-13 check digit of 12 digits.
    static func ean13Check(_ digits: String) -> Int {
        var sum = 0
        for (i, c) in digits.enumerated() {
            let d = Int(c.asciiValue! - 48)
            sum += i % 2 == 0 ? d : 3 * d
        }
        return (10 - sum % 10) % 10
    }
}
