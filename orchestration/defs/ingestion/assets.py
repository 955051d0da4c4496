"""Thin Dagster wrappers around ``ingestion``: one asset per contract entity."""

import dagster as dg

from ingestion import SPECS, EntityLoadResult, EntitySpec, IngestionError, ingest_entity
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from privacy.suppression import SuppressionList

RECONCILIATION_CHECK = "reconciliation"


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


def _build_asset(spec: EntitySpec) -> dg.AssetsDefinition:
    key = dg.AssetKey(spec.asset_key)

    @dg.asset(
        key=key,
        group_name=f"raw_{spec.system}",
        pool=DUCKDB_WRITER_POOL,
        kinds={"duckdb"},
        description=(
            f"{spec.system}/{spec.entity} landing files ({spec.format.upper()}) loaded into "
            f"{spec.qualified_table}: contract types, lineage columns, each file version once."
        ),
        check_specs=[
            dg.AssetCheckSpec(
                RECONCILIATION_CHECK,
                asset=key,
                blocking=True,
                description=(
                    "Every record read is loaded, quarantined, counted as a duplicate or "
                    "suppressed (an erased person's)."
                ),
            )
        ],
    )
    def _ingest(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
        try:
            with warehouse.connect() as con:
                res = ingest_entity(
                    con,
                    warehouse.paths.landing_dir,
                    spec,
                    run_id=context.run.run_id,
                    suppression_list=SuppressionList.load(warehouse.paths.warehouse),
                )
        except IngestionError as exc:  # a full disk or memory: the message names the cause
            raise dg.Failure(description=str(exc), allow_retries=False) from exc
        for w in res.warnings:
            context.log.warning(w)
        for r in res.rejected:
            context.log.warning(f"rejected: {r}")
        rec = res.reconciliation
        assert rec is not None
        yield dg.MaterializeResult(metadata=_metadata(res))
        yield dg.AssetCheckResult(
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

    return _ingest


def build_ingestion_assets() -> list[dg.AssetsDefinition]:
    return [_build_asset(spec) for spec in SPECS]


defs = dg.Definitions(assets=build_ingestion_assets())
