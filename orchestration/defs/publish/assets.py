"""The last step: replace the published warehouse, atomically, once everything upstream passed."""

from datetime import UTC

import dagster as dg

from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.check_results import record_check_results
from orchestration.lib.dbt_project import semantic_manifest_path
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.publication import parquet_dir, publish, restricted_publication_path


@dg.asset(
    key="published_warehouse",
    group_name="publish",
    deps=touchpoint_dbt_models.keys,
    pool=DUCKDB_WRITER_POOL,
    description=(
        "The warehouse readers use (dashboards, analysts, `mf query`): the marts with personal "
        "data pseudonymised, the semantic layer and run metadata, in a format DuckDB 1.5 "
        "clients read, every mart also as Parquet; beside it the owner-only restricted "
        "publication with personal data in clear (docs/privacy.md). Runs only when every "
        "upstream asset materialized and no blocking check failed, so a failed build leaves "
        "the last good version in place."
    ),
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    paths = warehouse.paths
    with warehouse.connect() as con:
        checks = record_check_results(con, context.instance, context.run_id)
    context.log.info(f"Recorded {checks} check evaluations in ops.check_results")
    publication = publish(
        build_db=paths.build_db,
        warehouse=paths.warehouse,
        run_id=context.run_id,
        landing_dir=paths.landing_dir,
        semantic_manifest=semantic_manifest_path(),
    )
    context.log.info(f"Published version {publication.version} to {publication.path}")
    return dg.MaterializeResult(
        metadata={
            "version": publication.version,
            "published_at": dg.MetadataValue.timestamp(
                publication.published_at.replace(tzinfo=UTC).timestamp()
            ),
            "path": dg.MetadataValue.path(str(publication.path)),
            "restricted_path": dg.MetadataValue.path(
                str(restricted_publication_path(publication.path))
            ),
            "parquet": dg.MetadataValue.path(str(parquet_dir(publication.path))),
            "size_mb": round(publication.path.stat().st_size / 2**20, 1),
        }
    )
