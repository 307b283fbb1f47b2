import SNDSModel

/// Where someone lives: département and commune (three positions, as in IR_GEO_V).
public struct Residence: Hashable, Sendable {
    public let departement: Departement
    public let commune: String
}

/// One synthetic person, with the identity facts the SNDS structure is built from.
///
/// A person is not an SNDS row: the rows of IR_BEN_R (``BeneficiaryRow``) are the pseudonyms under
/// which the person's care is reimbursed — their own, and those of the parents or spouse who covered
/// them. The person's own NIR is clear here and leaves memory only to be hashed or sealed.
public struct Person: Sendable {
    public let id: Int
    public let sex: Sex
    public let birthDate: CalendarDate
    /// NIR positions 6–10: département (or `99`) and commune (or country) of birth.
    public internal(set) var birthPlace: String
    public internal(set) var nir: NIR
    /// Residence at the end of the period (what IR_BEN_R shows).
    public internal(set) var residence: Residence
    /// Residence before a move during the period, and the day of the move.
    public internal(set) var previousResidence: Residence?
    public internal(set) var movedOn: CalendarDate?
    public internal(set) var deathDate: CalendarDate?
    /// The co-twin, and this person's rank in the birth (1 or 2).
    public internal(set) var twin: Int?
    public internal(set) var birthRank: Int
    /// Parents whose rights covered this person as a child (ouvreurs de droits), first one first.
    public internal(set) var coveringParents: [Int]
    /// The spouse who covered this person before the 2016 reform, if any.
    public internal(set) var formerSpouseCover: Int?
    public internal(set) var partner: Int?
    /// Affiliation body (IR_ORG_V) of the person's own rights.
    public internal(set) var affiliation: String
    /// Born during the generated years (not part of the population on the first 1 January).
    public let bornDuringPeriod: Bool

    /// Residence on a given day, taking a move into account.
    public func residence(on date: CalendarDate) -> Residence {
        if let movedOn, let previousResidence, date < movedOn { return previousResidence }
        return residence
    }

    public func isAlive(on date: CalendarDate) -> Bool {
        birthDate <= date && (deathDate.map { date < $0 } ?? true)
    }

    /// The day this person turns `age`.
    public func birthday(_ age: Int) -> CalendarDate { birthDate.adding(years: age) }
}
