import Foundation
import Hardening
import SNDSModel
import YAMLInput
import Yams

/// The care model (`synthetic/reference/assumptions/care-model.yml`): rates, pathways and codes the
/// claims, stays and deaths are drawn from.
///
/// Kept as data, not code, so the assumptions can be read, discussed and changed in one place;
/// ``CareModelValidator`` checks every code against the shipped nomenclatures when it is loaded.
public struct CareModel: Decodable, Sendable {
    public static let file = "assumptions/care-model.yml"

    public let ageBands: [Int]
    public let seasonality: [String: [Double]]
    /// Weekly and holiday profiles, by name.
    public let rhythms: [String: Rhythm]
    /// The profiles of emergency and scheduled admissions, and of pharmacy visits.
    public let admissions: Admissions
    public let dispensingRhythm: String
    public let services: [Service]
    /// Shape of the gamma-distributed propensity (mean 1) that multiplies a person's rates of
    /// town care: people differ in how much they consult beyond age and sex, and some see no one
    /// in a year. A smaller shape, more spread.
    public let propensityShape: Double
    public let acuteDrugs: AcuteDrugs
    public let drugs: DrugRules
    public let conditions: [Condition]
    public let hospitalEvents: [HospitalEvent]
    public let births: Births
    public let endOfLife: EndOfLife
    public let causesOfDeath: CausesOfDeath
    public let establishments: EstablishmentRules
    public let practitioners: PractitionerRules
    public let chaining: Chaining
    public let claims: Claims
    public let units: Units
    public let biology: Biology
    public let costSharing: CostSharing
    public let transport: Transport
    public let sickLeave: SickLeave
    public let references: [ReferenceFigure]

    enum CodingKeys: String, CodingKey {
        case ageBands = "age_bands", seasonality, rhythms, admissions, dispensingRhythm = "dispensing_rhythm", services, acuteDrugs = "acute_drugs",
            propensityShape = "propensity_shape",
            drugs, conditions
        case hospitalEvents = "hospital_events", births, endOfLife = "end_of_life", causesOfDeath = "causes_of_death"
        case establishments, practitioners, chaining, claims, units, biology, references
        case costSharing = "cost_sharing", transport, sickLeave = "sick_leave"
    }

    /// Reads and validates the model shipped with the reference data.
    ///
    /// The reference folder may be another than the shipped one (`APPARIEMENT_REFERENCE`, or a
    /// `synthetic/reference` in the working directory), so the model gets the guards of any YAML a
    /// user gives: a regular file of bounded size, `YAMLInput` (alias bombs, libyaml's reasons), no
    /// base-60 number. The shipped model is 36 KB and about 4,000 nodes.
    public static func load(from reference: ReferenceData) throws -> CareModel {
        let url = reference.root.appendingPathComponent(file)
        func fail(_ line: Int?, _ why: String) -> ReferenceDataError {
            .malformed(file, line: line ?? 0, MessageText.shown(why))
        }
        let data: Data
        do { data = try InputFile.read(url, limit: 4 << 20) } catch {
            switch error {
            case .missing, .directory: throw ReferenceDataError.missingFile(file)
            case .notRegular: throw fail(nil, "is not a regular file (a device or a pipe)")
            case .tooLarge: throw fail(nil, "is larger than 4 MB: not a care model")
            case .unreadable(let why): throw fail(nil, "cannot be read (\(why))")
            }
        }
        guard let text = String(data: data, encoding: .utf8) else { throw fail(nil, "is not UTF-8 text") }
        let composed: Node?
        do throws(YAMLInput.Problem) { composed = try YAMLInput.compose(text, kind: "a care model", nodeLimit: 100_000) } catch {
            throw fail(error.line, error.why)
        }
        guard let root = composed else { throw fail(nil, "the file is empty") }
        if let number = YAMLInput.nonDecimalNumber(in: root) {
            throw fail(number.mark?.line, YAMLInput.nonDecimalMessage(number, example: "0.05"))
        }
        let model: CareModel
        do {
            model = try YAMLDecoder().decode(CareModel.self, from: root)
        } catch let error as DecodingError {
            throw fail(nil, CareModel.explain(error))
        } catch {
            throw fail(nil, "\(error)")
        }
        try model.checkShape()
        return model
    }

    static func explain(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing key \(path(context)).\(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(path(context)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// Checks what YAML types cannot: array lengths, references between entries, ranges.
    func checkShape() throws {
        func fail(_ why: String) -> ReferenceDataError { .malformed(Self.file, line: 0, why) }
        guard ageBands.first == 0, zip(ageBands, ageBands.dropFirst()).allSatisfy({ $0 < $1 }) else {
            throw fail("age_bands must start at 0 and increase")
        }
        for (name, months) in seasonality where months.count != 12 || months.contains(where: { $0 < 0 }) {
            throw fail("seasonality.\(name) must have 12 non-negative values")
        }
        for (name, rhythm) in rhythms
        where rhythm.week.count != 7 || !(rhythm.week + [rhythm.holiday]).allSatisfy({ $0 >= 0 && $0.isFinite })
            || rhythm.week.max() == 0
        {
            throw fail("rhythms.\(name) must give 7 non-negative weights (Monday first), not all 0, and a holiday weight")
        }
        for (name, at) in [
            (admissions.emergency, "admissions.emergency"), (admissions.scheduled, "admissions.scheduled"),
            (dispensingRhythm, "dispensing_rhythm"),
        ] + services.map({ ($0.rhythm, "services.\($0.id).rhythm") }) where rhythms[name] == nil {
            throw fail("\(at): unknown rhythm \(name)")
        }
        let serviceIds = Set(services.map(\.id)), eventIds = Set(hospitalEvents.map(\.id)), conditionIds = Set(conditions.map(\.id))
        func checkRates(_ rates: AgeSexRates?, _ at: String) throws {
            guard let rates else { return }
            guard rates.male.count == ageBands.count, rates.female.count == ageBands.count,
                (rates.male + rates.female).allSatisfy({ $0 >= 0 && $0.isFinite })
            else {
                throw fail("\(at) must give \(ageBands.count) non-negative values per sex (one per age band)")
            }
        }
        func checkSeason(_ name: String?, _ at: String) throws {
            if let name, seasonality[name] == nil { throw fail("\(at): unknown seasonality \(name)") }
        }
        func checkVisits(_ visits: [Visit]?, _ at: String) throws {
            for visit in visits ?? [] where !serviceIds.contains(visit.service) {
                throw fail("\(at): unknown service \(visit.service)")
            }
        }
        for s in services {
            try checkRates(s.rate, "services.\(s.id).rate")
            try checkSeason(s.seasonality, "services.\(s.id)")
            guard (s.specialty != nil) != (s.activity != nil) else {
                throw fail("services.\(s.id): give either specialty (a doctor) or activity (another professional)")
            }
            guard Executor(rawValue: s.executor) != nil else { throw fail("services.\(s.id): unknown executor \(s.executor)") }
            // A laboratory visit is priced by its NABM acts (`biology`): a nature, no tariff.
            let lab = s.executor == Executor.lab.rawValue
            guard (s.acts == nil) == (s.nature != nil && (s.tariff != nil) != lab), s.acts.map({ !$0.isEmpty }) ?? true else {
                throw fail(
                    "services.\(s.id): give either a nature and a tariff (a fee; a laboratory's nature only) or a list of acts (imaging, dental care)"
                )
            }
            for act in s.acts ?? [] where !(act.weight > 0) || !(act.ages.map { $0.count == 2 && $0[0] <= $0[1] } ?? true) {
                throw fail("services.\(s.id).acts.\(act.code): a positive weight and ages as [youngest, oldest]")
            }
            if let from = s.costShareFrom, CalendarDate(iso: from) == nil {
                throw fail("services.\(s.id).cost_share_from: '\(from)' is not a date (YYYY-MM-DD)")
            }
            let changes = s.tariffChanges ?? []
            for change in changes where CalendarDate(iso: change.from) == nil || change.tariff < 0 {
                throw fail("services.\(s.id).tariff_changes: '\(change.from)' is not a date (YYYY-MM-DD) with a tariff of 0 or more")
            }
            guard zip(changes, changes.dropFirst()).allSatisfy({ $0.fromDay < $1.fromDay }) else {
                throw fail("services.\(s.id).tariff_changes must be in date order")
            }
        }
        for d in acuteDrugs.drugs { try checkSeason(d.seasonality, "acute_drugs.\(d.atc)") }
        for (name, weights) in [("lines", acuteDrugs.lines), ("boxes", acuteDrugs.boxes)]
        where weights.isEmpty || weights.contains(where: { $0.key < 1 || !($0.value > 0) }) {
            throw fail("acute_drugs.\(name): counts of 1 or more with positive weights")
        }
        guard (0...1).contains(drugs.genericShare), drugs.natures[100] != nil,
            ([drugs.defaultRate] + Array(drugs.rates.values)).allSatisfy({ drugs.natures[$0] != nil })
        else {
            throw fail("drugs: generic_share must be a share, and every rate (and 100) needs its pharmacy nature in drugs.natures")
        }
        for c in conditions {
            try checkRates(c.prevalence, "conditions.\(c.id).prevalence")
            try checkVisits(c.visits, "conditions.\(c.id).visits")
            for stay in c.stays ?? [] where !eventIds.contains(stay.event) {
                throw fail("conditions.\(c.id).stays: unknown hospital event \(stay.event)")
            }
            if let ghm = c.ghm, !Self.isGHMRoot(ghm) { throw fail("conditions.\(c.id).ghm: \(ghm) is not a GHM root") }
            guard (c.prevalence.male + c.prevalence.female).allSatisfy({ $0 <= 1 }) else {
                throw fail("conditions.\(c.id).prevalence: a share above 1")
            }
        }
        for e in hospitalEvents {
            try checkRates(e.incidence, "hospital_events.\(e.id).incidence")
            try checkSeason(e.seasonality, "hospital_events.\(e.id)")
            try checkVisits(e.followUp?.visits, "hospital_events.\(e.id).follow_up")
            if let becomes = e.becomes, !conditionIds.contains(becomes) {
                throw fail("hospital_events.\(e.id).becomes: unknown condition \(becomes)")
            }
            guard Setting(rawValue: e.setting) != nil else { throw fail("hospital_events.\(e.id): unknown setting \(e.setting)") }
            for ghm in [e.ghm] + e.dp.values.compactMap(\.ghm) where !Self.isGHMRoot(ghm) {
                throw fail("hospital_events.\(e.id): \(ghm) is not a GHM root (2 digits of CMD, C/K/M/Z, 2 digits, e.g. 05K06)")
            }
            guard !e.dp.isEmpty, e.dp.values.allSatisfy({ $0.weight > 0 }) else { throw fail("hospital_events.\(e.id).dp: positive weights needed") }
            if let first = e.transferredFrom {
                guard (0...1).contains(first.share), Setting(rawValue: first.setting) != nil, Self.isGHMRoot(first.ghm),
                    !Self.needsAct(first.ghm)
                else {
                    throw fail("hospital_events.\(e.id).transferred_from: a share between 0 and 1, a known setting and a medical GHM root")
                }
            }
            for (i, next) in (e.dischargeTo ?? []).enumerated() {
                try checkRates(next.share, "hospital_events.\(e.id).discharge_to[\(i)].share")
                guard Setting(rawValue: next.setting) != nil else {
                    throw fail("hospital_events.\(e.id).discharge_to[\(i)]: unknown setting \(next.setting)")
                }
            }
            let shares = (e.dischargeTo ?? []).map(\.share)
            for band in ageBands.indices
            where shares.reduce(0, { $0 + $1.male[band] }) > 1 || shares.reduce(0, { $0 + $1.female[band] }) > 1 {
                throw fail("hospital_events.\(e.id).discharge_to: the shares of age band \(ageBands[band]) add up to more than 1")
            }
        }
        try checkGrouping()
        try checkBilling()
        guard propensityShape > 0, propensityShape.isFinite else { throw fail("propensity_shape must be positive") }
        try checkRates(endOfLife.inHospitalShare, "end_of_life.in_hospital_share")
        try checkRates(transport.stayShare, "transport.stay_share")
        try checkRates(sickLeave.employedShare, "sick_leave.employed_share")
        for (share, name) in [
            (births.caesareanShare, "births.caesarean_share"), (births.publicShare, "births.public_share"),
            (endOfLife.palliativeShare, "end_of_life.palliative_share"),
            (endOfLife.publicShare, "end_of_life.public_share"),
        ] where !(0...1).contains(share) {
            throw fail("\(name): \(share) is not a share between 0 and 1")
        }
        guard (0...1).contains(births.caesarean.plannedShare), births.primiparaShare.first?.from == 0,
            births.primiparaShare.allSatisfy({ (0...1).contains($0.share) })
        else {
            throw fail("births: caesarean.planned_share and primipara_share (from age 0 up) must be shares between 0 and 1")
        }
        for ghm in [births.vaginal.ghm, births.caesarean.ghm, births.newborn.ghm] where !Self.isGHMRoot(ghm) {
            throw fail("\(ghm) is not a GHM root")
        }
        guard causesOfDeath.byAge.first?.from == 0 else { throw fail("causes_of_death.by_age must start from age 0") }
    }

    /// Dated amounts in date order, weights positive: the biology key letter and the cost shares.
    private func checkBilling() throws {
        func fail(_ why: String) -> ReferenceDataError { .malformed(Self.file, line: 0, why) }
        func checkDated(_ amounts: [DatedAmount], _ at: String) throws {
            guard !amounts.isEmpty, amounts.allSatisfy({ CalendarDate(iso: $0.from) != nil && $0.amount >= 0 }),
                zip(amounts, amounts.dropFirst()).allSatisfy({ $0.fromDay < $1.fromDay })
            else { throw fail("\(at): amounts from dates (YYYY-MM-DD) in date order, none negative") }
        }
        try checkDated(biology.keyLetter, "biology.key_letter")
        guard !biology.actsPerVisit.isEmpty, biology.actsPerVisit.allSatisfy({ $0.key >= 1 && $0.value > 0 }),
            !biology.acts.isEmpty, biology.acts.allSatisfy({ $0.weight > 0 })
        else { throw fail("biology: acts_per_visit (counts of 1 or more) and acts need positive weights") }
        let c = costSharing
        for (charge, name) in [(c.participation, "participation"), (c.paramedical, "paramedical"), (c.drugs, "drugs"), (c.transport, "transport")] {
            try checkDated(charge.amounts, "cost_sharing.\(name).amounts")
        }
        guard c.participationYearlyCap > 0, c.franchiseYearlyCap > 0, c.exemptUnder >= 0, c.pregnancyDaysBefore >= 0,
            c.pregnancyDaysAfter >= 0
        else { throw fail("cost_sharing: positive yearly caps, and ages and days of 0 or more") }
        guard !transport.modes.isEmpty, transport.modes.allSatisfy({ $0.weight > 0 && $0.tariff > 0 }), (0...1).contains(transport.sessionShare),
            (0..<1).contains(transport.tariffSpread)
        else { throw fail("transport: modes with positive weights and tariffs, a session share and a spread below 1") }
        let leave = sickLeave
        guard leave.perYear >= 0, (0...1).contains(leave.afterStayShare), leave.waitingDays >= 0, leave.dailyAllowance.count == 2,
            leave.dailyAllowance[0] > 0, leave.dailyAllowance[0] <= leave.dailyAllowance[1]
        else { throw fail("sick_leave: a rate of 0 or more, a share, waiting days and daily_allowance as [lowest, highest]") }
    }

    /// A stay is grouped by its principal diagnosis: 23M20 (other symptoms and reasons for contact)
    /// takes symptoms (R) and reasons for contact (Z) only, whatever the stay's outcome; a surgical
    /// (C) or interventional (K) GHM needs its act on every stay. Checked for every diagnosis an
    /// event, a condition or a terminal stay can give, so no generated stay contradicts its GHM.
    private func checkGrouping() throws {
        func fail(_ why: String) -> ReferenceDataError { .malformed(Self.file, line: 0, why) }
        func fits(_ dp: String, _ root: String, _ at: String) throws {
            if root == Self.symptomsRoot, !(dp.hasPrefix("R") || dp.hasPrefix("Z")) {
                throw fail("\(at): \(dp) is a disease, not a symptom or a reason for contact: it cannot be grouped \(root)")
            }
        }
        for e in hospitalEvents {
            guard (e.procedure ?? [:]).values.allSatisfy({ $0 > 0 }) else { throw fail("hospital_events.\(e.id).procedure: positive weights needed") }
            let alwaysAnAct = !(e.procedure ?? [:]).isEmpty || (e.acts ?? []).contains { $0.share >= 1 }
            func needsItsAct(_ root: String, _ act: String?, _ at: String) throws {
                if Self.needsAct(root), act == nil, !alwaysAnAct {
                    throw fail(
                        "\(at): GHM \(root) is surgical or interventional, so every stay needs an act: give the diagnosis its act, the event a procedure, or an act of share 1"
                    )
                }
            }
            if e.dpFromCondition == true {
                for c in conditions where (c.stays ?? []).contains(where: { $0.event == e.id }) {
                    guard let root = c.ghm else { throw fail("conditions.\(c.id): its stays for the condition itself (\(e.id)) need its ghm") }
                    try fits(c.icd10, root, "conditions.\(c.id)")
                    try needsItsAct(root, nil, "conditions.\(c.id)")
                }
                continue
            }
            for (code, choice) in e.dp {
                let root = choice.ghm ?? e.ghm
                try fits(code, root, "hospital_events.\(e.id).dp.\(code)")
                try needsItsAct(root, choice.act, "hospital_events.\(e.id).dp.\(code)")
            }
        }
        for (dp, root) in terminalDiagnoses() {
            guard let root else { throw fail("end_of_life.ghm_by_dp: no GHM root for \(dp), a terminal stay's possible principal diagnosis") }
            guard Self.isGHMRoot(root), !Self.needsAct(root) else {
                throw fail("end_of_life.ghm_by_dp.\(dp): \(root) is not a medical GHM root (a terminal stay has no act)")
            }
            try fits(dp, root, "end_of_life.ghm_by_dp.\(dp)")
        }
    }

    /// Every principal diagnosis a terminal stay can have, with its GHM root when one is known:
    /// the dying person's condition, a cancer cause itself, an external cause's injury, or one of
    /// `end_of_life.dp`.
    func terminalDiagnoses() -> [(dp: String, ghm: String?)] {
        var result: [(String, String?)] = []
        for c in conditions {
            if let cause = c.causeOfDeath, !Self.isExternalCause(cause) { result.append((c.icd10, terminalGHM(c.icd10, condition: c))) }
        }
        for cause in causesOfDeath.byAge.flatMap(\.causes.keys) where cause.hasPrefix("C") { result.append((cause, terminalGHM(cause))) }
        for dp in Set(endOfLife.externalCauseDp.values).union(endOfLife.dp.keys).sorted() { result.append((dp, terminalGHM(dp))) }
        return result
    }

    /// The GHM root of a terminal stay: the table's, else the condition's own.
    func terminalGHM(_ dp: String, condition: Condition? = nil) -> String? {
        endOfLife.ghmByDp[dp] ?? condition?.ghm
    }

    /// Principal diagnosis of a terminal stay after an external cause of death (V01–Y98).
    func externalCauseDiagnosis(_ cause: String) -> String? {
        guard Self.isExternalCause(cause) else { return nil }
        return endOfLife.externalCauseDp.keys.filter { cause.hasPrefix($0) }.max { $0.count < $1.count }
            .map { endOfLife.externalCauseDp[$0]! }
    }

    static func isExternalCause(_ cause: String) -> Bool { cause.first.map { "VWXY".contains($0) } ?? false }

    /// The GHM of symptoms and other reasons for contact (CMD 23).
    static let symptomsRoot = "23M20"

    /// Surgical (C) and interventional (K) GHM roots: grouped there because of an act.
    static func needsAct(_ root: String) -> Bool {
        let type = root.dropFirst(2).first
        return type == "C" || type == "K"
    }

    // MARK: - Parts

    /// A rate (or share) per age band, for each sex; `both:` gives the same values to both.
    public struct AgeSexRates: Decodable, Sendable {
        public let male: [Double]
        public let female: [Double]

        enum CodingKeys: String, CodingKey { case male, female, both }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            if let both = try c.decodeIfPresent([Double].self, forKey: .both) {
                male = both
                female = both
            } else {
                male = try c.decode([Double].self, forKey: .male)
                female = try c.decode([Double].self, forKey: .female)
            }
        }

        public func values(for sex: Sex) -> [Double] { sex == .male ? male : female }
    }

    public enum Executor: String, Sendable { case gp, specialist, pharmacy, lab, nurse, physio, dentist, transporter }
    public enum Setting: String, Sendable { case teaching, `public`, `private`, any }

    public struct Service: Decodable, Sendable {
        public let id: String
        public let label: String
        /// PRS_NAT_REF of the service's fee; none for a service that bills CCAM acts only.
        public let nature: Int?
        public let specialty: Int?
        public let activity: Int?
        public let executor: String
        /// The tariff before the first of `tariffChanges`; none for a service billing acts only.
        public let tariff: Double?
        /// The tariff from each date on (NGAP and CCAM tariffs change by convention or arbitration:
        /// the GP consultation G went from 25 € to 26.50 € on 1 November 2023 and to 30 € on
        /// 22 December 2024), in date order.
        public let tariffChanges: [TariffChange]?
        public let tariffSpread: Double?
        public let reimbursement: Int
        public let seasonality: String?
        public let prescription: Double?
        public let hospitalShare: Double?
        public let act: Act?
        /// CCAM acts billed instead of a fee (imaging, dental care): one per visit, drawn by weight
        /// among those allowed at the patient's sex and age; its nature and price come from the
        /// act catalogue.
        public let acts: [ServiceAct]?
        /// The participation forfaitaire or paramedical franchise the visit is charged, if any,
        /// from `costShareFrom` on when given (dentists' acts from 15 May 2024).
        public let costShare: CostShare?
        public let costShareFrom: String?
        /// Months a seasonal one-off service (a vaccine) is given in, at most once a year.
        public let months: [Int]?
        /// The product dispensed, for a service delivered by a pharmacy (ATC code).
        public let drug: String?
        /// The weekly and holiday profile of its days (`rhythms`).
        public let rhythm: String
        public let rate: AgeSexRates

        enum CodingKeys: String, CodingKey {
            case id, label, nature, specialty, activity, executor, tariff, reimbursement, seasonality
            case prescription, act, acts, months, rate, drug, rhythm
            case tariffSpread = "tariff_spread", hospitalShare = "hospital_share", tariffChanges = "tariff_changes"
            case costShare = "cost_share", costShareFrom = "cost_share_from"
        }

        /// The fee on a day (days since 1970-01-01); 0 for a service billing acts only.
        public func tariff(onDay day: Int) -> Double {
            (tariffChanges ?? []).last { $0.fromDay <= day }?.tariff ?? tariff ?? 0
        }

        /// Whether the visit is charged its cost share on a day.
        public func costShare(onDay day: Int) -> CostShare? {
            guard let costShare else { return nil }
            if let from = costShareFrom, let start = CalendarDate(iso: from)?.daysSinceEpoch, day < start { return nil }
            return costShare
        }
    }

    /// A tariff in force from a date (YYYY-MM-DD).
    /// How much of a kind of care falls on each day of the week (Monday first) and on a public
    /// holiday, relative to each other: surgeries and laboratories close on Sundays, emergencies
    /// do not.
    public struct Rhythm: Decodable, Sendable {
        public let week: [Double]
        public let holiday: Double
    }

    public struct Admissions: Decodable, Sendable {
        public let emergency: String
        public let scheduled: String
    }

    public struct TariffChange: Decodable, Sendable {
        public let from: String
        public let tariff: Double
        /// `from` as days since 1970-01-01 (checked when the model is loaded).
        public var fromDay: Int { CalendarDate(iso: from)?.daysSinceEpoch ?? .max }
    }

    public struct Act: Decodable, Sendable {
        public let code: String
        public let share: Double
    }

    /// How drugs are sold and reimbursed: which substances have generics, how often the pharmacist
    /// substitutes one, the reimbursement rate of each substance (by the medical benefit the HAS
    /// rated: 65 % important, 30 % moderate, 15 % low; 100 % for some), and the pharmacy nature
    /// (IR_NAT_V) of each rate.
    public struct DrugRules: Decodable, Sendable {
        /// ATC prefixes of substances sold under their brand only (vaccines, insulins, recent drugs).
        public let brandOnly: [String]
        /// Share of dispensations of a generic when the substance has some.
        public let genericShare: Double
        /// Reimbursement rate (%) by ATC prefix (the longest matching prefix wins); the rest take
        /// `default_rate`.
        public let rates: [String: Int]
        public let defaultRate: Int
        /// IR_NAT_V pharmacy nature of each rate (PH1 100 %, PH7 65 %, PH4 30 %, PH2 15 %).
        public let natures: [Int: Int]
        enum CodingKeys: String, CodingKey {
            case rates, natures, brandOnly = "brand_only", genericShare = "generic_share", defaultRate = "default_rate"
        }

        /// The rate of a substance.
        public func rate(of atc: String) -> Int {
            rates.keys.filter { atc.hasPrefix($0) }.max { $0.count < $1.count }.map { rates[$0]! } ?? defaultRate
        }

        public func isBrandOnly(_ atc: String) -> Bool { brandOnly.contains { atc.hasPrefix($0) } }
    }

    public struct AcuteDrugs: Decodable, Sendable {
        /// Number of drug lines per dispensation → weight.
        public let lines: [Int: Double]
        /// Number of boxes per line → weight.
        public let boxes: [Int: Double]
        public let drugs: [AcuteDrug]
    }

    public struct AcuteDrug: Decodable, Sendable {
        public let atc: String
        public let weight: Double
        public let seasonality: String?
        public let minAge: Int?
        enum CodingKeys: String, CodingKey { case atc, weight, seasonality, minAge = "min_age" }
    }

    public struct TreatmentDrug: Decodable, Sendable {
        public let atc: String
        public let share: Double
        public let everyDays: Int
        enum CodingKeys: String, CodingKey { case atc, share, everyDays = "every_days" }
    }

    public struct Visit: Decodable, Sendable {
        public let service: String
        public let perYear: Double
        enum CodingKeys: String, CodingKey { case service, perYear = "per_year" }
    }

    public struct ConditionStay: Decodable, Sendable {
        public let event: String
        public let perYear: Double
        enum CodingKeys: String, CodingKey { case event, perYear = "per_year" }
    }

    public struct Condition: Decodable, Sendable {
        public let id: String
        public let label: String
        public let icd10: String
        public let causeOfDeath: String?
        /// Probability that the condition is the underlying cause when the person dies with it.
        public let causeShare: Double?
        public let deathMultiplier: Double?
        /// The long-term condition (ALD) number of IR_ALD_V it is exempted under, if any, and the
        /// share of the people with the condition who are (all diabetics, a severe form only of
        /// atrial fibrillation or depression).
        public let ald: Int?
        public let aldShare: Double?
        public let prevalence: AgeSexRates
        public let drugs: [TreatmentDrug]?
        public let visits: [Visit]?
        public let biologyPerYear: Double?
        /// NABM acts every laboratory visit for the condition bills (HbA1c for diabetes).
        public let biologyActs: [Int]?
        public let stays: [ConditionStay]?
        /// GHM root of stays whose principal diagnosis is the condition itself.
        public let ghm: String?

        enum CodingKeys: String, CodingKey {
            case id, label, icd10, ald, prevalence, drugs, visits, stays, ghm
            case causeOfDeath = "cause_of_death", deathMultiplier = "death_multiplier", biologyPerYear = "biology_per_year"
            case biologyActs = "biology_acts"
            case causeShare = "cause_share", aldShare = "ald_share"
        }
    }

    /// A length in days: normal by default, or log-normal (`shape: lognormal`) for stays whose
    /// lengths have the long right tail of the real base (a few elderly patients stay for weeks).
    public struct Duration: Decodable, Sendable {
        public let mean: Double
        public let sd: Double
        public let min: Int
        public let max: Int
        public let shape: Shape?

        public enum Shape: String, Decodable, Sendable { case normal, lognormal }
    }

    /// A normal distribution (birth weight in grams, gestational age in weeks).
    public struct Normal: Decodable, Sendable {
        public let mean: Double
        public let sd: Double
    }

    public struct FollowUp: Decodable, Sendable {
        public let months: Int
        public let drugs: [TreatmentDrug]?
        public let visits: [Visit]?
        /// Specialty (IR_SPE_V) of the hospital doctor who writes the discharge prescription.
        public let prescriberSpecialty: Int?
        enum CodingKeys: String, CodingKey { case months, drugs, visits, prescriberSpecialty = "prescriber_specialty" }
    }

    /// A principal diagnosis and its weight; a diagnosis may bring its own CCAM act and GHM root
    /// (an event mixing carpal tunnels and tonsillectomies gives each its act and GHM).
    public struct DiagnosisChoice: Decodable, Sendable {
        public let weight: Double
        public let act: String?
        public let ghm: String?

        enum CodingKeys: String, CodingKey { case weight, act, ghm }

        /// `CODE: 3` or `CODE: {weight: 3, act: AHPA009, ghm: 01C13}`.
        public init(from decoder: any Decoder) throws {
            if let weight = try? decoder.singleValueContainer().decode(Double.self) {
                self.weight = weight
                act = nil
                ghm = nil
                return
            }
            let c = try decoder.container(keyedBy: CodingKeys.self)
            weight = try c.decode(Double.self, forKey: .weight)
            act = try c.decodeIfPresent(String.self, forKey: .act)
            ghm = try c.decodeIfPresent(String.self, forKey: .ghm)
        }
    }

    public struct HospitalEvent: Decodable, Sendable {
        public let id: String
        public let label: String
        public let incidence: AgeSexRates?
        public let seasonality: String?
        public let dp: [String: DiagnosisChoice]
        public let das: [String: Double]?
        public let drFromCondition: Bool?
        /// The principal diagnosis is the triggering condition's own code (its `dp` is then unused).
        public let dpFromCondition: Bool?
        public let ghm: String
        public let los: Duration
        public let acts: [Act]?
        /// The stay's main procedure: exactly one of these CCAM acts, by weight (a hip fracture is
        /// fixed by osteosynthesis or a prosthesis, never by neither or both).
        public let procedure: [String: Double]?
        public let setting: String
        public let emergency: Double
        /// Specialty (IR_SPE_V) of the doctor who does the stay's acts (billed in DCIR in clinics).
        public let operatorSpecialty: Int?
        public let becomes: String?
        public let followUp: FollowUp?
        /// Admitted first to the nearest public hospital and transferred on (an infarction to the
        /// catheterisation laboratory of a teaching hospital): one episode, two MCO stays.
        public let transferredFrom: TransferIn?
        /// Where patients go on discharge other than home: rehabilitation (SSR) or hospital at
        /// home (HAD), by age band and sex; the rest go home.
        public let dischargeTo: [PostAcute]?

        enum CodingKeys: String, CodingKey {
            case id, label, incidence, seasonality, dp, das, ghm, los, acts, procedure, setting, emergency, becomes
            case drFromCondition = "dr_from_condition", followUp = "follow_up", operatorSpecialty = "operator_specialty"
            case dpFromCondition = "dp_from_condition"
            case transferredFrom = "transferred_from", dischargeTo = "discharge_to"
        }
    }

    /// The first hospital of a transferred episode: its share of the event's stays, its setting
    /// and the length of the first stay.
    public struct TransferIn: Decodable, Sendable {
        public let share: Double
        public let setting: String
        public let los: Duration
        /// The first stay's GHM root: medical, since the act that defines the event is done after
        /// the transfer.
        public let ghm: String
    }

    /// A PMSI field after acute care.
    public enum PostAcuteField: String, Decodable, Sendable { case ssr, had }

    /// A stay in rehabilitation (SSR) or at home (HAD) after an MCO stay, chained to it by a
    /// transfer the same day. In SSR, `diagnosis` is the main morbid manifestation (MOR_PRP),
    /// `etiology` the affection it comes from (ETL_AFF), `purpose` the main aim of care (FP_PEC);
    /// in HAD, `diagnosis` is DGN_PAL and `purpose` the main mode of care (PEC_PAL).
    public struct PostAcute: Decodable, Sendable {
        public let to: PostAcuteField
        public let share: AgeSexRates
        public let los: Duration
        public let setting: String
        public let diagnosis: String
        public let etiology: String?
        public let purpose: String
    }

    /// How many medical units (RUM) a stay passes through: long stays often begin in intensive
    /// care or a short-stay unit and end on a ward.
    public struct Units: Decodable, Sendable {
        public let secondShare: Double
        public let secondFromDays: Int
        public let thirdShare: Double
        public let thirdFromDays: Int
        enum CodingKeys: String, CodingKey {
            case secondShare = "second_share", secondFromDays = "second_from_days"
            case thirdShare = "third_share", thirdFromDays = "third_from_days"
        }
    }

    /// A vaginal delivery: its diagnosis and CCAM act depend on a single or multiple birth and on
    /// the mother's parity (CCAM tells a first delivery, "primipare", from later ones).
    public struct VaginalDelivery: Decodable, Sendable {
        public let dp: String
        public let twinsDp: String
        public let acts: DeliveryActs
        public let ghm: String
        public let los: Duration
        enum CodingKeys: String, CodingKey { case dp, acts, ghm, los, twinsDp = "twins_dp" }
    }

    public struct DeliveryActs: Decodable, Sendable {
        public let primipara: String
        public let multipara: String
        public let twinsPrimipara: String
        public let twinsMultipara: String
        enum CodingKeys: String, CodingKey {
            case primipara, multipara, twinsPrimipara = "twins_primipara", twinsMultipara = "twins_multipara"
        }
        func act(twins: Bool, primipara first: Bool) -> String {
            twins ? (first ? twinsPrimipara : twinsMultipara) : (first ? primipara : multipara)
        }
    }

    /// A caesarean, planned or in emergency: ICD-10 (O82.0 / O82.1) and CCAM (JQGA002 planned,
    /// JQGA003 in labour, JQGA004 in emergency outside labour) say which, and must agree.
    public struct Caesarean: Decodable, Sendable {
        public let plannedShare: Double
        public let planned: CaesareanKind
        public let emergency: CaesareanKind
        public let twinsDp: String
        public let ghm: String
        public let los: Duration
        enum CodingKeys: String, CodingKey { case planned, emergency, ghm, los, plannedShare = "planned_share", twinsDp = "twins_dp" }
    }

    public struct CaesareanKind: Decodable, Sendable {
        public let dp: String
        /// CCAM acts by weight.
        public let acts: [String: Double]
    }

    public struct Newborn: Decodable, Sendable {
        public let dp: String
        public let twinsDp: String
        public let ghm: String
        public let weight: Normal
        public let twinWeight: Normal
        public let gestationalAge: Normal
        public let twinGestationalAge: Normal

        enum CodingKeys: String, CodingKey {
            case dp, ghm, weight
            case twinsDp = "twins_dp", twinWeight = "twin_weight", gestationalAge = "gestational_age"
            case twinGestationalAge = "twin_gestational_age"
        }
    }

    public struct Births: Decodable, Sendable {
        public let caesareanShare: Double
        public let vaginal: VaginalDelivery
        public let caesarean: Caesarean
        /// Share of first deliveries among mothers with no older child in the population, by the
        /// mother's age band (the generated population does not hold every woman's earlier births).
        public let primiparaShare: [PrimiparaShare]
        /// Associated diagnosis of a twin delivery.
        public let twinsDas: String
        public let newborn: Newborn
        /// Share of births in public maternities (the rest in private clinics).
        public let publicShare: Double
        enum CodingKeys: String, CodingKey {
            case vaginal, caesarean, newborn, caesareanShare = "caesarean_share", twinsDas = "twins_das"
            case publicShare = "public_share", primiparaShare = "primipara_share"
        }
    }

    public struct PalliativeHomeCare: Decodable, Sendable {
        /// Conditions whose dying patients may be cared for at home (HAD).
        public let conditions: [String]
        public let share: Double
        public let los: Duration
        public let purpose: String
    }

    public struct PrimiparaShare: Decodable, Sendable {
        public let from: Int
        public let share: Double
    }

    public struct EndOfLife: Decodable, Sendable {
        public let inHospitalShare: AgeSexRates
        public let los: Duration
        /// Principal diagnoses of terminal stays when the death is not from a listed condition.
        public let dp: [String: Double]
        /// Principal diagnosis of a terminal stay after an external cause of death, by the cause's
        /// leading characters (the longest that matches): an injury or a poisoning, not the cause.
        public let externalCauseDp: [String: String]
        /// The GHM root of a terminal stay's principal diagnosis, where no listed condition gives
        /// one: a stay is grouped by its diagnosis, the death does not make it 23M20.
        public let ghmByDp: [String: String]
        /// Share of terminal stays coded with palliative care, and its code.
        public let palliativeShare: Double
        public let palliativeDas: String
        /// Share of deaths in hospital that happen in a public hospital.
        public let publicShare: Double
        public let placeOutsideHospital: [Int: Double]
        /// Deaths at home of people with a listed condition (cancers): the share cared for in HAD
        /// until death, and that stay's length and mode of care.
        public let palliativeHomeCare: PalliativeHomeCare
        enum CodingKeys: String, CodingKey {
            case los, dp, publicShare = "public_share", externalCauseDp = "external_cause_dp", ghmByDp = "ghm_by_dp"
            case inHospitalShare = "in_hospital_share", placeOutsideHospital = "place_outside_hospital"
            case palliativeShare = "palliative_share", palliativeDas = "palliative_das"
            case palliativeHomeCare = "palliative_home_care"
        }
    }

    public struct CausesByAge: Decodable, Sendable {
        public let from: Int
        public let causes: [String: Double]
    }

    public struct Coverage: Decodable, Sendable {
        public let earlierYears: Double
        public let lastYear: Double
        enum CodingKeys: String, CodingKey { case earlierYears = "earlier_years", lastYear = "last_year" }
    }

    public struct CausesOfDeath: Decodable, Sendable {
        public let byAge: [CausesByAge]
        public let contributing: [String: Double]
        /// Causes only women, or only men, die of (code prefixes).
        public let femaleOnly: [String]
        public let maleOnly: [String]
        public let coverage: Coverage
        public let linked: Double
        public let deathDateOffByOne: Double
        enum CodingKeys: String, CodingKey {
            case contributing, coverage, linked
            case byAge = "by_age", deathDateOffByOne = "death_date_off_by_one", femaleOnly = "female_only", maleOnly = "male_only"
        }
    }

    public struct EstablishmentRules: Decodable, Sendable {
        public let inhabitantsPerPublicSite: Int
        public let inhabitantsPerPrivateSite: Int
        public let publicSitesPerLegalEntity: Int
        public let otherDepartementShare: Double
        public let elsewhereShare: Double
        enum CodingKeys: String, CodingKey {
            case inhabitantsPerPublicSite = "inhabitants_per_public_site"
            case inhabitantsPerPrivateSite = "inhabitants_per_private_site"
            case publicSitesPerLegalEntity = "public_sites_per_legal_entity"
            case otherDepartementShare = "other_departement_share", elsewhereShare = "elsewhere_share"
        }
    }

    public struct PractitionerRules: Decodable, Sendable {
        public let inhabitantsPerGP: Int
        public let inhabitantsPerSpecialist: Int
        public let inhabitantsPerPharmacy: Int
        public let inhabitantsPerLab: Int
        public let inhabitantsPerNurse: Int
        public let inhabitantsPerPhysio: Int
        public let inhabitantsPerDentist: Int
        public let inhabitantsPerTransporter: Int
        public let ownGPShare: Double
        enum CodingKeys: String, CodingKey {
            case inhabitantsPerGP = "inhabitants_per_gp", inhabitantsPerSpecialist = "inhabitants_per_specialist"
            case inhabitantsPerPharmacy = "inhabitants_per_pharmacy", inhabitantsPerLab = "inhabitants_per_lab"
            case inhabitantsPerNurse = "inhabitants_per_nurse", inhabitantsPerPhysio = "inhabitants_per_physio"
            case inhabitantsPerDentist = "inhabitants_per_dentist"
            case inhabitantsPerTransporter = "inhabitants_per_transporter"
            case ownGPShare = "own_gp_share"
        }
    }

    public struct Chaining: Decodable, Sendable {
        public let failureShare: Double
        /// Newborns' stays fail more often (their own NIR is not known yet).
        public let newbornFailureShare: Double
        /// Share of failures written with the constant placeholder instead of a wrong pseudonym.
        public let placeholderShare: Double
        public let placeholder: String
        public let codes: [String: Double]
        enum CodingKeys: String, CodingKey {
            case codes, placeholder
            case failureShare = "failure_share", newbornFailureShare = "newborn_failure_share", placeholderShare = "placeholder_share"
        }
    }

    public struct Claims: Decodable, Sendable {
        public let processingDelay: Duration
        enum CodingKeys: String, CodingKey { case processingDelay = "processing_delay" }
    }

    public struct ReferenceFigure: Decodable, Sendable {
        public let id: String
        public let label: String
        public let value: Double
        /// Relative tolerance: the generated figure should be within value × (1 ± tolerance).
        public let tolerance: Double
        public let source: String
    }

    /// A GHM root: CMD (01–28), type (C surgical, K interventional, M medical, Z other), number.
    static func isGHMRoot(_ text: String) -> Bool {
        let c = Array(text.utf8)
        guard c.count == 5, let cmd = Int(String(text.prefix(2))), (1...28).contains(cmd) else { return false }
        return "CKMZ".utf8.contains(c[2]) && c[3] >= 48 && c[3] <= 57 && c[4] >= 48 && c[4] <= 57
    }

    /// Index of the age band for an age.
    public func band(forAge age: Int) -> Int {
        var i = 0
        while i + 1 < ageBands.count, ageBands[i + 1] <= age { i += 1 }
        return i
    }

    public func service(_ id: String) -> Service? { services.first { $0.id == id } }
    public func event(_ id: String) -> HospitalEvent? { hospitalEvents.first { $0.id == id } }
}
