"""Session fixtures: the hand-made landing folder and the demo company, each built once into a
published warehouse."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.helpers import HANDMADE_LANDING, PipelineRun, run_pipeline, run_touchpoint
from warehouse.connections import connect_published
from warehouse.semantic_layer import SemanticLayer


@pytest.fixture(scope="session")
def handmade_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """`touchpoint run` on the hand-made landing folder, from an unrelated working directory."""
    workdir = tmp_path_factory.mktemp("handmade")
    run = run_pipeline(HANDMADE_LANDING, workdir / "out" / "warehouse.duckdb", cwd=workdir)
    assert run.result.returncode == 0, run.output
    return run


@pytest.fixture(scope="session")
def handmade_warehouse(handmade_run: PipelineRun) -> Path:
    return handmade_run.warehouse


@pytest.fixture()
def published_con(handmade_warehouse: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_published(handmade_warehouse)
    yield con
    con.close()


@pytest.fixture()
def semantic_layer(published_con: duckdb.DuckDBPyConnection) -> SemanticLayer:
    return SemanticLayer.from_publication(published_con)


# The demo company the KPI, effect and dashboard tests share: big enough for the planted
# effects to show, small enough for CI (about 2-3 min to simulate and run on 2 cores).
DEMO_CUSTOMERS, DEMO_DAYS, DEMO_SEED = 3000, 180, 42


@dataclass(frozen=True)
class DemoRun:
    """A simulated company run through `touchpoint run`: its published warehouse and truth."""

    landing: Path
    truth_dir: Path
    warehouse: Path
    output: str

    def effects(self) -> dict:
        return json.loads((self.truth_dir / "effects.json").read_text())


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    """`touchpoint generate` then `touchpoint run` on the demo company, built once per session."""
    out = tmp_path_factory.mktemp("demo_run")
    generated = run_touchpoint(
        "generate",
        "--out",
        str(out / "company"),
        "--customers",
        str(DEMO_CUSTOMERS),
        "--days",
        str(DEMO_DAYS),
        "--seed",
        str(DEMO_SEED),
        "--quiet",
        cwd=out,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    run = run_pipeline(
        out / "company" / "landing", out / "warehouse" / "touchpoint.duckdb", cwd=out
    )
    assert run.result.returncode == 0, run.output
    return DemoRun(
        out / "company" / "landing", out / "company" / "truth", run.warehouse, run.output
    )


@pytest.fixture()
def demo_published_con(demo_run: DemoRun) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_published(demo_run.warehouse)
    yield con
    con.close()


@pytest.fixture()
def demo_semantic_layer(demo_published_con: duckdb.DuckDBPyConnection) -> SemanticLayer:
    return SemanticLayer.from_publication(demo_published_con)
