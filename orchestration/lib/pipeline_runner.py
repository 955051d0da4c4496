"""Run the whole asset graph in-process (the `touchpoint run` command) and summarise the outcome.

The run is recorded in the Dagster instance the UI reads (see `run_guard`), so it shows in the
run history and holds back queued runs; it refuses to start while another run writes the same
build database, and it does nothing when the landing folder holds no file a run has not seen.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb
from dagster._utils.error import SerializableErrorInfo

from orchestration.lib.landing import landing_status
from orchestration.lib.pipeline_job import FULL_REFRESH_TAG, execute_pipeline_job
from orchestration.lib.run_guard import (
    build_lock,
    cli_run_tags,
    ensure_no_run_in_progress,
    pipeline_instance,
)
from warehouse.connections import connect_published
from warehouse.settings import TouchpointPaths

PUBLISH_ASSET = dg.AssetKey("published_warehouse")
_INGESTION_COUNTS = (
    "rows_read",
    "rows_loaded",
    "rows_quarantined",
    "rows_duplicate",
    "rows_suppressed",  # rows of erased people (ingestion.suppression)
)


@dataclass
class PipelineOutcome:
    succeeded: bool
    warehouse: Path
    run_id: str | None = None
    published_version: int | None = None
    nothing_new: str | None = None  # why the run did nothing, when it did nothing
    defect_lines: list[str] = field(default_factory=list)
    failed_checks: list[str] = field(default_factory=list)
    failed_steps: list[str] = field(default_factory=list)
    skipped_steps: list[str] = field(default_factory=list)
    ingestion_lines: list[str] = field(default_factory=list)
    checks_passed: int = 0
    checks_warned: list[str] = field(default_factory=list)

    def summary(self, elapsed_seconds: float) -> str:
        if self.nothing_new is not None:
            return f"\nNothing new: {self.nothing_new}"
        lines = [
            "",
            "Ingestion (rows read = loaded + quarantined + duplicate + suppressed):",
            *self.ingestion_lines,
        ]
        if self.defect_lines:
            lines.append("Handled delivery defects (warnings; nothing was lost):")
            lines += self.defect_lines
        lines.append(
            f"Checks: {self.checks_passed} passed, {len(self.checks_warned)} warned, "
            f"{len(self.failed_checks)} failed"
        )
        lines += [f"  warning: {check}" for check in self.checks_warned]
        if self.succeeded:
            lines.append(
                f"OK: published warehouse version {self.published_version} to {self.warehouse} "
                f"in {elapsed_seconds:.1f} s (run {self.run_id})"
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


def run_pipeline(
    paths: TouchpointPaths, log: logging.Logger, force: bool = False, full_refresh: bool = False
) -> PipelineOutcome:
    """Execute the pipeline job in this process, unless there is nothing new or another run
    writes the build database (RunInProgressError). `full_refresh` rebuilds from scratch what a
    daily run keeps (the stored CLV fit) and implies `force`."""
    force = force or full_refresh
    paths.export_env()
    log.info("landing   %s", paths.landing_dir)
    log.info("build     %s", paths.build_db)
    log.info("warehouse %s", paths.warehouse)
    status = landing_status(paths.landing_dir, paths.warehouse)
    if status.damaged is not None:  # rebuilt from the build's raw layer and published again
        log.warning("%s Rebuilding it.", status.damaged)
    if paths.warehouse.exists() and not status.unseen and not force and not status.damaged:
        return PipelineOutcome(
            succeeded=True,
            warehouse=paths.warehouse,
            nothing_new=(
                f"every one of the {len(status.files)} delivery files in {paths.landing_dir} "
                f"was processed by the run that published {paths.warehouse}. Nothing was "
                "rebuilt or published (`touchpoint run --force` rebuilds anyway)."
            ),
        )
    if status.unseen:
        log.info("new files %d: %s", len(status.unseen), status.describe_unseen())

    from orchestration.defs.automation.jobs import PIPELINE_JOB_NAME

    instance = pipeline_instance(paths)
    run_id = str(uuid.uuid4())
    with build_lock(paths, run_id):
        # Refuse before any work (the dbt parse alone takes a minute on a busy machine).
        ensure_no_run_in_progress(instance, PIPELINE_JOB_NAME, paths)
        log.info(
            "parsing the dbt project, then running %s as run %s ...", PIPELINE_JOB_NAME, run_id
        )
        tags = cli_run_tags(paths)
        if full_refresh:
            tags[FULL_REFRESH_TAG] = "true"
        result = execute_pipeline_job(paths, instance=instance, run_id=run_id, tags=tags)
    outcome = _outcome(result, paths.warehouse)
    outcome.run_id = run_id
    outcome.defect_lines = _handled_defects(paths, run_id, outcome.published_version)
    return outcome


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
        f"{event.step_key}: {failure_cause(event.step_failure_data.error)}"
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
            counts = {k: metadata[k].value for k in _INGESTION_COUNTS if k in metadata}
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


_DBT_ERRORS = "Errors parsed from dbt logs:"
_ANSI_COLOUR = re.compile(r"\x1b\[[0-9;]*m")
# DuckDB's own line: "Out of Memory Error: ...", "IO Error: ..."
_DUCKDB_ERROR = re.compile(r"^[A-Z][A-Za-z ]* Error: ")


def failure_cause(error: SerializableErrorInfo | None) -> str:
    """A failed step's cause in one line: the innermost error of the chain (not Dagster's
    "Error occurred while executing op" wrapper), and for a dbt step dbt's own first error
    (e.g. DuckDB's "Out of Memory Error" or "No space left on device"), not the command line."""
    if error is None:
        return ""
    while error.cause is not None:
        error = error.cause
    message = error.message
    if _DBT_ERRORS not in message:
        return _first_line(message)
    reported = [
        line.strip()
        for line in _ANSI_COLOUR.sub("", message.split(_DBT_ERRORS, 1)[1]).splitlines()
        if line.strip()
    ]
    # dbt heads each error with the node ("Failure in test x (path)"); DuckDB's own line says why
    cause = next((line for line in reported if _DUCKDB_ERROR.match(line)), None)
    if cause is None:
        return "dbt: " + " ".join(reported)[:500]
    return f"dbt: {cause} ({reported[0]})"


def _handled_defects(paths: TouchpointPaths, run_id: str, published: int | None) -> list[str]:
    """Rejected files and quarantined rows per reason that this run's ingestion recorded.

    Read from the publication the run made (always readable), else from the build database,
    which may already belong to the next queued run: then the summary says so instead.
    """
    try:
        if published is not None:
            con = connect_published(paths.warehouse)
        else:
            con = duckdb.connect(str(paths.build_db), read_only=True)
    except duckdb.Error:
        return ["  (details unavailable: the build database is in use by the next run)"]
    schema = "ops" if published is not None else "raw"  # the publication keeps them in ops
    try:
        rejected = con.execute(
            f"""select l.source_file, l.message from {schema}.load_ledger l
            join {schema}.load_audit a using (load_id)
            where a.run_id = ? and l.status = 'rejected' order by l.source_file""",
            [run_id],
        ).fetchall()
        quarantined = con.execute(
            f"""select q.system || '/' || q.entity, q.reason, count(*) from {schema}.quarantine q
            join {schema}.load_audit a using (load_id, system, entity)
            where a.run_id = ? group by all order by 1, 2""",
            [run_id],
        ).fetchall()
    except duckdb.CatalogException:
        return []
    finally:
        con.close()
    lines = [
        f"  rejected file: {path}: {str(message).removeprefix(f'{path}: ')}"
        for path, message in rejected
    ]
    lines += [
        f"  quarantined rows: {entity:<26} {reason:<18} {rows:,}"
        for entity, reason, rows in quarantined
    ]
    return lines
