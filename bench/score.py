"""One scorer for both arms: links against a cohort's truth, with nothing taken from either tool.

    python3 bench/score.py --truth cohorts/NAME.truth.csv --links links.csv [--score-column GROUP|MATCH_PROBABILITY]

The truth (`LINE;NS;BEN_IDT_ANO;DEFECT;EXPECTED`, written by `appariement cohort probabiliste`) names
the person behind each line, or none for a patient absent from the SNDS. A link (`NS;BEN_IDT_ANO;…`)
is right when it names the truth's person. Over the whole cohort:

- precision = right links / links; recall = right links / lines whose person is in the SNDS;
  F1 = their harmonic mean; found rate = lines linked / lines (the CNAM's success measure, ≥ 0.90).
- Every link carries a score (Splink: its match probability; appariement: its group, group 1 first).
  Links are taken best first, ties together, giving one (recall, precision) point per distinct score:
  recall at precision ≥ 0.99 and ≥ 0.999 is the best recall among points that keep that precision, and
  `precision_at_recall(r)` the best precision among points reaching recall r.

Standard library only: it runs under any Python 3.
"""
import argparse
import csv
import json
import sys


def read_truth(path):
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    if not rows or not {"NS", "BEN_IDT_ANO"} <= set(rows[0].keys()):
        sys.exit(f"score: {path} is not a truth file (NS;BEN_IDT_ANO;… expected)")
    return {r["NS"]: (r["BEN_IDT_ANO"] or None) for r in rows}


def read_expectations(path):
    """NS → (its defects, what the truth expects: found, not_found or ambiguous)."""
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    if not rows or not {"NS", "DEFECT", "EXPECTED"} <= set(rows[0].keys()):
        sys.exit(f"score: {path} has no DEFECT and EXPECTED columns")
    return {r["NS"]: ([d for d in r["DEFECT"].split("+") if d], r["EXPECTED"]) for r in rows}


def by_defect(links, truth, expectations, threshold=None):
    """Per defect (a line with several counts under each): lines, those whose person is in the
    SNDS, and the links made — right (to that person) or wrong (to another, or to anyone for a
    patient absent from the SNDS): where each arm loses its recall and where its errors come from."""
    linked = {ns: person for ns, person, s in links if threshold is None or s >= threshold}
    out = {}
    for ns, (defects, _) in expectations.items():
        for d in defects or ["none"]:
            row = out.setdefault(d, {"lines": 0, "in_snds": 0, "right": 0, "wrong": 0})
            row["lines"] += 1
            row["in_snds"] += bool(truth.get(ns))
            if ns in linked:
                if linked[ns] == truth.get(ns):
                    row["right"] += 1
                else:
                    row["wrong"] += 1
    return out


def by_expectation(links, truth, expectations, threshold=None):
    """Right links and lines per outcome the truth expects (found, ambiguous, not_found)."""
    linked = {ns: person for ns, person, s in links if threshold is None or s >= threshold}
    out = {}
    for ns, (_, expected) in expectations.items():
        row = out.setdefault(expected, {"lines": 0, "right": 0, "wrong": 0})
        row["lines"] += 1
        if ns in linked:
            row["right" if linked[ns] == truth.get(ns) else "wrong"] += 1
    return out


def as_expected(links, truth, expectations, threshold=None):
    """Lines ending as the truth expects under the linkage procedure: linked to their person when
    `found` is expected, not linked when the truth says `not_found` or `ambiguous` (a patient
    registered twice under two NS: one NS = one person both ways, so neither line may be linked)."""
    linked = {ns: person for ns, person, s in links if threshold is None or s >= threshold}
    good = 0
    for ns, (_, expected) in expectations.items():
        if expected == "found":
            good += linked.get(ns) is not None and linked.get(ns) == truth.get(ns)
        else:
            good += ns not in linked
    return good


def read_links(path, score_column, higher_is_better=True):
    """Links as (ns, person, score), one per NS (a second link for an NS is an error in the arm)."""
    links, seen = [], set()
    with open(path, newline="", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter=";"):
            if r["NS"] in seen:
                sys.exit(f"score: {path} links NS {r['NS']} twice: not one-to-one")
            seen.add(r["NS"])
            if score_column:
                raw = r.get(score_column)
                if raw in ("", None):
                    sys.exit(f"score: {path} line for NS {r['NS']} has no {score_column}: cannot rank its links")
                score = float(raw)
            else:
                score = 0.0
            links.append((r["NS"], r["BEN_IDT_ANO"], score if higher_is_better else -score))
    return links


def curve(links, truth):
    """(threshold, links, right) after each distinct score, best first."""
    points, n, right = [], 0, 0
    ordered = sorted(links, key=lambda l: -l[2])
    for i, (ns, person, score) in enumerate(ordered):
        n += 1
        right += truth.get(ns) == person
        if i + 1 == len(ordered) or ordered[i + 1][2] != score:
            points.append((score, n, right))
    return points


def metrics(links, truth, threshold=None):
    """Figures of the links whose score is at least `threshold` (all when None)."""
    kept = [l for l in links if threshold is None or l[2] >= threshold]
    in_snds = sum(1 for p in truth.values() if p)
    right = sum(1 for ns, person, _ in kept if truth.get(ns) == person)
    unknown = sum(1 for ns, _, _ in kept if ns not in truth)
    if unknown:
        sys.exit(f"score: {unknown} linked NS are not in the truth: links and truth of different cohorts")
    precision = right / len(kept) if kept else None
    recall = right / in_snds if in_snds else None
    f1 = (2 * precision * recall / (precision + recall)) if precision and recall else 0.0
    points = curve(kept, truth)

    def recall_at_precision(p):
        ok = [r / in_snds for _, n, r in points if r / n >= p]
        return max(ok) if ok else 0.0

    return {
        "lines": len(truth), "lines_in_snds": in_snds, "links": len(kept), "right": right, "wrong": len(kept) - right,
        "precision": precision, "recall": recall, "f1": f1, "found_rate": len(kept) / len(truth) if truth else None,
        "recall_at_precision_0_99": recall_at_precision(0.99),
        "recall_at_precision_0_999": recall_at_precision(0.999),
        "curve": [{"threshold": s, "links": n, "precision": r / n, "recall": r / in_snds} for s, n, r in corners(points)],
    }


def corners(points):
    """The curve's points just before a wrong link comes in, and its last point. Between two
    wrong links precision and recall both grow, so these points hold every best figure the curve
    can give (recall at a precision, precision at a recall, the best F1) in a few dozen entries."""
    return [p for i, p in enumerate(points) if i + 1 == len(points) or points[i + 1][1] - points[i + 1][2] > p[1] - p[2]]


def precision_at_recall(curve_points, recall):
    """The best precision among the curve's points reaching `recall` (None when none does)."""
    ok = [p["precision"] for p in curve_points if p["recall"] >= recall - 1e-12]
    return max(ok) if ok else None


def best_f1(curve_points):
    """The threshold with the best F1 (what a user knowing the truth would pick)."""
    best = None
    for p in curve_points:
        f1 = 2 * p["precision"] * p["recall"] / (p["precision"] + p["recall"]) if p["precision"] + p["recall"] else 0
        if best is None or f1 > best["f1"]:
            best = {"threshold": p["threshold"], "f1": f1, "precision": p["precision"], "recall": p["recall"]}
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--truth", required=True)
    parser.add_argument("--links", required=True)
    parser.add_argument("--score-column", default="", help="column ordering the links (higher first)")
    parser.add_argument("--lower-is-better", action="store_true", help="the score column is a rank (GROUP: 1 first)")
    parser.add_argument("--threshold", type=float, help="operating threshold on the score")
    args = parser.parse_args()
    truth = read_truth(args.truth)
    links = read_links(args.links, args.score_column, not args.lower_is_better)
    threshold = args.threshold if args.threshold is None or not args.lower_is_better else -args.threshold
    m = metrics(links, truth, threshold)
    m.pop("curve")
    print(json.dumps(m, indent=2))


if __name__ == "__main__":
    main()
