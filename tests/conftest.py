"""Session fixtures: the hand-made landing folder and the demo company, each generated and built
once per test session (also under pytest-xdist: tests/builds.py) and shared by every test that
reads them. Tests that use them are marked `slow` automatically, so `make test-fast` runs none
of these builds."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.builds import generated_company_once, pipeline_run_once
from tests.helpers import HANDMADE_LANDING, PipelineRun
from warehouse.connections import connect_published
from warehouse.semantic_layer import SemanticLayer
from warehouse.settings import DBT_PROJECT_DIR

# The shared builds, by the fixture that makes them. A test that needs one is `slow`, and joins
# the xdist group of its build: `pytest -n 2 --dist loadgroup` (make test) then runs each group on
# one worker, so no worker sits waiting for a build another worker holds the lock of.
BUILD_GROUPS = {
    "demo_company": "demo",
    "demo_run": "demo",
    "handmade_run": "handmade",
    "spark_run": "handmade_spark",  # tests/spark/conftest.py
    "small_company": "small_company_spark",  # tests/spark/conftest.py: its two builds, one worker
    "small_company_run": "small_company_spark",
    "small_company_spark_run": "small_company_spark",
}


# tryfirst: pytest-xdist reads the `xdist_group` marks in its own collection hook (it suffixes
# each test's node id with its group), so they must be on the items before it runs. (Under
# pytest 9.2 that suffix was lost, and every group with it: pyproject.toml pins pytest < 9.2.)
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    groups_of = {item.nodeid: _build_groups(item) for item in items}
    # A module-scoped fixture is built once per worker: left to `--dist loadgroup`, a module's
    # tests spread over both workers and each built it (the three-delivery same-answer build
    # twice, 134 s each). Such a module's tests join one group: the build they use, if one;
    # a module that spans builds (the Spark ones) keeps its builds' groups on their own workers.
    module_groups: dict[str, set[str]] = {}
    for item in items:
        if _uses_a_module_fixture(item):
            module_groups.setdefault(_module_of(item), set()).update(groups_of[item.nodeid])
    module_groups = {module: groups for module, groups in module_groups.items() if len(groups) <= 1}
    for item in items:
        groups = groups_of[item.nodeid]
        if groups:
            item.add_marker(pytest.mark.slow)
        if _module_of(item) in module_groups and not item.get_closest_marker("xdist_group"):
            groups = module_groups[_module_of(item)] or {_module_of(item).replace("/", ".")}
        if groups:
            item.add_marker(pytest.mark.xdist_group("+".join(sorted(groups))))


def _build_groups(item: pytest.Item) -> set[str]:
    return {
        BUILD_GROUPS[name] for name in getattr(item, "fixturenames", ()) if name in BUILD_GROUPS
    }


def _module_of(item: pytest.Item) -> str:
    return item.nodeid.split("::")[0]


def _uses_a_module_fixture(item: pytest.Item) -> bool:
    fixture_info = getattr(item, "_fixtureinfo", None)  # pytest's own record of the closure
    if fixture_info is None:
        return False
    return any(
        definition.scope == "module"
        for definitions in fixture_info.name2fixturedefs.values()
        for definition in definitions
    )


@pytest.fixture(scope="session")
def dbt_parsed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`dbt parse` of the working tree into a private target folder, once per session (the
    project's own target/ may be in use); holds manifest.json and semantic_manifest.json."""
    target = tmp_path_factory.mktemp("dbt_target")
    dbt = Path(sys.executable).with_name("dbt")
    result = subprocess.run(
        [str(dbt), "parse", "--profiles-dir", ".", "--target-path", str(target), "--quiet"],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "DO_NOT_TRACK": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return target


@pytest.fixture(scope="session")
def handmade_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    """`touchpoint run` on the hand-made landing folder, from an unrelated working directory."""
    run = pipeline_run_once(tmp_path_factory, "handmade", lambda _folder: HANDMADE_LANDING)
    assert run.returncode == 0, run.output
    return run


@pytest.fixture(scope="session")
def handmade_warehouse(handmade_run: PipelineRun) -> Path:
    return handmade_run.warehouse


@pytest.fixture()
def published_con(handmade_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything the run built and published from (its build database: raw, identity, CLV and
    the marts in clear), attached read-only under the catalog name readers use. What readers
    themselves see, the analyst publication, is `handmade_warehouse` (tests/privacy)."""
    con = connect_published(handmade_run.build_db)
    yield con
    con.close()


@pytest.fixture()
def semantic_layer(published_con: duckdb.DuckDBPyConnection) -> SemanticLayer:
    return SemanticLayer.from_publication(published_con)


# The demo company the KPI, effect, identity and dashboard tests share: big enough for the
# planted effects to show, small enough for CI.
DEMO_CUSTOMERS, DEMO_DAYS, DEMO_SEED = 3000, 180, 42


@dataclass(frozen=True)
class DemoCompany:
    """`touchpoint generate` output: the eight systems' extracts and what really happened."""

    landing: Path
    truth_dir: Path

    def effects(self) -> dict:
        return json.loads((self.truth_dir / "effects.json").read_text())


@pytest.fixture(scope="session")
def demo_company(tmp_path_factory: pytest.TempPathFactory) -> DemoCompany:
    """The demo company, generated once per session."""
    company = generated_company_once(
        tmp_path_factory, "demo_company", DEMO_CUSTOMERS, DEMO_DAYS, DEMO_SEED
    )
    return DemoCompany(company / "landing", company / "truth")


@dataclass(frozen=True)
class DemoRun:
    """The demo company run through `touchpoint run`: its published warehouse and truth."""

    company: DemoCompany
    pipeline: PipelineRun

    @property
    def warehouse(self) -> Path:
        return self.pipeline.warehouse

    @property
    def build_db(self) -> Path:
        return self.pipeline.build_db

    @property
    def truth_dir(self) -> Path:
        return self.company.truth_dir

    def effects(self) -> dict:
        return self.company.effects()


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory, demo_company: DemoCompany) -> DemoRun:
    """`touchpoint run` on the demo company, built once per session."""
    run = pipeline_run_once(tmp_path_factory, "demo_run", lambda _folder: demo_company.landing)
    assert run.returncode == 0, run.output
    return DemoRun(demo_company, run)


@pytest.fixture()
def demo_published_con(demo_run: DemoRun) -> Iterator[duckdb.DuckDBPyConnection]:
    """The demo run's build database, read-only (see `published_con`)."""
    con = connect_published(demo_run.build_db)
    yield con
    con.close()


@pytest.fixture()
def demo_semantic_layer(demo_published_con: duckdb.DuckDBPyConnection) -> SemanticLayer:
    return SemanticLayer.from_publication(demo_published_con)
