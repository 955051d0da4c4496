"""Identity resolution between two dbt steps: int_identity_records -> Python -> core marts.

The asset's key equals the dbt source `identity.resolved_records`, so dbt's marts depend on it
with no glue; it depends on the dbt model it reads. Dagster splits the dbt multi-asset around it
into two dbt steps of one run (tests/identity/test_dagster_wiring.py proves it).
"""

import dagster as dg
from dagster_dbt import get_asset_key_for_model

from identity import RESOLVED_RECORDS, resolve_in_warehouse
from orchestration.defs.transform.assets import touchpoint_dbt_models
from orchestration.lib.python_steps import python_step
from orchestration.lib.resources import WarehouseResource

RESOLVED_RECORDS_KEY = dg.AssetKey(["identity", "resolved_records"])
IDENTITY_RECORDS_KEY = get_asset_key_for_model([touchpoint_dbt_models], "int_identity_records")


@python_step(
    key=RESOLVED_RECORDS_KEY,
    deps=[IDENTITY_RECORDS_KEY],
    group_name="intermediate_identity",
    description=(
        f"`{RESOLVED_RECORDS}`: one row per person-identifying source record with its stable "
        "customer_id, the rule (or Splink probability) that linked it, and its normalised "
        "e-mail/phone/postal code. Read by dbt's int_identity_records_resolved (the identity map and every customer lookup)."
    ),
)
def resolved_records(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.connect() as con:
        resolution = resolve_in_warehouse(con)
    stats = resolution.stats
    methods = resolution.records["match_method"].value_counts().to_dict()
    context.log.info(f"identity resolution: {stats}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": len(resolution.records),
            "customers": int(stats.get("customers", 0)),
            "records_by_match_method": dg.MetadataValue.json(
                {str(k): int(v) for k, v in methods.items()}
            ),
            "ids_retired_by_merges": len(resolution.aliases),
            "seconds": dg.MetadataValue.json({k: round(v, 2) for k, v in stats.items()
                                              if k.endswith("_seconds")}),
        }
    )
