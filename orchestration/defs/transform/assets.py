"""dbt models as Dagster assets; dbt tests become asset checks (severity error blocks publish)."""


import dagster as dg
from dagster_dbt import DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.lib.dbt_project import DBT_PROJECT
from orchestration.lib.dbt_translator import TouchpointDbtTranslator
from orchestration.lib.resources import DUCKDB_WRITER_POOL

DBT_PROJECT.prepare_if_dev()


@dbt_assets(
    manifest=DBT_PROJECT.manifest_path,
    project=DBT_PROJECT,
    dagster_dbt_translator=TouchpointDbtTranslator(
        settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)
    ),
    pool=DUCKDB_WRITER_POOL,
)
def touchpoint_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    """`dbt build`: models in dependency order, each followed by its tests."""
    yield from dbt.cli(["build"], context=context).stream()
