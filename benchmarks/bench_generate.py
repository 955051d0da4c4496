"""Benchmark the demo-data generator.

    uv run python benchmarks/bench_generate.py                 # 10,000 customers x 180 days
    uv run python benchmarks/bench_generate.py --full          # ... and 1,000,000 x 365 (minutes)
    uv run python benchmarks/bench_generate.py --customers 50000 --days 90

For each scale: wall time, CPU time, rows and MB written, rows/s, peak resident memory of the
whole process tree (sampled from /proc, so the two workers count together), and a baseline
measured in the same run: writing the same number of bytes into the same number of files
with plain file writes.  The ratio says how far generation is from being bound by the disk.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator import SimulatorConfig, generate

PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


class TreeRss:
    """Peak summed RSS of this process and its descendants, sampled every 0.2 s."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> TreeRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        root = os.getpid()
        while not self._stop.wait(0.2):
            self.peak_kb = max(self.peak_kb, self._sample(root))

    @staticmethod
    def _sample(root: int) -> int:
        parents: dict[int, int] = {}
        rss: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as fh:
                    fields = fh.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid = int(entry)
            parents[pid] = int(fields[1])
            rss[pid] = int(fields[21]) * PAGE_KB
        total = 0
        for pid in rss:
            p = pid
            while p and p != root:
                p = parents.get(p, 0)
            if p == root:
                total += rss[pid]
        return total


def raw_write_baseline(target: Path, nbytes: int, nfiles: int) -> float:
    """Seconds to write nbytes spread over nfiles with plain writes."""
    target.mkdir(parents=True, exist_ok=True)
    per_file = max(1, nbytes // max(1, nfiles))
    block = (b"x" * 1023 + b"\n") * 64
    t0 = time.perf_counter()
    for i in range(nfiles):
        with open(target / f"{i}.bin", "wb") as fh:
            left = per_file
            while left > 0:
                fh.write(block[: min(left, len(block))])
                left -= len(block)
    return time.perf_counter() - t0


def run(customers: int, days: int, seed: int, workers: int, keep: Path | None) -> dict[str, float]:
    out = keep or Path(tempfile.mkdtemp(prefix="bench_generate_"))
    cfg = dataclasses.replace(SimulatorConfig(), workers=workers)
    cpu0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    with TreeRss() as rss:
        summary = generate(out, customers, days, seed, config=cfg, progress=False, overwrite=True)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = sum(
        b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(cpu0, cpu1, strict=True)
    )
    base = raw_write_baseline(out / "baseline", summary.bytes, summary.files)
    shutil.rmtree(out / "baseline")
    if keep is None:
        shutil.rmtree(out)
    return {
        "customers": customers,
        "days": days,
        "shards": summary.shards,
        "seconds": summary.seconds,
        "cpu_seconds": cpu,
        "rows": summary.rows,
        "files": summary.files,
        "mb": summary.bytes / 1e6,
        "rows_per_s": summary.rows / summary.seconds,
        "peak_rss_mb": rss.peak_kb / 1024,
        "baseline_seconds": base,
        "ratio": summary.seconds / max(base, 1e-9),
    }


def report(r: dict[str, float]) -> str:
    return (
        f"{r['customers']:>9,} customers x {r['days']:>3} days | {r['seconds']:7.1f} s wall "
        f"({r['cpu_seconds']:7.1f} s CPU, {r['shards']} shards) | {r['rows']:>12,.0f} rows "
        f"{r['mb']:>9,.1f} MB in {r['files']:,} files | {r['rows_per_s']:>9,.0f} rows/s | "
        f"peak RSS {r['peak_rss_mb']:,.0f} MB | plain-write baseline {r['baseline_seconds']:.1f} s "
        f"(x{r['ratio']:.1f})"
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--customers", type=int, default=10_000)
    ap.add_argument("--days", type=int, default=180)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--full", action="store_true", help="also run 1,000,000 customers x 365 days")
    ap.add_argument(
        "--keep", type=Path, help="write here and keep the output (default: a temp dir, removed)"
    )
    a = ap.parse_args()
    scales = [(a.customers, a.days)] + ([(1_000_000, 365)] if a.full else [])
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}", flush=True)
    for customers, days in scales:
        print(report(run(customers, days, a.seed, a.workers, a.keep)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
