"""dbt: staging -> intermediate -> marts, with the semantic layer's models."""

import dagster as dg

from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.dbt_in_process import InProcessDbtResource
from orchestration.lib.dbt_project import DBT_PROJECT

defs = dg.Definitions(
    assets=[touchpoint_dbt_models],
    resources={"dbt": InProcessDbtResource(project_dir=DBT_PROJECT)},
)
