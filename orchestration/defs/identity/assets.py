"""Identity resolution between two dbt steps: int_identity_records -> Python -> core marts.

One step writes two tables that dbt reads as sources: `identity.resolved_records` (the customer
of every record) and `identity.resolved_edges` (the links that joined each customer). Their
asset keys equal the dbt sources' keys, so dbt's marts depend on them with no glue; the step
depends on the dbt model it reads. Dagster splits the dbt multi-asset around it into two dbt
steps of one run (tests/identity/test_dagster_wiring.py proves it).
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from identity import RESOLVED_EDGES, RESOLVED_RECORDS, resolve_in_warehouse
from identity.overrides import overrides_path
from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource

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
        resolution = resolve_in_warehouse(con)
    stats = resolution.stats
    methods = resolution.records["match_method"].value_counts().to_dict()
    context.log.info(f"identity resolution: {stats}")
    selected = context.selected_asset_keys
    if RESOLVED_RECORDS_KEY in selected:
        yield dg.MaterializeResult(
            asset_key=RESOLVED_RECORDS_KEY,
            metadata={
                "dagster/row_count": len(resolution.records),
                "customers": int(stats.get("customers", 0)),
                "records_by_match_method": dg.MetadataValue.json(
                    {str(k): int(v) for k, v in methods.items()}
                ),
                "ids_retired_by_merges": len(resolution.aliases),
                "splink_pairs_merged": int(stats.get("splink_pairs_merged", 0)),
                "overloaded_contact_values": int(stats.get("overloaded_contact_values", 0)),
                "seconds": dg.MetadataValue.json(
                    {k: round(v, 2) for k, v in stats.items() if k.endswith("_seconds")}
                ),
            },
        )
    rules = resolution.edges["rule"].value_counts().to_dict()
    if RESOLVED_EDGES_KEY in selected:
        yield dg.MaterializeResult(
            asset_key=RESOLVED_EDGES_KEY,
            metadata={
                "dagster/row_count": len(resolution.edges),
                "edges_by_rule": dg.MetadataValue.json({str(k): int(v) for k, v in rules.items()}),
                "steward_overrides_file": str(overrides_path()),
                "steward_overrides_unmatched": int(stats.get("overrides_unmatched", 0)),
            },
        )
