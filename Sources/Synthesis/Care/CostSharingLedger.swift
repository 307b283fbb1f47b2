import SNDSModel

/// What one person pays back on reimbursements: the participation forfaitaire and the franchises
/// (``CareModel/CostSharing``), with their exemptions (children, the end of a pregnancy) and
/// yearly caps, counted in the order the person's care is written: by day (the generator writes a
/// person's town care in day order).
struct CostSharingLedger {
    enum Kind { case participation, paramedical, drugs, transport }

    private let rules: CareModel.CostSharing
    private let birth: CalendarDate
    /// Days of pregnancy exemption, from the sixth month to twelve days after each delivery.
    private let pregnancies: [ClosedRange<Int>]
    private var participation: [Int: Double] = [:]
    private var franchises: [Int: Double] = [:]

    init(person: Person, deliveries: [Int], rules: CareModel.CostSharing) {
        self.rules = rules
        birth = person.birthDate
        pregnancies = deliveries.map { ($0 - rules.pregnancyDaysBefore)...($0 + rules.pregnancyDaysAfter) }
    }

    /// The charge's natures and its amount per unit on a day.
    func charge(_ kind: Kind) -> CareModel.Charge {
        switch kind {
        case .participation: rules.participation
        case .paramedical: rules.paramedical
        case .drugs: rules.drugs
        case .transport: rules.transport
        }
    }

    /// The amount due for `units` acts, boxes or transports on a day, after exemptions and the
    /// year's cap; recorded as paid.
    mutating func due(_ kind: Kind, units: Int, onDay day: Int) -> Double {
        let date = CalendarDate(daysSinceEpoch: day)
        guard units > 0, birth.age(on: date) >= rules.exemptUnder, !pregnancies.contains(where: { $0.contains(day) }) else { return 0 }
        let wanted = charge(kind).amount(onDay: day) * Double(units)
        let year = date.year
        if kind == .participation {
            let amount = min(wanted, max(0, rules.participationYearlyCap - participation[year, default: 0]))
            participation[year, default: 0] += amount
            return amount
        }
        let amount = min(wanted, max(0, rules.franchiseYearlyCap - franchises[year, default: 0]))
        franchises[year, default: 0] += amount
        return amount
    }
}
