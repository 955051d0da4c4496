"""A separate reader process: queries the published warehouse in a loop while pipelines run.

Usage: python reader_loop.py WAREHOUSE OUT_JSON STOP_FILE READY_FILE
Each round opens a fresh reader (as a dashboard page would) and also queries one long-lived
reader opened at start; every (version, row count) seen and every error is written to OUT_JSON.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from warehouse.connections import connect_published

QUERY = (
    "select (select max(version) from ops.publications), "
    "(select count(*) from marts.fct_survey_response)"
)


def main(warehouse: Path, out: Path, stop: Path, ready: Path) -> None:
    fresh, long_lived, errors = [], [], []
    held = connect_published(warehouse)
    while not stop.exists():
        try:
            con = connect_published(warehouse)
            fresh.append(list(con.execute(QUERY).fetchone()))
            con.close()
            long_lived.append(list(held.execute(QUERY).fetchone()))
        except Exception as error:  # recorded, and the test fails on any
            errors.append(f"{type(error).__name__}: {error}")
        ready.touch()
        time.sleep(0.02)
    out.write_text(json.dumps({"fresh": fresh, "long_lived": long_lived, "errors": errors}))


if __name__ == "__main__":
    main(*(Path(arg) for arg in sys.argv[1:5]))
