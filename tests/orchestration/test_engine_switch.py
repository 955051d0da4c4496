"""TOUCHPOINT_ENGINE chooses the engine the dbt steps build with; the asset graph is the same
(issue 17, docs/scale-out.md). The Spark pipeline itself is run by tests/spark."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib.engine import ENV_ENGINE, Engine, UnknownEngineError, selected_engine
from tests.helpers import REPO_ROOT

# Builds the code location as `dagster dev` or `touchpoint run` would, in a fresh process (the
# engine is read when the definitions are built), and prints what it holds.
_DESCRIBE_DEFINITIONS = """
import json, sys
from pathlib import Path
from orchestration.definitions import build_definitions
from orchestration.lib.dbt_project import DBT_PROJECT
from warehouse.settings import TouchpointPaths

root = Path(sys.argv[1])
defs = build_definitions(TouchpointPaths.resolve(root / "landing", root / "wh.duckdb"))
graph = defs.resolve_asset_graph()
job = defs.resolve_job_def("touchpoint_pipeline")
print(json.dumps({
    "assets": sorted(key.to_user_string() for key in graph.get_all_asset_keys()),
    "checks": sorted(key.to_user_string() for key in graph.asset_check_keys),
    "job_assets": sorted(key.to_user_string() for key in job.asset_layer.asset_graph.get_all_asset_keys()),
    "dbt_target": DBT_PROJECT.target,
}))
"""


def _definitions_with(
    engine: str | None, dbt_parsed: Path, root: Path
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOUCHPOINT_")}
    env["DBT_TARGET_PATH"] = str(dbt_parsed)  # the session's parse: no dbt parse per process
    env["DO_NOT_TRACK"] = "1"
    env["PYTHONPATH"] = str(REPO_ROOT)  # the script's own folder is not the repository
    if engine is not None:
        env[ENV_ENGINE] = engine
    # A script file, not `python -c`: pyspark (imported by Great Expectations when installed)
    # takes a main module without a file for its doctests and exits the process.
    root.mkdir(parents=True, exist_ok=True)
    script = root / "describe_definitions.py"
    script.write_text(_DESCRIBE_DEFINITIONS)
    return subprocess.run(
        [sys.executable, str(script), str(root)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_both_engines_load_the_same_asset_graph(dbt_parsed: Path, tmp_path: Path) -> None:
    described = {}
    for engine in (None, "spark"):
        loaded = _definitions_with(engine, dbt_parsed, tmp_path / str(engine))
        assert loaded.returncode == 0, loaded.stderr[-3000:]
        described[engine] = json.loads(loaded.stdout.strip().splitlines()[-1])
    duckdb_graph, spark_graph = described[None], described["spark"]
    assert duckdb_graph["dbt_target"] == "build"
    assert spark_graph["dbt_target"] == "spark"
    assert "marts/dim_customer" in spark_graph["assets"]
    assert "published_warehouse" in spark_graph["job_assets"]
    for part in ("assets", "checks", "job_assets"):
        assert spark_graph[part] == duckdb_graph[part], part


def test_an_unknown_engine_is_refused_by_name(dbt_parsed: Path, tmp_path: Path) -> None:
    loaded = _definitions_with("oracle", dbt_parsed, tmp_path)
    assert loaded.returncode != 0
    assert "TOUCHPOINT_ENGINE='oracle' is not an engine: choose duckdb or spark" in loaded.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Engine.DUCKDB),
        ("", Engine.DUCKDB),
        ("duckdb", Engine.DUCKDB),
        (" Spark ", Engine.SPARK),
    ],
)
def test_the_setting_is_read_forgivingly(
    value: str | None, expected: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if value is None:
        monkeypatch.delenv(ENV_ENGINE, raising=False)
    else:
        monkeypatch.setenv(ENV_ENGINE, value)
    assert selected_engine() is expected


def test_a_misspelt_engine_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_ENGINE, "sprak")
    with pytest.raises(UnknownEngineError, match="choose duckdb or spark"):
        selected_engine()
