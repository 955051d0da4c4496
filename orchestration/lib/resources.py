"""Resources shared by every area of the asset graph."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from warehouse.connections import connect_build
from warehouse.settings import TouchpointPaths

# Every asset that writes the build database runs in this pool; dagster.yaml (and the CLI's
# in-process executor) give it a limit of 1, so DuckDB's single-writer lock is never contended.
DUCKDB_WRITER_POOL = "duckdb_build_writer"


class WarehouseResource(dg.ConfigurableResource):
    """Paths of one Touchpoint deployment and the single writer connection to its build database."""

    landing_dir: str
    warehouse: str
    build_dir: str

    @classmethod
    def from_paths(cls, paths: TouchpointPaths) -> WarehouseResource:
        return cls(
            landing_dir=str(paths.landing_dir),
            warehouse=str(paths.warehouse),
            build_dir=str(paths.build_dir),
        )

    @property
    def paths(self) -> TouchpointPaths:
        return TouchpointPaths(
            landing_dir=Path(self.landing_dir),
            warehouse=Path(self.warehouse),
            build_dir=Path(self.build_dir),
        )

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        con = connect_build(self.paths.build_db)
        try:
            yield con
        finally:
            con.close()
