"""Per-page render time of the dashboards (server side, Streamlit AppTest), cold and warm.

    uv run python benchmarks/bench_dashboards.py --warehouse /path/touchpoint.duckdb
    TOUCHPOINT_WAREHOUSE=/path/touchpoint.duckdb uv run python benchmarks/bench_dashboards.py

First the cold start of a fresh process (attach the publication, parse its semantic manifest,
render the default page). Then, for each page, its cold first view: every cached query result
is dropped (the open publication is kept), so the page runs all its own queries, as the first
reader of a new publication does; then `--repeats` warm renders (what a reader sees when moving
between pages of one publication: results come from the cache), reported as median and p95.
Customer 360 is measured with a search for the customer who has the most touchpoints.
It also lists, per page, every warehouse query or metric request of the cold view that took at
least `--slow-queries` seconds, and the time MetricFlow took to write the SQL of each metric
request apart ("compiling"): which query to pre-aggregate, and what is not the query at all.
Goals (issue 14, at 1M customers): cold first view <= 5 s, warm p95 <= 200 ms.
The README's figures come from this script.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import streamlit as st
from streamlit.testing.v1 import AppTest

import dashboards.lib.published as published
from warehouse.connections import connect_published
from warehouse.semantic_layer import SemanticLayer
from warehouse.settings import ENV_WAREHOUSE, REPO_ROOT, TouchpointPaths

PAGES = [
    "scorecard",
    "drivers",
    "journeys",
    "service",
    "launches",
    "channels",
    "customer_360",
    "data_health",
]
GOAL_COLD_SECONDS = 5.0
GOAL_WARM_P95_SECONDS = 0.2


@dataclass
class TimedQuery:
    seconds: float
    what: str  # the SQL (shortened) or the metrics requested


@dataclass
class PageFigures:
    page: str
    cold_seconds: float
    warm_median_seconds: float
    warm_p95_seconds: float
    slow_queries: list[TimedQuery] = field(default_factory=list)


class QueryTimer:
    """Times every call of the dashboards' two cached readers (`sql`, `metrics`) and of
    MetricFlow's SQL generation: a cache hit takes microseconds, a miss is the query's own time.
    The wrappers call the original functions, so caching behaves as without them."""

    def __init__(self) -> None:
        self.timed: list[TimedQuery] = []

    def install(self) -> None:
        published._cached_sql = self._wrap(published._cached_sql, lambda args: args[2])
        published._cached_metrics = self._wrap(
            published._cached_metrics, lambda args: f"metrics {list(args[2])} by {list(args[3])}"
        )
        # MetricFlow's SQL generation, apart: of a metric request's time, what is not the query
        SemanticLayer.compile = self._wrap(
            SemanticLayer.compile,
            lambda args: f"(compiling {list(args[1])} by {list(args[2]) if len(args) > 2 else []})",
        )

    def _wrap(self, cached: Callable, describe: Callable[[tuple], str]) -> Callable:
        def timed(*args: object, **kwargs: object) -> object:
            started = time.perf_counter()
            result = cached(*args, **kwargs)
            self.timed.append(TimedQuery(time.perf_counter() - started, describe(args)))
            return result

        return timed


def busiest_customer(warehouse: Path) -> str:
    con = connect_published(warehouse)
    try:
        return con.execute(
            "select customer_id from marts.fct_touchpoint where customer_id is not null "
            "group by all order by count(*) desc limit 1"
        ).fetchone()[0]
    finally:
        con.close()


def timed_run(app: AppTest) -> float:
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    if app.exception:
        raise RuntimeError(app.exception[0].value)
    return elapsed


def p95(values: list[float]) -> float:
    return (
        statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]
    )


def measure_page(
    page: str, customer: str, repeats: int, timer: QueryTimer, slow_seconds: float
) -> PageFigures:
    app = AppTest.from_file(str(REPO_ROOT / "dashboards" / "app.py"), default_timeout=1800)
    app.run()
    st.cache_data.clear()  # every query result; the open publication (a resource) stays
    timer.timed.clear()
    app.switch_page(f"app_pages/{page}.py")
    cold = timed_run(app)
    if page == "customer_360":
        app.text_input(key="customer_search").set_value(customer)
        cold += timed_run(app)
    slow = sorted((q for q in timer.timed if q.seconds >= slow_seconds), key=lambda q: -q.seconds)
    warm = [timed_run(app) for _ in range(repeats)]
    return PageFigures(page, cold, statistics.median(warm), p95(warm), slow)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--warehouse", type=Path, help=f"the published warehouse (default: ${ENV_WAREHOUSE})"
    )
    parser.add_argument("--repeats", type=int, default=20, help="warm renders per page")
    parser.add_argument(
        "--slow-queries",
        type=float,
        default=0.5,
        metavar="SECONDS",
        help="list the cold view's queries that took at least this long (default 0.5)",
    )
    parser.add_argument("--pages", nargs="*", default=PAGES, choices=PAGES)
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if args.warehouse:
        os.environ[ENV_WAREHOUSE] = str(args.warehouse.resolve())  # the app resolves it too
    warehouse = TouchpointPaths.resolve().warehouse
    if not warehouse.exists():
        parser.error(f"no published warehouse at {warehouse}")
    load_before = "/".join(f"{v:.1f}" for v in os.getloadavg())
    customer = busiest_customer(warehouse)
    print(f"warehouse {warehouse} (load {load_before})")
    timer = QueryTimer()
    timer.install()
    cold = AppTest.from_file(str(REPO_ROOT / "dashboards" / "app.py"), default_timeout=1800)
    cold_start = timed_run(cold)
    print(f"cold start (open the publication, render the default page): {cold_start:.2f} s")
    print(f"{'page':<14} {'cold (s)':>9} {'warm median (s)':>16} {'warm p95 (s)':>13}")
    figures = []
    for page in args.pages:
        if not (REPO_ROOT / "dashboards" / "app_pages" / f"{page}.py").exists():
            continue
        figure = measure_page(page, customer, args.repeats, timer, args.slow_queries)
        figures.append(figure)
        verdict = (
            "ok"
            if figure.cold_seconds <= GOAL_COLD_SECONDS
            and figure.warm_p95_seconds <= GOAL_WARM_P95_SECONDS
            else "over goal"
        )
        print(
            f"{page:<14} {figure.cold_seconds:>9.2f} {figure.warm_median_seconds:>16.3f} "
            f"{figure.warm_p95_seconds:>13.3f}  {verdict}",
            flush=True,
        )
        for query in figure.slow_queries:
            print(f"    {query.seconds:7.2f} s  {' '.join(query.what.split())[:150]}")
    load_after = "/".join(f"{v:.1f}" for v in os.getloadavg())
    print(
        f"goals: cold first view <= {GOAL_COLD_SECONDS:.0f} s, warm p95 <= "
        f"{GOAL_WARM_P95_SECONDS * 1000:.0f} ms (load {load_before} -> {load_after})"
    )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "warehouse": str(warehouse),
                    "load": f"{load_before} -> {load_after}",
                    "cold_start_seconds": cold_start,
                    "pages": [asdict(f) for f in figures],
                },
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
