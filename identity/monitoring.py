"""Health of a resolution, as an identity team watches it: cluster sizes and run-to-run change.

Plain functions over the build database (no Dagster): `orchestration/defs/identity/checks.py`
reports them as asset checks, tests call them directly.

- A runaway merge (a shared line that slipped through, a rule gone wrong) shows as a customer
  holding far more records than any person produces.
- A rule change or a bad delivery shows as a jump in the number of customers from one run to
  the next; a day's new data moves it by a fraction of a per cent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from identity.store import RESOLVED_RECORDS, RUNS

#: More records than this in one customer is a runaway merge. A person of the demo company has
#: at most a few dozen (GA4 devices, profiles, calls, survey answers).
MAX_RECORDS_PER_CUSTOMER = 200
#: A relative change in the number of customers beyond this, from one run to the next, needs a
#: person to look (a day of new data adds well under one per cent).
MAX_CUSTOMER_CHANGE = 0.10


@dataclass(frozen=True)
class HealthResult:
    passed: bool
    description: str
    metadata: dict[str, float | int | str] = field(default_factory=dict)


def cluster_sizes(
    con: duckdb.DuckDBPyConnection, max_records: int = MAX_RECORDS_PER_CUSTOMER
) -> HealthResult:
    row = con.execute(
        f"""
        with sizes as (select customer_id, count(*) as n from {RESOLVED_RECORDS} group by 1)
        select count(*), max(n), quantile_disc(n, 0.99), count(*) filter (where n > ?),
            arg_max(customer_id, n)
        from sizes""",
        [max_records],
    ).fetchone()
    customers, largest, p99, too_big, largest_id = row if row else (0, 0, 0, 0, None)
    largest = int(largest or 0)
    return HealthResult(
        passed=largest <= max_records,
        description=(
            f"largest customer holds {largest} records (limit {max_records}); "
            f"{int(too_big or 0)} customers over the limit"
        ),
        metadata={
            "customers": int(customers or 0),
            "largest_customer_records": largest,
            "p99_customer_records": int(p99 or 0),
            "customers_over_limit": int(too_big or 0),
            "largest_customer_id": str(largest_id or ""),
        },
    )


def customer_count_change(
    con: duckdb.DuckDBPyConnection, max_change: float = MAX_CUSTOMER_CHANGE
) -> HealthResult:
    rows = con.execute(
        f"select customers, records from {RUNS} order by resolved_at desc limit 2"
    ).fetchall()
    if len(rows) < 2:
        return HealthResult(
            True,
            "first resolution: nothing to compare with",
            {"customers": int(rows[0][0]) if rows else 0},
        )
    (now, records_now), (before, records_before) = rows
    change = (now - before) / before if before else 0.0
    return HealthResult(
        passed=abs(change) <= max_change,
        description=f"customers {before} -> {now} ({change:+.2%}; limit ±{max_change:.0%})",
        metadata={
            "customers": int(now),
            "previous_customers": int(before),
            "relative_change": round(change, 6),
            "records": int(records_now),
            "previous_records": int(records_before),
        },
    )
