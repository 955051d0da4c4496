"""dbt: staging -> intermediate -> marts, with the semantic layer's models."""

import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.dbt_project import DBT_PROJECT

defs = dg.Definitions(
    assets=[touchpoint_dbt_models],
    resources={"dbt": DbtCliResource(project_dir=DBT_PROJECT)},
)
