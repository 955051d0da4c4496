"""Where the Spark path keeps its files, and which engine a run uses."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

ENV_ENGINE = "TOUCHPOINT_ENGINE"
ENGINES = ("duckdb", "spark")
# Read by dbt's profiles.yml (target `spark`).
ENV_SPARK_DIR = "TOUCHPOINT_SPARK_DIR"
ENV_SPARK_RAW_DIR = "TOUCHPOINT_SPARK_RAW_DIR"
SPARK_TARGET = "spark"


def engine() -> str:
    """`duckdb` (default) or `spark`, from TOUCHPOINT_ENGINE; anything else is a clear error."""
    chosen = os.environ.get(ENV_ENGINE, "").strip().lower() or "duckdb"
    if chosen not in ENGINES:
        raise ValueError(f"{ENV_ENGINE} must be one of {', '.join(ENGINES)}, not {chosen!r}")
    return chosen


@dataclass(frozen=True)
class SparkPaths:
    """The Spark build's folder: the Parquet export of dbt's sources (`raw/`), Spark's tables
    (`warehouse/`) and its Derby metastore (`metastore_db/`)."""

    root: Path

    @property
    def raw_dir(self) -> Path:
        return self.root / "raw"

    @property
    def warehouse_dir(self) -> Path:
        return self.root / "warehouse"

    def export_env(self) -> dict[str, str]:
        """The environment dbt's `spark` target reads (absolute paths: Spark resolves relative
        locations against its own working directory)."""
        return {
            ENV_SPARK_DIR: str(self.root.resolve()),
            ENV_SPARK_RAW_DIR: str(self.raw_dir.resolve()),
        }
