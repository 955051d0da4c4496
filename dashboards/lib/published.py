"""The dashboards' only door to data: the published warehouse, read-only, one version at a time.

A connection is cached per published file identity (inode + mtime). When the pipeline publishes,
the file is replaced by rename, its identity changes, and the next page run opens the new
version; pages never see a mix of versions and never hold a lock that blocks the pipeline.
The identity must be part of the cache key: Streamlit leaves arguments whose names start with
`_` out of it, so they are named `inode` and `mtime_ns`.
Every result is cached per (file, version, request), so a page run after the first one reads
memory, not the warehouse.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from dashboards.lib.metric_display import MetricDisplay, display_of
from warehouse.connections import connect_published, damage_reported
from warehouse.publication import latest_publication
from warehouse.publication_record import PublishedWarehouseDamaged
from warehouse.semantic_layer import MetricInfo, SemanticLayer
from warehouse.settings import CATALOG, TouchpointPaths


@dataclass(frozen=True)
class PublishedWarehouse:
    path: Path
    version: int
    published_at: datetime
    data_through: date | None  # the newest business date in the published facts
    con: duckdb.DuckDBPyConnection
    semantic_layer: SemanticLayer
    # One DuckDB connection serves every browser session: queries take turns.
    lock: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def metrics(
        self, metrics: Sequence[str], group_by: Sequence[str] = (), **kwargs
    ) -> pd.DataFrame:
        """Metric values computed by the semantic layer's definitions (cached per version)."""
        options = tuple(
            sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in kwargs.items())
        )
        return _cached_metrics(
            str(self.path), self.version, tuple(metrics), tuple(group_by), options
        ).copy()

    def sql(self, query: str, params: Sequence[object] | Mapping[str, object] = ()) -> pd.DataFrame:
        """A parameterised read of the published tables (cached per version and parameters).

        Values always travel as bind parameters (`?` or `$name`), never inside the SQL text, so
        user input cannot change a query's meaning.
        """
        named = tuple(sorted(params.items())) if isinstance(params, Mapping) else None
        positional = () if named is not None else tuple(params)
        return _cached_sql(str(self.path), self.version, query, positional, named).copy()

    def metric_info(self, metric: str) -> MetricInfo:
        infos = {info.name: info for info in self.semantic_layer.metrics}
        return infos.get(metric) or MetricInfo(metric, metric, "", "unknown")

    def metric_meta(self, metric: str) -> Mapping[str, object]:
        """The metric's `config: meta:` from the semantic-layer YAML (unit, grain, ...)."""
        return self.metric_info(metric).meta

    def display(self, metric: str) -> MetricDisplay:
        """How the metric is shown, from the unit its semantic-layer YAML declares."""
        return display_of(self.metric_info(metric))

    @property
    def metric_names(self) -> frozenset[str]:
        return frozenset(metric.name for metric in self.semantic_layer.metrics)

    def missing_metrics(self, names: Sequence[str]) -> list[str]:
        return [name for name in names if name not in self.metric_names]

    def columns(self, schema: str, table: str) -> frozenset[str]:
        """Column names of a published table; empty when this publication lacks the table."""
        return _cached_columns(str(self.path), self.version, schema, table)

    def has_table(self, schema: str, table: str) -> bool:
        return bool(self.columns(schema, table))

    def dimensions(self, metric: str) -> tuple[str, ...]:
        """Group-by names the semantic layer offers for one metric (cached per version); none
        for a metric this publication does not define."""
        if metric not in self.metric_names:
            return ()
        return _cached_dimensions(str(self.path), self.version, metric)


def table(schema: str, name: str) -> str:
    """A published table's fully qualified name, for SQL text (never built from user input)."""
    return f"{CATALOG}.{schema}.{name}"


def open_published() -> PublishedWarehouse | None:
    """The current published version, or None (after showing a friendly note) if there is none
    or it is damaged."""
    try:
        warehouse = current_publication()
    except PublishedWarehouseDamaged as damage:
        st.error(str(damage), icon=":material/broken_image:")
        return None
    if warehouse is None:
        st.info(
            "No warehouse has been published yet. Run `make demo` or "
            "`touchpoint run --landing DIR` and reload this page."
        )
    return warehouse


def current_publication() -> PublishedWarehouse | None:
    """The current published version (None if there is none yet), without any message."""
    path = TouchpointPaths.resolve().warehouse
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _open(str(path), stat.st_ino, stat.st_mtime_ns)


@st.cache_resource(max_entries=2, show_spinner=False)
def _open(path: str, inode: int, mtime_ns: int) -> PublishedWarehouse:
    # inode and mtime are hashed into the cache key: a new publication opens a new connection.
    con = connect_published(Path(path))
    with damage_reported(Path(path)):
        publication = latest_publication(con)
        return PublishedWarehouse(
            path=Path(path),
            version=publication["version"],
            published_at=publication["published_at"],
            data_through=publication.get("data_through"),
            con=con,
            semantic_layer=SemanticLayer.from_publication(con),
        )


def _current(version: int) -> PublishedWarehouse:
    warehouse = open_published()
    if warehouse is None or warehouse.version != version:
        raise RuntimeError("The published warehouse changed while the page was running.")
    return warehouse


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached_metrics(
    path: str, version: int, metrics: tuple[str, ...], group_by: tuple[str, ...], options: tuple
) -> pd.DataFrame:
    warehouse = _current(version)
    with warehouse.lock, damage_reported(warehouse.path):
        return warehouse.semantic_layer.query(list(metrics), list(group_by), **dict(options))


@st.cache_data(max_entries=1024, show_spinner=False)
def _cached_sql(
    path: str, version: int, query: str, positional: tuple, named: tuple | None
) -> pd.DataFrame:
    warehouse = _current(version)
    params = dict(named) if named is not None else list(positional)
    with warehouse.lock, damage_reported(warehouse.path):
        return warehouse.con.execute(query, params).df()


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_columns(path: str, version: int, schema: str, table: str) -> frozenset[str]:
    warehouse = _current(version)
    with warehouse.lock:
        rows = warehouse.con.execute(
            "select column_name from duckdb_columns() "
            "where database_name = ? and schema_name = ? and table_name = ?",
            [CATALOG, schema, table],
        ).fetchall()
    return frozenset(row[0] for row in rows)


@st.cache_data(max_entries=256, show_spinner=False)
def _cached_dimensions(path: str, version: int, metric: str) -> tuple[str, ...]:
    warehouse = _current(version)
    with warehouse.lock:
        return tuple(warehouse.semantic_layer.dimensions(metric))
