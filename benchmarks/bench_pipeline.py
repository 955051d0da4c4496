"""The whole pipeline (`touchpoint run`) on a simulated company, next to a plain DuckDB scan of
the same files, then the next day's delivery: per-step wall, CPU and peak memory, and the ratios
to the goals of issue 14.

    uv run python benchmarks/bench_pipeline.py                       # 1,000,000 x 365 (hours)
    uv run python benchmarks/bench_pipeline.py --customers 20000 --days 180 --workdir /tmp/bp

What it does, each phase in its own child process (so each peak memory is its own):
1. `touchpoint generate` writes the company once for `--days + 1` days into
   `<workdir>/company-<customers>x<days>-<seed>/` (reused when it exists), or `--company DIR`
   names a company already generated (a folder holding `landing/`; `--customers`, `--days` and
   `--seed` are then not used). The history is every file dated before the folder's last day;
   the last day's files are the next delivery.
2. full run: `touchpoint run` on a landing folder that holds the history.
3. incremental run: the last day's files are added to that landing folder and `touchpoint run`
   runs again on the same warehouse, as a daily delivery would.
4. with `--check-same-answer`: one more run builds every file from scratch into a second
   warehouse, and every mart (row for row) and every metric (by month) of the two publications
   are compared (`tests/incremental/compare.py`, the same check as the suite's test).
5. plain scan: `benchmarks/bench_ingest.py --phase plain` (one DuckDB `read_csv`/`read_json` per
   entity over all its files, no guarantees) on the history (a second folder of hard links to
   the same files). It runs last so that a run stopped part-way at 1M (hours) has already
   measured the pipeline; `--no-plain-scan` leaves it out (the ratio is then not printed).

Per step (a Dagster step, or the start-up before the first step, which holds the dbt parse),
wall time comes from the run's Dagster event log; CPU seconds and peak resident memory from
sampling the command's whole process tree (dbt runs in child processes) in /proc every 0.2 s;
memory is the tree's proportional set size (PSS: pages a forked child shares counted once).
The totals are exact (`wait4` rusage for CPU). The load average is printed beside every figure:
the machine is shared.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

TOUCHPOINT = Path(sys.executable).with_name("touchpoint")
BENCH_INGEST = REPO_ROOT / "benchmarks" / "bench_ingest.py"
DELIVERY_FILE = re.compile(r"^(\d{4}-\d{2}-\d{2})(\.part\d+)?\.")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")
GOALS = {
    "full_vs_plain_scan": 3.0,  # full pipeline / plain DuckDB scan
    "incremental_vs_full": 0.05,  # next day's run / full run
    "peak_gb": 8.0,
    "delivery_100mb_seconds": 45.0,
}


def load_average() -> str:
    return "/".join(f"{v:.1f}" for v in os.getloadavg())


# --- the company and its deliveries -------------------------------------------------------------


def generate_company(workdir: Path, customers: int, days: int, seed: int) -> Path:
    """`touchpoint generate` for days + 1 days, once; the folder holding `landing/`."""
    company = workdir / f"company-{customers}x{days}-{seed}"
    done = company / ".generated"
    if done.exists():
        print(f"reusing {company}")
        return company
    shutil.rmtree(company, ignore_errors=True)
    started = time.perf_counter()
    subprocess.run(
        [str(TOUCHPOINT), "generate", "--out", str(company), "--customers", str(customers),
         "--days", str(days + 1), "--seed", str(seed)],
        check=True,
    )  # fmt: skip
    done.write_text(f"{time.perf_counter() - started:.1f} s\n")
    return company


def delivery_files(landing: Path) -> dict[str, list[Path]]:
    """Every delivery file by the date in its name (`<system>/<entity>/<date>[.partNN].<ext>`)."""
    by_date: dict[str, list[Path]] = {}
    for path in sorted(landing.glob("*/*/*")):
        match = DELIVERY_FILE.match(path.name)
        if path.is_file() and match:
            by_date.setdefault(match.group(1), []).append(path)
    return by_date


def link_files(files: list[Path], source: Path, target: Path) -> int:
    """Hard-link (else copy) `files` from `source` into the same places under `target`."""
    size = 0
    for path in files:
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, destination)
        except OSError:
            shutil.copy2(path, destination)
        size += path.stat().st_size
    return size


# --- measuring one command ----------------------------------------------------------------------


@dataclass
class Sample:
    at: float  # time.time()
    cpu_seconds: float  # the process tree's CPU so far
    rss_bytes: int  # the process tree's memory now: the sum of its processes' PSS


@dataclass
class Measured:
    returncode: int
    output: str
    started: float
    ended: float
    cpu_seconds: float
    peak_rss_bytes: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall_seconds(self) -> float:
        return self.ended - self.started


def _proc_tree(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
    tree, todo = [], [root]
    while todo:
        pid = todo.pop()
        tree.append(pid)
        todo.extend(children.get(pid, []))
    return tree


def _memory_bytes(pid: int) -> int:
    """The process's proportional set size (PSS): pages it shares with other processes count
    by their share. Summing RSS over a tree counts a forked child's copy-on-write pages twice
    (identity forks its workers from a process holding gigabytes): at 1M that summed to 20 GB
    where the largest process held 10. RSS where the kernel has no smaps_rollup."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except FileNotFoundError:
        pass
    with open(f"/proc/{pid}/statm") as handle:
        return int(handle.read().split()[1]) * PAGE_BYTES


def _sample(root: int) -> Sample:
    cpu_ticks, memory = 0, 0
    for pid in _proc_tree(root):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            memory += _memory_bytes(pid)
        except OSError:
            continue
        # utime, stime and the reaped children's cutime, cstime: a dbt process that ended moves
        # its CPU into its parent's counters, so the sum never goes back.
        cpu_ticks += sum(int(v) for v in fields[11:15])
    return Sample(time.time(), cpu_ticks / CLOCK_TICKS, memory)


def run_measured(command: list[str], env: dict[str, str], cwd: Path) -> Measured:
    """Run `command`, sampling its process tree's PSS; exact total CPU from wait4, whose largest
    single process's peak RSS also bounds the peak from below (a peak between two samples)."""
    started = time.time()
    process = subprocess.Popen(
        command, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    samples: list[Sample] = []
    stop = threading.Event()

    def sampler() -> None:
        while not stop.wait(0.2):
            samples.append(_sample(process.pid))

    thread = threading.Thread(target=sampler, daemon=True)
    thread.start()
    output = process.stdout.read() if process.stdout else ""
    _, status, usage = os.wait4(process.pid, 0)
    ended = time.time()
    stop.set()
    thread.join()
    process.returncode = os.waitstatus_to_exitcode(status)
    peak = max([s.rss_bytes for s in samples] + [usage.ru_maxrss * 1024])
    return Measured(
        returncode=process.returncode,
        output=output,
        started=started,
        ended=ended,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_rss_bytes=peak,
        samples=samples,
    )


# --- one `touchpoint run` and its steps ---------------------------------------------------------


@dataclass
class StepFigures:
    name: str
    wall_seconds: float
    cpu_seconds: float
    peak_rss_bytes: int


def step_windows(build_dir: Path, run_id: str) -> list[tuple[str, float, float]]:
    """(step key, start, end) of every step of the run, from its Dagster event log."""
    import dagster as dg

    instance = dg.DagsterInstance.from_config(str(build_dir / "dagster_home"))
    starts: dict[str, float] = {}
    windows = []
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None or record.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[record.step_key] = record.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            begin = starts.get(record.step_key, record.timestamp)
            windows.append((record.step_key, begin, record.timestamp))
    instance.dispose()
    return sorted(windows, key=lambda w: w[1])


def per_step(measured: Measured, windows: list[tuple[str, float, float]]) -> list[StepFigures]:
    """Wall, CPU and peak memory (PSS) per step; the gaps are start-up (dbt parse) and hand-offs."""
    spans: list[tuple[str, float, float]] = []
    cursor = measured.started
    for name, begin, end in windows:
        if begin - cursor > 0.05:
            spans.append(
                ("(start-up, dbt parse)" if not spans else "(between steps)", cursor, begin)
            )
        spans.append((name, begin, end))
        cursor = end
    spans.append(("(summary, exit)", cursor, measured.ended))
    figures = []
    for name, begin, end in spans:
        inside = [s for s in measured.samples if begin <= s.at <= end]
        before = [s for s in measured.samples if s.at < begin]
        after = [s for s in measured.samples if s.at > end]
        cpu_begin = before[-1].cpu_seconds if before else 0.0
        cpu_end = inside[-1].cpu_seconds if inside else (before[-1].cpu_seconds if before else 0.0)
        if not after:  # the command's exit: the exact total from wait4
            cpu_end = measured.cpu_seconds
        figures.append(
            StepFigures(
                name=name,
                wall_seconds=end - begin,
                cpu_seconds=max(cpu_end - cpu_begin, 0.0),
                peak_rss_bytes=max((s.rss_bytes for s in inside), default=0),
            )
        )
    # merge the repeated "(between steps)" gaps into one line
    merged: dict[str, StepFigures] = {}
    for figure in figures:
        if figure.name in merged:
            known = merged[figure.name]
            known.wall_seconds += figure.wall_seconds
            known.cpu_seconds += figure.cpu_seconds
            known.peak_rss_bytes = max(known.peak_rss_bytes, figure.peak_rss_bytes)
        else:
            merged[figure.name] = figure
    return list(merged.values())


@dataclass
class RunFigures:
    label: str
    measured: Measured
    steps: list[StepFigures]
    load_before: str
    load_after: str
    dbt_seconds: dict[str, float] = field(default_factory=dict)  # dbt's thread time, by kind


def dbt_thread_seconds(build_dir: Path, since: float) -> dict[str, float]:
    """dbt's own thread time of the run's dbt steps (their run_results.json written after
    `since`), by kind: models (those built by merging new keys in apart), data tests, unit
    tests."""
    totals: dict[str, float] = {}
    for path in (build_dir / "dbt_target").glob("*/run_results.json"):
        if path.stat().st_mtime < since:
            continue
        for result in json.loads(path.read_text())["results"]:
            kind, name = result["unique_id"].split(".")[0], result["unique_id"].split(".")[-1]
            ran = list((path.parent / "run").rglob(f"{name}.sql")) if kind == "model" else []
            if ran and "merge into" in ran[0].read_text().lower():
                kind = "model (merged)"  # an incremental build merged new keys in
            totals[kind] = totals.get(kind, 0.0) + result["execution_time"]
    return totals


def touchpoint_run(
    label: str, landing: Path, warehouse: Path, extra: list[str], log_dir: Path
) -> RunFigures:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TOUCHPOINT_") and k != "DAGSTER_HOME"
    }
    env.setdefault("DO_NOT_TRACK", "1")
    env.setdefault("GX_ANALYTICS_ENABLED", "false")
    load_before = load_average()
    print(
        f"[{time.strftime('%H:%M:%S')}] {label}: touchpoint run (load {load_before}) ...",
        flush=True,
    )
    measured = run_measured(
        [str(TOUCHPOINT), "run", "--landing", str(landing), "--warehouse", str(warehouse), *extra],
        env=env,
        cwd=log_dir,
    )
    (log_dir / f"{label}.log").write_text(measured.output)
    if measured.returncode != 0:
        raise SystemExit(
            f"{label}: touchpoint run exited {measured.returncode}; log {log_dir / f'{label}.log'}\n"
            + measured.output[-3000:]
        )
    found = re.search(r"\(run ([0-9a-f-]{36})\)", measured.output)
    windows = (
        step_windows(warehouse.parent / f".{warehouse.stem}.build", found.group(1)) if found else []
    )
    build_dir = warehouse.parent / f".{warehouse.stem}.build"
    return RunFigures(
        label,
        measured,
        per_step(measured, windows),
        load_before,
        load_average(),
        dbt_thread_seconds(build_dir, measured.started),
    )


def plain_scan(landing: Path, workdir: Path) -> dict:
    db = workdir / "plain.duckdb"
    db.unlink(missing_ok=True)
    load_before = load_average()
    print(f"[{time.strftime('%H:%M:%S')}] plain DuckDB scan (load {load_before}) ...", flush=True)
    out = subprocess.run(
        [sys.executable, str(BENCH_INGEST), str(landing), "--phase", "plain", "--db", str(db)],
        capture_output=True,
        text=True,
        check=True,
    )
    db.unlink(missing_ok=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["load"] = f"{load_before} -> {load_average()}"
    return result


def check_same_answer(rebuilt: Path, incremental: Path) -> None:
    from tests.incremental.compare import compare_marts, compare_metrics

    differences = [*compare_marts(rebuilt, incremental).relations]
    differences += compare_metrics(rebuilt, incremental).relations
    if differences:
        print("same answer either way: NO\n  " + "\n  ".join(differences))
    else:
        print("same answer either way: yes (every mart row for row, every metric by month)")


# --- report -------------------------------------------------------------------------------------


def _gb(n: int) -> str:
    return f"{n / 2**30:.2f} GB"


def print_run(run: RunFigures) -> None:
    m = run.measured
    print(
        f"\n{run.label}: {m.wall_seconds:.1f} s wall, {m.cpu_seconds:.1f} CPU s, peak "
        f"{_gb(m.peak_rss_bytes)} (load {run.load_before} -> {run.load_after})"
    )
    print(f"  {'step':<34}{'wall s':>9}{'CPU s':>9}{'peak PSS':>11}")
    for step in run.steps:
        print(
            f"  {step.name[:34]:<34}{step.wall_seconds:>9.1f}{step.cpu_seconds:>9.1f}"
            f"{_gb(step.peak_rss_bytes):>11}"
        )
    if run.dbt_seconds:
        kinds = ", ".join(
            f"{kind} {seconds:.1f} s" for kind, seconds in sorted(run.dbt_seconds.items())
        )
        print(f"  dbt thread time: {kinds}")
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=365, help="days of history before the delivery")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument(
        "--workdir", type=Path, default=REPO_ROOT / ".touchpoint" / "bench_pipeline"
    )
    parser.add_argument(
        "--company",
        type=Path,
        help="an already generated company (a folder holding landing/) instead of generating one",
    )
    parser.add_argument(
        "--memory-limit", help="passed to `touchpoint run --memory-limit` (e.g. 5GB)"
    )
    parser.add_argument(
        "--no-incremental", action="store_true", help="stop after the full run (no next day)"
    )
    parser.add_argument(
        "--check-same-answer",
        action="store_true",
        help="after the incremental run, rebuild everything from scratch and compare",
    )
    parser.add_argument(
        "--no-plain-scan", action="store_true", help="leave out the plain DuckDB scan (last phase)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()

    workdir = args.workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    if args.company:
        company = args.company.resolve()
        if not (company / "landing").is_dir():
            parser.error(f"--company {company}: no landing/ folder in it")
        run_dir = workdir / f"run-{company.name}"
    else:
        company = generate_company(workdir, args.customers, args.days, args.seed)
        run_dir = workdir / f"run-{args.customers}x{args.days}-{args.seed}"
    by_date = delivery_files(company / "landing")
    if len(by_date) < 2:
        parser.error(
            f"{company / 'landing'}: needs files of at least two days, found {len(by_date)}"
        )
    last_day = max(by_date)
    history = [path for day, files in by_date.items() if day < last_day for path in files]
    memory = ["--memory-limit", args.memory_limit] if args.memory_limit else []
    scale = (
        f"{company} ({len(by_date) - 1} days of history)"
        if args.company
        else f"{args.customers:,} customers x {args.days} days"
    )

    shutil.rmtree(run_dir, ignore_errors=True)
    landing = run_dir / "landing"
    history_bytes = link_files(history, company / "landing", landing)
    warehouse = run_dir / "out" / "touchpoint.duckdb"
    print(
        f"history: {len(history):,} files, {history_bytes / 2**20:,.1f} MB before {last_day}; "
        f"delivery {last_day}: {len(by_date[last_day])} files"
    )

    history_only = run_dir / "history"
    link_files(history, company / "landing", history_only)

    # Each phase's figures are printed as soon as it ends: a run at scale takes hours, and one
    # stopped part-way keeps what it measured.
    full = touchpoint_run("full run", landing, warehouse, memory, run_dir)
    print_run(full)
    incremental = None
    if not args.no_incremental:
        delivery_bytes = link_files(by_date[last_day], company / "landing", landing)
        print(f"delivered {last_day}: {delivery_bytes / 2**20:,.1f} MB")
        incremental = touchpoint_run("incremental run", landing, warehouse, memory, run_dir)
        print_run(incremental)
        if args.check_same_answer:
            rebuilt = run_dir / "rebuilt" / "touchpoint.duckdb"
            touchpoint_run(
                "rebuild from scratch", landing, rebuilt, ["--full-refresh", *memory], run_dir
            )
            check_same_answer(rebuilt, warehouse)

    plain = None
    if not args.no_plain_scan:
        plain = plain_scan(history_only, run_dir)
        print(f"\n{scale}: {history_bytes / 2**20:,.1f} MB, {plain['rows_loaded']:,} rows")
        print(
            f"plain DuckDB scan: {plain['seconds']:.1f} s wall, {plain['cpu_seconds']:.1f} CPU s, "
            f"peak {plain['peak_rss_mb'] / 1024:.2f} GB (load {plain['load']})",
            flush=True,
        )

    full_wall = full.measured.wall_seconds
    print("\nagainst the goals (issue 14):")
    if plain is not None:
        ratio = full_wall / plain["seconds"]
        print(
            f"  full run / plain scan       {ratio:6.2f}x   (goal <= {GOALS['full_vs_plain_scan']}x)"
        )
    peak = full.measured.peak_rss_bytes / 2**30
    print(f"  peak memory, full run       {peak:6.2f} GB (goal <= {GOALS['peak_gb']} GB)")
    if history_bytes <= 150 * 2**20:
        print(
            f"  {history_bytes / 2**20:.0f} MB delivery end to end {full_wall:6.1f} s    "
            f"(goal <= {GOALS['delivery_100mb_seconds']} s for 100 MB)"
        )
    if incremental:
        share = incremental.measured.wall_seconds / full_wall
        cpu_share = incremental.measured.cpu_seconds / full.measured.cpu_seconds
        print(
            f"  next day / full run         {share:6.1%}    "
            f"(goal <= {GOALS['incremental_vs_full']:.0%}); in CPU seconds {cpu_share:.1%}"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "scale": scale,
                    "history_days": len(by_date) - 1,
                    "history_mb": history_bytes / 2**20,
                    "plain_scan": plain,
                    "runs": [
                        {
                            "label": run.label,
                            "wall_seconds": run.measured.wall_seconds,
                            "cpu_seconds": run.measured.cpu_seconds,
                            "peak_rss_gb": run.measured.peak_rss_bytes / 2**30,
                            "load": f"{run.load_before} -> {run.load_after}",
                            "steps": [step.__dict__ for step in run.steps],
                            "dbt_thread_seconds": run.dbt_seconds,
                        }
                        for run in (full, incremental)
                        if run is not None
                    ],
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
