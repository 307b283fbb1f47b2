import SNDSModel

/// The shares and rates of the identity model that no shipped open table gives, in one place.
///
/// Each is an order of magnitude chosen to be plausible for France and is recorded in the
/// manifest; docs/identity-model.md explains each one and what it produces.
public struct IdentityAssumptions: Codable, Equatable, Sendable {
    /// Chance that a sampled person has a twin (a co-twin is added), by birth before or from 1980;
    /// about 1 % then 1.6–1.7 % of deliveries were multiple in France.
    public var twinChanceBefore1980 = 0.010
    public var twinChanceFrom1980 = 0.016
    /// Share of twin pairs of the same sex (monozygotic pairs plus half of the dizygotic ones).
    public var sameSexTwinShare = 0.66

    /// Share born abroad (NIR département 99), by age: about one person in ten living in France is
    /// an immigrant, fewer among children.
    public var bornAbroadChildren = 0.04
    public var bornAbroadYoungAdults = 0.09
    public var bornAbroadAdults = 0.15
    public var bornAbroadSeniors = 0.12
    /// Share born in the département where they live, by age (else another French département,
    /// weighted by its population).
    public var bornLocallyChildren = 0.75
    public var bornLocallyYoungAdults = 0.55
    public var bornLocallyAdults = 0.45

    /// Age at which a child stops being covered by a parent and opens their own rights.
    public var adulthoodAge = 18
    /// Beneficiary histories in the referential start here (SNIIRAM's first years).
    public var historyStart = CalendarDate(year: 2006, month: 1, day: 1)!
    /// Chance that an adult who was a minor after `historyStart` still has the BEN_NIR_PSA of the
    /// years they were covered by a parent.
    public var youngAdultKeepsChildPseudonym = 0.8
    /// Chance that a child is covered by both parents (two BEN_NIR_PSA at once).
    public var coveredByBothParents = 0.3
    /// Mean and spread of the mother's and the father's age at a birth.
    public var motherAgeMean = 31.0
    public var fatherAgeMean = 33.5
    public var parentAgeSD = 5.5
    /// Share of children whose first ouvreur is the mother.
    public var motherFirstShare = 0.6

    /// Until the universal health protection reform (PUMa, 2016), a spouse without own rights was
    /// covered by the other: the share of people aged 45+ who keep such a former pseudonym.
    public var pumaReform = CalendarDate(year: 2016, month: 1, day: 1)!
    public var formerSpouseCoverWomen = 0.12
    public var formerSpouseCoverMen = 0.02

    /// Yearly chance of moving to another département, by age (young adults move most).
    public var moveChanceYoungAdults = 0.06
    public var moveChanceAdults = 0.025
    public var moveChanceOthers = 0.015

    /// Births per 1,000 people a year (France 2023: about 678,000 for 68 million).
    public var birthsPerThousand = 10.0
    /// Share of boys at birth (105 boys for 100 girls).
    public var maleBirthShare = 0.512

    public init() {}

    func twinChance(birthYear: Int) -> Double {
        birthYear < 1980 ? twinChanceBefore1980 : twinChanceFrom1980
    }

    func bornAbroadShare(age: Int) -> Double {
        switch age {
        case ..<18: bornAbroadChildren
        case ..<25: bornAbroadYoungAdults
        case ..<65: bornAbroadAdults
        default: bornAbroadSeniors
        }
    }

    func bornLocallyShare(age: Int) -> Double {
        switch age {
        case ..<18: bornLocallyChildren
        case ..<30: bornLocallyYoungAdults
        default: bornLocallyAdults
        }
    }

    func moveChance(age: Int) -> Double {
        switch age {
        case 18..<35: moveChanceYoungAdults
        case 35..<65: moveChanceAdults
        default: moveChanceOthers
        }
    }
}
