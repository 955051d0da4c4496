"""Did each source system deliver on time? Judged from the file ledger against dbt's declarations.

Each source's freshness is declared once, in its dbt sources file (`config.freshness.warn_after`,
`loaded_at_field: _delivery_date`), so `dbt source freshness` and this check read the same rule.
Touchpoint judges a *system* (a dbt source), not each entity: systems send some entities only when
something changed (a product catalogue), but a system that sent nothing at all is late.

The reference day is the newest delivery date of any system in the ledger: the landing folder's
"today". Judging against the wall clock instead would call a replayed or historical landing folder
late everywhere; pass `as_of` to judge a live feed against the calendar.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import duckdb

from ingestion.schema import LEDGER

# dbt's freshness periods in days (a delivery date has day resolution).
_DAYS_PER_PERIOD = {"minute": 1 / 1440, "hour": 1 / 24, "day": 1.0}


@dataclass(frozen=True)
class FreshnessRule:
    system: str
    warn_after_days: float


@dataclass(frozen=True)
class SourceFreshness:
    system: str
    latest_delivery: dt.date | None  # None: the system has never delivered a file
    reference_date: dt.date
    warn_after_days: float

    @property
    def days_behind(self) -> int | None:
        if self.latest_delivery is None:
            return None
        return (self.reference_date - self.latest_delivery).days

    @property
    def on_time(self) -> bool:
        return self.days_behind is not None and self.days_behind <= self.warn_after_days

    def describe(self) -> str:
        limit = f"{self.warn_after_days:g} day(s)"
        if self.latest_delivery is None:
            return f"{self.system} has delivered no file (late after {limit})"
        verdict = "on time" if self.on_time else "LATE"
        return (
            f"{self.system}: {verdict}, last delivery {self.latest_delivery}, "
            f"{self.days_behind} day(s) before {self.reference_date} (late after {limit})"
        )


def rules_from_manifest(manifest: Mapping[str, Any]) -> dict[str, FreshnessRule]:
    """The warn_after of every dbt source that declares one, by source (= system) name."""
    rules: dict[str, FreshnessRule] = {}
    for source in manifest["sources"].values():
        warn_after = ((source.get("freshness") or {}).get("warn_after")) or {}
        if warn_after.get("count") is None or warn_after.get("period") is None:
            continue
        days = warn_after["count"] * _DAYS_PER_PERIOD[warn_after["period"]]
        previous = rules.get(source["source_name"])
        if previous is not None and previous.warn_after_days != days:
            raise ValueError(
                f"source {source['source_name']} declares two freshness limits "
                f"({previous.warn_after_days:g} and {days:g} days); declare one per source"
            )
        rules[source["source_name"]] = FreshnessRule(source["source_name"], days)
    return rules


def evaluate(
    con: duckdb.DuckDBPyConnection,
    rules: Iterable[FreshnessRule],
    as_of: dt.date | None = None,
) -> list[SourceFreshness]:
    """Each ruled system's newest delivery against `as_of` (default: the ledger's newest day)."""
    latest = dict(
        con.execute(
            # An empty file is a delivery ("nothing changed today"); a rejected one is not.
            f"select system, max(delivery_date)::date from {LEDGER} "
            "where status in ('loaded', 'empty') group by system"
        ).fetchall()
    )
    reference = as_of or max(latest.values(), default=None)
    if reference is None:
        return []  # nothing delivered at all: there is no "today" to be late against
    return [
        SourceFreshness(rule.system, latest.get(rule.system), reference, rule.warn_after_days)
        for rule in sorted(rules, key=lambda rule: rule.system)
    ]
