import Foundation

/// What a user says about a cohort file's header, beside the names the tool knows: which header
/// cell holds a column the linkage reads (`--column NS=num_patient`), and which columns are there
/// for other purposes and left unread (`--ignore-columns CENTRE,COMMENTAIRE`).
///
/// Sponsors' files name their columns as their own systems do (`N° sujet`, `date_naiss`) and carry
/// columns of their own (a centre, a comment). Renaming the file's header by hand is an edit of a
/// sponsor's file, which a data manager would rather not make; naming the mapping on the command
/// line keeps the file as sent, and the run's provenance says what was mapped.
public struct HeaderMapping: Sendable, Equatable, Codable {
    /// Column the linkage reads → the header cell that holds it, as written in the file.
    public var names: [String: String]
    /// Header cells left unread, as written in the file.
    public var ignored: [String]
    /// Columns that may be read from one cell together: the parts of one date (a birth date read
    /// for both ANNEE_NAISSANCE and MOIS_NAISSANCE). Any other two columns named to one cell are
    /// a mistake, refused.
    public var sharingACell: Set<String> = []

    public init(names: [String: String] = [:], ignored: [String] = [], sharingACell: Set<String> = []) {
        self.names = names
        self.ignored = ignored
        self.sharingACell = sharingACell
    }

    /// A run's provenance records what the user mapped and left unread.
    enum CodingKeys: String, CodingKey { case names, ignored }

    public var isEmpty: Bool { names.isEmpty && ignored.isEmpty }

    /// A header cell or a column's name as compared: accents and case folded, every run of
    /// characters other than letters and digits one `_` (`N° sujet` → `N_SUJET`, `Numéro-sujet`
    /// → `NUMERO_SUJET`, ` date naiss ` → `DATE_NAISS`).
    public static func normalised(_ name: String) -> String {
        // Compatibility forms first: `Nº` (the ordinal sign) is `No`, `ﬁ` is `fi`.
        let folded = name.precomposedStringWithCompatibilityMapping
            .folding(options: [.diacriticInsensitive, .caseInsensitive], locale: Locale(identifier: "fr_FR")).uppercased()
        var out = ""
        var pendingSeparator = false
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                if pendingSeparator && !out.isEmpty { out.append("_") }
                pendingSeparator = false
                out.unicodeScalars.append(scalar)
            } else {
                pendingSeparator = true
            }
        }
        return out
    }
}
