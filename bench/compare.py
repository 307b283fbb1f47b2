"""appariement and Splink side by side, on the same data, in one run: quality and speed.

Called by bench/run (which installs what is missing, builds appariement and prepares Splink's
venv); see docs/benchmarks.md. Steps, each printed on stderr:

1. a seeded synthetic SNDS (`appariement generate`, kept under bench/work/ and checked when reused)
   and an indirect cohort with its truth (`appariement cohort probabiliste`, scenario sejours);
2. the SNDS side's candidate events and the cohort, normalised (`appariement export candidates`);
3. the two arms, alternately (A B B A A B …), each a separate process timed from the outside
   (wall clock, user + system CPU, peak resident memory through wait4): appariement's indirect
   linkage from the cohort CSV and the SQLite SNDS (`probabiliste --no-extraction`), and Splink
   from the exported files (bench/splink_arm.py: load, train, predict, one-to-one links);
4. one scorer (bench/score.py) for both arms' links against the truth;
5. bench/results/RUN/report.md and report.json: versions, machine, both arms, the ratios, and each
   goal of the comparison met or not.

Standard library only (it runs under the system's Python; Splink runs in its own venv).
"""
import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import score  # noqa: E402

SIZES = {
    # name: (SNDS beneficiaries, cohort lines, runs of each arm)
    "quick": (50_000, 5_000, 3),
    "large": (1_000_000, 10_000, 3),
}
SEED = 1


def say(message):
    print(f"bench: {message}", file=sys.stderr, flush=True)


def run(command, **kwargs):
    """Runs a command, failing the comparison with its own message when it fails."""
    result = subprocess.run(command, cwd=ROOT, text=True, capture_output=True, **kwargs)
    if result.returncode != 0:
        sys.exit(f"bench: `{' '.join(command)}` failed ({result.returncode}):\n{result.stderr.strip()}")
    return result.stdout


def timed(command):
    """Wall seconds, CPU seconds (user + system) and peak resident MiB of one process and the
    children it waits for, measured by the kernel (wait4), plus its stderr."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    stderr_chunks = []
    # Read stderr while the process runs (a full pipe would block it), then reap it with wait4.
    for line in process.stderr:
        stderr_chunks.append(line)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    stderr = "".join(stderr_chunks)
    if process.returncode != 0:
        sys.exit(f"bench: `{' '.join(command)}` failed ({process.returncode}):\n{stderr.strip()[-3000:]}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mib": usage.ru_maxrss / 1024}, stderr


def machine():
    info = {"cores": os.cpu_count(), "system": platform.platform(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            info["cpu"] = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), None)
        with open("/proc/meminfo") as f:
            kib = int(next(l for l in f if l.startswith("MemTotal")).split()[1])
            info["memory_gib"] = round(kib / 1024 / 1024, 1)
    except OSError:
        pass
    return info


def versions(appariement, venv_python):
    def first_line(command):
        try:
            return subprocess.run(command, cwd=ROOT, text=True, capture_output=True).stdout.strip().splitlines()[0]
        except (OSError, IndexError):
            return None
    commit = first_line(["git", "rev-parse", "HEAD"])
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, text=True,
                           capture_output=True).stdout.strip()
    packages = json.loads(run([venv_python, "-c", (
        "import json, importlib.metadata as m; print(json.dumps({d.metadata['Name'].lower(): d.version "
        "for d in m.distributions()}))")]))
    return {
        "appariement": first_line([appariement, "--version"]),
        "commit": commit + ("+uncommitted changes" if dirty else "") if commit else None,
        "swift": first_line(["swift", "--version"]),
        "python_splink_arm": run([venv_python, "-c", "import platform; print(platform.python_version())"]).strip(),
        "splink": packages.get("splink"), "duckdb": packages.get("duckdb"),
        "pyarrow": packages.get("pyarrow"), "sqlglot": packages.get("sqlglot"),
        "all_python_packages": packages,
    }


def prepare_dataset(appariement, beneficiaries, work, fresh, given):
    """The synthetic SNDS: given by the caller, else bench/work/snds-N-seedS/ (generated once)."""
    if given:
        return given["database"], given["key"]
    folder = os.path.join(work, f"snds-{beneficiaries}-seed{SEED}")
    database, key = os.path.join(folder, "snds.sqlite"), os.path.join(folder, "secret.key")
    if fresh and os.path.exists(folder):
        shutil.rmtree(folder)
    if os.path.exists(database):
        say(f"reusing {os.path.relpath(database, ROOT)} (checking it is complete and unaltered)")
        run([appariement, "check-dataset", database])
        return database, key
    os.makedirs(folder, exist_ok=True)
    say(f"generating a synthetic SNDS of {beneficiaries:,} beneficiaries (seed {SEED}) — "
        f"{'about 3 minutes' if beneficiaries <= 100_000 else '1 to 1.5 hours on 2 cores'}")
    started = time.perf_counter()
    run([appariement, "generate", "--beneficiaries", str(beneficiaries), "--seed", str(SEED), "--out", database,
         "--key-file", key])
    say(f"generated in {time.perf_counter() - started:.0f} s")
    return database, key


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=SIZES, default="quick")
    parser.add_argument("--runs", type=int, help="runs of each arm (default: 3)")
    parser.add_argument("--fresh", action="store_true", help="generate the synthetic SNDS again")
    parser.add_argument("--database", help="an existing synthetic SNDS to use instead (with --key-file)")
    parser.add_argument("--key-file", help="the key of --database")
    parser.add_argument("--appariement", default=os.path.join(ROOT, ".build/release/appariement"))
    parser.add_argument("--venv-python", default=os.path.join(HERE, ".venv/bin/python"))
    args = parser.parse_args()
    beneficiaries, lines, runs = SIZES[args.size]
    runs = args.runs or runs
    if bool(args.database) != bool(args.key_file):
        sys.exit("bench: --database and --key-file go together")

    stamp = datetime.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    run_id = f"{stamp}-{args.size}"
    work = os.path.join(HERE, "work")
    scratch = os.path.join(work, run_id)
    results = os.path.join(HERE, "results", run_id)
    appariement = os.path.abspath(args.appariement)

    database, key = prepare_dataset(appariement, beneficiaries, work, args.fresh,
                                    {"database": args.database, "key": args.key_file} if args.database else None)
    os.makedirs(scratch)
    manifest = json.load(open(re.sub(r"\.sqlite$", "", database) + ".manifest.json"))
    say(f"drawing a {lines:,}-line `sejours` cohort with its truth (seed {SEED})")
    run([appariement, "cohort", "probabiliste", "--scenario", "sejours", "--size", str(lines), "--seed", str(SEED),
         "--name", "cohort", "--dir", scratch, "--database", database])
    cohort, truth_file = os.path.join(scratch, "cohort.csv"), os.path.join(scratch, "cohort.truth.csv")
    rules = os.path.join(ROOT, "rules", "default.yml")

    say("exporting the candidate events and the cohort for Splink")
    export = os.path.join(scratch, "export")
    export_usage, _ = timed([appariement, "export", "candidates", cohort, "--criteria", rules, "--database", database,
                             "--out", export])
    exported = json.load(open(os.path.join(export, "export.json")))

    arms = {
        "appariement": lambda i: [appariement, "probabiliste", cohort, "--criteria", rules, "--database", database,
                                  "--key-file", key, "--no-extraction", "--force",
                                  "--out", os.path.join(scratch, f"appariement-{i}")],
        "splink": lambda i: [args.venv_python, os.path.join(HERE, "splink_arm.py"), "--export", export,
                             "--out", os.path.join(scratch, f"splink-{i}.csv"), "--seed", str(SEED)]
                            + (["--model", os.path.join(scratch, "splink-model.json")] if i == 0 else []),
    }
    order = []
    for i in range(runs):
        order += [("appariement", i), ("splink", i)] if i % 2 == 0 else [("splink", i), ("appariement", i)]
    measured = {name: [] for name in arms}
    splink_stages = []
    for name, i in order:
        say(f"run {i + 1} of {runs}: {name}")
        usage, stderr = timed(arms[name](i))
        measured[name].append(usage)
        if name == "splink":
            last = [l for l in stderr.splitlines() if l.startswith("{")]
            if last:
                splink_stages.append(json.loads(last[-1]))
    appariement_stages = [json.load(open(os.path.join(scratch, f"appariement-{i}", "summary.json"))).get("timings", {})
                          for i in range(runs)]

    say("scoring both arms against the truth")
    truth = score.read_truth(truth_file)
    expectations = score.read_expectations(truth_file)
    quality, identical = {}, {}
    for name in arms:
        files = []
        for i in range(runs):
            if name == "appariement":
                out = os.path.join(scratch, f"appariement-{i}-links.csv")
                run([appariement, "export", "links", os.path.join(scratch, f"appariement-{i}"), "--out", out,
                     "--key-file", key])
                files.append(out)
            else:
                files.append(os.path.join(scratch, f"splink-{i}.csv"))
        # The same (NS, person) links at the operating point in every run (Splink's probabilities
        # may differ in their last digits between runs: DuckDB sums in parallel).
        threshold = splink_stages[0]["operating_threshold"] if name == "splink" else None
        made = [{(ns, person) for ns, person, p in score.read_links(f, "MATCH_PROBABILITY" if name == "splink" else "")
                 if threshold is None or p >= threshold} for f in files]
        identical[name] = all(m == made[0] for m in made)
        if name == "appariement":
            # Group 1 first: the score is the group, lower is better; every link is kept.
            links = score.read_links(files[0], "GROUP", higher_is_better=False)
            quality[name] = score.metrics(links, truth)
            quality[name]["operating_point"] = "every link (the CNAM groups, then the weighted group)"
        else:
            links = score.read_links(files[0], "MATCH_PROBABILITY")
            threshold = splink_stages[0]["operating_threshold"]
            quality[name] = score.metrics(links, truth, threshold)
            quality[name]["operating_point"] = f"match probability >= {threshold}"
            # The curve down to the prediction floor, for the threshold-free figures.
            whole = score.metrics(links, truth)
            quality[name]["curve"] = whole["curve"]
            quality[name]["recall_at_precision_0_99"] = whole["recall_at_precision_0_99"]
            quality[name]["recall_at_precision_0_999"] = whole["recall_at_precision_0_999"]
            quality[name]["best_f1_any_threshold"] = score.best_f1(whole["curve"])
        quality[name]["identical_links_in_every_run"] = identical[name]
        operating = None if name == "appariement" else splink_stages[0]["operating_threshold"]
        quality[name]["by_defect"] = score.by_defect(links, truth, expectations, operating)
        quality[name]["lines_as_expected"] = score.as_expected(links, truth, expectations, operating)
        quality[name]["by_expectation"] = score.by_expectation(links, truth, expectations, operating)

    ours, theirs = quality["appariement"], quality["splink"]
    ours["splink_precision_at_this_recall"] = score.precision_at_recall(theirs["curve"], ours["recall"])

    def medians(name):
        rows = measured[name]
        return {k: {"median": statistics.median(r[k] for r in rows), "runs": [round(r[k], 3) for r in rows]}
                for k in ("wall_s", "cpu_s", "peak_rss_mib")}
    timing = {name: medians(name) for name in arms}
    timing["appariement"]["stages_s_median"] = {
        k: statistics.median(t.get(k, 0) for t in appariement_stages) for k in appariement_stages[0]}
    timing["splink"]["stages_s_median"] = {
        k: statistics.median(s["stages_s"][k] for s in splink_stages) for k in splink_stages[0]["stages_s"]}
    timing["splink"]["pairs_scored"] = splink_stages[0]["pairs_scored"]
    timing["export_for_splink"] = {k: round(v, 3) for k, v in export_usage.items()}

    def ratio(a, b):
        return a / b if a is not None and b not in (None, 0) else None
    ratios = {
        "f1_appariement_over_splink": ratio(ours["f1"], theirs["f1"]),
        "precision_appariement_over_splink": ratio(ours["precision"], theirs["precision"]),
        "recall_appariement_over_splink": ratio(ours["recall"], theirs["recall"]),
        "wall_splink_over_appariement": ratio(timing["splink"]["wall_s"]["median"], timing["appariement"]["wall_s"]["median"]),
        "cpu_splink_over_appariement": ratio(timing["splink"]["cpu_s"]["median"], timing["appariement"]["cpu_s"]["median"]),
        "memory_splink_over_appariement": ratio(timing["splink"]["peak_rss_mib"]["median"],
                                                timing["appariement"]["peak_rss_mib"]["median"]),
    }
    at_equal_recall = ours["splink_precision_at_this_recall"]
    goals = [
        {"goal": "appariement's F1 >= Splink's", "met": ours["f1"] >= theirs["f1"],
         "figures": f"{ours['f1']:.4f} vs {theirs['f1']:.4f} ({ours['right']:,} right and {ours['wrong']:,} wrong links "
                    f"vs {theirs['right']:,} and {theirs['wrong']:,})"},
        {"goal": "appariement's precision >= Splink's at equal recall",
         "met": None if at_equal_recall is None else ours["precision"] >= at_equal_recall,
         "figures": (f"{ours['precision']:.4f} vs {at_equal_recall:.4f} (Splink's best precision at recall "
                     f">= {ours['recall']:.4f})") if at_equal_recall is not None
         else f"Splink never reaches appariement's recall ({ours['recall']:.4f})"},
        {"goal": "appariement's end-to-end time <= Splink's",
         "met": timing["appariement"]["wall_s"]["median"] <= timing["splink"]["wall_s"]["median"],
         "figures": f"{timing['appariement']['wall_s']['median']:.2f} s vs {timing['splink']['wall_s']['median']:.2f} s (medians)"},
        {"goal": "(beyond the goals) appariement's recall >= Splink's", "met": ours["recall"] >= theirs["recall"],
         "figures": f"{ours['recall']:.4f} vs {theirs['recall']:.4f}; on lines the truth expects found: "
                    f"{ours['by_expectation'].get('found', {}).get('right', 0):,} vs "
                    f"{theirs['by_expectation'].get('found', {}).get('right', 0):,} right, on lines it marks ambiguous "
                    f"(a patient registered twice): {ours['by_expectation'].get('ambiguous', {}).get('right', 0):,} vs "
                    f"{theirs['by_expectation'].get('ambiguous', {}).get('right', 0):,}"},
        {"goal": "(beyond the goals) appariement's F1 >= Splink's best F1 at any threshold, chosen knowing the truth",
         "met": ours["f1"] >= theirs["best_f1_any_threshold"]["f1"],
         "figures": f"{ours['f1']:.4f} vs {theirs['best_f1_any_threshold']['f1']:.4f}"},
    ]
    report = {
        "run": run_id, "date": datetime.datetime.now().isoformat(timespec="seconds"), "size": args.size,
        "dataset": {"beneficiaries_requested": beneficiaries, "seed": manifest.get("seed"), "years": manifest.get("years"),
                    "persons": manifest.get("population", {}), "id": manifest.get("datasetId"),
                    "digest": manifest.get("contentDigest"), "path": os.path.relpath(database, ROOT)},
        "cohort": {"scenario": "sejours", "lines": lines, "seed": SEED, "rules": "rules/default.yml",
                   "valid_lines_exported": exported["cohortLines"], "rejected": exported["rejected"],
                   "candidate_events": exported["candidateRows"], "candidate_persons": exported["candidatePersons"]},
        "runs_per_arm": runs, "order": [f"{n} {i + 1}" for n, i in order],
        "machine": machine(), "versions": versions(appariement, args.venv_python),
        "quality": quality, "timing": timing, "ratios": ratios, "goals": goals,
    }
    os.makedirs(results, exist_ok=True)
    write_atomically(os.path.join(results, "report.json"), json.dumps(rounded(report), indent=2, ensure_ascii=False) + "\n")
    write_atomically(os.path.join(results, "report.md"), markdown(report))
    # Splink's trained model, its floats to 9 significant digits like the report's (it still loads in Splink).
    model = json.load(open(os.path.join(scratch, "splink-model.json")))
    write_atomically(os.path.join(results, "splink-model.json"), json.dumps(rounded(model), indent=4) + "\n")
    say(f"report: {os.path.relpath(os.path.join(results, 'report.md'), ROOT)} (and report.json)")
    print(markdown(report))


def rounded(value):
    """Floats to 9 significant digits: every figure keeps more precision than the report shows,
    and report.json holds no run of 13+ digits a NIR scan would flag."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return {k: rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [rounded(v) for v in value]
    return value


def write_atomically(path, text):
    temporary = path + ".partial"
    with open(temporary, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(temporary, path)


def markdown(r):
    """The report people read: every figure comes from report.json, nothing is edited by hand."""
    q, t, x = r["quality"], r["timing"], r["ratios"]
    a, s = q["appariement"], q["splink"]

    def f(v, digits=4):
        return "–" if v is None else f"{v:.{digits}f}"

    def share(n, d):
        return f"{n:,} ({n / d:.1%})" if d else f"{n:,}"

    def times(v):
        return "–" if v is None else f"{v:.2f} ×"
    best = s.get("best_f1_any_threshold") or {}
    expected = ", ".join(f"{k} {v['lines']:,}" for k, v in sorted(a["by_expectation"].items()))
    lines = [
        f"# appariement vs Splink — {r['size']} ({r['run']})",
        "",
        f"Synthetic SNDS of {r['dataset']['beneficiaries_requested']:,} beneficiaries (seed {r['dataset']['seed']}, "
        f"years {', '.join(map(str, r['dataset']['years'] or []))}); a `{r['cohort']['scenario']}` cohort of "
        f"{r['cohort']['lines']:,} lines (seed {r['cohort']['seed']}) with its truth; "
        f"{r['cohort']['candidate_events']:,} candidate events ({r['cohort']['candidate_persons']:,} persons). "
        f"Rules: `{r['cohort']['rules']}`. Each arm ran {r['runs_per_arm']} time{'s' if r['runs_per_arm'] > 1 else ''}, alternately "
        f"({', '.join(r['order'])}); times are medians.",
        "",
        "## Goals",
        "",
        "| goal | met | figures |",
        "|---|---|---|",
    ]
    for g in r["goals"]:
        verdict = "not comparable" if g["met"] is None else "yes" if g["met"] else "**no — behind**"
        lines.append(f"| {g['goal']} | {verdict} | {g['figures']} |")
    lines += [
        "",
        "## Quality (one scorer, the same truth)",
        "",
        "| | appariement | Splink | ratio appariement / Splink |",
        "|---|---|---|---|",
        f"| operating point | {a['operating_point']} | {s['operating_point']} | |",
        f"| links | {a['links']:,} | {s['links']:,} | |",
        f"| wrong links | {a['wrong']:,} | {s['wrong']:,} | |",
        f"| precision | {f(a['precision'])} | {f(s['precision'])} | {f(x['precision_appariement_over_splink'], 3)} |",
        f"| recall | {f(a['recall'])} | {f(s['recall'])} | {f(x['recall_appariement_over_splink'], 3)} |",
        f"| **F1** | **{f(a['f1'])}** | **{f(s['f1'])}** | **{f(x['f1_appariement_over_splink'], 3)}** |",
        f"| found rate (lines linked / lines) | {f(a['found_rate'])} | {f(s['found_rate'])} | |",
        f"| recall at precision ≥ 0.99 (appariement: one point per group, taken in turn) | {f(a['recall_at_precision_0_99'])} | {f(s['recall_at_precision_0_99'])} | |",
        f"| recall at precision ≥ 0.999 | {f(a['recall_at_precision_0_999'])} | {f(s['recall_at_precision_0_999'])} | |",
        f"| lines ending as the truth expects (patients registered twice not linked) | {a['lines_as_expected']:,} | "
        f"{s['lines_as_expected']:,} | |",
        f"| Splink's precision at appariement's recall | | {f(a['splink_precision_at_this_recall'])} | |",
        f"| Splink's best F1 at any threshold (knowing the truth) | | {f(best.get('f1'))} at p ≥ {best.get('threshold', 0):.6g} | |",
        f"| same links in every run | {'yes' if a['identical_links_in_every_run'] else 'no'} | "
        f"{'yes' if s['identical_links_in_every_run'] else 'no'} | |",
        "",
        f"{a['lines']:,} lines, {a['lines_in_snds']:,} of them describing a person present in the SNDS (recall's "
        f"denominator); the truth expects {expected}. Recall at a precision is read on each arm's links taken best first (appariement: group 1, "
        "then each later group, the weighted group last; Splink: by match probability, down to its prediction floor).",
        "",
        "### Where each arm loses and errs, by defect",
        "",
        "| defect | lines | of which in the SNDS | appariement right | appariement wrong | Splink right | Splink wrong |",
        "|---|---|---|---|---|---|---|",
    ] + [
        f"| {d} | {row['lines']:,} | {row['in_snds']:,} | {share(row['right'], row['in_snds'])} | {row['wrong']:,} | "
        f"{share(s['by_defect'].get(d, {}).get('right', 0), row['in_snds'])} | {s['by_defect'].get(d, {}).get('wrong', 0):,} |"
        for d, row in sorted(a["by_defect"].items(), key=lambda kv: -kv[1]["lines"])
    ] + [
        "",
        "Right: linked to the line's person (count, and share of the lines in the SNDS); wrong: linked to another "
        "person, or to anyone for a patient absent from the SNDS. A line may carry several defects and counts under "
        "each. `duplicate_patient`: a patient registered twice under two NS; the truth marks both lines (and the "
        "first registration, whatever its own defects, so the `none` row counts some of them) `ambiguous`, since one NS = one person both ways forbids "
        "linking either; a link of one of them to the right person counts as right in precision and recall, and as "
        "not as expected in the count of lines ending as the truth expects.",
        "",
        "## Speed (each arm a separate process, measured by the kernel)",
        "",
        "| | appariement | Splink | ratio Splink / appariement |",
        "|---|---|---|---|",
        f"| wall clock, end to end | {t['appariement']['wall_s']['median']:.2f} s | {t['splink']['wall_s']['median']:.2f} s | "
        f"{times(x['wall_splink_over_appariement'])} |",
        f"| CPU (user + system) | {t['appariement']['cpu_s']['median']:.2f} s | {t['splink']['cpu_s']['median']:.2f} s | "
        f"{times(x['cpu_splink_over_appariement'])} |",
        f"| peak resident memory | {t['appariement']['peak_rss_mib']['median']:.0f} MiB | "
        f"{t['splink']['peak_rss_mib']['median']:.0f} MiB | {times(x['memory_splink_over_appariement'])} |",
        f"| wall clock of each run | {', '.join(f'{v:.2f}' for v in t['appariement']['wall_s']['runs'])} s | "
        f"{', '.join(f'{v:.2f}' for v in t['splink']['wall_s']['runs'])} s | |",
        "",
        "appariement's arm starts from the cohort CSV and the SQLite SNDS: it reads and validates the file, builds "
        "the candidate events with SQL, measures discriminance, links group by group and writes its sealed "
        "correspondence, results and rejects. Splink's arm starts from the exported, already normalised files "
        f"(the export itself took {t['export_for_splink']['wall_s']:.2f} s and is not counted): it loads them, "
        f"trains (λ, u on random pairs, m by EM), scores {t['splink']['pairs_scored']:,} blocked pairs and keeps "
        "one-to-one best links (one line, one event: a person with several stays could in principle take two "
        "lines, which appariement's uniqueness by person forbids). Both times include starting the process "
        "(Python and its imports for Splink); Splink's first run also saves its trained model.",
        "",
        "Stages (medians, seconds): appariement " + ", ".join(
            f"{k} {v:.2f}" for k, v in t["appariement"]["stages_s_median"].items()) + "; Splink " + ", ".join(
            f"{k} {v:.2f}" for k, v in t["splink"]["stages_s_median"].items()) + ".",
        "",
        "## Versions and machine",
        "",
        f"- appariement {r['versions']['appariement']} (commit {r['versions']['commit']}), {r['versions']['swift']}",
        f"- Splink {r['versions']['splink']}, DuckDB {r['versions']['duckdb']}, pyarrow {r['versions']['pyarrow']}, "
        f"sqlglot {r['versions']['sqlglot']}, Python {r['versions']['python_splink_arm']} (bench/requirements.txt)",
        f"- {r['machine'].get('cores')} cores, {r['machine'].get('cpu')}, {r['machine'].get('memory_gib')} GiB, "
        f"{r['machine'].get('system')}",
        f"- dataset {r['dataset']['id']} (digest {r['dataset']['digest']})",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
