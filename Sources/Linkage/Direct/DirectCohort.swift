import Foundation
import SNDSModel

/// A direct-linkage cohort, validated line by line: each data line becomes either a request (NS,
/// NIR of the ouvreur de droits, birth date, sex, twin rank) or a rejection with its reason.
public struct DirectCohort {
    public static let columns: [CohortFile.Column] = [
        .init("NS", aliases: SubjectNumber.columnAliases),
        .init("NIR", aliases: ["NIR_OUVREUR", "NIR_OD", "NIR_ASSURE", "NUMERO_SECURITE_SOCIALE", "NUM_SECU", "N_SECU", "NSS", "N_SS"]),
        // The key in a column of its own, as many hospital systems store it.
        .init("CLE_NIR", aliases: ["NIR_CLE", "CLE_NIR_OUVREUR", "CLE_OUVREUR", "CLE_SECU"], required: false),
        .init(
            "DATE_NAISSANCE",
            aliases: [
                "DATE_DE_NAISSANCE", "DATE_NAISS", "DT_NAISS", "DT_NAIS", "DTNAIS", "DATNAIS", "DDN", "NAISSANCE", "BIRTH_DATE", "DATE_OF_BIRTH",
                "DOB",
            ]),
        .init("SEXE", aliases: ["SEX", "SEXE_PATIENT", "CODE_SEXE"]),
        .init("RANG_GEMELLAIRE", aliases: ["RANG_GEM", "BEN_RNG_GEM", "TWIN_RANK"], required: false),
        // Residence, for the report's bias check only: it takes no part in the linkage.
        .init("DEPARTEMENT", aliases: ["DEPARTEMENT_RESIDENCE", "DEP", "BEN_RES_DPT"], required: false),
    ]

    /// A valid line, ready to hash.
    public struct Request: Sendable {
        public let line: Int
        public let ns: String
        public let nir: NIR
        public let birthDate: CalendarDate
        public let sex: Sex
        /// BEN_RNG_GEM when the file gives it.
        public let rank: Int?
        /// Whether the file gave the NIR's key, so that it checked the 13 positions; a NIR of 13
        /// positions is linked all the same (the pseudonym is computed from them), unchecked.
        public let keyChecked: Bool
    }

    public let file: CohortFile
    public let requests: [Request]
    public let rejections: [Rejection]
    /// Per column: values missing, reformatted, unreadable, and lines rejected for it.
    public let quality: [String: ColumnQuality]
    /// What each line says of its subject (sex, birth year, département), by line number.
    public let traits: [Int: CohortProfile.Traits]
    /// Data lines in the file: requests + rejections.
    public var submitted: Int { requests.count + rejections.count }

    /// Validates every line. Throws only when the file as a whole is wrong: NIR-like values in the
    /// NS column on most lines (columns in the wrong order), where rejecting line by line would
    /// still say nothing useful.
    public init(file: CohortFile, today: CalendarDate) throws(LinkageError) {
        self.file = file
        var requests: [Request] = []
        var rejections: [Rejection] = []
        var nsLines: [String: [Int]] = [:]
        var quality: [String: ColumnQuality] = [:]
        // The key's own column is read with the NIR and counted under it.
        for c in Self.columns where c.name != "CLE_NIR" && (c.required || file.positions[c.name] != nil) { quality[c.name] = ColumnQuality() }
        var traits: [Int: CohortProfile.Traits] = [:]
        for record in file.records {
            let ns = file.value("NS", in: record) ?? ""
            // Each column of a well-formed line is read once: for its quality and for the request.
            let fields = record.fields.count == file.headerCount ? Fields(record, file: file, today: today) : nil
            if let fields { traits[record.line] = Self.observe(fields, ns: ns, quality: &quality) }
            // Only an NS read from a well-formed line, that is not a NIR, can repeat another.
            if !ns.isEmpty, fields != nil, !SubjectNumber.looksLikeNIR(ns) {
                nsLines[SubjectNumber.identity(ns), default: []].append(record.line)
            }
            switch Self.validate(record, fields, file: file, ns: ns) {
            case .success(let request): requests.append(request)
            case .failure(let rejection): rejections.append(rejection)
            }
        }
        let nirLike = rejections.filter { $0.reason == .nsLooksLikeNIR }.count
        if nirLike * 2 > file.records.count {
            throw .badCohort(
                file.url.path,
                "the NS column holds NIR-like numbers on \(nirLike) of \(file.records.count) lines: are the columns in the wrong order? (nothing was written)"
            )
        }
        // An NS given twice cannot say which identity it stands for: every line carrying it is
        // rejected, not only the later ones.
        let duplicated = nsLines.filter { $0.value.count > 1 }
        if !duplicated.isEmpty {
            var kept: [Request] = []
            for r in requests {
                if let lines = duplicated[SubjectNumber.identity(r.ns)] {
                    rejections.append(
                        Rejection(
                            line: r.line, ns: r.ns, reason: .duplicateNS,
                            detail: SubjectNumber.duplicateDetail(of: r.line, lines: lines)))
                } else {
                    kept.append(r)
                }
            }
            requests = kept
            rejections.sort { $0.line < $1.line }
        }
        for r in rejections {
            if let column = r.reason.directColumn { quality[column, default: .init()].rejected += 1 }
        }
        self.requests = requests
        self.rejections = rejections
        self.quality = quality
        self.traits = traits
    }

    /// What one column of a line says: missing, a value (and whether the file wrote it in another
    /// layout than the canonical one), or unreadable, with the rejection it causes.
    enum Reading<Value> {
        case missing(reason: RejectionReason, detail: String)
        case value(Value, reformatted: Bool)
        case invalid(reason: RejectionReason, detail: String)
    }

    /// Reads the NIR, with its key from a column of its own when the file has one (`key` nil).
    static func readNIR(_ text: String, key: String?) -> Reading<(nir: NIR, keyChecked: Bool)> {
        guard !text.isEmpty else { return .missing(reason: .missingNIR, detail: "no NIR") }
        do {
            let (nir, keyGiven) = try NIR.read(text, key: key ?? "")
            return .value((nir, keyGiven), reformatted: nir.clearText != text)
        } catch {
            // The key's value and the one expected are not repeated: with the NS beside them they
            // would narrow down the NIR.
            if case .keyMismatch = error {
                return .invalid(
                    reason: RejectionReason(error),
                    detail: "the NIR's key does not match its 13 positions (a miscopied digit or key, or two digits transposed)")
            }
            return .invalid(reason: RejectionReason(error), detail: error.description)
        }
    }

    static func readBirthDate(_ text: String, today: CalendarDate) -> Reading<CalendarDate> {
        guard !text.isEmpty else { return .missing(reason: .missingBirthDate, detail: "no birth date") }
        let reading = DateLayouts.read(text, time: .midnight)
        switch reading {
        case .date(let d):
            guard d <= today else { return .invalid(reason: .birthDateFuture, detail: "the birth date is after today") }
            return .value(d, reformatted: d.iso != text)
        case .impossible: return .invalid(reason: .birthDateInvalid, detail: "the birth date is not a day of the calendar")
        case .twoDigitYear, .spreadsheetDayNumber, .timeNotMidnight, .monthFirst, .unreadable:
            return .invalid(reason: .birthDateFormat, detail: "the birth date is \(reading.problem!)")
        }
    }

    static func readSex(_ text: String) -> Reading<Sex> {
        guard !text.isEmpty else { return .missing(reason: .missingSex, detail: "no sex") }
        guard let sex = IdentityFormats.sex(text) else { return .invalid(reason: .sexInvalid, detail: "the sex is not 1/2, M/F or H/F") }
        return .value(sex, reformatted: String(sex.code) != text)
    }

    /// The twin rank is optional: missing is no fault.
    static func readRank(_ text: String?) -> Reading<Int?> {
        guard let text, !text.isEmpty else { return .value(nil, reformatted: false) }
        guard let r = Int(text), (1...9).contains(r) else {
            return .invalid(reason: .twinRankInvalid, detail: "the twin rank is not a number from 1 to 9")
        }
        return .value(r, reformatted: String(r) != text)
    }

    /// The département of residence is optional and informational (the bias check of the report):
    /// an unreadable one rejects nothing.
    static func readDepartement(_ text: String) -> CriterionValues.Reading {
        CriterionValues.read(text, as: .departement)
    }

    /// The columns of a well-formed line, each read on its own; an optional column absent from the
    /// file is nil.
    struct Fields {
        let nir: Reading<(nir: NIR, keyChecked: Bool)>
        let birth: Reading<CalendarDate>
        let sex: Reading<Sex>
        let rank: Reading<Int?>
        /// The twin rank as written, to count an empty one as missing.
        let rankText: String?
        let departement: CriterionValues.Reading?

        init(_ record: DelimitedReader.Record, file: CohortFile, today: CalendarDate) {
            nir = readNIR(file.value("NIR", in: record) ?? "", key: file.value("CLE_NIR", in: record))
            birth = readBirthDate(file.value("DATE_NAISSANCE", in: record) ?? "", today: today)
            sex = readSex(file.value("SEXE", in: record) ?? "")
            rankText = file.value("RANG_GEMELLAIRE", in: record)
            rank = readRank(rankText)
            departement = file.value("DEPARTEMENT", in: record).map(readDepartement)
        }
    }

    /// The quality of each column of a well-formed line (a line with two faults counts in both
    /// columns), and what the line says of its subject.
    private static func observe(_ fields: Fields, ns: String, quality: inout [String: ColumnQuality]) -> CohortProfile.Traits {
        func note<V>(_ column: String, _ reading: Reading<V>) -> V? {
            switch reading {
            case .missing: quality[column, default: .init()].missing += 1; return nil
            case .value(let v, let reformatted):
                if reformatted { quality[column, default: .init()].reformatted += 1 }
                return v
            case .invalid: quality[column, default: .init()].invalid += 1; return nil
            }
        }
        if ns.isEmpty {
            quality["NS", default: .init()].missing += 1
        } else if SubjectNumber.problem(ns) != nil {
            quality["NS", default: .init()].invalid += 1
        }
        _ = note("NIR", fields.nir)
        let birth = note("DATE_NAISSANCE", fields.birth)
        let sex = note("SEXE", fields.sex)
        if let text = fields.rankText {
            if text.isEmpty { quality["RANG_GEMELLAIRE", default: .init()].missing += 1 } else { _ = note("RANG_GEMELLAIRE", fields.rank) }
        }
        var departement: String?
        switch fields.departement {
        case nil: break
        case .missing?: quality["DEPARTEMENT", default: .init()].missing += 1
        case .value(let d, let reformatted)?:
            if reformatted { quality["DEPARTEMENT", default: .init()].reformatted += 1 }
            departement = d
        case .invalid?, .refused?: quality["DEPARTEMENT", default: .init()].invalid += 1
        }
        return CohortProfile.Traits(sex: sex, birthYear: birth?.year, departement: departement)
    }

    private static func validate(
        _ record: DelimitedReader.Record, _ fields: Fields?, file: CohortFile,
        ns: String
    ) -> Result<Request, Rejection> {
        func reject(_ reason: RejectionReason, _ detail: String, showingNS: Bool = true) -> Result<Request, Rejection> {
            .failure(Rejection(line: record.line, ns: showingNS ? String(ns.prefix(SubjectNumber.maxLength)) : "", reason: reason, detail: detail))
        }
        // On a line with missing or extra fields, the value under NS may be anything, a NIR
        // included: it is not repeated in the rejects file.
        guard let fields else {
            return reject(.fieldCount, "\(record.fields.count) fields where the header has \(file.headerCount)", showingNS: false)
        }
        if let problem = SubjectNumber.problem(ns) { return reject(problem.reason, problem.detail, showingNS: problem.showNS) }
        // The first fault in column order is the line's reason.
        let nir: (nir: NIR, keyChecked: Bool), birth: CalendarDate, sex: Sex, rank: Int?
        switch fields.nir {
        case .value(let v, _): nir = v
        case .missing(let reason, let detail), .invalid(let reason, let detail): return reject(reason, detail)
        }
        switch fields.birth {
        case .value(let v, _): birth = v
        case .missing(let reason, let detail), .invalid(let reason, let detail): return reject(reason, detail)
        }
        switch fields.sex {
        case .value(let v, _): sex = v
        case .missing(let reason, let detail), .invalid(let reason, let detail): return reject(reason, detail)
        }
        switch fields.rank {
        case .value(let v, _): rank = v
        case .missing(let reason, let detail), .invalid(let reason, let detail): return reject(reason, detail)
        }
        return .success(
            Request(line: record.line, ns: ns, nir: nir.nir, birthDate: birth, sex: sex, rank: rank, keyChecked: nir.keyChecked))
    }
}
