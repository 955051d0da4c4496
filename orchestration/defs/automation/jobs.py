"""The one pipeline job, and what starts it: a daily schedule and a landing-folder sensor."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.lib.landing import landing_fingerprint
from orchestration.lib.resources import WarehouseResource

PIPELINE_JOB_NAME = "touchpoint_pipeline"

touchpoint_pipeline = dg.define_asset_job(
    name=PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Landing files -> raw -> dbt build -> quality gate -> published warehouse.",
)

daily_refresh = dg.ScheduleDefinition(
    name="daily_refresh",
    job=touchpoint_pipeline,
    cron_schedule="0 6 * * *",
    execution_timezone="America/New_York",
    description="Rebuild every morning after the source systems' nightly exports.",
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


@dg.sensor(
    name="new_landing_files",
    job=touchpoint_pipeline,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts a run when files are added to or changed in the landing folder.",
)
def new_landing_files(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    landing_dir = Path(warehouse.landing_dir)
    fingerprint = landing_fingerprint(landing_dir)
    if fingerprint is None:
        return dg.SkipReason(f"Landing folder {landing_dir} does not exist.")
    if fingerprint == context.cursor:
        return dg.SkipReason("No new or changed files.")
    return dg.SensorResult(
        run_requests=[dg.RunRequest(run_key=fingerprint)],
        cursor=fingerprint,
    )
