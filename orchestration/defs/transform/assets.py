"""dbt models as Dagster assets; dbt tests become asset checks (severity error blocks publish)."""

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.lib.dbt_project import DBT_PROJECT, manifest_path
from orchestration.lib.dbt_translator import TouchpointDbtTranslator
from orchestration.lib.engine import Engine, selected_engine
from orchestration.lib.pipeline_job import is_full_refresh
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource

DBT_PROJECT.prepare_if_dev()


@dbt_assets(
    manifest=manifest_path(),  # the run's parse (pipeline_job), else the project's
    project=DBT_PROJECT,
    dagster_dbt_translator=TouchpointDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    pool=DUCKDB_WRITER_POOL,
)
def touchpoint_dbt_models(
    context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource
):
    """`dbt build`: models in dependency order, each followed by its tests.

    Dagster may split this into several dbt steps around Python assets (identity resolution).
    `buildable` runs a test only in the step where all its parents exist; dbt's default (eager)
    would run a multi-model test as soon as any one parent is selected. With
    TOUCHPOINT_ENGINE=spark the same command runs on Spark (orchestration/lib/spark_dbt_step.py).
    """
    args = ["build", "--indirect-selection", "buildable"]
    if is_full_refresh(context.run.tags):
        args.append("--full-refresh")  # incremental models rebuilt from raw
    if selected_engine() is Engine.SPARK:
        from orchestration.lib.spark_dbt_step import dbt_step_on_spark

        yield from dbt_step_on_spark(context, dbt, warehouse, args)
    else:
        yield from dbt.cli(args, context=context).stream()
