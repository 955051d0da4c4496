"""fct_journey_step_reached alone on copies of one build database: the model as it was (one
table, `--base` names a checkout of the code before it became incremental), its full build
(`--full-refresh`), and its next day's incremental build. Each is one `dbt run` of the models
in its own child process; printed: wall, CPU seconds of the dbt process, dbt's thread time per
model, the rows the incremental build merged, and the load average around each.

    uv run python benchmarks/bench_journey_step_reached.py \
        --build-db <workdir>/run-k100/out/.touchpoint.build/touchpoint.duckdb \
        --base /tmp/base --workdir /tmp/journey_bench

The next day is made on the copy: the build database's last 24 hours of `fct_touchpoint` are taken
out (kept aside), the models are built with `--full-refresh` (the day before, its decided
fingerprints kept), the day is put back, and the models run incrementally, as a daily run
would after a delivery of that day. The equality of the new code's full build with the old
table (`--base`) and of the incremental build with the full one is checked row for row.
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

import duckdb

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT = Path(sys.executable).with_name("dbt")
NEW_MODELS = (
    "int_journey_events",
    "int_journey_step_matches",
    "int_journey_instance_inputs",
    "fct_journey_step_reached",
)
FACT = "marts.fct_journey_step_reached"
KEY = "journey, instance_key, step_number"


def load_average() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def dbt_run(
    code: Path, database: Path, models: tuple[str, ...], *extra: str, command: str = "run"
) -> dict:
    """One `dbt run --select <models>` of the checkout `code` on `database`: wall, CPU seconds
    of the dbt process (and its children), dbt's thread time per model, load before/after."""
    workdir = database.parent
    if command == "run" and not (workdir / "target" / "partial_parse.msgpack").exists():
        # parsed first, unmeasured: every measured run reads the same parse cache
        dbt_run(code, database, (), command="parse")
    before_load, before = load_average(), resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [str(DBT), command, *(["--select", *models] if models else []), *extra, "--target", "build",
         "--project-dir", str(code / "dbt_project"), "--profiles-dir", str(code / "dbt_project"),
         "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs")],
        cwd=code / "dbt_project", check=True, capture_output=True,
        env={**os.environ, "TOUCHPOINT_BUILD_DB": str(database), "DO_NOT_TRACK": "1",
             "PYTHONPATH": str(code)},
    )  # fmt: skip
    wall = time.perf_counter() - started
    if command != "run":
        return {}
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    results = json.loads((workdir / "target" / "run_results.json").read_text())["results"]
    return {
        "wall_s": round(wall, 1),
        "cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1),
        "thread_s": {r["unique_id"].split(".")[-1]: round(r["execution_time"], 1) for r in results},
        "load": f"{before_load} -> {load_average()}",
    }


def copy_of(database: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "touchpoint.duckdb"
    shutil.copy2(database, target)
    return target


def differing_rows(left: Path, right: Path) -> int:
    """Rows of the fact in one database and not the other (either way)."""
    con = duckdb.connect()
    try:
        con.execute(f"attach '{left}' as l (read_only)")
        con.execute(f"attach '{right}' as r (read_only)")
        query = "select count(*) from (select * from {} except all select * from {})"
        a, b = (f"l.{FACT}", f"r.{FACT}"), (f"r.{FACT}", f"l.{FACT}")
        return sum(con.execute(query.format(*pair)).fetchone()[0] for pair in (a, b))
    finally:
        con.close()


def take_out_last_day(database: Path) -> str:
    """fct_touchpoint's activities of its last 24 hours moved to a side table; when they start."""
    con = duckdb.connect(str(database))
    try:
        (day,) = con.execute(
            "select max(occurred_at) - interval 1 day from marts.fct_touchpoint"
        ).fetchone()
        con.execute(
            "create table main.next_day as select * from marts.fct_touchpoint where occurred_at >= ?",
            [day],
        )
        con.execute("delete from marts.fct_touchpoint where occurred_at >= ?", [day])
        return str(day)
    finally:
        con.close()


def put_back_last_day(database: Path) -> int:
    con = duckdb.connect(str(database))
    try:
        con.execute("insert into marts.fct_touchpoint select * from main.next_day")
        (rows,) = con.execute("select count(*) from main.next_day").fetchone()
        con.execute("drop table main.next_day")
        return rows
    finally:
        con.close()


def instances(database: Path) -> tuple[int, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return con.execute(
            f"select count(distinct (journey, instance_key)), count(*) from {FACT}"
        ).fetchone()
    finally:
        con.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument("--base", type=Path, required=True, help="checkout of the code before")
    parser.add_argument("--workdir", type=Path, required=True)
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    figures: dict[str, dict] = {}

    # 1. before: the model as one table, on the build database's data
    old = copy_of(args.build_db, workdir / "old")
    figures["before: table"] = dbt_run(args.base.resolve(), old, ("fct_journey_step_reached",))
    print("before: table", figures["before: table"], flush=True)

    # 2. after, full build on the same data; equal to the old table row for row
    full = copy_of(args.build_db, workdir / "full")
    figures["after: --full-refresh"] = dbt_run(REPO_ROOT, full, NEW_MODELS, "--full-refresh")
    print("after: --full-refresh", figures["after: --full-refresh"], flush=True)
    print(f"  rows differing from the old table: {differing_rows(old, full)}", flush=True)

    # 3. after, incremental with nothing changed
    figures["after: incremental, nothing changed"] = dbt_run(REPO_ROOT, full, NEW_MODELS)
    print("after: incremental, nothing changed",
          figures["after: incremental, nothing changed"], flush=True)  # fmt: skip

    # 4. after, the next day: built the day before, then the day's activities arrive
    daily = copy_of(args.build_db, workdir / "daily")
    day = take_out_last_day(daily)
    dbt_run(REPO_ROOT, daily, NEW_MODELS, "--full-refresh")
    before_instances = instances(daily)
    arrived = put_back_last_day(daily)
    con = duckdb.connect(str(daily))
    try:  # the fingerprints the day before was decided from (the run replaces them)
        con.execute(
            "create table main.decided_before as "
            "select * from intermediate.int_journey_instance_inputs__decided"
        )
    finally:
        con.close()
    figures["after: next day, incremental"] = dbt_run(REPO_ROOT, daily, NEW_MODELS)
    con = duckdb.connect(str(daily), read_only=True)
    try:
        (redecided,) = con.execute(
            "select count(*) from intermediate.int_journey_instance_inputs as inputs "
            "full join main.decided_before as kept using (instance_id) "
            "where inputs.input_fingerprint is distinct from kept.input_fingerprint"
        ).fetchone()
    finally:
        con.close()
    print(f"next day {day}: {arrived:,} activities arrived; instances, rows before "
          f"{before_instances}; after {instances(daily)}; instances re-decided {redecided:,}")  # fmt: skip
    print("after: next day, incremental", figures["after: next day, incremental"], flush=True)
    print(f"  rows differing from the full build: {differing_rows(full, daily)}", flush=True)
    (workdir / "figures.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
