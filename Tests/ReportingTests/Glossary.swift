import Foundation

/// The words a report page shows a person, and the words of the other language it must not show:
/// "no English word in the French page" checked word by word (a label forgotten in English, a
/// parameter written by the tool, "argon2id, 1 threads" in a French report).
enum Glossary {
    /// The page's running text: no style, no `<code>` (codes, file paths, options as typed), no
    /// tags; then its words, less what is not a word of a language — numbers, options (`--lang`),
    /// file names (`results.csv`), identifiers (`DATE_NAISSANCE`, `NS`, `BEN_NIR_PSA`).
    static func words(ofPage html: String) -> [String] {
        var text = html
        for pattern in [#"(?s)<style>.*?</style>"#, #"(?s)<code>.*?</code>"#, #"(?s)<head>.*?</head>"#] {
            text = text.replacingOccurrences(of: pattern, with: " ", options: [.regularExpression])
        }
        text = text.replacingOccurrences(of: #"<[^>]+>"#, with: " ", options: .regularExpression)
        text = ReportFigures.unescape(text)
        var out: [String] = []
        var afterOption = false
        for token in text.split(whereSeparator: { $0.isWhitespace }) {
            let t = String(token).trimmingCharacters(in: CharacterSet(charactersIn: "(«“\u{A0}"))
            // An option and the value typed after it (`--audience public`).
            if afterOption, t.first?.isLowercase == true {
                afterOption = false
                continue
            }
            afterOption = t.hasPrefix("--")
            if t.hasPrefix("--") || t.contains("/") || t.contains(".md") || t.contains(".csv") || t.contains(".json") || t.contains(".yml")
                || t.contains("_")
            {
                continue
            }
            for word in t.split(whereSeparator: { !$0.isLetter }) {
                let w = String(word)
                // Identifiers and acronyms (NS, NIR, SNDS, CNAM, MCO, FINESS), single letters.
                if w.count < 2 || w == w.uppercased() { continue }
                out.append(w.lowercased())
            }
        }
        return out
    }

    /// English words that are not French words too (so "configuration", "verdict", "version",
    /// "discriminance", "provenance", "projection", "distinct" are not listed).
    static let english: Set<String> = [
        "the", "of", "and", "with", "without", "people", "person", "persons", "line", "lines", "found", "linked", "not", "links", "link",
        "wrong", "right", "rate", "rates", "share", "threshold", "hidden", "counts", "count", "under", "over", "group", "groups",
        "weighted", "expected", "report", "run", "runs", "made", "from", "by", "for", "on", "in", "is", "are", "each", "every", "none",
        "no", "yes", "all", "only", "than", "more", "less", "this", "that", "these", "those", "which", "when", "where", "who", "its",
        "their", "they", "it", "as", "at", "be", "been", "was", "were", "will", "would", "can", "could", "should", "may", "must", "has",
        "have", "had", "do", "does", "or", "but", "if", "then", "so", "such", "same", "other", "between", "before", "after", "above",
        "below", "lower", "higher", "success", "failure", "funnel", "submitted", "rejected", "accepted", "excluded", "missing",
        "reformatted", "unreadable", "dataset", "key", "fingerprint", "seed", "years", "year", "month", "sex", "age", "men", "women",
        "unknown", "merged", "candidates", "criteria", "criterion", "entropy", "unique", "precision", "recall", "evaluation",
        "quality", "file", "files", "rules", "cohort", "odds", "probability", "weight", "weights", "projected", "interval",
        "region", "overseas", "detected", "threads", "thread", "step", "steps", "whole", "passed", "wrong", "chaining", "stays", "stay",
        "reliable", "about", "between", "masked", "small", "team", "public", "readers", "beyond", "made", "birth", "truth",
        "ambiguous", "twins", "reason", "reasons", "column", "columns", "value", "values", "shown", "given", "gives", "note",
    ]

    /// French words that are not English words too, for the English page ("de", "la", "le", "est"
    /// are left out: region names are French proper nouns in both pages; so is the tool's name,
    /// appariement).
    static let french: Set<String> = [
        "les", "des", "une", "lignes", "ligne", "retrouvées", "retrouvée", "appariées", "personnes", "avec", "sans", "pour", "par",
        "sur", "dans", "sont", "taux", "seuil", "masqué", "masqués", "groupe", "groupes", "critères", "critère", "cohorte",
        "fichier", "règles", "jeu", "données", "vérité", "précision", "rappel", "et", "ou", "ne", "pas", "qui", "que", "du", "au",
        "aux", "ces", "cette", "chaque", "été", "année", "ans", "sexe", "hommes", "femmes", "inconnu", "regroupés", "entonnoir",
        "rejetées", "acceptées", "exclues", "motif", "motifs", "qualité", "colonne", "colonnes", "manquantes", "illisibles",
        "région", "intervalle", "étape", "réussi", "échec", "rapport", "exécution", "faite", "établi", "soumises", "tranche",
        "pondéré", "attendus", "erronés", "liens", "lien", "environ", "bas", "haut", "selon",
    ]
}
