"""Where the Spark path keeps its files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

# Read by dbt's profiles.yml (target `spark`).
ENV_SPARK_DIR = "TOUCHPOINT_SPARK_DIR"
ENV_SPARK_RAW_DIR = "TOUCHPOINT_SPARK_RAW_DIR"
SPARK_TARGET = "spark"


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

    @property
    def view_copies_dir(self) -> Path:
        """Rows of Spark views that leave Spark, laid out as the warehouse's tables are."""
        return self.root / "view_copies"

    def export_env(self) -> dict[str, str]:
        """The environment dbt's `spark` target reads (absolute paths: Spark resolves relative
        locations against its own working directory)."""
        return {
            ENV_SPARK_DIR: str(self.root.resolve()),
            ENV_SPARK_RAW_DIR: str(self.raw_dir.resolve()),
        }
