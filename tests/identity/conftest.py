"""The simulator's demo company, ingested and staged up to int_identity_records, built once."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from benchmarks.bench_identity import build_identity_records

# The demo company of `make demo` (Makefile: DEMO_CUSTOMERS, DEMO_DAYS, DEMO_SEED).
DEMO_CUSTOMERS, DEMO_DAYS, DEMO_SEED = 3000, 180, 42


@dataclass(frozen=True)
class DemoIdentity:
    build_db: Path
    truth_dir: Path

    def truth(self, name: str) -> pd.DataFrame:
        return pd.read_csv(self.truth_dir / f"{name}.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def demo_identity(tmp_path_factory: pytest.TempPathFactory) -> DemoIdentity:
    out = tmp_path_factory.mktemp("demo_company")
    result = subprocess.run(
        [sys.executable, "-m", "simulator", "--out", str(out), "--customers", str(DEMO_CUSTOMERS),
         "--days", str(DEMO_DAYS), "--seed", str(DEMO_SEED), "--quiet"],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    build_db = out / "build" / "touchpoint.duckdb"
    build_identity_records(out / "landing", build_db)
    return DemoIdentity(build_db, out / "truth")


@pytest.fixture()
def demo_con(demo_identity: DemoIdentity) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(demo_identity.build_db), read_only=True)
    yield con
    con.close()
