"""Query the dbt semantic layer (MetricFlow) from Python against the published warehouse.

Dashboards and tests get every KPI from here, so each number has exactly one definition: the
one in the dbt project's semantic models. MetricFlow compiles a request to SQL from the
semantic manifest stored with the publication; we run that SQL on a read-only connection
(MetricFlow's own CLI client would take a write lock on the file).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import duckdb
import pandas as pd
from dbt_semantic_interfaces.implementations.semantic_manifest import PydanticSemanticManifest
from metricflow.data_table.mf_table import MetricFlowDataTable
from metricflow.engine.metricflow_engine import MetricFlowEngine, MetricFlowQueryRequest
from metricflow.protocols.sql_client import SqlEngine
from metricflow.sql.render.duckdb_renderer import DuckDbSqlPlanRenderer
from metricflow_semantics.model.dbt_manifest_parser import (
    parse_manifest_from_dbt_generated_manifest,
)
from metricflow_semantics.model.semantic_manifest_lookup import SemanticManifestLookup
from metricflow_semantics.sql.sql_bind_parameters import SqlBindParameterSet

_NO_PARAMETERS = SqlBindParameterSet()
_METRIC_TIME_GRAINS = ("day", "week", "month", "quarter", "year")


class ReadOnlyDuckDbClient:
    """MetricFlow's SqlClient protocol over an existing (read-only) DuckDB connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self._renderer = DuckDbSqlPlanRenderer()

    @property
    def sql_engine_type(self) -> SqlEngine:
        return SqlEngine.DUCKDB

    @property
    def sql_plan_renderer(self) -> DuckDbSqlPlanRenderer:
        return self._renderer

    def query(
        self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS
    ) -> MetricFlowDataTable:
        cursor = self._con.execute(stmt, _bind_values(sql_bind_parameter_set))
        columns = [d[0] for d in cursor.description]
        return MetricFlowDataTable.create_from_rows(column_names=columns, rows=cursor.fetchall())

    def execute(
        self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS
    ) -> None:
        self._con.execute(stmt, _bind_values(sql_bind_parameter_set))

    def dry_run(
        self, stmt: str, sql_bind_parameter_set: SqlBindParameterSet = _NO_PARAMETERS
    ) -> None:
        self._con.execute(f"explain {stmt}", _bind_values(sql_bind_parameter_set))

    def close(self) -> None:  # the connection belongs to the caller
        return None

    def render_bind_parameter_key(self, bind_parameter_key: str) -> str:
        return f"${bind_parameter_key}"


def _bind_values(parameters: SqlBindParameterSet) -> dict[str, object] | None:
    values = {key: value.value for key, value in parameters.param_dict.items()}
    return values or None


@dataclass(frozen=True)
class MetricInfo:
    name: str
    label: str
    description: str
    metric_type: str
    # The metric's `config: meta:` in the dbt YAML: `unit` (of the value the layer returns),
    # optional `display_unit` (a readable duration unit) and `direction` (which way is good).
    meta: Mapping[str, object] = field(default_factory=dict, compare=False)

    @property
    def unit(self) -> str | None:
        unit = self.meta.get("unit")
        return str(unit) if unit is not None else None


class SemanticLayer:
    """Metrics of one published warehouse version."""

    def __init__(self, con: duckdb.DuckDBPyConnection, semantic_manifest_json: str) -> None:
        self._con = con
        self._manifest = parse_manifest_from_dbt_generated_manifest(semantic_manifest_json)
        self._engine = MetricFlowEngine(
            semantic_manifest_lookup=SemanticManifestLookup(self._manifest),
            sql_client=ReadOnlyDuckDbClient(con),
        )

    @classmethod
    def from_publication(cls, con: duckdb.DuckDBPyConnection) -> SemanticLayer:
        """Use the semantic manifest published together with the data it describes."""
        row = con.execute(
            "select semantic_manifest from ops.publications order by version desc limit 1"
        ).fetchone()
        if row is None:
            raise LookupError("The warehouse has no publication record.")
        return cls(con, row[0])

    @cached_property
    def metrics(self) -> list[MetricInfo]:
        return sorted(
            (
                MetricInfo(
                    name=m.name,
                    label=m.label or m.name,
                    description=(m.description or "").strip(),
                    metric_type=str(m.type.value),
                    meta=dict(m.config.meta) if m.config is not None else {},
                )
                for m in self._manifest.metrics
            ),
            key=lambda m: m.name,
        )

    @property
    def manifest(self) -> PydanticSemanticManifest:
        """The semantic manifest (semantic models, measures, metrics) this layer answers from."""
        return self._manifest

    def group_bys(self, metrics: Sequence[str]) -> list[str]:
        """Group-by names (`entity__dimension`, `metric_time__<grain>`) valid for all `metrics`."""
        names = set()
        for dimension in self._engine.simple_dimensions_for_metrics(list(metrics)):
            grain = dimension.type_params.time_granularity if dimension.type_params else None
            if dimension.name == "metric_time" and grain is not None:
                # MetricFlow lists only the finest grain; every coarser standard grain works too.
                finest = _METRIC_TIME_GRAINS.index(grain.value)
                names.update(f"metric_time__{g}" for g in _METRIC_TIME_GRAINS[finest:])
            else:
                names.add(dimension.dunder_name)
        return sorted(names)

    def dimensions(self, metric: str) -> list[str]:
        """Group-by names (`entity__dimension`) valid for a metric, nearest entity first."""
        names = (name for name in self.group_bys([metric]) if not name.startswith("metric_time__"))
        return sorted(names, key=lambda name: (name.count("__"), name))

    def compile(
        self,
        metrics: Sequence[str],
        group_by: Sequence[str] = (),
        where: Sequence[str] = (),
        order_by: Sequence[str] = (),
        start: dt.date | None = None,
        end: dt.date | None = None,
        limit: int | None = None,
    ) -> str:
        """The SQL MetricFlow generates for a request (what analysts see with `mf query --explain`)."""
        request = MetricFlowQueryRequest.create(
            metric_names=list(metrics),
            group_by_names=list(group_by) or None,
            where_constraints=list(where) or None,
            order_by_names=list(order_by) or None,
            time_constraint_start=_as_datetime(start),
            time_constraint_end=_as_datetime(end),
            limit=limit,
        )
        return self._engine.explain(request).sql_statement.sql

    def query(self, metrics: Sequence[str], group_by: Sequence[str] = (), **kwargs) -> pd.DataFrame:
        """Metric values as a DataFrame, one column per group-by and per metric."""
        return self._con.execute(self.compile(metrics, group_by, **kwargs)).df()


def _as_datetime(day: dt.date | None) -> dt.datetime | None:
    return None if day is None else dt.datetime.combine(day, dt.time())
