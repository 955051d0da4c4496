"""Where Touchpoint reads and writes: one place that resolves every path from flags or env vars."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"

# MetricFlow renders fully qualified SQL (`touchpoint.marts.fct_...`), so the build database and
# every reader's attachment of the published copy must carry this catalog name.
CATALOG = "touchpoint"

DEFAULT_STATE_DIR = REPO_ROOT / ".touchpoint"
DEFAULT_LANDING_DIR = DEFAULT_STATE_DIR / "demo" / "landing"
DEFAULT_WAREHOUSE = DEFAULT_STATE_DIR / "warehouse" / "touchpoint.duckdb"

ENV_LANDING_DIR = "TOUCHPOINT_LANDING_DIR"
ENV_WAREHOUSE = "TOUCHPOINT_WAREHOUSE"
ENV_BUILD_DIR = "TOUCHPOINT_BUILD_DIR"
# Read by dbt's profiles.yml; derived from the build dir, never set by hand.
ENV_BUILD_DB = "TOUCHPOINT_BUILD_DB"
# DuckDB's memory_limit for every DuckDB connection of a run: the build connections (ingestion,
# identity, CLV, checks, publish), the steps' in-memory ones (identity's joins and Splink, writing
# the publications) and dbt's (profiles.yml reads it too). DuckDB's own default, 80 % of the machine's memory, unless set.
ENV_MEMORY_LIMIT = "TOUCHPOINT_MEMORY_LIMIT"
DEFAULT_MEMORY_LIMIT = "80%"


@dataclass(frozen=True)
class TouchpointPaths:
    """The landing folder (input), the private build database and the published warehouse."""

    landing_dir: Path
    warehouse: Path
    build_dir: Path

    @property
    def build_db(self) -> Path:
        return self.build_dir / f"{CATALOG}.duckdb"

    @property
    def reports_dir(self) -> Path:
        """Quality reports of the latest build (Markdown/HTML), linked from Dagster metadata."""
        return self.build_dir / "reports"

    @classmethod
    def resolve(
        cls,
        landing_dir: str | Path | None = None,
        warehouse: str | Path | None = None,
        build_dir: str | Path | None = None,
    ) -> TouchpointPaths:
        """Flags win over environment variables, which win over the embedded demo defaults."""
        landing = Path(landing_dir or os.environ.get(ENV_LANDING_DIR) or DEFAULT_LANDING_DIR)
        published = Path(warehouse or os.environ.get(ENV_WAREHOUSE) or DEFAULT_WAREHOUSE)
        published = published.expanduser().resolve()
        build = build_dir or os.environ.get(ENV_BUILD_DIR) or _default_build_dir(published)
        return cls(
            landing_dir=landing.expanduser().resolve(),
            warehouse=published,
            build_dir=Path(build).expanduser().resolve(),
        )

    def export_env(self) -> None:
        """Make the paths visible to child processes (dbt, Dagster step workers)."""
        os.environ[ENV_LANDING_DIR] = str(self.landing_dir)
        os.environ[ENV_WAREHOUSE] = str(self.warehouse)
        os.environ[ENV_BUILD_DIR] = str(self.build_dir)
        os.environ[ENV_BUILD_DB] = str(self.build_db)


def memory_limit() -> str:
    """DuckDB's memory_limit for the build (e.g. `4GB`, `512MB`, `50%`): the
    TOUCHPOINT_MEMORY_LIMIT environment variable (`touchpoint run --memory-limit` sets it)."""
    return os.environ.get(ENV_MEMORY_LIMIT, "").strip() or DEFAULT_MEMORY_LIMIT


def invalid_memory_limit() -> str | None:
    """Why the memory_limit setting is not one DuckDB accepts, or None when it is."""
    import duckdb  # only here: settings are read by processes that never open DuckDB

    try:
        duckdb.connect(config={"memory_limit": memory_limit()}).close()
    except duckdb.Error as error:
        return f"memory limit {memory_limit()!r} ({ENV_MEMORY_LIMIT}) is not valid: {error}"
    return None


def _default_build_dir(published: Path) -> Path:
    # Beside the published file, so the final copy + rename never crosses a file system.
    return published.parent / f".{published.stem}.build"
