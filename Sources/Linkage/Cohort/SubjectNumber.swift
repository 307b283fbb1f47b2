import Foundation

/// The subject number (NS) every cohort carries: what makes one acceptable, whatever the kind of
/// cohort. An NS is written back in every output, so one that may be a NIR, or that a spreadsheet
/// would run as a formula, is refused.
public enum SubjectNumber {
    /// Other names of the NS column, as French hospitals' and registries' files write it (header
    /// cells are compared with accents, case and punctuation folded: `N° sujet` is `N_SUJET`).
    public static let columnAliases = [
        "NUMERO_SUJET", "NUM_SUJET", "N_SUJET", "NO_SUJET", "ID_SUJET", "NUMERO_PATIENT", "NUM_PATIENT", "N_PATIENT",
        "NO_PATIENT", "ID_PATIENT", "NUMERO_INCLUSION", "NUM_INCLUSION", "N_INCLUSION", "SUBJECT", "SUBJECT_NUMBER", "SUBJECT_ID",
        "PATIENT_ID",
    ]

    /// Longest NS accepted.
    public static let maxLength = 64

    /// What is wrong with an NS, if anything. `showNS` is false when the value may be a NIR and
    /// must not be repeated.
    public static func problem(_ ns: String) -> (reason: RejectionReason, detail: String, showNS: Bool)? {
        if ns.isEmpty { return (.missingNS, "no subject number", true) }
        if looksLikeNIR(ns) {
            return (.nsLooksLikeNIR, "the NS is a long number like a NIR (columns swapped?): not repeated here", false)
        }
        // Control characters (an escape sequence would reach the terminal of whoever reads
        // rejects.csv) and line or paragraph separators (U+2028 splits a CSV row for many
        // readers) are not repeated either.
        if ns.unicodeScalars.contains(where: {
            [.control, .lineSeparator, .paragraphSeparator].contains($0.properties.generalCategory)
        }) {
            return (.nsInvalid, "the NS holds control characters or line separators: not repeated here", false)
        }
        if ns.count > maxLength {
            return (.nsInvalid, "the NS is longer than \(maxLength) characters", true)
        }
        // Invisible characters (a soft hyphen, a zero-width space, a word joiner, a combining
        // grapheme joiner, a variation selector, a Hangul filler: Unicode's default-ignorable code
        // points) make two NS look alike that compare apart, and a bidi override makes an NS read
        // otherwise than it is: not repeated, for the same reason.
        if ns.unicodeScalars.contains(where: { $0.properties.generalCategory == .format || $0.properties.isDefaultIgnorableCodePoint }) {
            return (
                .nsInvalid,
                "the NS holds invisible or direction-changing characters (a soft hyphen, a zero-width space, a bidi override): not repeated here",
                false
            )
        }
        // An NS a spreadsheet would run as a formula would be written differently in the CSV
        // outputs (neutralised) than in the sealed file and the extraction: refused instead.
        if CSVOutput.isFormulaLike(ns) {
            return (.nsInvalid, "the NS starts with =, +, -, @, a tab or a carriage return (a spreadsheet formula)", true)
        }
        return nil
    }

    /// Whether a value holds a run of 13 or more NIR characters (digits of any script, and A/B for
    /// Corsica, fullwidth forms included), separators ignored: such a value is treated as a NIR and
    /// never written out.
    public static func looksLikeNIR(_ text: String) -> Bool {
        // Whatever separates the groups — spaces of any kind (a no-break space from a spreadsheet's
        // number format), tabs, dots, dashes, slashes — does not break the run: only another letter
        // or digit does. An identifier of 13 digits in groups is refused too: the price of never
        // writing back a NIR written with dots.
        // Digits of another script (fullwidth １, Arabic-Indic ١, Devanagari १) are digits to a
        // reader: a NIR written in them is a NIR. Fullwidth letters become ASCII under NFKC.
        var run = 0
        for u in text.precomposedStringWithCompatibilityMapping.unicodeScalars {
            let nirCharacter = u.properties.numericType == .decimal || u == "A" || u == "B" || u == "a" || u == "b"
            if nirCharacter {
                run += 1
            } else if u.properties.isAlphabetic || u.properties.numericType != nil {
                run = 0
            }
            if run >= 13 { return true }
        }
        return false
    }

    /// What makes two NS the same NS: their compatibility form (NFKC), so that `ＮＳ_1` (fullwidth)
    /// repeats `NS_1` rather than passing for another subject.
    static func identity(_ ns: String) -> String { ns.precomposedStringWithCompatibilityMapping }

    /// The detail of the rejection of `line`, whose NS is on all of `lines` (such an NS cannot say
    /// which person it stands for): the other lines that carry it, the first few named.
    static func duplicateDetail(of line: Int, lines: [Int]) -> String {
        "the NS is also on " + LineList.others(of: line, in: lines)
    }
}
