"""The dbt project as Dagster sees it, and the one way its manifest gets prepared."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from dagster_dbt import DbtProject

from warehouse.settings import DBT_PROJECT_DIR

# The pipeline always builds the private build database; `published` is for readers.
BUILD_TARGET = "build"

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


def prepare_manifest() -> Path:
    """Run `dbt parse` so that manifest.json and semantic_manifest.json match the project."""
    DBT_PROJECT.preparer.prepare(DBT_PROJECT)
    return DBT_PROJECT.manifest_path


def semantic_manifest_path() -> Path:
    return DBT_PROJECT.manifest_path.with_name("semantic_manifest.json")
