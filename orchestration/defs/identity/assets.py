"""Identity resolution between two dbt steps: int_identity_records -> Python -> core marts.

One step writes two tables that dbt reads as sources: `identity.resolved_records` (the customer
of every record) and `identity.resolved_edges` (the links that joined each customer). Their
asset keys equal the dbt sources' keys, so dbt's marts depend on them with no glue; the step
depends on the dbt model it reads. Dagster splits the dbt multi-asset around it into two dbt
steps of one run (tests/identity/test_dagster_wiring.py proves it).
"""

import dagster as dg
import duckdb
from dagster_dbt import get_asset_key_for_model

from identity import RESOLVED_EDGES, RESOLVED_RECORDS
from identity.incremental import FULL
from identity.overrides import load_overrides, overrides_path
from identity.store import ResolutionSummary, resolve_incrementally_in_warehouse
from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.engine import Engine, selected_engine
from orchestration.lib.pipeline_job import is_full_refresh
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from orchestration.lib.spark_dbt_step import spark_paths

RESOLVED_RECORDS_KEY = dg.AssetKey(["identity", "resolved_records"])
RESOLVED_EDGES_KEY = dg.AssetKey(["identity", "resolved_edges"])
IDENTITY_RECORDS_KEY = get_asset_key_for_model([touchpoint_dbt_models], "int_identity_records")
GROUP = "intermediate_identity"


@dg.multi_asset(
    name="identity__resolved_records",
    specs=[
        dg.AssetSpec(
            RESOLVED_RECORDS_KEY,
            deps=[IDENTITY_RECORDS_KEY],
            group_name=GROUP,
            kinds={"python", "duckdb"},
            description=(
                f"`{RESOLVED_RECORDS}`: one row per person-identifying source record with its "
                "stable customer_id, the rule (or Splink probability) that linked it, and its "
                "normalised e-mail/phone/postal code. Read by dbt's identity map and dim_customer."
            ),
        ),
        dg.AssetSpec(
            RESOLVED_EDGES_KEY,
            deps=[IDENTITY_RECORDS_KEY],
            group_name=GROUP,
            kinds={"python", "duckdb"},
            description=(
                f"`{RESOLVED_EDGES}`: the links that joined each customer (both records, the rule "
                "or Splink's evidence) and the steward's force-splits. Read by dbt's "
                "dim_customer_identity_edge."
            ),
        ),
    ],
    pool=DUCKDB_WRITER_POOL,
    # a slice may select one of the two; the step always writes both (one transaction)
    can_subset=True,
)
def resolved_records(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    with warehouse.connect() as con:
        summary, run = _resolve(con, warehouse, is_full_refresh(context.run.tags))
    stats = summary.stats
    context.log.info(f"identity resolution: {run['mode']} ({run['reason']})")
    context.log.info(f"identity resolution: {stats}")
    selected = context.selected_asset_keys
    if RESOLVED_RECORDS_KEY in selected:
        yield dg.MaterializeResult(
            asset_key=RESOLVED_RECORDS_KEY,
            metadata={
                "dagster/row_count": summary.records,
                "customers": int(stats.get("customers", 0)),
                "records_by_match_method": dg.MetadataValue.json(summary.records_by_match_method),
                "ids_retired_by_merges": summary.aliases,
                # incremental: only what a change can affect was re-resolved (identity.incremental)
                "resolution": dg.MetadataValue.json(run),
                "splink_pairs_merged": int(stats.get("splink_pairs_merged", 0)),
                "overloaded_contact_values": int(stats.get("overloaded_contact_values", 0)),
                "seconds": dg.MetadataValue.json(
                    {k: round(v, 2) for k, v in stats.items() if k.endswith("_seconds")}
                ),
            },
        )
    if RESOLVED_EDGES_KEY in selected:
        yield dg.MaterializeResult(
            asset_key=RESOLVED_EDGES_KEY,
            metadata={
                "dagster/row_count": summary.edges,
                "edges_by_rule": dg.MetadataValue.json(summary.edges_by_rule),
                "steward_overrides_file": str(overrides_path()),
                "steward_overrides_unmatched": int(stats.get("overrides_unmatched", 0)),
            },
        )


def _resolve(
    con: duckdb.DuckDBPyConnection, warehouse: WarehouseResource, full_refresh: bool
) -> tuple[ResolutionSummary, dict[str, str | int]]:
    """Resolve where the engine builds (orchestration/lib/engine.py): in this process on
    DuckDB, incrementally unless `full_refresh`, or on Spark (scale_out/identity_step.py), in
    the run's SparkSession, every record. Also which it did and how many records it
    re-resolved."""
    if selected_engine() is Engine.SPARK:
        from pyspark.sql import SparkSession

        from scale_out.identity_step import resolve_into_warehouse_on_spark

        summary = resolve_into_warehouse_on_spark(
            SparkSession.builder.getOrCreate(),
            con,
            spark_paths(warehouse.paths.build_dir),
            overrides=load_overrides(),
        )
        return summary, {
            "mode": FULL,
            "reason": "Spark engine",
            "records_resolved": summary.records,
        }
    result = resolve_incrementally_in_warehouse(con, full_refresh=full_refresh)
    run: dict[str, str | int] = {
        "mode": result.mode,
        "reason": result.reason,
        "records_resolved": result.records_resolved,
    }
    return ResolutionSummary.of(result.resolution), run
