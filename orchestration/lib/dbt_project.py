"""The dbt project as Dagster sees it, and the one way its manifest gets prepared."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from orchestration.lib.engine import dbt_target, selected_engine
from warehouse.settings import DBT_PROJECT_DIR

# The pipeline builds with the engine TOUCHPOINT_ENGINE chooses: the private build database
# (`build`) or Spark (`spark`); `published` is for readers.
BUILD_TARGET = dbt_target(selected_engine())

os.environ.setdefault("DO_NOT_TRACK", "1")  # dbt: no anonymous usage stats (and no 30 s stalls)

# dagster-dbt looks `dbt` up on PATH; the console scripts of this environment may not be on it
# (e.g. `.venv/bin/touchpoint` run without activating the venv).
_ENV_BIN = str(Path(sys.executable).parent)
if _ENV_BIN not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = os.pathsep.join([_ENV_BIN, os.environ.get("PATH", "")])

DBT_PROJECT = DbtProject(
    project_dir=DBT_PROJECT_DIR,
    profiles_dir=DBT_PROJECT_DIR,
    target=BUILD_TARGET,
)


# dagster-dbt writes each dbt step's artifacts to a subfolder of this folder, and copies the
# partial-parse state it finds there into each step, so that no step parses the project again.
ENV_DBT_TARGET_PATH = "DBT_TARGET_PATH"


def prepare_manifest(target_path: Path | None = None) -> Path:
    """Run `dbt parse` so that manifest.json and semantic_manifest.json match the project.

    Without `target_path` it parses into the project's own target/ (what the Dagster UI reads).
    With it, it parses into `target_path` for one run: dbt reuses that folder's partial-parse
    state from the run before (a daily run on the same build folder parses only what changed),
    or, in a fresh folder, the state another build folder's parse left (`dbt_parse_cache`), and
    every dbt step of the run starts from it. A step given a parse state made for another
    build database (dbt hashes the profile's paths into it) would parse the whole project again.
    """
    if target_path is None:
        DBT_PROJECT.preparer.prepare(DBT_PROJECT)
        return DBT_PROJECT.manifest_path
    from orchestration.lib import dbt_parse_cache
    from orchestration.lib.dbt_in_process import parse_in_process

    target_path.mkdir(parents=True, exist_ok=True)
    where = (target_path, DBT_PROJECT.project_dir, DBT_PROJECT.profiles_dir, BUILD_TARGET)
    # A fresh build folder starts from another build folder's parse of the same project; dbt
    # re-parses whatever differs (dbt_parse_cache).
    dbt_parse_cache.seed(*where)
    # In this process: the dbt steps of the run start from this very manifest (no parse, no
    # dbt start-up of their own).
    parse_in_process(*where)
    dbt_parse_cache.keep(*where)
    _share_with_project(target_path)
    return target_path / "manifest.json"


def _share_with_project(target_path: Path) -> None:
    """Put the run's manifests where readers of the project's target/ look (the Dagster UI, the
    freshness checks), each replaced atomically; not the parse state, which is the run's."""
    project_target = DBT_PROJECT.project_dir / DBT_PROJECT.target_path
    if target_path.resolve() == project_target.resolve():
        return
    project_target.mkdir(parents=True, exist_ok=True)
    for name in ("manifest.json", "semantic_manifest.json"):
        fresh = (target_path / name).read_bytes()
        shared = project_target / name
        if shared.exists() and shared.read_bytes() == fresh:
            continue
        temporary = shared.with_name(f".{name}.{os.getpid()}.tmp")
        temporary.write_bytes(fresh)
        os.replace(temporary, shared)


def manifest_path() -> Path:
    """The manifest of the run in progress (its `$DBT_TARGET_PATH`), else the project's."""
    run_target = os.environ.get(ENV_DBT_TARGET_PATH)
    if run_target and (Path(run_target) / "manifest.json").exists():
        return Path(run_target) / "manifest.json"
    return DBT_PROJECT.manifest_path


def semantic_manifest_path() -> Path:
    return manifest_path().with_name("semantic_manifest.json")
