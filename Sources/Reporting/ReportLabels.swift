import Linkage

/// The words and number layout of a report in one language. The JSON's keys never change with the
/// language; only what a person reads does.
public struct ReportLabels: Sendable {
    public let language: ReportBuilder.Language

    public init(_ language: ReportBuilder.Language) { self.language = language }

    /// The label of `key`; the key itself when it has none (a reason code the tool does not know).
    public func callAsFunction(_ key: String) -> String {
        let table = language == .fr ? Self.french : Self.english
        return table[key] ?? key
    }

    // MARK: Numbers

    /// 12 345 (fr, narrow no-break spaces) or 12,345 (en).
    public func integer(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out += language == .fr ? "\u{202F}" : "," }
            out.append(c)
        }
        return (n < 0 ? "−" : "") + out
    }

    /// A decimal with `places` digits: 0,998 (fr) or 0.998 (en).
    public func decimal(_ x: Double, places: Int) -> String {
        let scale = pow10(places)
        let scaled = Int((abs(x) * scale).rounded())
        let whole = scaled / Int(scale), fraction = scaled % Int(scale)
        var text = integer(whole)
        if places > 0 {
            let f = String(fraction)
            text += (language == .fr ? "," : ".") + String(repeating: "0", count: places - f.count) + f
        }
        return (x < 0 && scaled != 0 ? "−" : "") + text
    }

    /// A share as a percentage with one decimal: 95,9 % (fr) or 95.9% (en).
    public func percent(_ share: Double) -> String {
        decimal(share * 100, places: 1) + (language == .fr ? "\u{202F}%" : "%")
    }

    /// An estimate of wrong links with its interval: "environ 4,3 (2–7)", "about 17 (9–27)".
    public func about(_ e: ConfidenceSummary.Estimate) -> String {
        let x = e.expectedWrong < 10 ? decimal(e.expectedWrong, places: 1) : integer(Int(e.expectedWrong.rounded()))
        return "\(self("about")) \(x) (\(integer(e.low))–\(integer(e.high)))"
    }

    /// A count, or the mark of a hidden one.
    public func cell(_ c: Cell) -> String {
        switch c {
        case .count(let n): integer(n)
        case .small(let k): "<\(k)"
        case .masked: self("masked")
        }
    }

    private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }

    // MARK: Categories

    public func category(_ dimension: String, _ code: String) -> String {
        switch (dimension, code) {
        case (_, "unknown"): self("unknown")
        case (_, "other"): self("other")
        case ("sex", "1"): self("sex_1")
        case ("sex", "2"): self("sex_2")
        case ("region", Regions.overseas): self("overseas")
        case ("region", _): Regions.names[code] ?? code
        case ("age", _) where code.hasSuffix("+"): language == .fr ? "\(code.dropLast()) ans et plus" : "\(code.dropLast()) and over"
        case ("age", _): language == .fr ? "\(code.replacingOccurrences(of: "-", with: "–")) ans" : code.replacingOccurrences(of: "-", with: "–")
        default: code
        }
    }

    // MARK: Tables

    static let french: [String: String] = [
        "title_direct": "Rapport d'appariement direct",
        "title_probabiliste": "Rapport d'appariement indirect",
        "subtitle": "Appariement d'une cohorte au SNDS (synthétique), produit par appariement",
        "run": "Exécution", "made": "faite le", "report_made": "Rapport établi le",
        "verdict": "Verdict", "success": "Réussi", "failure": "Échec",
        "verdict_text": "%found des lignes retrouvées, pour un seuil de %threshold.",
        "found_text":
            "%found des lignes retrouvées (sans seuil de réussite : la règle des 90 % de la CNAM vaut pour l'appariement indirect ; --threshold en donne un).",
        "verdict_hidden": "Le nombre de lignes retrouvées est masqué (règle des petits effectifs).",
        "small_cell_note":
            "Rapport pour une diffusion au-delà de l'équipe : aucun effectif de 1 à %max personnes n'est montré ; « <%k » marque un petit effectif, « masqué » un effectif caché pour qu'un petit ne se déduise pas des totaux. Les catégories de moins de %k personnes sont regroupées entre elles (« Regroupés : … ») ; aucune liste de lignes n'est donnée.",
        "small_cell_note_none":
            "Rapport pour une diffusion au-delà de l'équipe, sans seuil de petits effectifs (--min-cell 1) : aucun effectif n'est masqué ; aucune liste de lignes n'est donnée.",
        "small_cell_note_team":
            "Rapport pour l'équipe qui détient l'exécution : les effectifs de lignes de la cohorte sont montrés tels quels, results.csv donnant déjà l'issue de chaque ligne ; seuls les effectifs de personnes du SNDS hors cohorte (candidats) de 1 à %max sont masqués (« <%k »). Pour un rapport diffusé au-delà de l'équipe : --audience public.",
        "small_cell_note_team_none":
            "Rapport pour l'équipe qui détient l'exécution : aucun effectif n'est masqué (--min-cell 1). Pour un rapport diffusé au-delà de l'équipe : --audience public.",
        "wrong_links_team_only": "La liste des liens erronés, par NS, n'est donnée que dans le rapport de l'équipe (--audience team).",
        "masked": "masqué", "rate_between": "Taux retrouvé compris entre %low et %high.",
        "funnel": "Entonnoir", "funnel_note": "De la cohorte soumise aux lignes retrouvées ; la ligne verticale marque le seuil de réussite.",
        "funnel_note_no_threshold": "De la cohorte soumise aux lignes retrouvées.",
        "threshold": "seuil",
        "submitted": "Lignes soumises", "rejected": "Rejetées (invalides)", "accepted": "Acceptées",
        "found": "Retrouvées", "not_found": "Non retrouvées", "ambiguous": "Ambiguës (jumeaux de même sexe)",
        "excluded": "Exclues", "not_linked": "Non appariées (toutes causes)",
        "group": "Groupe", "group_n": "Groupe %n", "cumulative": "Cumul",
        "groups": "Groupes",
        "about": "environ", "expected_wrong": "Erronées attendues (IC 95 %)", "weighted": "pondéré",
        "weighted_criteria": "le plus probable de plusieurs candidats (modèle de Fellegi–Sunter)",
        "confidence_note":
            "Chaque lien porte un poids (somme des log2 m/u des critères comparés) et une probabilité d'être juste, d'un modèle de Fellegi–Sunter ajusté sur les candidats de l'exécution elle-même, sans vérité ; les erronées attendues d'un groupe sont la somme des (1 − probabilité) de ses liens.",
        "confidence_total": "Sur tous les liens acceptés : %x erronés attendus.",
        "guard_default": "Garde : les liens de probabilité inférieure à %p sont exclus (weak_link) ; valeur par défaut, les règles n'en fixant pas.",
        "guard_set": "Garde : les liens de probabilité inférieure à %p sont exclus (weak_link), comme les règles le demandent.",
        "guard_off": "Garde désactivée par les règles : tout lien unique est accepté.",
        "guard_weak": "Parmi les liens ainsi exclus, %x étaient attendus erronés.",
        "groups_note":
            "Le groupe 1 exige tous les critères ; chaque groupe suivant abandonne un critère de plus, du moins discriminant au plus discriminant. Seules les correspondances uniques dans les deux sens sont retenues.",
        "criteria_dropped": "Critères abandonnés", "criteria_droppable": "Critères abandonnés tour à tour",
        "cumulative_rate": "Taux cumulé", "all_criteria": "tous les critères", "configurations": "Configurations", "dropped": "abandonnés",
        "none": "aucun",
        "linked": "Appariées", "rate": "Taux", "count": "Effectif", "lines": "Lignes", "share": "Part",
        "configuration": "Configuration", "kept": "Critères gardés", "unique_share": "Unicité (SNDS)",
        "lines_matched": "Lignes avec candidat",
        "uniqueness": "Profil d'unicité des configurations",
        "uniqueness_note":
            "Part des événements du SNDS seuls à porter leur combinaison de valeurs : plus elle est haute, moins une correspondance risque d'être fortuite.",
        "chance_note":
            "Candidats : personnes du SNDS appariées par la configuration, sur les lignes qui y ont été essayées ; attendus par hasard : personnes du SNDS qui s'accorderaient avec ces lignes par pur hasard (fréquences des valeurs de chaque ligne).",
        "candidates_observed": "Candidats observés", "expected_by_chance": "Attendus par hasard",
        "projection": "Projection sur un SNDS plus grand",
        "projection_note":
            "Le même registre sur une base plus grande : chaque patient y est une fois, mais chaque valeur y rencontre proportionnellement plus d'inconnus. Le modèle de l'exécution, les candidats attendus par hasard multipliés par le rapport des tailles, donne le taux et les liens erronés attendus (estimations, pas des effectifs ; méthode et validation : docs/link-confidence.md).",
        "projection_summary":
            "Sur un SNDS de %N personnes (%k × les %n de ce jeu) : %f trouvés, dont %w erronés attendus ; verdict projeté : %v au seuil de %s.",
        "projection_range": "entre %a (groupes de la CNAM seuls) et %b (avec le groupe pondéré, que la projection surestime)",
        "uncertain": "incertain (le groupe pondéré en décide)",
        "projection_extrapolated":
            "Au-delà de 50 fois la taille du jeu, la projection est une extrapolation (validée jusqu'à 1 000 000 de personnes à partir de 20 000) ; ses intervalles n'incluent pas l'incertitude du modèle lui-même : à lire comme un ordre de grandeur.",
        "projected_rate": "Taux projeté",
        "discriminance": "Pouvoir discriminant des critères",
        "discriminance_note":
            "Entropie des valeurs côté SNDS, en bits, moins la tolérance de comparaison (bits effectifs). Le critère le moins discriminant est abandonné le premier.",
        "criterion": "Critère", "entropy": "Entropie (bits)", "effective_bits": "Bits effectifs", "distinct": "Valeurs",
        "missing_share": "Manquants", "drop_rank": "Abandon n°",
        "reasons": "Motifs", "rejections": "Lignes rejetées, par motif", "exclusions": "Lignes non appariées, par motif",
        "no_rows": "Aucune.",
        "quality": "Qualité des données de la cohorte",
        "quality_note":
            "Par colonne, part des lignes dont la valeur manque, a été remise en forme (autre format de date, M/F pour 1/2…), est illisible, ou a fait rejeter la ligne.",
        "column": "Colonne", "missing": "Manquantes", "reformatted": "Remises en forme", "invalid": "Illisibles",
        "rejected_column": "Lignes rejetées",
        "bias": "Qui est perdu ? Appariées et non appariées",
        "bias_note":
            "Taux d'appariement par catégorie, d'après les valeurs de la cohorte (âge atteint en %year). Un écart au taux global (ligne verticale) signale un biais de sélection. Quand un petit effectif cache le taux, ses bornes sont données (barre claire : l'intervalle possible).",
        "by_sex": "Par sexe", "by_age": "Par tranche d'âge", "by_departement": "Par département",
        "no_departement": "La cohorte n'a pas de colonne de département : pas de ventilation par département.",
        "departement_from": "Département lu dans la colonne %column.",
        "category": "Catégorie", "not_linked_short": "Non appariées", "linked_rate": "Taux d'appariement",
        "by_region": "Par région de résidence", "detected": "détecté", "argon2_value": "argon2id, %t passes, %m Kio",
        "events_mco_stays": "séjours MCO au chaînage fiable", "overseas": "Outre-mer (départements non distingués)",
        "interval": "IC à 95 %", "differs_below": "plus bas", "differs_above": "plus haut",
        "interval_note":
            "Chaque taux est donné avec son intervalle de confiance à 95 % (Wilson) : une catégorie dont l'intervalle exclut le taux global (« plus bas », « plus haut ») est appariée autrement que le hasard ne l'expliquerait à sa taille ; les autres écarts sont du bruit. Les départements sont regroupés par région : à la taille d'une cohorte, un taux par département est du bruit.",
        "sex_1": "Hommes", "sex_2": "Femmes", "unknown": "Inconnu", "other": "Autres (regroupés)", "other_of": "Regroupés :",
        "evaluation": "Qualité mesurée contre la vérité synthétique",
        "evaluation_note":
            "La vérité n'existe que pour une cohorte synthétique : ces chiffres mesurent la méthode, pas des personnes. Fichier de vérité : %truth.",
        "precision": "Précision", "recall": "Rappel", "found_rate": "Taux retrouvé", "findable_found": "Retrouvables retrouvées",
        "correct": "Justes", "wrong": "Erronées", "cumulative_recall": "Rappel cumulé",
        "wrong_links": "Liens erronés, par NS", "no_wrong_links": "Aucun lien erroné.",
        "cascade": "Appariement en cascade : les deux étapes",
        "cascade_note":
            "Les lignes que l'appariement direct (NIR) n'a pas retrouvées — rejetées, non retrouvées, ambiguës — sont appariées ici sur leurs critères non identifiants, aux mêmes numéros de ligne. Le reste du rapport porte sur cette seconde étape.",
        "cascade_submitted": "Lignes de la cohorte", "cascade_direct": "Retrouvées par l'appariement direct",
        "cascade_passed": "Transmises à l'appariement indirect", "cascade_indirect": "Retrouvées par l'appariement indirect",
        "cascade_all": "Retrouvées en tout", "cascade_verdict": "Verdict sur la cohorte entière",
        "cascade_quality": "Précision / rappel sur la cohorte entière",
        "cascade_step": "Étape indirecte, sur les lignes transmises :",
        "several_ns": "Un même patient sous plusieurs NS",
        "several_ns_note_direct":
            "Plusieurs lignes portant la même identité (un patient inscrit deux fois) sont toutes appariées à cette personne, et ses données sont livrées sous chaque NS ; chaque ligne nomme les autres dans la colonne REASON de results.csv. À vérifier avant de fusionner les NS.",
        "several_ns_note_probabiliste":
            "Les groupes de la CNAM excluent les lignes qui visent la même personne (« personne visée par plusieurs lignes ») : elles ne savent pas distinguer un patient inscrit deux fois d'une coïncidence. Le groupe pondéré les apparie toutes à cette personne lorsque chacune la désigne avec une probabilité au moins égale au seuil, comme le fait l'appariement direct ; chaque ligne nomme les autres dans la colonne REASON de results.csv. À vérifier avant de fusionner les NS.",
        "several_ns_none": "Aucune personne n'est appariée à plusieurs lignes.",
        "several_ns_count": "%people personnes appariées chacune à plusieurs lignes (%lines lignes en tout) :",
        "several_ns_count_one": "%people personne appariée à plusieurs lignes (%lines lignes) :",
        "several_ns_more": "… et %n autres personnes : voir la colonne REASON de results.csv.",
        "lines_of_person": "Lignes de la même personne",
        "ns": "NS", "line": "Ligne",
        "provenance": "Provenance",
        "provenance_note": "Ce qui permet de refaire et de vérifier l'exécution. Aucun identifiant en clair n'apparaît dans ce rapport.",
        "tool_version": "Version de l'outil (exécution / rapport)", "run_created": "Exécution faite le",
        "cohort_file": "Fichier de cohorte", "cohort_sha256": "SHA-256 de la cohorte", "encoding": "Encodage et séparateur",
        "database": "Base", "dataset_id": "Identifiant du jeu de données", "content_digest": "Empreinte du contenu",
        "dataset_made": "Jeu de données (graine, bénéficiaires, années)",
        "key_fingerprint": "Empreinte de la clé", "pseudonymisation": "Pseudonymisation",
        "rules_file": "Fichier de règles", "rules_sha256": "SHA-256 des règles", "rules_name": "Nom des règles",
        "criteria": "Critères", "candidates": "Événements candidats", "parameters": "Paramètres",
        "invalid_value": "valeur illisible", "no_criteria": "aucun critère renseigné", "field_count": "nombre de champs erroné",
        "duplicate_ns": "NS en double", "missing_ns": "NS manquant", "ns_invalid": "NS invalide", "ns_looks_like_nir": "NS ressemblant à un NIR",
        "missing_nir": "NIR manquant", "nir_key": "clé du NIR fausse", "nir_length": "NIR de mauvaise longueur",
        "nir_spreadsheet_number": "NIR changé en nombre par un tableur",
        "nir_character": "caractère invalide dans le NIR",
        "nir_sex": "premier chiffre du NIR invalide", "nir_month": "mois du NIR invalide", "nir_departement": "département du NIR invalide",
        "nir_commune": "commune du NIR invalide", "nir_order": "numéro d'ordre du NIR invalide", "nir_key_format": "clé du NIR illisible",
        "missing_birth_date": "date de naissance manquante", "birth_date_format": "date de naissance illisible",
        "birth_date_invalid": "date de naissance impossible", "birth_date_future": "date de naissance future",
        "missing_sex": "sexe manquant", "sex_invalid": "sexe illisible", "twin_rank_invalid": "rang gémellaire illisible",
        "no_candidate": "aucun candidat", "multiple_candidates": "plusieurs candidats", "conflicting": "candidats contradictoires",
        "duplicate_person": "personne visée par plusieurs lignes",
        "weak_link": "lien trop incertain (probabilité sous le seuil)", "no_beneficiary": "aucun bénéficiaire avec ce NIR, cette date et ce sexe",
        "twin_rank_mismatch": "rang gémellaire absent du SNDS",
        "yes": "oui", "no": "non", "kind": "Type", "direct": "direct", "probabiliste": "indirect (probabiliste)",
    ]

    static let english: [String: String] = [
        "title_direct": "Direct linkage report",
        "title_probabiliste": "Indirect linkage report",
        "subtitle": "Linkage of a cohort to the (synthetic) SNDS, made by appariement",
        "run": "Run", "made": "made on", "report_made": "Report made on",
        "verdict": "Verdict", "success": "Success", "failure": "Failure",
        "verdict_text": "%found of the lines found, against a threshold of %threshold.",
        "found_text": "%found of the lines found (no success threshold: the CNAM's 90 % rule is stated for indirect linkage; --threshold sets one).",
        "verdict_hidden": "The number of lines found is hidden (small-cell rule).",
        "small_cell_note":
            "Report for readers beyond the team: no count of 1 to %max people is shown; “<%k” marks a small count, “masked” a count hidden so that a small one cannot be worked out from the totals. Categories of fewer than %k people are merged among themselves (“Merged: …”); no list of lines is given.",
        "small_cell_note_none":
            "Report for readers beyond the team, without a small-count threshold (--min-cell 1): no count is hidden; no list of lines is given.",
        "small_cell_note_team":
            "Report for the team that holds the run: the cohort's line counts are shown as they are, since results.csv already gives each line's outcome; only counts of 1 to %max SNDS people outside the cohort (candidates) are hidden (“<%k”). For a report going beyond the team: --audience public.",
        "small_cell_note_team_none":
            "Report for the team that holds the run: no count is hidden (--min-cell 1). For a report going beyond the team: --audience public.",
        "wrong_links_team_only": "The list of wrong links, by NS, is given in the team's report only (--audience team).",
        "masked": "masked", "rate_between": "Found rate between %low and %high.",
        "funnel": "Funnel", "funnel_note": "From the cohort submitted to the lines found; the vertical line marks the success threshold.",
        "funnel_note_no_threshold": "From the cohort submitted to the lines found.",
        "threshold": "threshold",
        "submitted": "Lines submitted", "rejected": "Rejected (invalid)", "accepted": "Accepted",
        "found": "Found", "not_found": "Not found", "ambiguous": "Ambiguous (same-sex twins)",
        "excluded": "Excluded", "not_linked": "Not linked (all causes)",
        "group": "Group", "group_n": "Group %n", "cumulative": "Cumulative",
        "groups": "Groups",
        "about": "about", "expected_wrong": "Expected wrong (95% interval)", "weighted": "weighted",
        "weighted_criteria": "the most probable of several candidates (Fellegi–Sunter model)",
        "confidence_note":
            "Each link carries a weight (the sum of log2 m/u over the criteria compared) and a probability of being right, from a Fellegi–Sunter model fitted on the run's own candidates, without a truth; a group's expected wrong links are the sum of (1 − probability) over its links.",
        "confidence_total": "Over all accepted links: %x expected wrong.",
        "guard_default": "Guard: links with a probability below %p are excluded (weak_link); the default, as the rules set none.",
        "guard_set": "Guard: links with a probability below %p are excluded (weak_link), as the rules ask.",
        "guard_off": "Guard turned off by the rules: every unique link is accepted.",
        "guard_weak": "Of the links so excluded, %x were expected wrong.",
        "groups_note":
            "Group 1 requires every criterion; each later group drops one more, least discriminant first. Only matches unique both ways are kept.",
        "criteria_dropped": "Criteria dropped", "criteria_droppable": "Criteria dropped in turn",
        "cumulative_rate": "Cumulative rate", "all_criteria": "all criteria", "configurations": "Configurations", "dropped": "dropped",
        "none": "none",
        "linked": "Linked", "rate": "Rate", "count": "Count", "lines": "Lines", "share": "Share",
        "configuration": "Configuration", "kept": "Criteria kept", "unique_share": "Uniqueness (SNDS)",
        "lines_matched": "Lines with a candidate",
        "uniqueness": "Uniqueness profile of the configurations",
        "uniqueness_note":
            "Share of the SNDS's events alone in carrying their combination of values: the higher, the less likely a match is by chance.",
        "chance_note":
            "Candidates: SNDS persons the configuration matched, over the lines tried in it; expected by chance: SNDS persons who would agree with those lines by chance alone (from the frequencies of each line's values).",
        "candidates_observed": "Candidates observed", "expected_by_chance": "Expected by chance",
        "projection": "Projection to a larger SNDS",
        "projection_note":
            "The same registry on a larger base: each patient is in it once, but each value meets proportionally more strangers. The run's model, with the candidates expected by chance scaled by the ratio of the sizes, gives the rate and the expected wrong links (estimates, not counts; method and validation: docs/link-confidence.md).",
        "projection_summary":
            "On an SNDS of %N people (%k × this dataset's %n): %f found, of which %w expected wrong; projected verdict: %v against %s.",
        "projection_range": "between %a (the CNAM groups alone) and %b (with the weighted group, which the projection overstates)",
        "uncertain": "uncertain (the weighted group decides)",
        "projection_extrapolated":
            "Beyond 50 times the dataset's size the projection is an extrapolation (validated up to 1,000,000 people from 20,000); its intervals leave out the model's own uncertainty: read it as an order of magnitude.",
        "projected_rate": "Projected rate",
        "discriminance": "Discriminating power of the criteria",
        "discriminance_note":
            "Entropy of the values on the SNDS side, in bits, less the comparison's tolerance (effective bits). The least discriminant criterion is dropped first.",
        "criterion": "Criterion", "entropy": "Entropy (bits)", "effective_bits": "Effective bits", "distinct": "Values",
        "missing_share": "Missing", "drop_rank": "Dropped",
        "reasons": "Reasons", "rejections": "Lines rejected, by reason", "exclusions": "Lines not linked, by reason",
        "no_rows": "None.",
        "quality": "Data quality of the cohort",
        "quality_note":
            "Per column, the share of lines whose value is missing, was reformatted (another date layout, M/F for 1/2…), is unreadable, or got the line rejected.",
        "column": "Column", "missing": "Missing", "reformatted": "Reformatted", "invalid": "Unreadable",
        "rejected_column": "Lines rejected",
        "bias": "Who gets lost? Linked and not linked",
        "bias_note":
            "Linkage rate per category, from the cohort's own values (age reached in %year). A gap to the overall rate (vertical line) flags a selection bias. Where a small count hides the rate, its bounds are given (light bar: the possible interval).",
        "by_sex": "By sex", "by_age": "By age band", "by_departement": "By département",
        "no_departement": "The cohort has no département column: no breakdown by département.",
        "departement_from": "Département read from the column %column.",
        "category": "Category", "not_linked_short": "Not linked", "linked_rate": "Linkage rate",
        "by_region": "By region of residence", "detected": "detected", "argon2_value": "argon2id, %t passes, %m KiB",
        "events_mco_stays": "MCO stays with a reliable chaining", "overseas": "Overseas (départements not told apart)",
        "interval": "95% CI", "differs_below": "lower", "differs_above": "higher",
        "interval_note":
            "Each rate is given with its 95% confidence interval (Wilson): a category whose interval leaves out the overall rate (“lower”, “higher”) is linked otherwise than chance explains at its size; other gaps are noise. Départements are grouped by region: at a cohort's size, a rate per département is noise.",
        "sex_1": "Men", "sex_2": "Women", "unknown": "Unknown", "other": "Other (merged)", "other_of": "Merged:",
        "evaluation": "Quality measured against the synthetic truth",
        "evaluation_note": "A truth exists only for a synthetic cohort: these figures measure the method, not people. Truth file: %truth.",
        "precision": "Precision", "recall": "Recall", "found_rate": "Found rate", "findable_found": "Findable lines found",
        "correct": "Right", "wrong": "Wrong", "cumulative_recall": "Cumulative recall",
        "wrong_links": "Wrong links, by NS", "no_wrong_links": "No wrong link.",
        "cascade": "Cascade linkage: both steps",
        "cascade_note":
            "The lines direct linkage (NIR) did not find — rejected, not found, ambiguous — are linked here on their non-identifying criteria, at the same line numbers. The rest of the report is about this second step.",
        "cascade_submitted": "Lines of the cohort", "cascade_direct": "Found by direct linkage",
        "cascade_passed": "Passed on to indirect linkage", "cascade_indirect": "Found by indirect linkage",
        "cascade_all": "Found in all", "cascade_verdict": "Verdict on the whole cohort",
        "cascade_quality": "Precision / recall on the whole cohort",
        "cascade_step": "Indirect step, on the lines passed on:",
        "several_ns": "One patient under several NS",
        "several_ns_note_direct":
            "Lines carrying the same identity (a patient registered twice) are all linked to that person, whose data is delivered under each NS; each line of results.csv names the others (“same person as line N”). Check them before merging the NS.",
        "several_ns_note_probabiliste":
            "The CNAM groups exclude lines that point to the same person (“person matched by several lines”): they cannot tell a patient registered twice from a coincidence. The weighted group links them all to that person when each names it with a probability at least the guard's, as direct linkage does; each line of results.csv names the others. Check them before merging the NS.",
        "several_ns_none": "No person is linked to more than one line.",
        "several_ns_count": "%people people each linked to several lines (%lines lines in all):",
        "several_ns_count_one": "%people person linked to several lines (%lines lines):",
        "several_ns_more": "… and %n more people: see “same person as line” in results.csv.",
        "lines_of_person": "Lines of the same person",
        "ns": "NS", "line": "Line",
        "provenance": "Provenance",
        "provenance_note": "What it takes to redo and check the run. No clear identifier appears in this report.",
        "tool_version": "Tool version (run / report)", "run_created": "Run made on",
        "cohort_file": "Cohort file", "cohort_sha256": "Cohort SHA-256", "encoding": "Encoding and separator",
        "database": "Database", "dataset_id": "Dataset id", "content_digest": "Content digest",
        "dataset_made": "Dataset (seed, beneficiaries, years)",
        "key_fingerprint": "Key fingerprint", "pseudonymisation": "Pseudonymisation",
        "rules_file": "Rules file", "rules_sha256": "Rules SHA-256", "rules_name": "Rules name",
        "criteria": "Criteria", "candidates": "Candidate events", "parameters": "Parameters",
        "invalid_value": "unreadable value", "no_criteria": "no criterion given", "field_count": "wrong number of fields",
        "duplicate_ns": "NS given twice", "missing_ns": "missing NS", "ns_invalid": "invalid NS", "ns_looks_like_nir": "NS looking like a NIR",
        "missing_nir": "missing NIR", "nir_key": "wrong NIR key", "nir_length": "NIR of the wrong length",
        "nir_spreadsheet_number": "NIR turned into a number by a spreadsheet",
        "nir_character": "invalid character in the NIR",
        "nir_sex": "invalid first digit of the NIR", "nir_month": "invalid month in the NIR", "nir_departement": "invalid département in the NIR",
        "nir_commune": "invalid commune in the NIR", "nir_order": "invalid order number in the NIR", "nir_key_format": "unreadable NIR key",
        "missing_birth_date": "missing birth date", "birth_date_format": "unreadable birth date",
        "birth_date_invalid": "impossible birth date", "birth_date_future": "birth date in the future",
        "missing_sex": "missing sex", "sex_invalid": "unreadable sex", "twin_rank_invalid": "unreadable twin rank",
        "no_candidate": "no candidate", "multiple_candidates": "several candidates", "conflicting": "conflicting candidates",
        "duplicate_person": "person matched by several lines",
        "weak_link": "link too uncertain (probability below the guard)", "no_beneficiary": "no beneficiary with this NIR, birth date and sex",
        "twin_rank_mismatch": "twin rank not in the SNDS",
        "yes": "yes", "no": "no", "kind": "Kind", "direct": "direct", "probabiliste": "indirect (probabilistic)",
    ]
}
