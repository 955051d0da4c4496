"""The one way to execute the pipeline job in a process: all of it (`touchpoint run`) or a slice
of it chosen by asset selection (tests, benchmarks).

The order of the steps (ingest -> dbt -> identity -> dbt -> CLV -> dbt -> quality -> publish) is
written once, as the dependencies of the asset graph; nothing else repeats it. A caller that
needs, say, everything identity resolution reads passes
`dg.AssetSelection.assets(RESOLVED_RECORDS).upstream() - dg.AssetSelection.assets(RESOLVED_RECORDS)`
and Dagster works out which steps that means, in which order.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import dagster as dg

from orchestration.lib.dbt_project import ENV_DBT_TARGET_PATH, prepare_manifest
from warehouse.settings import TouchpointPaths

# A run with this tag set to "true" rebuilds from scratch (`touchpoint run --full-refresh`, or
# the tag in the Dagster UI's launchpad): CLV is fitted again whatever the schedule says.
FULL_REFRESH_TAG = "touchpoint/full_refresh"


def is_full_refresh(tags: Mapping[str, str]) -> bool:
    return tags.get(FULL_REFRESH_TAG, "").lower() == "true"


def execute_pipeline_job(
    paths: TouchpointPaths,
    selection: dg.AssetSelection | None = None,
    *,
    instance: dg.DagsterInstance | None = None,
    run_id: str | None = None,
    tags: Mapping[str, str] | None = None,
    log_level: str = "INFO",
) -> dg.ExecuteInProcessResult:
    """Parse the dbt project, then execute the pipeline job for `paths` in this process.

    `selection` (default: the whole job) picks assets and the checks that belong to them, e.g.
    `AssetSelection.assets(key).upstream()`; a selection minus
    `AssetSelection.checks_for_assets(...)` leaves checks out. Failures are returned in the
    result (`result.success`), never raised, so the caller can report every failed step.
    """
    with dbt_target_of_run(paths) as target_path:
        prepare_manifest(target_path)  # the run's one `dbt parse`
        # Imported after the manifest exists: the dbt assets are built from it at import time.
        from orchestration.definitions import build_definitions
        from orchestration.defs.automation.jobs import PIPELINE_JOB_NAME

        job = build_definitions(paths).resolve_job_def(PIPELINE_JOB_NAME)
        if selection is not None:
            graph = job.asset_layer.asset_graph
            job = job.get_subset(
                asset_selection=selection.resolve(graph),
                asset_check_selection=selection.resolve_checks(graph),
            )
        return job.execute_in_process(
            instance=instance or dg.DagsterInstance.ephemeral(),
            run_id=run_id,
            tags=tags,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        )


@contextmanager
def dbt_target_of_run(paths: TouchpointPaths) -> Iterator[Path]:
    """The folder of this run's dbt artifacts: `$DBT_TARGET_PATH` when the caller set it, else
    `<build dir>/dbt_target`, kept from run to run so that dbt's partial parse carries over.

    Exported as `$DBT_TARGET_PATH` for the run, so that dagster-dbt starts every dbt step from
    the run's parse; the caller's value is restored afterwards (a process may run several
    builds, e.g. the tests)."""
    previous = os.environ.get(ENV_DBT_TARGET_PATH)
    target = Path(previous).resolve() if previous else paths.build_dir / "dbt_target"
    os.environ[ENV_DBT_TARGET_PATH] = str(target)
    try:
        yield target
    finally:
        if previous is None:
            os.environ.pop(ENV_DBT_TARGET_PATH, None)
        else:
            os.environ[ENV_DBT_TARGET_PATH] = previous
