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
    /// Data lines in the file: requests + rejections.
    public var submitted: Int { requests.count + rejections.count }

    /// Longest NS accepted.
    public static let maxNSLength = 64

    /// Whether a value holds a run of 13 or more NIR characters (digits, and A/B for Corsica),
    /// spaces ignored: such a value is treated as a NIR and never written out.
    public static func looksLikeNIR(_ text: String) -> Bool {
        var run = 0
        for c in text.utf8 where c != UInt8(ascii: " ") {
            let nirCharacter = (c >= 48 && c <= 57) || c == UInt8(ascii: "A") || c == UInt8(ascii: "B")
                || c == UInt8(ascii: "a") || c == UInt8(ascii: "b")
            run = nirCharacter ? run + 1 : 0
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
        for record in file.records {
            let ns = file.value("NS", in: record) ?? ""
            // Only an NS read from a well-formed line, that is not a NIR, can repeat another.
            if !ns.isEmpty, record.fields.count == file.headerCount, !Self.looksLikeNIR(ns) {
                nsLines[ns, default: []].append(record.line)
            }
            switch Self.validate(record, file: file, ns: ns, today: today) {
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
        self.requests = requests
        self.rejections = rejections
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

    private static func validate(_ record: DelimitedReader.Record, file: CohortFile, ns: String,
                                 today: CalendarDate) -> Result<Request, Rejection> {
        func reject(_ reason: String, _ detail: String, showingNS: Bool = true) -> Result<Request, Rejection> {
            .failure(Rejection(line: record.line, ns: showingNS ? String(ns.prefix(maxNSLength)) : "", reason: reason, detail: detail))
        }
        // On a line with missing or extra fields, the value under NS may be anything, a NIR
        // included: it is not repeated in the rejects file.
        guard record.fields.count == file.headerCount else {
            return reject("field_count", "\(record.fields.count) fields where the header has \(file.headerCount)", showingNS: false)
        }
        if let problem = subjectNumberProblem(ns) { return reject(problem.reason, problem.detail, showingNS: problem.showNS) }
        let nirText = file.value("NIR", in: record) ?? ""
        guard !nirText.isEmpty else { return reject("missing_nir", "no NIR") }
        let nir: NIR
        do { nir = try NIR(validating: nirText) } catch {
            // The key's value and the one expected are not repeated: with the NS beside them they
            // would narrow down the NIR.
            if case .keyMismatch = error {
                return reject(error.reason, "the NIR's key does not match its 13 positions (a miscopied digit or key, or two digits transposed)")
            }
            return reject(error.reason, error.description)
        }
        let birthText = file.value("DATE_NAISSANCE", in: record) ?? ""
        guard !birthText.isEmpty else { return reject("missing_birth_date", "no birth date") }
        let birth: CalendarDate
        switch IdentityFormats.birthDate(birthText) {
        case .date(let d): birth = d
        case .unreadable: return reject("birth_date_format", "the birth date is not YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD")
        case .impossible: return reject("birth_date_invalid", "the birth date is not a day of the calendar")
        }
        guard birth <= today else { return reject("birth_date_future", "the birth date is after today") }
        let sexText = file.value("SEXE", in: record) ?? ""
        guard !sexText.isEmpty else { return reject("missing_sex", "no sex") }
        guard let sex = IdentityFormats.sex(sexText) else {
            return reject("sex_invalid", "the sex is not 1/2, M/F or H/F")
        }
        var rank: Int?
        if let rankText = file.value("RANG_GEMELLAIRE", in: record), !rankText.isEmpty {
            guard let r = Int(rankText), (1...9).contains(r) else {
                return reject("twin_rank_invalid", "the twin rank is not a number from 1 to 9")
            }
            rank = r
        }
        return .success(Request(line: record.line, ns: ns, nir: nir, birthDate: birth, sex: sex, rank: rank))
    }
}
