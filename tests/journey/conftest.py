"""The journey tests read the session's build of the hand-made landing folder (tests/conftest.py):
the pipeline job itself, run once by `touchpoint run`, with every dbt model and test."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from tests.helpers import PipelineRun
from warehouse.connections import connect_published


@pytest.fixture()
def journey_con(handmade_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_published(handmade_run.build_db)  # the build: intermediate models too
    yield con
    con.close()
