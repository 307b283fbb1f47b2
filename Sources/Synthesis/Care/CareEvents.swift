import SNDSModel

/// An outpatient contact: a consultation, a laboratory visit, nursing or physiotherapy, a vaccine.
struct Contact {
    let day: Int
    let service: Int
    /// The professional who delivered it (PS number).
    let executor: String
    /// Who prescribed it, for laboratory, nursing and physiotherapy.
    let prescriber: String?
    /// A public hospital's outpatient department (ACE), when delivered there.
    let establishment: Establishment?
    /// A CCAM act done during the contact: beside a consultation (an ECG), or the visit itself
    /// for a service billing acts (imaging, dental care).
    let act: String?
    /// NABM acts of a laboratory visit.
    var biologyActs: [Int] = []
    /// Reimbursed at 100 % (long-term condition).
    let fullRate: Bool
    /// The product dispensed by a pharmacy service (a vaccine).
    let product: DrugCatalogue.Presentation?
}

/// One drug line of a dispensation.
struct DrugLine {
    let presentation: DrugCatalogue.Presentation
    let boxes: Int
    let fullRate: Bool
}

/// A visit to a pharmacy: one décompte, one line per drug.
struct Dispensation {
    let day: Int
    let pharmacy: String
    let prescriber: String?
    /// The prescriber's specialty (IR_SPE_V): 1 for a general practitioner.
    let prescriberSpecialty: Int
    /// The hospital that prescribed (discharge prescriptions).
    let prescribingEstablishment: Establishment?
    let prescriptionDay: Int
    let lines: [DrugLine]
}

/// The PMSI field a stay is recorded in: acute care (MCO), rehabilitation (SSR, soins de suite et
/// de réadaptation) or hospital at home (HAD).
enum CareField: Sendable { case mco, ssr, had }

/// A hospital stay, from entry to exit day. Stays of one episode are chained by transfers: the
/// first ends with SOR_MOD 7 (or 6, a mutation within the establishment) and a destination, the
/// next begins the same day with ENT_MOD 7 (or 6) and its origin.
struct Stay {
    var entry: Int
    var exit: Int
    let establishment: Establishment
    let dp: String
    let dr: String?
    let das: [String]
    /// CCAM acts and the day (from entry) they were done.
    let acts: [(code: String, offset: Int)]
    /// Full GHM (root and severity, e.g. 05K062).
    let ghm: String
    /// ENT_MOD / ENT_PRV / SOR_MOD / SOR_DES (MS_SOR_V, MS_PRV_V codes).
    var entryMode: String
    var origin: String?
    var exitMode: String
    var destination: String?
    /// Birth weight (g) and gestational age (weeks) of a newborn's birth stay.
    let birthWeight: Int?
    let gestationalAge: Int?
    /// The surgeon or physician who did the acts (billed in DCIR for private clinics), and their
    /// specialty.
    let operatingDoctor: String?
    let operatorSpecialty: Int?
    var field: CareField = .mco
    /// Medical units (RUM) the stay went through.
    var units = 1
    /// SSR: the main aim of care (FP_PEC); HAD: the main mode of care (PEC_PAL). `dp` is then the
    /// SSR's main morbid manifestation or the HAD's principal diagnosis, `dr` the SSR's etiology.
    var purpose: String?

    var lengthOfStay: Int { exit - entry }
    var diedInStay: Bool { exitMode == "9" }
}

/// A transport for hospital care: the way home after a stay, or there and back for a session.
struct Trip {
    let day: Int
    /// Index in the model's transport modes (ambulance, VSL, taxi).
    let mode: Int
    let establishment: Establishment
    let roundTrip: Bool
    /// Reimbursed at 100 % (a session under the cancer's long-term condition).
    let fullRate: Bool
}

/// A paid sick leave: the days the daily allowance is paid (after the waiting days), its
/// amount, and the doctor who prescribed the leave.
struct SickLeaveSpell {
    let firstPaidDay: Int
    let lastDay: Int
    let dailyAllowance: Double
    let prescriber: String
}

/// A death and what CépiDC records of it.
struct DeathRecord {
    let day: Int
    /// Underlying cause (IR_CIM_V, up to 4 positions) and contributing causes.
    let cause: String
    let contributing: [String]
    /// DS_LIE_V place of death.
    let place: Int
    let departement: Departement
    let commune: String
}

/// Everything one person consumed over the period, in day order.
struct PersonCare {
    var contacts: [Contact] = []
    var dispensations: [Dispensation] = []
    var stays: [Stay] = []
    var trips: [Trip] = []
    var sickLeaves: [SickLeaveSpell] = []
    var death: DeathRecord?
    /// Conditions (model indices) the person had at any time, for describe and tests.
    var conditions: [Int] = []
    /// Conditions the person is exempted for as long-term conditions (ALD), from the day they had
    /// them (IR_IMB_R).
    var longTermConditions: [(condition: Int, since: Int)] = []
}
