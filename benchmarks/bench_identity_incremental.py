"""Identity resolution of the next day: incremental (identity.incremental) vs every record.

    uv run python benchmarks/bench_identity_incremental.py --build-db DB

`DB` is a build database holding `int_identity_records` (e.g. the warehouse of a
bench_pipeline.py run; it is only read). The records first seen before the last day are the
history, all records the next day. In one process, back to back on the same records:

1. the history, resolved in full (no state): the state the next day starts from;
2. the next day incremental: what the identity asset now does;
3. the next day in full as the asset did before (Splink trained again on all rows);
4. the next day in full with the stored model: the answer step 2 must equal (checked).

Each step: wall and CPU seconds (this process's threads and the worker processes it forked),
the load average, records re-resolved. Resolution only: reading and writing the warehouse
tables cost the same either way (the asset writes whole tables).
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
    from identity.store import read_records

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-db", type=Path, required=True)
    parser.add_argument("--json", type=Path, help="also write the figures here")
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
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
