"""The identity tests on the demo company read its records (int_identity_records) from the
session's shared build of the demo company (tests/conftest.py); nothing is generated or built
here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.conftest import DemoRun
from warehouse.connections import connect_published


@dataclass(frozen=True)
class DemoIdentity:
    warehouse: Path
    truth_dir: Path

    def truth(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.truth_dir / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def demo_identity(demo_run: DemoRun) -> DemoIdentity:
    # the build: identity's own tables and the clear identifiers it resolved (the analyst
    # publication holds only the marts, pseudonymised)
    return DemoIdentity(demo_run.build_db, demo_run.truth_dir)


@pytest.fixture()
def demo_con(demo_identity: DemoIdentity) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_published(demo_identity.warehouse)
    yield con
    con.close()
