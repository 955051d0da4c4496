"""Asset checks on identity resolution: cluster sizes (a runaway merge fails the run) and the
run-to-run change in the number of customers (a warning: a rule change or a bad delivery)."""

import dagster as dg

from identity.monitoring import HealthResult, cluster_sizes, customer_count_change
from orchestration.defs.identity.assets import RESOLVED_RECORDS_KEY
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource


def _result(health: HealthResult, severity: dg.AssetCheckSeverity) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        passed=health.passed,
        severity=severity,
        description=health.description,
        metadata=dict(health.metadata),
    )


@dg.asset_check(
    asset=RESOLVED_RECORDS_KEY,
    blocking=True,
    pool=DUCKDB_WRITER_POOL,
    description="No customer holds more records than a person produces.",
)
def customer_cluster_sizes(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        return _result(cluster_sizes(con), dg.AssetCheckSeverity.ERROR)


@dg.asset_check(
    asset=RESOLVED_RECORDS_KEY,
    pool=DUCKDB_WRITER_POOL,
    description="The number of customers moves by at most 10 % from one run to the next.",
)
def customer_count_day_to_day(warehouse: WarehouseResource) -> dg.AssetCheckResult:
    with warehouse.connect() as con:
        return _result(customer_count_change(con), dg.AssetCheckSeverity.WARN)


CHECKS = [customer_cluster_sizes, customer_count_day_to_day]
