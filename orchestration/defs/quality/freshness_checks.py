"""Source freshness as Dagster asset checks: a system that did not deliver on time shows as a
failed check on each of its raw assets, in the Dagster UI and (via `ops.check_results`) on the
Data health page.

The rule is dbt's (`warn_after` in each sources file, quality/freshness.py says why per system).
Severity WARN: a late source is news, not a reason to withhold the other seven systems' data.
`TOUCHPOINT_FRESHNESS_AS_OF` (`today` or a YYYY-MM-DD date) judges against the calendar instead
of the landing folder's newest delivery day, for a live feed.
"""

import datetime as dt
import json
import os
from collections import defaultdict

import dagster as dg

from ingestion import SPECS
from orchestration.lib.dbt_project import manifest_path
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from quality.freshness import evaluate, rules_from_manifest

SOURCE_DELIVERED_ON_TIME = "source_delivered_on_time"
AS_OF_ENV = "TOUCHPOINT_FRESHNESS_AS_OF"


def freshness_as_of() -> dt.date | None:
    """The reference day from the environment (None: the landing folder's newest delivery day)."""
    value = os.environ.get(AS_OF_ENV, "").strip()
    if not value:
        return None
    if value == "today":
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise ValueError(
            f"{AS_OF_ENV} must be 'today' or a YYYY-MM-DD date, not {value!r}"
        ) from error


def _specs() -> list[dg.AssetCheckSpec]:
    return [
        dg.AssetCheckSpec(
            SOURCE_DELIVERED_ON_TIME,
            asset=dg.AssetKey(spec.asset_key),
            description=f"{spec.system} delivered within its dbt freshness limit (warn_after)",
        )
        for spec in SPECS
    ]


@dg.multi_asset_check(
    specs=_specs(),
    can_subset=True,
    pool=DUCKDB_WRITER_POOL,
    name="source_freshness_checks",
    description="Each source system's newest delivery against its dbt freshness declaration.",
)
def source_freshness_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    rules = rules_from_manifest(json.loads(manifest_path().read_text()))
    with warehouse.connect() as con:
        judged = {
            result.system: result for result in evaluate(con, rules.values(), freshness_as_of())
        }

    selected = defaultdict(list)
    for check_key in context.selected_asset_check_keys:
        selected[check_key.asset_key.path[0]].append(check_key.asset_key)
    for system, asset_keys in selected.items():
        result = judged.get(system)
        for asset_key in asset_keys:
            if result is None:
                yield dg.AssetCheckResult(
                    asset_key=asset_key,
                    check_name=SOURCE_DELIVERED_ON_TIME,
                    passed=True,
                    severity=dg.AssetCheckSeverity.WARN,
                    description=f"no freshness limit declared for {system} (or nothing delivered yet)",
                )
                continue
            yield dg.AssetCheckResult(
                asset_key=asset_key,
                check_name=SOURCE_DELIVERED_ON_TIME,
                passed=result.on_time,
                severity=dg.AssetCheckSeverity.WARN,
                description=result.describe(),
                metadata={
                    "system": system,
                    "latest_delivery": str(result.latest_delivery),
                    "reference_date": str(result.reference_date),
                    "days_behind": result.days_behind,
                    "warn_after_days": result.warn_after_days,
                },
            )


defs = dg.Definitions(asset_checks=[source_freshness_checks])
