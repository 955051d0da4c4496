"""`generate`: plan the shards, run them in worker processes, merge truth and ledgers.

Output depends only on (customers, days, seed, start date, config): every shard has its own
seeds and files, and shard results are merged in shard order, so the number of workers and
their scheduling change nothing but the wall time.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import sys
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from .behaviour.world import World
from .config import SimulatorConfig
from .defects import DefectLedger
from .effects import EffectsTally
from .entities import SPECS
from .pools import Pools, build_pools
from .sink import MissingColumnPlan, Sink, remove_tree
from .timeutil import Clock, shop_ts
from .truth import TruthWriter, merge_parts

DEFAULT_START = dt.date(2025, 10, 1)


@dataclass
class ShardResult:
    shard: int
    people: int
    rows: int
    bytes: int
    ledger: DefectLedger
    tally: EffectsTally
    launch: dict[str, Any]


@dataclass
class GenerationSummary:
    out_dir: str
    customers: int
    days: int
    seed: int
    start_date: str
    shards: int
    workers: int
    seconds: float
    files: int
    rows: int
    bytes: int
    persons: int
    record_links: int
    truth_rows: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        return (
            f"{self.customers:,} customers x {self.days} days (seed {self.seed}, {self.shards} shards, "
            f"{self.workers} workers): {self.files:,} files, {self.rows:,} rows, "
            f"{self.bytes / 1e6:,.1f} MB in {self.seconds:.1f} s; {self.persons:,} identified persons, "
            f"{self.record_links:,} record links -> {self.out_dir}"
        )


@dataclass(frozen=True)
class _Job:
    root: Path
    cfg: SimulatorConfig
    start: dt.date
    days: int
    seed: int
    customers: int
    shards: int
    missing: tuple[MissingColumnPlan, ...]


def _run_shard(job: _Job, pools: Pools, shard: int, tick: Any) -> ShardResult:
    clock = Clock(job.start, job.days)
    truth = TruthWriter(job.root, shard, clock.end, clock.midnight(0))
    sink = Sink(
        job.root,
        clock,
        shard,
        job.shards,
        job.seed,
        job.cfg.defects,
        job.cfg.gzip_level,
        list(job.missing),
        truth.links,
    )
    world = World(job.cfg, clock, pools, shard, job.shards, job.seed, job.customers, sink, truth)
    for day in range(job.days):
        world.run_day(day)
        tick()
    world.finish()
    sink.close()
    truth.close()
    launch = world.catalog.launch
    info = {
        "product_id": launch.id,
        "sku": launch.variants[0].sku,
        "title": launch.title,
        "published_at": shop_ts(world.commerce.launch_t),
        "launch_day": world.catalog.launch_day,
    }
    return ShardResult(
        shard,
        len(world.people),
        sink.rows_written,
        sink.bytes_written,
        sink.ledger,
        world.tally,
        info,
    )


def _worker(job: _Job, pools: Pools, shards: list[int], queue: Any) -> None:
    try:
        for shard in shards:
            result = _run_shard(job, pools, shard, lambda: queue.put(("tick", None)))
            queue.put(("done", result))
    except BaseException:  # report, do not hang the parent
        queue.put(("error", traceback.format_exc()))


def _plan_missing(
    cfg: SimulatorConfig, days: int, shards: int, seed: int
) -> tuple[MissingColumnPlan, ...]:
    """Which files lose a required column (one by default, in the whole delivery)."""
    candidates = [s for s in SPECS if s.required and not s.shared]
    rng = np.random.default_rng([seed, 9])
    plans = []
    for k in range(cfg.defects.missing_column_files):
        spec = candidates[int(rng.integers(len(candidates)))] if k else candidates[0]
        plans.append(
            MissingColumnPlan(
                spec.folder,
                int(rng.integers(1, max(2, days - 1))),
                int(rng.integers(shards)),
                spec.required[0],
            )
        )
    return tuple(plans)


def generate(
    out_dir: str | Path,
    customers: int,
    days: int,
    seed: int,
    start_date: dt.date | str = DEFAULT_START,
    config: SimulatorConfig | None = None,
    *,
    progress: bool = True,
    overwrite: bool = False,
) -> GenerationSummary:
    """Simulate the company and write `out_dir/landing/...` and `out_dir/truth/...`."""
    if customers < 1 or days < 2:
        raise ValueError("need at least 1 customer and 2 days")
    cfg = config or SimulatorConfig()
    start = dt.date.fromisoformat(start_date) if isinstance(start_date, str) else start_date
    root = Path(out_dir)
    for sub in ("landing", "truth"):
        target = root / sub
        if target.exists() and any(target.iterdir()):
            if not overwrite:
                raise FileExistsError(f"{target} is not empty (use overwrite=True / --force)")
            remove_tree(target)
    root.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    shards = cfg.shards_for(customers)
    workers = max(1, min(cfg.workers, shards))
    job = _Job(
        root, cfg, start, days, seed, customers, shards, _plan_missing(cfg, days, shards, seed)
    )
    pools = build_pools(seed)
    results: list[ShardResult] = []
    bar = tqdm(
        total=shards * days,
        unit="shard-day",
        file=sys.stderr,
        disable=not progress,
        desc="generate",
    )
    try:
        if workers == 1:
            results = [_run_shard(job, pools, s, lambda: bar.update(1)) for s in range(shards)]
        else:
            results = _run_parallel(job, pools, shards, workers, bar)
    finally:
        bar.close()
    results.sort(key=lambda r: r.shard)
    ledger, tally = DefectLedger(), EffectsTally()
    for r in results:
        ledger.merge(r.ledger)
        tally.merge(r.tally)
    truth_rows = merge_parts(root)
    _write_json(root / "truth" / "defects.json", ledger.to_dict(asdict(cfg.defects)))
    meta = {
        "customers": customers,
        "days": days,
        "seed": seed,
        "start_date": start.isoformat(),
        "shards": shards,
        "business_time_zone": "America/New_York",
    }
    _write_json(
        root / "truth" / "effects.json",
        {"generation": meta, **tally.report(cfg.effects, results[0].launch)},
    )
    settings = cfg.to_dict()
    settings.pop("workers")  # changes the wall time only, never a byte of output
    _write_json(root / "truth" / "config.json", settings)
    summary = GenerationSummary(
        out_dir=str(root),
        customers=customers,
        days=days,
        seed=seed,
        start_date=start.isoformat(),
        shards=shards,
        workers=workers,
        seconds=round(time.perf_counter() - t0, 2),
        files=sum(c["files"] for c in ledger.counts.values()),
        rows=sum(r.rows for r in results),
        bytes=sum(r.bytes for r in results),
        persons=truth_rows["persons"],
        record_links=truth_rows["record_links"],
        truth_rows=truth_rows,
    )
    return summary


def _run_parallel(
    job: _Job, pools: Pools, shards: int, workers: int, bar: tqdm
) -> list[ShardResult]:
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else mp.get_context()
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_worker, args=(job, pools, list(range(k, shards, workers)), queue), daemon=True
        )
        for k in range(workers)
    ]
    for p in procs:
        p.start()
    results: list[ShardResult] = []
    try:
        while len(results) < shards:
            kind, payload = queue.get()
            if kind == "tick":
                bar.update(1)
            elif kind == "done":
                results.append(payload)
            else:
                raise RuntimeError(f"a generator worker failed:\n{payload}")
    finally:
        for p in procs:
            if p.is_alive() and len(results) < shards:
                p.terminate()
            p.join()
    return results


def _write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=False) + "\n", encoding="utf-8")
