"""Fixtures: an in-memory DuckDB and an empty landing folder per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    c = duckdb.connect()
    yield c
    c.close()


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    p = tmp_path / "landing"
    p.mkdir()
    return p
