"""A dbt step of the pipeline on Spark (TOUCHPOINT_ENGINE=spark, orchestration/lib/engine.py).

Around the same `dbt build` the DuckDB engine runs, with `--target spark`
(orchestration/defs/transform/assets.py calls the two halves):
1. before it, the sources dbt reads (`raw`, and the Python steps' `identity` and `clv` tables)
   are exported from the DuckDB build database to Parquet, where Spark's source views read them
   (warehouse/parquet_export.py; `raw` once per run, the Python steps' tables before every step,
   as they change between steps). Only the tables exported are declared on Spark
   (TOUCHPOINT_SPARK_SOURCES), so a first run's first step does not ask for identity's output.
2. after it, the tables this step built that a Python step or the publication reads (every
   mart, and int_identity_records for identity resolution) are loaded from Spark's Parquet into
   the DuckDB build database (scale_out/publish.py), so identity resolution, CLV, the checks
   and the atomic publish read them as they read DuckDB's own. A view among the marts (a
   contract name kept for an older one) has no files: Spark writes its rows out first, and it
   arrives as a table. Staging and the event-level intermediate tables stay in Spark.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt.core.dbt_cli_invocation import DbtCliInvocation

from identity.store import DEFAULT_SOURCE as IDENTITY_RECORDS
from orchestration.lib.resources import WarehouseResource
from scale_out.settings import SparkPaths
from warehouse.parquet_export import SOURCE_SCHEMAS, export_sources, source_tables

# Read by dbt's spark__register_parquet_sources: `schema.table` of every exported source.
ENV_SPARK_SOURCES = "TOUCHPOINT_SPARK_SOURCES"
# The schema whose tables all go back to DuckDB (the publication copies it), and the relations
# of other schemas a Python step reads from the build database.
PUBLISHED_SCHEMA = "marts"
READ_BY_PYTHON_STEPS = frozenset({IDENTITY_RECORDS})
# Schemas the Python steps write between dbt steps: exported before every step.
PYTHON_STEP_SCHEMAS = tuple(schema for schema in SOURCE_SCHEMAS if schema != "raw")
_RUN_MARKER = ".exported_for_run"


def spark_paths(build_dir: Path) -> SparkPaths:
    """The Spark build of a deployment lives beside its DuckDB build database."""
    return SparkPaths(build_dir / "spark")


def export_for_spark(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> None:
    """Before a dbt step on Spark: the sources as Parquet, and the settings dbt's `spark` target
    reads (where they are, which tables were exported)."""
    paths = spark_paths(warehouse.paths.build_dir)
    with warehouse.connect() as con:
        exported = _export(con, paths, context.run_id)
    os.environ.update(paths.export_env())
    os.environ[ENV_SPARK_SOURCES] = ",".join(f"{s}.{t}" for s, t in exported)


def load_back_from_spark(
    context: dg.AssetExecutionContext,
    warehouse: WarehouseResource,
    invocation: DbtCliInvocation,
) -> None:
    """After a dbt step on Spark: what it built that DuckDB readers need, into the build
    database (see the module)."""
    paths = spark_paths(warehouse.paths.build_dir)
    run_results = invocation.get_artifact("run_results.json")
    manifest = invocation.get_artifact("manifest.json")
    tables = relations_to_hand_back(run_results, manifest, ("table", "incremental"))
    views = relations_to_hand_back(run_results, manifest, ("view",))
    if not tables and not views:
        return
    from scale_out.publish import load_spark_marts, write_spark_views

    write_spark_views(paths.view_copies_dir, views)
    with warehouse.connect() as con:
        for folder, relations in ((paths.warehouse_dir, tables), (paths.view_copies_dir, views)):
            for schema, names in sorted(relations.items()):
                con.execute(f"create schema if not exists {schema}")
                load_spark_marts(con, folder, names, schema=schema)
    context.log.info(
        "loaded from Spark into the build database: "
        + ", ".join(
            f"{schema}.{name}"
            for relations in (tables, views)
            for schema, names in sorted(relations.items())
            for name in names
        )
    )


def _export(con: Any, paths: SparkPaths, run_id: str) -> list[tuple[str, str]]:
    """Export the sources for this step; `raw` only in the run's first step (ingestion does not
    change it later in the run)."""
    marker = paths.raw_dir / _RUN_MARKER
    first_step = not marker.exists() or marker.read_text() != run_id
    export_sources(con, paths.raw_dir, SOURCE_SCHEMAS if first_step else PYTHON_STEP_SCHEMAS)
    if first_step:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(run_id)
    return source_tables(con)


def relations_to_hand_back(
    run_results: dict, manifest: dict, materializations: tuple[str, ...]
) -> dict[str, list[str]]:
    """schema -> relations (of these materializations) this step built on Spark that DuckDB
    readers need (see the module)."""
    wanted: dict[str, list[str]] = {}
    for result in run_results["results"]:
        node = manifest["nodes"].get(result["unique_id"])
        if node is None or node["resource_type"] != "model" or result["status"] != "success":
            continue
        if node["config"]["materialized"] not in materializations:
            continue
        schema, table = node["schema"], node["alias"]
        if schema == PUBLISHED_SCHEMA or f"{schema}.{table}" in READ_BY_PYTHON_STEPS:
            wanted.setdefault(schema, []).append(table)
    return wanted
