"""Thin Dagster wrapper around ``ingestion``: one asset per contract entity, all loaded by one
step (`ingest_landing`) two entities at a time.

One step rather than one per entity: the entities are independent, and a step of its own per
entity ran them one after another on one core (Dagster's in-process executor runs one step at a
time) and paid Dagster's step start-up and hand-off events 17 times. The step is subsettable:
selecting some entities' assets loads only those."""

import traceback

import dagster as dg

from ingestion import (
    SPECS,
    EntityLoadResult,
    EntitySpec,
    IngestionError,
    ingest_concurrently,
)
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from privacy.suppression import SuppressionList

RECONCILIATION_CHECK = "reconciliation"
INGESTION_STEP = "ingest_landing"


def _metadata(res: EntityLoadResult) -> dict[str, object]:
    md: dict[str, object] = {
        "table": res.table,
        "load_id": res.load_id,
        "files_seen": res.files_seen,
        "files_new": res.files_new,
        "files_changed": res.files_changed,
        "files_skipped": res.files_skipped,
        "files_rejected": res.files_rejected,
        "files_empty": res.files_empty,
        "rows_read": res.rows_read,
        "rows_loaded": res.rows_loaded,
        "rows_quarantined": res.rows_quarantined,
        "rows_duplicate": res.rows_duplicate,
        "rows_suppressed": res.rows_suppressed,
        "dagster/row_count": res.table_rows,
    }
    if res.rejected:
        md["rejected_files"] = dg.MetadataValue.md("\n".join(f"- {m}" for m in res.rejected))
    if res.warnings:
        md["warnings"] = dg.MetadataValue.md("\n".join(f"- {w}" for w in res.warnings))
    if res.notes:
        md["notes"] = dg.MetadataValue.md("\n".join(f"- {n}" for n in res.notes[:50]))
    return md


def _asset_spec(spec: EntitySpec) -> dg.AssetSpec:
    return dg.AssetSpec(
        dg.AssetKey(spec.asset_key),
        group_name=f"raw_{spec.system}",
        kinds={"duckdb"},
        description=(
            f"{spec.system}/{spec.entity} landing files ({spec.format.upper()}) loaded into "
            f"{spec.qualified_table}: contract types, lineage columns, each file version once."
        ),
    )


def _check_spec(spec: EntitySpec) -> dg.AssetCheckSpec:
    return dg.AssetCheckSpec(
        RECONCILIATION_CHECK,
        asset=dg.AssetKey(spec.asset_key),
        blocking=True,
        description=(
            "Every record read is loaded, quarantined, counted as a duplicate or "
            "suppressed (an erased person's)."
        ),
    )


def _reconciliation_result(spec: EntitySpec, res: EntityLoadResult) -> dg.AssetCheckResult:
    rec = res.reconciliation
    assert rec is not None
    return dg.AssetCheckResult(
        asset_key=dg.AssetKey(spec.asset_key),
        check_name=RECONCILIATION_CHECK,
        passed=rec.ok,
        severity=dg.AssetCheckSeverity.ERROR,
        description=rec.describe(),
        metadata={
            "files_checked": len(rec.files),
            "files_unbalanced": len(rec.unbalanced),
            "rows_unaccounted": rec.rows_unaccounted,
            **rec.totals(),
        },
    )


@dg.multi_asset(
    name=INGESTION_STEP,
    specs=[_asset_spec(spec) for spec in SPECS],
    check_specs=[_check_spec(spec) for spec in SPECS],
    can_subset=True,
    pool=DUCKDB_WRITER_POOL,
)
def ingest_landing(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """The selected entities' new and changed files, two entities at a time (one per core),
    each on its own cursor of the build database (`ingestion.ingest_concurrently`). Each
    entity's materialization and reconciliation are reported as it finishes. An entity stopped
    by a full disk or memory (or anything else) does not stop the others; the step fails
    afterwards, naming each, so nothing downstream runs on a partial raw layer."""
    selected = [s for s in SPECS if dg.AssetKey(s.asset_key) in context.selected_asset_keys]
    failures: list[str] = []
    with warehouse.connect() as con:
        suppression_list = SuppressionList.load(warehouse.paths.warehouse)
        for outcome in ingest_concurrently(
            con,
            warehouse.paths.landing_dir,
            selected,
            run_id=context.run.run_id,
            suppression_list=suppression_list,
        ):
            spec, res = outcome.spec, outcome.result
            if res is None:
                failures.append(_failure_message(spec, outcome.error))
                if not isinstance(outcome.error, IngestionError):  # a bug: keep its traceback
                    context.log.error("".join(traceback.format_exception(outcome.error)))
                continue
            for w in res.warnings:
                context.log.warning(w)
            for r in res.rejected:
                context.log.warning(f"rejected: {r}")
            yield dg.MaterializeResult(
                asset_key=dg.AssetKey(spec.asset_key), metadata=_metadata(res)
            )
            yield _reconciliation_result(spec, res)
    if failures:
        raise dg.Failure(description="\n".join(failures), allow_retries=False)


def _failure_message(spec: EntitySpec, error: BaseException | None) -> str:
    if isinstance(error, IngestionError):  # a full disk or memory: the message names the cause
        return str(error)
    return f"{spec.system}/{spec.entity}: {type(error).__name__}: {error}"


def build_ingestion_assets() -> list[dg.AssetsDefinition]:
    return [ingest_landing]


defs = dg.Definitions(assets=build_ingestion_assets())
