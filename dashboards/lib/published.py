"""The dashboards' only door to data: the published warehouse, read-only, one version at a time.

A connection is cached per published file identity (inode + mtime). When the pipeline publishes,
the file is replaced by rename, its identity changes, and the next page run opens the new
version; pages never see a mix of versions and never hold a lock that blocks the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from warehouse.connections import connect_published
from warehouse.publication import latest_publication
from warehouse.semantic_layer import SemanticLayer
from warehouse.settings import TouchpointPaths


@dataclass(frozen=True)
class PublishedWarehouse:
    path: Path
    version: int
    published_at: object
    con: duckdb.DuckDBPyConnection
    semantic_layer: SemanticLayer

    def metrics(
        self, metrics: tuple[str, ...], group_by: tuple[str, ...] = (), **kwargs
    ) -> pd.DataFrame:
        """Metric values computed by the semantic layer's definitions (cached per version)."""
        return _cached_metrics(
            self.path, self.version, metrics, group_by, tuple(sorted(kwargs.items()))
        )


def open_published() -> PublishedWarehouse | None:
    """The current published version, or None (after showing a friendly note) if there is none."""
    path = TouchpointPaths.resolve().warehouse
    if not path.exists():
        st.info(
            "No warehouse has been published yet. Run `make demo` or "
            "`touchpoint run --landing DIR` and reload this page."
        )
        return None
    stat = path.stat()
    return _open(str(path), stat.st_ino, stat.st_mtime_ns)


@st.cache_resource(max_entries=2, show_spinner=False)
def _open(path: str, _inode: int, _mtime_ns: int) -> PublishedWarehouse:
    # inode and mtime are part of the cache key: a new publication opens a new connection.
    con = connect_published(Path(path))
    publication = latest_publication(con)
    return PublishedWarehouse(
        path=Path(path),
        version=publication["version"],
        published_at=publication["published_at"],
        con=con,
        semantic_layer=SemanticLayer.from_publication(con),
    )


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_metrics(
    path: Path, version: int, metrics: tuple[str, ...], group_by: tuple[str, ...], options: tuple
) -> pd.DataFrame:
    warehouse = open_published()
    assert warehouse is not None and warehouse.version == version
    return warehouse.semantic_layer.query(list(metrics), list(group_by), **dict(options))
