"""Splink's model for the comparison: the same nine criteria as rules/default.yml, as Fellegi–Sunter
comparisons with graded levels, the blocking rules that generate the pairs, and the training plan.

Tuned for this data, as a careful Splink user would (the defects are documented in
docs/indirect-linkage.md): dates get an "within 2 days" level (registries and PMSI differ by a day or
two) and a "within 30 days" one; the diagnosis an exact level and a same-category level (the first
three characters: codes given at another level, neighbouring codes); the FINESS a same-legal-entity
level (the export's FINESS_ENTITE, from the SNDS's establishment referential: what appariement's
`finess_entity` compares) and a same-département level; the birth year
a "one year off" level. Term-frequency adjustments where values are very unequally common (diagnosis,
hospital, département). Nulls (a missing birth month) are their own level, neutral in the weights.

Training follows Splink's documented recipe: λ (the prior) from a deterministic rule with an assumed
recall, u by random sampling, m by EM in two sessions blocked on disjoint criteria so that every
comparison is trained at least once with its own criteria free.
"""
from splink import SettingsCreator, block_on
import splink.comparison_library as cl
import splink.comparison_level_library as cll


def date_comparison(column):
    return cl.AbsoluteDateDifferenceAtThresholds(
        column, input_is_string=True, metrics=["day", "day"], thresholds=[2, 30],
        datetime_format="%Y-%m-%d")


def comparisons():
    return [
        cl.ExactMatch("SEXE"),
        cl.CustomComparison(
            output_column_name="ANNEE_NAISSANCE",
            comparison_levels=[
                cll.NullLevel("ANNEE_NAISSANCE"),
                cll.ExactMatchLevel("ANNEE_NAISSANCE"),
                cll.AbsoluteDifferenceLevel("ANNEE_NAISSANCE", 1),
                cll.ElseLevel(),
            ]),
        cl.ExactMatch("MOIS_NAISSANCE"),
        cl.ExactMatch("DEPARTEMENT").configure(term_frequency_adjustments=True),
        cl.CustomComparison(
            output_column_name="FINESS",
            comparison_levels=[
                cll.NullLevel("FINESS"),
                cll.ExactMatchLevel("FINESS", term_frequency_adjustments=True),
                cll.CustomLevel("FINESS_ENTITE_l = FINESS_ENTITE_r", label_for_charts="same legal entity"),
                cll.CustomLevel("substr(FINESS_l, 1, 2) = substr(FINESS_r, 1, 2)",
                                label_for_charts="same département (first two characters)"),
                cll.ElseLevel(),
            ]),
        date_comparison("DATE_ENTREE"),
        date_comparison("DATE_SORTIE"),
        cl.CustomComparison(
            output_column_name="DIAGNOSTIC",
            comparison_levels=[
                cll.NullLevel("DIAGNOSTIC"),
                cll.ExactMatchLevel("DIAGNOSTIC", term_frequency_adjustments=True),
                cll.CustomLevel("substr(DIAGNOSTIC_l, 1, 3) = substr(DIAGNOSTIC_r, 1, 3)",
                                label_for_charts="same category (first three characters)"),
                cll.ElseLevel(),
            ]),
        cl.ExactMatch("REGIME"),
    ]


# The pairs scored: a line and an event sharing the hospital and a date, or the birth and sex, or both
# dates and the birth year, or the birth year, sex and département. A true pair escapes all five only
# when it carries several defects at once (a move and an empty birth month and another FINESS or
# shifted dates, say). The last rule costs tens to a hundred pairs per line at 1,000,000 people.
BLOCKING_RULES = [
    block_on("FINESS", "DATE_ENTREE"),
    block_on("FINESS", "DATE_SORTIE"),
    block_on("ANNEE_NAISSANCE", "MOIS_NAISSANCE", "SEXE"),
    block_on("DATE_ENTREE", "DATE_SORTIE", "ANNEE_NAISSANCE"),
    block_on("ANNEE_NAISSANCE", "SEXE", "DEPARTEMENT"),
]

# λ: pairs agreeing on hospital, entry date, birth year and sex are taken as matches, finding an
# assumed 80 % of them (about 15 % of lines carry a defect on one of those four criteria).
DETERMINISTIC_RULES = [block_on("FINESS", "DATE_ENTREE", "ANNEE_NAISSANCE", "SEXE")]
DETERMINISTIC_RECALL = 0.80

# u: random pairs sampled.
U_MAX_PAIRS = 5e6

# m: two EM sessions, each blocked on criteria the other trains. Not on a date: a shifted stay has
# both dates shifted, so a session blocked on the entry date sees exit dates that always agree and
# learns that "within 2 days" never happens to a match (m ≈ 0), which then costs every shifted
# stay its link (measured: recall 0.95 instead of 0.99 on the default dataset).
EM_BLOCKING_RULES = [
    block_on("ANNEE_NAISSANCE", "MOIS_NAISSANCE", "SEXE"),
    block_on("FINESS", "DIAGNOSTIC"),
]

# Pairs kept from prediction (the one-to-one step and the scorer's sweep need the low ones too), and
# the operating threshold: a link is made when a match is more likely than not.
PREDICT_FLOOR = 0.01
OPERATING_THRESHOLD = 0.5


def settings():
    return SettingsCreator(
        link_type="link_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=BLOCKING_RULES,
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=False,
    )
