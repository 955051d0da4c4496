"""Ingestion throughput next to a plain DuckDB scan of the same files.

    uv run python benchmarks/bench_ingest.py LANDING_DIR [--threads N] [--workers N] [--keep DIR]

Both phases run in fresh child processes (so each peak RSS is its own) and write a new DuckDB
file. "ingest" is Touchpoint's ingestion (ledger, quarantine, lineage, dedup, typing,
reconciliation), loading ``--workers`` entities at a time as the pipeline does (default 2;
1 = one after another). "plain scan" is what DuckDB does with no such guarantees: one
``read_csv`` (contract columns as text) or ``read_json`` (auto-detected types) per entity over
all its files into a table, with ``ignore_errors`` so defects do not stop it. The ratio is ingest time / plain time.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))


def _landing_bytes(landing: Path) -> tuple[int, int]:
    files = [p for p in landing.glob("*/*/*") if p.is_file()]
    return len(files), sum(p.stat().st_size for p in files)


def _cpu() -> float:
    """CPU seconds of this process, all threads: steadier than wall time on a shared machine."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _phase_ingest(landing: Path, db: Path, threads: int | None, workers: int) -> dict:
    import duckdb

    from ingestion import SPECS, ingest_concurrently

    con = duckdb.connect(str(db))
    if threads:
        con.execute(f"SET threads = {threads}")
    t0 = time.perf_counter()
    results, seconds = [], {}
    for outcome in ingest_concurrently(con, landing, SPECS, workers=workers):
        if outcome.error is not None:
            raise outcome.error
        results.append(outcome.result)
        # when each entity finished (entities overlap, so these are not durations)
        seconds[outcome.spec.table] = round(time.perf_counter() - t0, 1)
    elapsed = time.perf_counter() - t0
    con.close()
    return {
        "seconds": elapsed,
        "rows_loaded": sum(r.rows_loaded for r in results),
        "rows_quarantined": sum(r.rows_quarantined for r in results),
        "rows_duplicate": sum(r.rows_duplicate for r in results),
        "files_rejected": sum(r.files_rejected for r in results),
        "reconciled": all(r.reconciliation.ok for r in results),
        "per_entity": {f"{r.system}/{r.entity}": r.rows_loaded for r in results},
        "finished_after_seconds": seconds,
    }


def _phase_plain(landing: Path, db: Path, threads: int | None, workers: int) -> dict:
    import duckdb

    from ingestion import SPECS

    con = duckdb.connect(str(db))
    if threads:
        con.execute(f"SET threads = {threads}")
    t0 = time.perf_counter()
    rows = 0
    for spec in SPECS:
        files = sorted(
            str(p) for p in (landing / spec.system / spec.entity).glob("*") if p.is_file()
        )
        files = [f for f in files if Path(f).stat().st_size > 0]
        if not files:
            continue
        lst = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
        if spec.format == "csv":
            # explicit columns: DuckDB's sniffer gives up on files with a stray quote
            cols = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in spec.field_names) + "}"
            src = (
                f"read_csv({lst}, header=true, auto_detect=false, columns={cols}, "
                "ignore_errors=true, null_padding=true, max_line_size=16777216)"
            )
        else:
            src = f"read_json({lst}, format='newline_delimited', ignore_errors=true)"
        con.execute(f"CREATE TABLE {spec.table} AS SELECT * FROM {src}")
        rows += con.execute(f"SELECT count(*) FROM {spec.table}").fetchone()[0]
    elapsed = time.perf_counter() - t0
    con.close()
    return {"seconds": elapsed, "rows_loaded": rows}


def _child(phase: str, landing: Path, db: Path, threads: int | None, workers: int = 2) -> dict:
    cmd = [sys.executable, __file__, str(landing), "--phase", phase, "--db", str(db)]
    cmd += ["--workers", str(workers)]
    if threads:
        cmd += ["--threads", str(threads)]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode:
        raise SystemExit(f"{phase} phase failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("landing", type=Path)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2, help="entities loaded at a time")
    ap.add_argument("--keep", type=Path, default=None, help="write the DuckDB files here")
    ap.add_argument("--phase", choices=["ingest", "plain"], help=argparse.SUPPRESS)
    ap.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    landing = args.landing.resolve()

    if args.phase:  # child process: one phase, JSON on stdout
        fn = _phase_ingest if args.phase == "ingest" else _phase_plain
        result = fn(landing, args.db, args.threads, args.workers)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        result["cpu_seconds"] = _cpu()  # startup and imports included
        result["db_mb"] = args.db.stat().st_size / 2**20
        print(json.dumps(result))
        return

    n_files, n_bytes = _landing_bytes(landing)
    mb = n_bytes / 2**20
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        out_dir = args.keep or Path(tmp)
        out_dir.mkdir(parents=True, exist_ok=True)
        for f in ("ingest.duckdb", "plain.duckdb"):
            (out_dir / f).unlink(missing_ok=True)
        ingest = _child("ingest", landing, out_dir / "ingest.duckdb", args.threads, args.workers)
        plain = _child("plain", landing, out_dir / "plain.duckdb", args.threads)

    print(f"landing: {landing}  ({n_files} files, {mb:,.1f} MB on disk)")
    print(
        f"{'phase':<12}{'seconds':>10}{'CPU s':>10}{'MB/s':>10}{'peak RSS MB':>14}{'DB MB':>10}"
        f"{'rows':>14}"
    )
    for name, r in (("ingest", ingest), ("plain scan", plain)):
        print(
            f"{name:<12}{r['seconds']:>10.1f}{r['cpu_seconds']:>10.1f}{mb / r['seconds']:>10.1f}"
            f"{r['peak_rss_mb']:>14.0f}{r['db_mb']:>10.0f}{r['rows_loaded']:>14,}"
        )
    print(
        f"ratio ingest / plain scan: {ingest['seconds'] / plain['seconds']:.2f}x wall time, "
        f"{ingest['cpu_seconds'] / plain['cpu_seconds']:.2f}x CPU time"
    )
    print(
        f"ingest: {ingest['rows_quarantined']:,} quarantined, {ingest['rows_duplicate']:,} duplicate, "
        f"{ingest['files_rejected']} files rejected, reconciled={ingest['reconciled']}"
    )
    print("rows per entity: " + ", ".join(f"{k} {v:,}" for k, v in ingest["per_entity"].items()))
    print(
        f"ingest, {args.workers} entities at a time; each finished after (s): "
        + ", ".join(f"{k} {s}" for k, s in ingest["finished_after_seconds"].items())
    )


if __name__ == "__main__":
    main()
