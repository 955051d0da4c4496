"""Run the whole asset graph in-process (the `touchpoint run` command) and summarise the outcome."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg

from orchestration.lib.dbt_project import prepare_manifest
from warehouse.settings import TouchpointPaths

PUBLISH_ASSET = dg.AssetKey("published_warehouse")
_INGESTION_COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_duplicate")


@dataclass
class PipelineOutcome:
    succeeded: bool
    warehouse: Path
    published_version: int | None = None
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    ingestion_lines: list[str] = field(default_factory=list)
    checks_passed: int = 0
    checks_warned: list[str] = field(default_factory=list)

    def summary(self, elapsed_seconds: float) -> str:
        lines = [
            "",
            "Ingestion (rows read = loaded + quarantined + duplicate):",
            *self.ingestion_lines,
        ]
        lines.append(
            f"Checks: {self.checks_passed} passed, {len(self.checks_warned)} warned, "
            f"{len(self.failed_checks)} failed"
        )
        lines += [f"  warning: {check}" for check in self.checks_warned]
        if self.succeeded:
            lines.append(
                f"OK: published warehouse version {self.published_version} to {self.warehouse} "
                f"in {elapsed_seconds:.1f} s"
            )
            return "\n".join(lines)
        lines.append(
            f"FAILED after {elapsed_seconds:.1f} s: the published warehouse was not replaced."
        )
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
    evaluations = result.get_asset_check_evaluations()
    failed_checks, warned_checks = [], []
    for evaluation in evaluations:
        if evaluation.passed:
            continue
        described = (
            f"{evaluation.asset_key.to_user_string()} :: {evaluation.check_name}"
            + _describe(evaluation)
        )
        if evaluation.severity == dg.AssetCheckSeverity.ERROR:
            failed_checks.append(described)
        else:
            warned_checks.append(described)
    failed_steps = [
        f"{event.step_key}: {_first_line(event.step_failure_data.error.message)}"
        for event in result.get_step_failure_events()
    ]
    skipped_steps = [
        event.step_key for event in result.all_events if event.event_type_value == "STEP_SKIPPED"
    ]
    version = None
    ingestion_lines = []
    for event in result.get_asset_materialization_events():
        metadata = event.materialization.metadata
        if event.asset_key == PUBLISH_ASSET:
            version = metadata["version"].value
        elif "rows_read" in metadata:
            counts = {k: metadata[k].value for k in _INGESTION_COUNTS}
            ingestion_lines.append(
                f"  {event.asset_key.to_user_string():<28} "
                + " ".join(
                    f"{name.removeprefix('rows_')}={value:,}" for name, value in counts.items()
                )
            )
    succeeded = result.success and version is not None and not failed_checks
    return PipelineOutcome(
        succeeded=succeeded,
        warehouse=warehouse,
        published_version=version,
        failed_checks=failed_checks,
        failed_steps=failed_steps,
        skipped_steps=skipped_steps,
        ingestion_lines=ingestion_lines,
        checks_passed=sum(evaluation.passed for evaluation in evaluations),
        checks_warned=warned_checks,
    )


def _describe(evaluation: dg.AssetCheckEvaluation) -> str:
    if evaluation.description:
        return f" ({_first_line(evaluation.description)})"
    for key in ("summary", "message", "failures"):
        if key in evaluation.metadata:
            return f" ({_first_line(str(evaluation.metadata[key].value))})"
    return ""


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
