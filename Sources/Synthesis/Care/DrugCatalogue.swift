import SNDSModel

/// A synthetic drug referential (IR_PHA_R): CIP13-shaped presentation codes for every ATC
/// substance of openmedic_ATC5.
///
/// The real CIP13 referential is too large to ship and not needed: each substance gets two
/// presentations (a generic and a brand box) with codes `34009` + 7 digits + an EAN-13 check
/// digit, derived from the ATC code so they are stable across runs, and a public price.
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
    }

    public let presentations: [Presentation]
    private let byATC: [String: [Int]]

    init(atcLabels: [String: String]) {
        var presentations: [Presentation] = []
        var byATC: [String: [Int]] = [:]
        var used = Set<Int>()
        for atc in atcLabels.keys.sorted() where atc.count == 7 {
            var h: UInt64 = 0xCBF2_9CE4_8422_2325
            for byte in atc.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
            let expensive = atc.hasPrefix("L01") || atc.hasPrefix("L02") || atc.hasPrefix("L04")
            // The brand's price; the generic costs 60 % of it.
            let base = expensive ? 80.0 + Double(h % 300) : 1.5 + Double(h % 1500) / 100
            for generic in [true, false] {
                var cip7 = Int(h % 9_000_000) + 1_000_000
                while !used.insert(cip7).inserted { cip7 = cip7 % 9_999_999 + 1 }
                h = h &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                let body = "34009" + pad(cip7, 7)
                let cip13 = Int64(body + String(Self.ean13Check(body)))!
                let price = generic ? base * 0.6 : base
                byATC[atc, default: []].append(presentations.count)
                presentations.append(
                    Presentation(
                        cip13: cip13, cip7: cip7, atc: atc, substance: atcLabels[atc]!,
                        label: String((atcLabels[atc]! + (generic ? " GENERIQUE" : " PRINCEPS")).prefix(60)),
                        price: (price * 100).rounded() / 100, generic: generic))
            }
        }
        self.presentations = presentations
        self.byATC = byATC
    }

    /// A presentation of the substance: the generic three times in four.
    func presentation(of atc: String, using rng: inout SeededGenerator) -> Presentation? {
        guard let choices = byATC[atc] else { return nil }
        return presentations[choices[rng.chance(0.75) ? 0 : choices.count - 1]]
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
