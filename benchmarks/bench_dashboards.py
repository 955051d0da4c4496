"""Per-page render time of the dashboards (server side, Streamlit AppTest), first and warm.

    TOUCHPOINT_WAREHOUSE=/path/touchpoint.duckdb uv run python benchmarks/bench_dashboards.py

First the cold start of a fresh process (attach the publication, parse its semantic manifest,
render the default page); then for each page its first render (its own queries not yet
cached) and the median of five renders after it (what a reader sees when moving
between pages of one publication). Customer 360 is measured with a search for the customer who
has the most touchpoints. The README's figures come from this script.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from streamlit.testing.v1 import AppTest

from warehouse.connections import connect_published
from warehouse.settings import REPO_ROOT, TouchpointPaths

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    warehouse = TouchpointPaths.resolve().warehouse
    customer = busiest_customer(warehouse)
    print(f"warehouse {warehouse}")
    cold = AppTest.from_file(str(REPO_ROOT / "dashboards" / "app.py"), default_timeout=600)
    print(f"cold start (open the publication, render the default page): {timed_run(cold):.2f} s")
    print(f"{'page':<14} {'first (s)':>10} {'warm median (s)':>16} {'warm max (s)':>13}")
    for page in PAGES:
        script = REPO_ROOT / "dashboards" / "app_pages" / f"{page}.py"
        if not script.exists():
            continue
        app = AppTest.from_file(str(REPO_ROOT / "dashboards" / "app.py"), default_timeout=600)
        app.run()
        app.switch_page(f"app_pages/{page}.py")
        first = timed_run(app)
        if page == "customer_360":
            app.text_input(key="customer_search").set_value(customer)
            first += timed_run(app)
        warm = [timed_run(app) for _ in range(args.repeats)]
        print(f"{page:<14} {first:>10.2f} {statistics.median(warm):>16.3f} {max(warm):>13.3f}")


if __name__ == "__main__":
    main()
