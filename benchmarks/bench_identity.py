"""Identity resolution: time, peak memory and accuracy, deterministic-only baseline vs full.

    uv run python benchmarks/bench_identity.py --simulate 100000 --workdir /tmp/bench_id
    uv run python benchmarks/bench_identity.py --landing DIR --truth DIR --workdir /tmp/bench_id
    uv run python benchmarks/bench_identity.py --build-db DB --truth DIR   # already staged

Preparation (simulate; then the pipeline job's slice up to int_identity_records: ingestion and
dbt, through `orchestration.lib.pipeline_job`) is timed but not part of the measured step. The
measured step is what the Dagster asset does: read int_identity_records,
resolve, write identity.resolved_records. Each mode runs in a fresh child process on its own copy
of the build database, so each peak RSS is its own. Accuracy is pairwise precision / recall / F1
against the simulator's truth/record_links.csv, plus the number of trap pairs (shared e-mail,
shared phone, same name) merged.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

MODES = ("deterministic", "full")


def build_identity_records(landing: Path, workdir: Path) -> tuple[Path, dict]:
    """Run the slice of the pipeline job that identity resolution reads (ingestion and the dbt
    models up to int_identity_records, with their checks) into a build database under workdir;
    return that database and the preparation time."""
    import dagster as dg

    from orchestration.lib.dbt_project import prepare_manifest
    from orchestration.lib.pipeline_job import execute_pipeline_job
    from warehouse.settings import TouchpointPaths

    prepare_manifest()  # the asset modules read the dbt manifest when imported
    from orchestration.defs.identity.assets import RESOLVED_RECORDS_KEY

    t0 = time.perf_counter()
    paths = TouchpointPaths.resolve(landing, workdir / "touchpoint.duckdb", workdir / "build")
    identity_inputs = dg.AssetSelection.assets(
        RESOLVED_RECORDS_KEY
    ).upstream() - dg.AssetSelection.assets(RESOLVED_RECORDS_KEY)
    result = execute_pipeline_job(paths, identity_inputs, log_level="WARNING")
    if not result.success:
        failed = [event.step_key for event in result.get_step_failure_events()]
        raise RuntimeError(f"preparing int_identity_records failed in steps {failed}")
    return paths.build_db, {"pipeline_slice_seconds": time.perf_counter() - t0}


def _cpu_seconds() -> float:
    """This process's CPU seconds (all threads) and those of the finished worker processes it
    forked (identity splits Python work over two processes at 1M records)."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )


def _measure(mode: str, build_db: Path, truth: Path | None, threads: int | None) -> dict:
    """One mode in this (child) process: the asset's work, then the scores."""
    import duckdb
    import pandas as pd

    from identity import ResolutionConfig, pairwise_scores, resolve_in_warehouse
    from identity.evaluation import evaluate, merged_person_pairs
    from identity.probabilistic import ProbabilisticConfig

    config = ResolutionConfig(
        probabilistic=ProbabilisticConfig(threads=threads) if mode == "full" else None
    )
    con = duckdb.connect(str(build_db))
    if threads:
        con.execute(f"SET threads = {int(threads)}")
    load_before = os.getloadavg()[0]
    t0, cpu0 = time.perf_counter(), _cpu_seconds()
    resolution = resolve_in_warehouse(con, config=config)
    seconds, cpu = time.perf_counter() - t0, _cpu_seconds() - cpu0
    load_after = os.getloadavg()[0]
    con.close()
    out = {
        "mode": mode,
        "seconds": round(seconds, 1),
        # CPU seconds of all threads: steadier than wall time on a shared machine
        "cpu_seconds": round(cpu, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        # the largest forked worker's own peak (its pages shared with this process count there)
        "worker_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024),
        # the machine's 1-minute load average before and after: other jobs' share of the cores
        "load_average_1m": [round(load_before, 1), round(load_after, 1)],
        "records": len(resolution.records),
        "customers": int(resolution.stats["customers"]),
        "stage_seconds": {
            k: round(v, 1) for k, v in resolution.stats.items() if k.endswith("_seconds")
        },
    }
    if truth is not None:
        links = pd.read_csv(truth / "record_links.csv", dtype=str, keep_default_na=False)
        scores = pairwise_scores(resolution.records, links)
        traps = pd.read_csv(truth / "traps.csv", dtype=str, keep_default_na=False)
        fallen = merged_person_pairs(resolution.records, links, traps)
        accuracy = evaluate(resolution.records, links, traps)
        out.update(
            precision=round(scores.precision, 5),
            recall=round(scores.recall, 5),
            f1=round(scores.f1, 5),
            truth_records_unresolved=scores.missing_from_resolution,
            traps_merged=fallen["trap"].value_counts().to_dict(),
            trap_pairs=len(traps),
            # the acceptance figures: customers vs real people, share of traps merged
            customer_excess=round(accuracy.customer_excess, 5),
            trap_share_merged=round(accuracy.trap_share_merged, 6),
            splink_pairs_merged=int(resolution.stats.get("splink_pairs_merged", 0)),
        )
        colliding = _gmail_collisions(truth)
        if colliding:
            clean = pairwise_scores(resolution.records, links[~links["person_id"].isin(colliding)])
            out["without_gmail_collisions"] = {
                "persons_dropped": len(colliding),
                "precision": round(clean.precision, 5),
                "recall": round(clean.recall, 5),
                "f1": round(clean.f1, 5),
            }
    return out


def _gmail_collisions(truth: Path) -> set[str]:
    """People the simulator gave Gmail addresses that differ only in dots (`ann.lee@` and
    `annlee@`): one mailbox for Gmail, two people in the truth. Scored separately."""
    import pandas as pd

    from identity.normalise import normalise_emails

    persons = pd.read_csv(truth / "persons.csv", dtype=str, keep_default_na=False)
    # the whole column at once: per value, Arrow's kernels cost minutes at a million people
    keys = pd.Series(normalise_emails(persons["email"]), index=persons.index)
    shared = keys.notna() & keys.duplicated(keep=False)
    # household addresses are shared on purpose (family_email); only own addresses count
    own = persons["email"] != persons["family_email"]
    return set(persons.loc[shared & own, "person_id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--simulate",
        type=int,
        metavar="CUSTOMERS",
        help="generate a demo company of this size first",
    )
    source.add_argument("--landing", type=Path, help="an existing landing folder")
    source.add_argument("--build-db", type=Path, help="a build database with int_identity_records")
    parser.add_argument("--truth", type=Path, help="truth/ folder (default: beside the landing)")
    parser.add_argument("--days", type=int, default=180)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/touchpoint_bench_identity"))
    parser.add_argument("--threads", type=int, default=2, help="DuckDB threads (default 2)")
    parser.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    parser.add_argument("--child", nargs=2, metavar=("MODE", "DB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:  # a measured run, started by the parent below
        truth = args.truth if args.truth and args.truth.exists() else None
        print(json.dumps(_measure(args.child[0], Path(args.child[1]), truth, args.threads)))
        return 0

    args.workdir.mkdir(parents=True, exist_ok=True)
    prep: dict = {}
    if args.simulate:
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator",
                "--out",
                str(args.workdir),
                "--customers",
                str(args.simulate),
                "--days",
                str(args.days),
                "--seed",
                str(args.seed),
                "--quiet",
                "--force",
            ],
            check=True,
        )
        prep["simulate_seconds"] = time.perf_counter() - t
        args.landing = args.workdir / "landing"
    truth = args.truth or (args.landing.parent / "truth" if args.landing else None)
    if args.landing:
        shutil.rmtree(args.workdir / "build", ignore_errors=True)
        build_db, seconds = build_identity_records(args.landing, args.workdir)
        prep.update(seconds)
    else:
        build_db = args.build_db
    print("preparation:", {k: round(v, 1) for k, v in prep.items()})

    measured: dict[str, dict] = {}
    for mode in args.modes:
        copy = args.workdir / f"measure_{mode}.duckdb"
        shutil.copyfile(build_db, copy)
        cmd = [
            sys.executable,
            __file__,
            "--build-db",
            str(copy),
            "--child",
            mode,
            str(copy),
            "--threads",
            str(args.threads),
        ]
        if truth:
            cmd += ["--truth", str(truth)]
        result = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            print(result.stdout[-3000:], result.stderr[-3000:], file=sys.stderr)
            return 1
        measured[mode] = json.loads(result.stdout.strip().splitlines()[-1])
        print(json.dumps(measured[mode], indent=None))
        copy.unlink(missing_ok=True)
    if {"deterministic", "full"} <= measured.keys():  # the full run against its baseline
        base, full = measured["deterministic"], measured["full"]
        print(
            "full / deterministic baseline:",
            json.dumps(
                {
                    "wall": round(full["seconds"] / base["seconds"], 2),
                    "cpu": round(full["cpu_seconds"] / base["cpu_seconds"], 2),
                }
            ),
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
