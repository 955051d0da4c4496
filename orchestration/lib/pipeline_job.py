"""The one way to execute the pipeline job in a process: all of it (`touchpoint run`) or a slice
of it chosen by asset selection (tests, benchmarks).

The order of the steps (ingest -> dbt -> identity -> dbt -> CLV -> dbt -> quality -> publish) is
written once, as the dependencies of the asset graph; nothing else repeats it. A caller that
needs, say, everything identity resolution reads passes
`dg.AssetSelection.assets(RESOLVED_RECORDS).upstream() - dg.AssetSelection.assets(RESOLVED_RECORDS)`
and Dagster works out which steps that means, in which order.
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg

from orchestration.lib.dbt_project import prepare_manifest
from warehouse.settings import TouchpointPaths


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
    prepare_manifest()
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
