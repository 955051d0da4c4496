"""dbt models as Dagster assets; dbt tests become asset checks (severity error blocks publish)."""

import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.lib.dbt_project import DBT_PROJECT, manifest_path
from orchestration.lib.dbt_translator import TouchpointDbtTranslator
from orchestration.lib.engine import Engine, selected_engine
from orchestration.lib.pipeline_job import is_full_refresh
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from orchestration.lib.unit_test_record import UnitTestRecord, passed_unit_tests

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
    would run a multi-model test as soon as any one parent is selected.

    Unit tests (SQL logic against YAML rows, no delivered data) run only until every one has
    passed under the code that runs now (`unit_test_record`), and on a full refresh.

    With TOUCHPOINT_ENGINE=spark the same command runs on Spark, between an export of its
    sources and a load of its marts into the build database (orchestration/lib/spark_dbt_step.py).
    """
    args = ["build", "--indirect-selection", "buildable"]
    unit_tests = UnitTestRecord(manifest_path())
    if is_full_refresh(context.run.tags):
        args.append("--full-refresh")  # incremental models rebuilt from raw
    elif unit_tests.all_passed():
        context.log.info("dbt unit tests skipped: all passed under this code before")
        args += ["--exclude-resource-type", "unit_test"]
    on_spark = selected_engine() is Engine.SPARK
    if on_spark:
        from orchestration.lib.spark_dbt_step import export_for_spark, load_back_from_spark

        export_for_spark(context, warehouse)
    invocation = dbt.cli(args, context=context)
    yield from invocation.stream()
    unit_tests.add_passed(passed_unit_tests(invocation.get_artifact("run_results.json")))
    if on_spark:
        load_back_from_spark(context, warehouse, invocation)
