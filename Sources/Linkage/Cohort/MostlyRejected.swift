import Foundation

/// A cohort file whose lines are mostly rejected is a wrong file, not a file with bad lines: a
/// header separated by `,` over a body separated by `;`, columns in another order, a column of
/// values in a layout the tool does not read. Linking what is left and saying SUCCESS or FAILURE
/// about it (with a run folder, exit 0) hid that; the run now stops before linking, says the
/// probable cause in one sentence, and writes nothing.
public enum MostlyRejected {
    /// Above this share of rejected lines the file is refused. Half: a real file with more bad
    /// lines than good ones needs its sender, not a linkage.
    public static let bound = 0.5

    /// Throws when more than ``bound`` of the `submitted` lines are rejected.
    public static func check(_ file: CohortFile, submitted: Int, rejections: [Rejection]) throws(LinkageError) {
        guard submitted > 0, Double(rejections.count) > bound * Double(submitted) else { return }
        let share = String(format: "%.0f", 100 * Double(rejections.count) / Double(submitted))
        throw .badCohort(
            file.url.path,
            "\(rejections.count.formatted()) of \(submitted.formatted()) lines (\(share) %) would be rejected: \(cause(file, rejections)) (nothing was written)"
        )
    }

    /// The probable cause, from the commonest reason.
    static func cause(_ file: CohortFile, _ rejections: [Rejection]) -> String {
        let byReason = Dictionary(grouping: rejections, by: \.reason).sorted { ($0.value.count, $1.key) > ($1.value.count, $0.key) }
        guard let (reason, lines) = byReason.first else { return "" }
        let first = lines.prefix(3).map { String($0.line) }.joined(separator: ", ")
        if reason == .fieldCount {
            let shown = file.separator == 0x09 ? "tab" : String(UnicodeScalar(file.separator))
            if let other = otherSeparator(file, lines: Set(lines.map(\.line))) {
                return
                    "the header is separated by '\(shown)' but the lines by '\(other)' (field_count, first on lines \(first)): save the file with one separator"
            }
            return
                "their number of fields is not the header's \(file.headerCount) (field_count, first on lines \(first)): are columns missing, or added, after the header?"
        }
        let others = byReason.dropFirst().prefix(2).map { "\($0.key.rawValue) \($0.value.count.formatted())" }
        let column = reason.directColumn.map { " in \($0)" } ?? ""
        // The lines' commonest detail says the fix (format the column as text, write the year on
        // four digits); a detail never holds a value. Where it says nothing a whole file needs
        // (a value missing, an NS repeated), the likeliest causes for a whole column.
        let commonest = Dictionary(grouping: lines, by: \.detail).max { ($0.value.count, $1.key) < ($1.value.count, $0.key) }?.key ?? ""
        let generic = "are the columns in another order than their names say, or the values in a layout not read?"
        let detail =
            switch reason {
            case .duplicateNS: "the NS column repeats its values: is it the subject number's column?"
            case .missingNS, .missingNIR, .missingBirthDate, .missingSex, .noCriteria, .fieldCount: generic
            default: commonest.isEmpty ? generic : commonest
            }
        return
            "most for \(reason.rawValue)\(column) (\(lines.count.formatted()), first on lines \(first)\(others.isEmpty ? "" : "; then " + others.joined(separator: ", "))): \(detail)"
    }

    /// The separator most of the badly counted lines hold that the header does not use.
    private static func otherSeparator(_ file: CohortFile, lines: Set<Int>) -> String? {
        let candidates: [(byte: Character, name: String)] = [(";", ";"), (",", ","), ("\t", "tab")].filter {
            $0.byte.asciiValue != file.separator
        }
        let records = file.records.filter { lines.contains($0.line) }
        guard !records.isEmpty else { return nil }
        for c in candidates where records.filter({ $0.fields.joined().contains(c.byte) }).count * 2 > records.count {
            return c.name
        }
        return nil
    }
}
