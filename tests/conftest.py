"""Session fixtures: the hand-made landing folder built once into a published warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.helpers import HANDMADE_LANDING, PipelineRun, run_pipeline
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
