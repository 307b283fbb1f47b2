"""The Splink arm: links an export made by `appariement export candidates` with Splink (DuckDB) and
writes its one-to-one links.

    python bench/splink_arm.py --export DIR --out links.csv [--model model.json] [--seed 1]

Reads DIR/cohort.csv and DIR/candidates.csv (`;`-separated, normalised values) into an in-memory
DuckDB, trains the model of splink_settings.py, scores the blocked pairs, keeps one-to-one best links
(Splink's `cluster_using_single_best_links`: at most one cohort line and one event per link, ties
dropped — a stay under a pseudonym shared by twins has two equally good persons and is never linked),
and writes `NS;BEN_IDT_ANO;MATCH_PROBABILITY`, one line per link down to the prediction floor, best
first. The scorer applies the operating threshold and sweeps the others. Runs on every core DuckDB
sees. Prints its stage timings on stderr.
"""
import argparse
import csv
import json
import logging
import os
import sys
import time

import duckdb
from splink import DuckDBAPI, Linker

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import splink_settings as model  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--export", required=True, help="folder written by `appariement export candidates`")
    parser.add_argument("--out", required=True, help="links CSV to write")
    parser.add_argument("--model", help="also save the trained model (Splink JSON) here")
    parser.add_argument("--seed", type=int, default=1, help="seed of u's random sampling")
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.WARNING)

    stages = {}
    started = time.perf_counter()
    t = started
    con = duckdb.connect()
    for name, file in (("cohort", "cohort.csv"), ("snds", "candidates.csv")):
        path = os.path.join(args.export, file)
        if not os.path.exists(path):
            sys.exit(f"splink arm: {path} is missing: run `appariement export candidates` first")
        ident = "NS" if name == "cohort" else "'E' || EVENT"
        person = "NULL" if name == "cohort" else "BEN_IDT_ANO"
        con.execute(f"""
            CREATE TABLE {name} AS SELECT
              CAST({ident} AS VARCHAR) AS unique_id, CAST({person} AS VARCHAR) AS BEN_IDT_ANO,
              NULLIF(SEXE, '') AS SEXE,
              TRY_CAST(NULLIF(ANNEE_NAISSANCE, '') AS INTEGER) AS ANNEE_NAISSANCE,
              TRY_CAST(NULLIF(MOIS_NAISSANCE, '') AS INTEGER) AS MOIS_NAISSANCE,
              NULLIF(DEPARTEMENT, '') AS DEPARTEMENT, NULLIF(FINESS, '') AS FINESS,
              NULLIF(FINESS_ENTITE, '') AS FINESS_ENTITE,
              NULLIF(DATE_ENTREE, '') AS DATE_ENTREE, NULLIF(DATE_SORTIE, '') AS DATE_SORTIE,
              NULLIF(DIAGNOSTIC, '') AS DIAGNOSTIC, NULLIF(REGIME, '') AS REGIME
            FROM read_csv(?, delim=';', header=true, all_varchar=true, quote='"')
            """, [path]).fetchall()
    stages["load"] = time.perf_counter() - t

    t = time.perf_counter()
    db_api = DuckDBAPI(connection=con)
    cohort = db_api.register("cohort", dataset_display_name="cohort")
    snds = db_api.register("snds", dataset_display_name="snds")
    linker = Linker([cohort, snds], model.settings())
    linker.training.estimate_probability_two_random_records_match(
        model.DETERMINISTIC_RULES, recall=model.DETERMINISTIC_RECALL)
    linker.training.estimate_u_using_random_sampling(max_pairs=model.U_MAX_PAIRS, seed=args.seed)
    for rule in model.EM_BLOCKING_RULES:
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    stages["training"] = time.perf_counter() - t

    t = time.perf_counter()
    predictions = linker.inference.predict(threshold_match_probability=model.PREDICT_FLOOR)
    pairs = con.execute(f"SELECT COUNT(*) FROM {predictions.physical_name}").fetchall()[0][0]
    stages["prediction"] = time.perf_counter() - t

    t = time.perf_counter()
    clusters = linker.clustering.cluster_using_single_best_links(
        predictions, duplicate_free_datasets=["cohort", "snds"],
        threshold_match_probability=model.PREDICT_FLOOR, ties_method="drop")
    links = con.execute(f"""
        WITH c AS (SELECT cluster_id, source_dataset, unique_id FROM {clusters.physical_name}),
        pairs AS (
          SELECT a.unique_id AS ns, b.unique_id AS event
          FROM c a JOIN c b ON a.cluster_id = b.cluster_id
          WHERE a.source_dataset = 'cohort' AND b.source_dataset = 'snds'),
        -- Each scored pair with the cohort line first, whichever side Splink put it on (two
        -- equi-joins: an OR in the join condition would be a nested loop).
        scored AS (
          SELECT unique_id_l AS ns, unique_id_r AS event, match_probability FROM {predictions.physical_name}
          WHERE source_dataset_l = 'cohort'
          UNION ALL
          SELECT unique_id_r AS ns, unique_id_l AS event, match_probability FROM {predictions.physical_name}
          WHERE source_dataset_r = 'cohort')
        SELECT pairs.ns, s.BEN_IDT_ANO, MAX(p.match_probability) AS probability
        FROM pairs
        JOIN scored p ON p.ns = pairs.ns AND p.event = pairs.event
        JOIN snds s ON s.unique_id = pairs.event
        GROUP BY pairs.ns, s.BEN_IDT_ANO
        ORDER BY probability DESC, pairs.ns
        """).fetchall()
    stages["one_to_one"] = time.perf_counter() - t

    t = time.perf_counter()
    temporary = args.out + ".partial"
    with open(temporary, "w", newline="") as f:
        writer = csv.writer(f, delimiter=";", lineterminator="\n")
        writer.writerow(["NS", "BEN_IDT_ANO", "MATCH_PROBABILITY"])
        for ns, person, probability in links:
            writer.writerow([ns, person, repr(float(probability))])
    os.replace(temporary, args.out)
    if args.model:
        linker.misc.save_model_to_json(args.model, overwrite=True)
    stages["outputs"] = time.perf_counter() - t
    stages["total"] = time.perf_counter() - started
    print(json.dumps({"operating_threshold": model.OPERATING_THRESHOLD, "pairs_scored": pairs, "links_down_to_floor": len(links),
                      "stages_s": {k: round(v, 3) for k, v in stages.items()}}), file=sys.stderr)


if __name__ == "__main__":
    main()
