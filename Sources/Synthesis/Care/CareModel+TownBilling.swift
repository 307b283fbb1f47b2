import SNDSModel

// How town care is billed beyond a service's own fee: the CCAM acts an imaging or dental visit
// bills, the NABM acts of a laboratory visit, and what the insured pays back per act, box or
// transport (participation forfaitaire and franchises), each by date.
extension CareModel {
    /// A CCAM act a town service bills, drawn by weight among the acts allowed at the patient's sex
    /// and age (a screening mammography for women of 50 to 74, a knee X-ray for anyone): so an
    /// act never contradicts who received it, as a tariff never contradicts its date.
    public struct ServiceAct: Decodable, Sendable {
        public let code: String
        public let weight: Double
        /// Only for this sex, when given.
        public let sex: SexRestriction?
        /// Youngest and oldest age (completed years), when given.
        public let ages: [Int]?

        public func allows(_ patient: Sex, age: Int) -> Bool { CareModel.allows(sex: sex, ages: ages, patient, age: age) }
    }

    /// Whether an act restricted to a sex and ages (both optional) can be done on a patient.
    static func allows(sex: SexRestriction?, ages: [Int]?, _ patient: Sex, age: Int) -> Bool {
        if let sex, sex.sex != patient { return false }
        if let ages, ages.count == 2, !(ages[0]...ages[1]).contains(age) { return false }
        return true
    }

    /// `male` or `female` in the model file.
    public enum SexRestriction: String, Decodable, Sendable {
        case male, female
        var sex: Sex { self == .male ? .male : .female }
    }

    /// A NABM act (IR_BIO_R) of a laboratory visit, with the same restrictions as a CCAM act.
    public struct BiologyAct: Decodable, Sendable {
        public let code: Int
        public let weight: Double
        public let sex: SexRestriction?
        public let ages: [Int]?

        public func allows(_ patient: Sex, age: Int) -> Bool { CareModel.allows(sex: sex, ages: ages, patient, age: age) }
    }

    /// Laboratory visits bill NABM acts, each priced at its coefficient (BIO_TAR_COF of IR_BIO_R)
    /// times the value of the key letter B on the day. A visit holds a few acts (a blood count, a
    /// glucose, a lipid panel…); a visit for a chronic condition holds the acts of its follow-up
    /// (HbA1c for diabetes, INR for an anticoagulant by vitamin K antagonist) among them.
    public struct Biology: Decodable, Sendable {
        /// The value of B in euros from each date on, in date order.
        public let keyLetter: [DatedAmount]
        /// How many acts a visit bills (count → weight), the condition's own acts included (a
        /// visit bills at least those).
        public let actsPerVisit: [Int: Double]
        public let acts: [BiologyAct]

        enum CodingKeys: String, CodingKey {
            case keyLetter = "key_letter", actsPerVisit = "acts_per_visit", acts
        }
    }

    /// An amount in force from a date (YYYY-MM-DD) on; a list of them, in date order, is a tariff's
    /// history.
    public struct DatedAmount: Decodable, Sendable {
        public let from: String
        public let amount: Double
        /// `from` as days since 1970-01-01 (checked when the model is loaded).
        public var fromDay: Int { CalendarDate(iso: from)?.daysSinceEpoch ?? .max }
    }

    /// What a service's contact costs the insured beyond the copayment: the participation
    /// forfaitaire (a doctor's consultation or act, an imaging or laboratory visit) or a franchise
    /// (a paramedical act, a drug box, a transport).
    public enum CostShare: String, Decodable, Sendable {
        case participation, paramedical
    }

    /// The participation forfaitaire and the franchises médicales (articles L.160-13 and D.160-x
    /// of the Code de la sécurité sociale): amounts deducted from reimbursements, written in DCIR
    /// as lines of their own natures (IR_NAT_V 1951/1952, 1971–1976) with a negative sign
    /// (BSE_REM_SGN 2), in the décompte of the care they apply to. Children under 18 and women
    /// from the sixth month of pregnancy to twelve days after delivery are exempt; each kind stops
    /// at its yearly cap.
    public struct CostSharing: Decodable, Sendable {
        /// Exempt below this age (completed years).
        public let exemptUnder: Int
        /// Days before a delivery the pregnancy exemption starts (the sixth month) and days after
        /// it ends.
        public let pregnancyDaysBefore: Int
        public let pregnancyDaysAfter: Int
        /// The participation's cap per calendar year, and the franchises' (one cap for the
        /// three franchises together).
        public let participationYearlyCap: Double
        public let franchiseYearlyCap: Double
        public let participation: Charge
        public let paramedical: Charge
        public let drugs: Charge
        public let transport: Charge

        enum CodingKeys: String, CodingKey {
            case exemptUnder = "exempt_under", pregnancyDaysBefore = "pregnancy_days_before"
            case pregnancyDaysAfter = "pregnancy_days_after", participation, paramedical, drugs, transport
            case participationYearlyCap = "participation_yearly_cap", franchiseYearlyCap = "franchise_yearly_cap"
        }
    }

    /// One kind of deduction: its amount by date (per act, box or transport) and its natures when
    /// the care was paid by the patient (hors tiers payant) or by the fund to the professional
    /// (tiers payant).
    public struct Charge: Decodable, Sendable {
        public let amounts: [DatedAmount]
        public let nature: Int
        public let thirdPartyNature: Int

        enum CodingKeys: String, CodingKey {
            case amounts, nature
            case thirdPartyNature = "third_party_nature"
        }

        /// The amount on a day (days since 1970-01-01).
        public func amount(onDay day: Int) -> Double { amounts.amount(onDay: day) }
    }
}

extension CareModel {
    /// Every CCAM act the model names: services' acts, stays' acts and procedures, deliveries.
    var actCodes: Set<String> {
        var codes = Set<String>()
        for s in services {
            if let act = s.act { codes.insert(act.code) }
            for act in s.acts ?? [] { codes.insert(act.code) }
        }
        for e in hospitalEvents {
            for choice in e.dp.values { if let act = choice.act { codes.insert(act) } }
            for act in e.acts ?? [] { codes.insert(act.code) }
            codes.formUnion((e.procedure ?? [:]).keys)
        }
        let va = births.vaginal.acts
        codes.formUnion([va.primipara, va.multipara, va.twinsPrimipara, va.twinsMultipara])
        codes.formUnion(births.caesarean.planned.acts.keys)
        codes.formUnion(births.caesarean.emergency.acts.keys)
        return codes
    }
}

extension [CareModel.DatedAmount] {
    /// The amount on a day (days since 1970-01-01): the last change on or before it, or the first
    /// for an earlier day.
    func amount(onDay day: Int) -> Double {
        last { $0.fromDay <= day }?.amount ?? first?.amount ?? 0
    }
}
