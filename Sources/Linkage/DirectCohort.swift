import Foundation
import SNDSModel

/// A direct-linkage cohort, validated line by line: each data line becomes either a request (NS,
/// NIR of the ouvreur de droits, birth date, sex, twin rank) or a rejection with its reason.
public struct DirectCohort {
    public static let columns: [CohortFile.Column] = [
        .init("NS", aliases: ["NUMERO_SUJET", "SUBJECT", "SUBJECT_NUMBER"]),
        .init("NIR", aliases: ["NIR_OUVREUR", "NIR_OD"]),
        .init("DATE_NAISSANCE", aliases: ["DATE_DE_NAISSANCE", "DTNAIS", "BIRTH_DATE"]),
        .init("SEXE", aliases: ["SEX"]),
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
    }

    /// A line that cannot be linked as written. `detail` never holds the NIR.
    public struct Rejection: Error, Sendable, Equatable {
        public let line: Int
        public let ns: String
        public let reason: String
        public let detail: String
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

    /// Longest NS accepted.
    public static let maxNSLength = 64

    /// Whether a value holds a run of 13 or more NIR characters (digits, and A/B for Corsica),
    /// separators ignored: such a value is treated as a NIR and never written out.
    public static func looksLikeNIR(_ text: String) -> Bool {
        // Whatever separates the groups — spaces of any kind (a no-break space from a spreadsheet's
        // number format), tabs, dots, dashes, slashes — does not break the run: only another letter
        // or digit does. An identifier of 13 digits in groups is refused too: the price of never
        // writing back a NIR written with dots.
        var run = 0
        for u in text.unicodeScalars {
            let nirCharacter = ("0"..."9").contains(u) || u == "A" || u == "B" || u == "a" || u == "b"
            if nirCharacter {
                run += 1
            } else if u.properties.isAlphabetic || u.properties.numericType != nil {
                run = 0
            }
            if run >= 13 { return true }
        }
        return false
    }

    /// Validates every line. Throws only when the file as a whole is wrong: NIR-like values in the
    /// NS column on most lines (columns in the wrong order), where rejecting line by line would
    /// still say nothing useful.
    public init(file: CohortFile, today: CalendarDate) throws(LinkageError) {
        self.file = file
        var requests: [Request] = []
        var rejections: [Rejection] = []
        var nsLines: [String: [Int]] = [:]
        var quality: [String: ColumnQuality] = [:]
        for c in Self.columns where c.required || file.positions[c.name] != nil { quality[c.name] = ColumnQuality() }
        var traits: [Int: CohortProfile.Traits] = [:]
        for record in file.records {
            let ns = file.value("NS", in: record) ?? ""
            // Each column of a well-formed line is read once: for its quality and for the request.
            let fields = record.fields.count == file.headerCount ? Fields(record, file: file, today: today) : nil
            if let fields { traits[record.line] = Self.observe(fields, ns: ns, quality: &quality) }
            // Only an NS read from a well-formed line, that is not a NIR, can repeat another.
            if !ns.isEmpty, fields != nil, !Self.looksLikeNIR(ns) {
                nsLines[ns, default: []].append(record.line)
            }
            switch Self.validate(record, fields, file: file, ns: ns) {
            case .success(let request): requests.append(request)
            case .failure(let rejection): rejections.append(rejection)
            }
        }
        let nirLike = rejections.filter { $0.reason == "ns_looks_like_nir" }.count
        if nirLike * 2 > file.records.count {
            throw .badCohort(file.url.path, "the NS column holds NIR-like numbers on \(nirLike) of \(file.records.count) lines: are the columns in the wrong order? (nothing was written)")
        }
        // An NS given twice cannot say which identity it stands for: every line carrying it is
        // rejected, not only the later ones.
        let duplicated = nsLines.filter { $0.value.count > 1 }
        if !duplicated.isEmpty {
            var kept: [Request] = []
            for r in requests {
                if let lines = duplicated[r.ns] {
                    let others = lines.filter { $0 != r.line }.map(String.init).joined(separator: ", ")
                    rejections.append(Rejection(line: r.line, ns: r.ns, reason: "duplicate_ns",
                                                detail: "the NS is also on line\(lines.count > 2 ? "s" : "") \(others)"))
                } else {
                    kept.append(r)
                }
            }
            requests = kept
            rejections.sort { $0.line < $1.line }
        }
        for r in rejections {
            if let column = Self.column(ofReason: r.reason) { quality[column, default: .init()].rejected += 1 }
        }
        self.requests = requests
        self.rejections = rejections
        self.quality = quality
        self.traits = traits
    }

    /// What is wrong with an NS, if anything: shared by every kind of cohort. `showNS` is false
    /// when the value may be a NIR and must not be repeated.
    public static func subjectNumberProblem(_ ns: String) -> (reason: String, detail: String, showNS: Bool)? {
        if ns.isEmpty { return ("missing_ns", "no subject number", true) }
        if looksLikeNIR(ns) {
            return ("ns_looks_like_nir", "the NS is a long number like a NIR (columns swapped?): not repeated here", false)
        }
        if ns.count > maxNSLength || ns.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            return ("ns_invalid", "the NS is longer than \(maxNSLength) characters or holds control characters", true)
        }
        // An NS a spreadsheet would run as a formula would be written differently in the CSV
        // outputs (neutralised) than in the sealed file and the extraction: refused instead.
        if CSVOutput.isFormulaLike(ns) {
            return ("ns_invalid", "the NS starts with =, +, -, @, a tab or a carriage return (a spreadsheet formula)", true)
        }
        return nil
    }

    /// What one column of a line says: missing, a value (and whether the file wrote it in another
    /// layout than the canonical one), or unreadable, with the rejection it causes.
    enum Reading<Value> {
        case missing(reason: String, detail: String)
        case value(Value, reformatted: Bool)
        case invalid(reason: String, detail: String)
    }

    static func readNIR(_ text: String) -> Reading<NIR> {
        guard !text.isEmpty else { return .missing(reason: "missing_nir", detail: "no NIR") }
        do {
            let nir = try NIR(validating: text)
            return .value(nir, reformatted: nir.clearText != text)
        } catch {
            // The key's value and the one expected are not repeated: with the NS beside them they
            // would narrow down the NIR.
            if case .keyMismatch = error {
                return .invalid(reason: error.reason, detail: "the NIR's key does not match its 13 positions (a miscopied digit or key, or two digits transposed)")
            }
            return .invalid(reason: error.reason, detail: error.description)
        }
    }

    static func readBirthDate(_ text: String, today: CalendarDate) -> Reading<CalendarDate> {
        guard !text.isEmpty else { return .missing(reason: "missing_birth_date", detail: "no birth date") }
        switch IdentityFormats.birthDate(text) {
        case .date(let d):
            guard d <= today else { return .invalid(reason: "birth_date_future", detail: "the birth date is after today") }
            return .value(d, reformatted: d.iso != text)
        case .unreadable: return .invalid(reason: "birth_date_format", detail: "the birth date is not YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD")
        case .impossible: return .invalid(reason: "birth_date_invalid", detail: "the birth date is not a day of the calendar")
        }
    }

    static func readSex(_ text: String) -> Reading<Sex> {
        guard !text.isEmpty else { return .missing(reason: "missing_sex", detail: "no sex") }
        guard let sex = IdentityFormats.sex(text) else { return .invalid(reason: "sex_invalid", detail: "the sex is not 1/2, M/F or H/F") }
        return .value(sex, reformatted: String(sex.code) != text)
    }

    /// The twin rank is optional: missing is no fault.
    static func readRank(_ text: String?) -> Reading<Int?> {
        guard let text, !text.isEmpty else { return .value(nil, reformatted: false) }
        guard let r = Int(text), (1...9).contains(r) else {
            return .invalid(reason: "twin_rank_invalid", detail: "the twin rank is not a number from 1 to 9")
        }
        return .value(r, reformatted: String(r) != text)
    }

    /// The département of residence is optional and informational (the bias check of the report):
    /// an unreadable one rejects nothing.
    static func readDepartement(_ text: String) -> Reading<String> {
        switch CriterionValues.read(text, as: .departement) {
        case .missing: .missing(reason: "", detail: "")
        case .value(let d, let reformatted): .value(d, reformatted: reformatted)
        case .invalid(let why): .invalid(reason: "", detail: why)
        }
    }

    /// The columns of a well-formed line, each read on its own; an optional column absent from the
    /// file is nil.
    struct Fields {
        let nir: Reading<NIR>
        let birth: Reading<CalendarDate>
        let sex: Reading<Sex>
        let rank: Reading<Int?>
        /// The twin rank as written, to count an empty one as missing.
        let rankText: String?
        let departement: Reading<String>?

        init(_ record: DelimitedReader.Record, file: CohortFile, today: CalendarDate) {
            nir = readNIR(file.value("NIR", in: record) ?? "")
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
        if ns.isEmpty { quality["NS", default: .init()].missing += 1 }
        else if subjectNumberProblem(ns) != nil { quality["NS", default: .init()].invalid += 1 }
        _ = note("NIR", fields.nir)
        let birth = note("DATE_NAISSANCE", fields.birth)
        let sex = note("SEXE", fields.sex)
        if let text = fields.rankText {
            if text.isEmpty { quality["RANG_GEMELLAIRE", default: .init()].missing += 1 } else { _ = note("RANG_GEMELLAIRE", fields.rank) }
        }
        let departement = fields.departement.flatMap { note("DEPARTEMENT", $0) }
        return CohortProfile.Traits(sex: sex, birthYear: birth?.year, departement: departement)
    }

    /// The column a rejection reason blames, nil for a fault of the whole line.
    public static func column(ofReason reason: String) -> String? {
        switch reason {
        case "missing_ns", "ns_invalid", "ns_looks_like_nir", "duplicate_ns": "NS"
        case "missing_birth_date", "birth_date_format", "birth_date_invalid", "birth_date_future": "DATE_NAISSANCE"
        case "missing_sex", "sex_invalid": "SEXE"
        case "twin_rank_invalid": "RANG_GEMELLAIRE"
        case "field_count": nil
        default: "NIR"
        }
    }

    private static func validate(_ record: DelimitedReader.Record, _ fields: Fields?, file: CohortFile,
                                 ns: String) -> Result<Request, Rejection> {
        func reject(_ reason: String, _ detail: String, showingNS: Bool = true) -> Result<Request, Rejection> {
            .failure(Rejection(line: record.line, ns: showingNS ? String(ns.prefix(maxNSLength)) : "", reason: reason, detail: detail))
        }
        // On a line with missing or extra fields, the value under NS may be anything, a NIR
        // included: it is not repeated in the rejects file.
        guard let fields else {
            return reject("field_count", "\(record.fields.count) fields where the header has \(file.headerCount)", showingNS: false)
        }
        if let problem = subjectNumberProblem(ns) { return reject(problem.reason, problem.detail, showingNS: problem.showNS) }
        // The first fault in column order is the line's reason.
        let nir: NIR, birth: CalendarDate, sex: Sex, rank: Int?
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
        return .success(Request(line: record.line, ns: ns, nir: nir, birthDate: birth, sex: sex, rank: rank))
    }
}
