"""Source freshness: a system that stopped delivering is late against the landing's newest day
(issue 18). The rule is dbt's `warn_after`; the evidence is the file ledger."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
import pytest

from ingestion.schema import LEDGER, ensure_raw_layer
from quality.freshness import FreshnessRule, evaluate, rules_from_manifest

DAY = dt.date(2026, 4, 30)


def _ledger(deliveries: list[tuple[str, dt.date, str]]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    ensure_raw_layer(con)
    for number, (system, delivered, status) in enumerate(deliveries):
        con.execute(
            f"insert into {LEDGER} values (?, ?, 'entity', ?, null, 'hash', 1, 1, false, ?, "
            "now(), ?, true, 1, 1, 0, 0, null)",
            [f"{system}/entity/{delivered}.csv", system, delivered, f"load{number}", status],
        )
    return con


def _manifest(*sources: tuple[str, int | None, str | None]) -> dict:
    return {
        "sources": {
            f"source.touchpoint.{name}.t{number}": {
                "source_name": name,
                "freshness": {"warn_after": {"count": count, "period": period}},
            }
            for number, (name, count, period) in enumerate(sources)
        }
    }


def test_a_system_behind_the_newest_delivery_is_late() -> None:
    con = _ledger(
        [
            ("shop", DAY, "loaded"),
            ("crm", DAY - dt.timedelta(days=2), "loaded"),
            ("billing", DAY - dt.timedelta(days=3), "loaded"),
            ("surveys", DAY - dt.timedelta(days=1), "empty"),  # "nothing changed" is a delivery
            ("digital", DAY, "rejected"),  # a rejected file is not
        ]
    )
    rules = [
        FreshnessRule(system, 2) for system in ("shop", "crm", "billing", "surveys", "digital")
    ]
    judged = {result.system: result for result in evaluate(con, rules)}
    assert {system: result.on_time for system, result in judged.items()} == {
        "billing": False,
        "crm": True,
        "digital": False,
        "shop": True,
        "surveys": True,
    }
    assert judged["billing"].days_behind == 3
    assert judged["billing"].reference_date == DAY
    assert "LATE" in judged["billing"].describe()
    assert judged["digital"].latest_delivery is None
    assert "delivered no file" in judged["digital"].describe()


def test_a_calendar_reference_day_makes_every_stalled_system_late() -> None:
    con = _ledger([("shop", DAY, "loaded")])
    (result,) = evaluate(con, [FreshnessRule("shop", 2)], as_of=DAY + dt.timedelta(days=5))
    assert not result.on_time and result.days_behind == 5


def test_nothing_delivered_judges_nothing() -> None:
    assert evaluate(_ledger([]), [FreshnessRule("shop", 2)]) == []


def test_rules_come_from_dbt_sources_in_days() -> None:
    rules = rules_from_manifest(
        _manifest(("shop", 2, "day"), ("shop", 2, "day"), ("crm", 36, "hour"), ("clv", None, None))
    )
    assert rules == {"shop": FreshnessRule("shop", 2.0), "crm": FreshnessRule("crm", 1.5)}


def test_two_limits_for_one_source_are_refused() -> None:
    with pytest.raises(ValueError, match="two freshness limits"):
        rules_from_manifest(_manifest(("shop", 2, "day"), ("shop", 3, "day")))


def test_every_contract_system_declares_a_limit_in_dbt(dbt_parsed: Path) -> None:
    from ingestion import SPECS

    rules = rules_from_manifest(json.loads((dbt_parsed / "manifest.json").read_text()))
    # an optional system (one a company may not have: loyalty) declares its limit once it delivers
    assert {spec.system for spec in SPECS if not spec.optional} <= set(rules)


def test_a_late_source_fails_its_check_in_the_published_run(published_con) -> None:
    # The hand-made landing's CRM delivered once, on 2026-03-01; surveys delivered until 04-30.
    rows = published_con.execute(
        "select asset_key, passed, severity, description from ops.check_results "
        "where check_name = 'source_delivered_on_time' order by asset_key"
    ).fetchall()
    by_asset = {
        asset: (passed, severity, description) for asset, passed, severity, description in rows
    }
    passed, severity, description = by_asset["crm/contacts"]
    assert not passed and severity == "WARN"
    assert "last delivery 2026-03-01" in description and "60 day(s)" in description
    assert by_asset["surveys/responses"][0] is True
