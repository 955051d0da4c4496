"""Run the whole asset graph in-process (the `touchpoint run` command) and summarise the outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.lib.dbt_project import prepare_manifest
from warehouse.settings import TouchpointPaths

PUBLISH_ASSET = dg.AssetKey("published_warehouse")


@dataclass
class PipelineOutcome:
    succeeded: bool
    warehouse: Path
    published_version: int | None = None
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)

    def summary(self, elapsed_seconds: float) -> str:
        if self.succeeded:
            return (
                f"OK: published warehouse version {self.published_version} to {self.warehouse} "
                f"in {elapsed_seconds:.1f} s"
            )
        lines = [f"FAILED after {elapsed_seconds:.1f} s: the published warehouse was not replaced."]
        lines += [f"  failed check: {check}" for check in self.failed_checks]
        lines += [f"  failed step:  {step}" for step in self.failed_steps]
        if self.skipped_steps:
            lines.append(f"  skipped (upstream failed): {', '.join(self.skipped_steps)}")
        previous = "kept" if self.warehouse.exists() else "none exists yet"
        lines.append(f"  previous published version: {previous} ({self.warehouse})")
        return "\n".join(lines)


def run_pipeline(paths: TouchpointPaths, log: logging.Logger) -> PipelineOutcome:
    """Prepare the dbt manifest, then execute the pipeline job in this process."""
    paths.export_env()
    log.info("landing   %s", paths.landing_dir)
    log.info("build     %s", paths.build_db)
    log.info("warehouse %s", paths.warehouse)
    log.info("parsing the dbt project ...")
    prepare_manifest()

    from orchestration.definitions import build_definitions
    from orchestration.defs.automation.jobs import PIPELINE_JOB_NAME

    job = build_definitions(paths).resolve_job_def(PIPELINE_JOB_NAME)
    log.info("running %s ...", PIPELINE_JOB_NAME)
    result = job.execute_in_process(
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
    )
    return _outcome(result, paths.warehouse)


def _outcome(result: dg.ExecuteInProcessResult, warehouse: Path) -> PipelineOutcome:
    failed_checks = [
        f"{evaluation.asset_key.to_user_string()} :: {evaluation.check_name}"
        + _describe(evaluation.metadata)
        for evaluation in result.get_asset_check_evaluations()
        if not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR
    ]
    failed_steps = [
        f"{event.step_key}: {_first_line(event.step_failure_data.error.message)}"
        for event in result.get_step_failure_events()
    ]
    skipped_steps = [
        event.step_key for event in result.all_events if event.event_type_value == "STEP_SKIPPED"
    ]
    version = None
    for materialization in result.get_asset_materialization_events():
        if materialization.asset_key == PUBLISH_ASSET:
            version = materialization.materialization.metadata["version"].value
    succeeded = result.success and version is not None and not failed_checks
    return PipelineOutcome(
        succeeded=succeeded,
        warehouse=warehouse,
        published_version=version,
        failed_checks=failed_checks,
        failed_steps=failed_steps,
        skipped_steps=skipped_steps,
    )


def _describe(metadata: dict[str, dg.MetadataValue]) -> str:
    for key in ("summary", "description", "message", "failures"):
        if key in metadata:
            return f" ({_first_line(str(metadata[key].value))})"
    return ""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
