"""The one pipeline job, and what starts it: a daily schedule and a landing-folder sensor.

Both start a run only for delivery files no run has seen (see `orchestration.lib.landing`), so
the files `touchpoint run` has just published never start a second run, and a quiet morning
publishes nothing. The instance's run queue (dagster.yaml) lets one run write at a time.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.lib.landing import landing_status
from orchestration.lib.resources import WarehouseResource
from orchestration.lib.run_guard import describe_origin, runs_in_progress

PIPELINE_JOB_NAME = "touchpoint_pipeline"

touchpoint_pipeline = dg.define_asset_job(
    name=PIPELINE_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="Landing files -> raw -> dbt build -> quality gate -> published warehouse.",
)


def _skip_or_request(
    instance: dg.DagsterInstance | None, warehouse: WarehouseResource
) -> dg.RunRequest | dg.SkipReason:
    """A run request for unseen files, or the reason there is nothing to do right now."""
    if instance is not None:
        busy = runs_in_progress(instance, PIPELINE_JOB_NAME) + list(
            instance.get_runs(
                dg.RunsFilter(job_name=PIPELINE_JOB_NAME, statuses=[dg.DagsterRunStatus.QUEUED])
            )
        )
        if busy:
            return dg.SkipReason(
                f"Run {busy[0].run_id} ({describe_origin(busy[0])}) is queued or in progress; "
                "files it has not seen are picked up at the next check after it ends."
            )
    status = landing_status(Path(warehouse.landing_dir), Path(warehouse.warehouse))
    if not status.folder_exists:
        return dg.SkipReason(f"Landing folder {warehouse.landing_dir} does not exist.")
    if not status.unseen:
        return dg.SkipReason(
            f"Nothing new: every one of the {len(status.files)} delivery files has been "
            "processed by a published run."
        )
    return dg.RunRequest(
        run_key=status.fingerprint,
        tags={"touchpoint/unseen_files": str(len(status.unseen))},
    )


@dg.schedule(
    name="daily_refresh",
    job=touchpoint_pipeline,
    cron_schedule="0 6 * * *",
    execution_timezone="America/New_York",
    description=(
        "Every morning after the source systems' nightly exports: a run if files arrived that "
        "no run has seen, else a skipped tick saying so."
    ),
    default_status=dg.DefaultScheduleStatus.RUNNING,
)
def daily_refresh(
    context: dg.ScheduleEvaluationContext, warehouse: WarehouseResource
) -> dg.RunRequest | dg.SkipReason:
    return _skip_or_request(context.instance if context.instance_ref else None, warehouse)


@dg.sensor(
    name="new_landing_files",
    job=touchpoint_pipeline,
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description=(
        "Starts a run when the landing folder holds files that no run has seen (never for the "
        "files the last publication already contains) and no run is queued or in progress."
    ),
)
def new_landing_files(
    context: dg.SensorEvaluationContext, warehouse: WarehouseResource
) -> dg.SensorResult | dg.SkipReason:
    decision = _skip_or_request(context.instance if context.instance_ref else None, warehouse)
    if isinstance(decision, dg.SkipReason):
        return decision
    if decision.run_key == context.cursor:
        return dg.SkipReason("The run for these files has already been requested.")
    return dg.SensorResult(run_requests=[decision], cursor=decision.run_key)
