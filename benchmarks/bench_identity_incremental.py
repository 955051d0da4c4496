"""Identity resolution of the next day: incremental (identity.incremental) vs every record.

    uv run python benchmarks/bench_identity_incremental.py --build-db DB

`DB` is a build database holding `int_identity_records` (e.g. the warehouse of a
bench_pipeline.py run; it is only read). The records first seen before the last day are the
history, all records the next day. In one process, back to back on the same records:

1. the history, resolved in full (no state): the state the next day starts from;
2. the next day incremental: what the identity asset now does;
3. the next day in full as the asset did before (Splink trained again on all rows);
4. the next day in full with the stored model: the answer step 2 must equal (checked).

5. the next day as the identity asset runs it: read the records and the stored resolution from
   a warehouse holding step 1's resolution and state, resolve incrementally, write (identity.
   store.resolve_incrementally_in_warehouse); its answer must equal step 2's (checked).

Each step: wall and CPU seconds (this process's threads and the worker processes it forked),
the load average, records re-resolved. Steps 1-4 are resolution only; step 5 adds the reads
and writes of the identity tables and the state.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from benchmarks.bench_identity import _cpu_seconds  # noqa: E402

T = TypeVar("T")


def _load() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    import duckdb
    import pandas as pd

    from identity.incremental import LastResolution, StoredModelScorer, resolve_incrementally
    from identity.overrides import load_overrides
    from identity.resolve import ResolutionConfig, resolve
    from identity.schema import OUTPUT_COLUMNS, RECORD_KEY
    from identity.store import (
        read_records,
        resolve_incrementally_in_warehouse,
        write_resolution,
    )

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--workdir", type=Path, default=Path("/tmp"), help="for the warehouse of step 5"
    )
    args = parser.parse_args(argv)

    con = duckdb.connect(str(args.build_db), read_only=True)
    records = read_records(con)
    con.close()
    day = pd.Series(records["observed_at"].to_numpy(dtype="datetime64[ns]")).dt.floor("D")
    last_day = day.max()
    history = records.loc[(day.isna() | (day < last_day)).to_numpy()].reset_index(drop=True)
    print(f"{len(records):,} records, {len(history):,} first seen before {last_day.date()}")
    config, overrides = ResolutionConfig(), load_overrides()
    figures: dict[str, dict] = {}

    def step(name: str, run: Callable[[], T]) -> T:
        load_before, wall, cpu = _load(), time.perf_counter(), _cpu_seconds()
        result = run()
        wall, cpu = time.perf_counter() - wall, _cpu_seconds() - cpu
        figures[name] = {
            "wall_seconds": round(wall, 1),
            "cpu_seconds": round(cpu, 1),
            "load": f"{load_before} -> {_load()}",
        }
        print(f"{name}: {wall:.1f} s wall, {cpu:.1f} CPU s (load {figures[name]['load']})")
        return result

    first = step("history_full", lambda: resolve_incrementally(history, None, config, overrides))
    last = LastResolution(first.resolution.records, first.resolution.edges, first.state)
    incremental = step(
        "next_day_incremental", lambda: resolve_incrementally(records, last, config, overrides)
    )
    figures["next_day_incremental"] |= {
        "mode": incremental.mode,
        "reason": incremental.reason,
        "records_resolved": incremental.records_resolved,
        "records": len(records),
    }
    print(f"  {incremental.mode}: {incremental.records_resolved:,} records re-resolved")
    previous = first.resolution.records
    step("next_day_full_retrained", lambda: resolve(records, previous, config, overrides))
    assert config.probabilistic is not None
    scorer = StoredModelScorer(
        config.probabilistic, first.state.model, first.state.lambda_prior, False
    )
    reference = step(
        "next_day_full_stored_model",
        lambda: resolve(records, previous, config, overrides, scorer=scorer),
    )

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        # compared as values: the stored rows come back from DuckDB in other dtypes
        out = frame.loc[:, list(OUTPUT_COLUMNS)].astype(object)
        out = out.where(out.notna(), None).sort_values(list(RECORD_KEY), ignore_index=True)
        return out

    same = rows(incremental.resolution.records).equals(rows(reference.records))
    figures["next_day_incremental"]["same_answer_as_full"] = same
    print(f"incremental == full with the stored model: {same}")

    # step 5: a warehouse holding the history's resolution, the next day's records delivered
    warehouse = args.workdir / "bench_identity_incremental.duckdb"
    warehouse.unlink(missing_ok=True)
    con = duckdb.connect(str(warehouse))
    con.execute("create schema intermediate")
    con.register("history_records", history)
    con.execute("create table intermediate.int_identity_records as from history_records")
    con.unregister("history_records")
    write_resolution(con, first.resolution, first.state)
    con.register("all_records", records)
    con.execute("create or replace table intermediate.int_identity_records as from all_records")
    con.unregister("all_records")
    con.execute("checkpoint")
    stored = step("next_day_in_warehouse", lambda: resolve_incrementally_in_warehouse(con))
    written = con.sql("from identity.resolved_records").df()
    con.close()
    warehouse.unlink(missing_ok=True)
    figures["next_day_in_warehouse"] |= {
        "mode": stored.mode,
        "records_resolved": stored.records_resolved,
    }
    same_stored = rows(written).equals(rows(incremental.resolution.records))
    figures["next_day_in_warehouse"]["same_answer_as_step_2"] = same_stored
    print(f"  {stored.mode}: {stored.records_resolved:,} records re-resolved; same: {same_stored}")
    for name, result in (("next_day_incremental", incremental), ("next_day_in_warehouse", stored)):
        laps = {k: round(v, 2) for k, v in result.resolution.stats.items() if "seconds" in k}
        figures[name]["laps_wall_seconds"] = laps
        print(f"  {name} laps: {laps}")
    same = same and same_stored
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
