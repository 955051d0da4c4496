"""Incremental staging gives the answer of a full build: the hand-made raw layer of
tests/dbt/test_staging.py, built once; then a third delivery that updates records, sends stale
and re-sent versions, adds new records and re-delivers an earlier file without one of its
records; then an incremental `dbt build --select staging`, compared table for table with a
`--full-refresh` build of the same raw layer.

The first build is the staging test's session build (copied, so that module's tests still read
their own), so this module costs two dbt runs of the staging models.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

from tests.dbt.test_staging import (  # noqa: F401  (staging_build: the shared first build)
    RawLayer,
    StagingBuild,
    staging_build,
)
from tests.incremental.compare import canonical
from tests.incremental.dbt_copies import changed_copies, dbt_on

pytestmark = pytest.mark.slow

D3 = "2026-03-03"  # the delivery after the staging test's two
REDELIVERED_FILE = "marketing/email_events/2026-03-02.csv"  # D2's file, sent again

# The staging models built incrementally (config in each model's SQL).
INCREMENTAL_MODELS = (
    "stg_billing__charges", "stg_billing__refunds", "stg_contact_center__contacts",
    "stg_digital__events", "stg_marketing__email_events", "stg_shop__customers",
    "stg_shop__orders", "stg_support__ticket_events", "stg_support__tickets",
    "stg_surveys__responses",
)  # fmt: skip


def _dbt_build_staging(database: Path, *extra: str) -> dict[str, Any]:
    """`dbt build --select staging` (plus `extra`) on `database`; dbt's run results."""
    return dbt_on(
        database, "build", "--select", "staging", "--indirect-selection", "buildable", *extra
    )


class _NextDelivery(RawLayer):
    """The raw layer as it is (tables exist): append a delivery, or re-deliver a file."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._rows = {}

    def redeliver(self, source_file: str) -> None:
        """What the loader does with a file sent again: the earlier version's rows go."""
        system, entity = source_file.split("/")[:2]
        self.con.execute(
            f"DELETE FROM raw.{system}__{entity} WHERE _source_file = ?", [source_file]
        )
        self._rows[source_file] = 0


def _deliver_d3(con: duckdb.DuckDBPyConnection) -> None:
    raw = _NextDelivery(con)
    ticket = {
        "created_at": "2026-03-01T15:15:00Z", "type": "question", "subject": "Where is my order?",
        "priority": "normal", "requester_id": 1, "submitter_id": 1, "assignee_id": 2,
        "group_id": 10, "tags": ["order"], "via": {"channel": "web"},
        "satisfaction_rating": {"score": "unoffered", "comment": None},
        "custom_fields": [{"id": 360001, "value": None}, {"id": 360002, "value": None},
                          {"id": 360003, "value": None}],
    }  # fmt: skip
    raw.add(
        "support", "tickets", D3,
        # 9002 reopened: a newer version replaces the kept one
        {**ticket, "id": 9002, "status": "open", "updated_at": "2026-03-03T08:00:00Z"},
        # 9003: a stale version (older than the kept one) arrives late and must not win
        {**ticket, "id": 9003, "status": "closed", "updated_at": "2026-02-01T08:00:00Z"},
        # a new ticket
        {**ticket, "id": 9100, "status": "new", "updated_at": "2026-03-03T09:00:00Z"},
    )  # fmt: skip
    raw.add("support", "ticket_events", D3,
            {"id": 7003, "ticket_id": 9002, "created_at": "2026-03-03T08:00:00Z", "updater_id": 2,
             "via": "web", "event_type": "Audit",
             "child_events": [{"id": 4, "event_type": "Change", "field_name": "status",
                               "value": "open", "previous_value": "solved"}]})  # fmt: skip
    # The GA4 page_view sent a third time (region corrected again), and a new event.
    event = {
        "event_date": "20260225", "user_id": None, "user_pseudo_id": "u1.1700000000",
        "platform": "WEB", "device": {"category": "desktop", "operating_system": "Windows"},
        "traffic_source": {"source": "google", "medium": "organic", "name": "(organic)"},
        "event_params": [{"key": "ga_session_id", "value": {"int_value": 1772000000}},
                         {"key": "page_location",
                          "value": {"string_value": "https://shop.example/p/501"}}],
    }  # fmt: skip
    raw.add("digital", "events", D3,
            {**event, "event_timestamp": 1772000000123456, "event_name": "page_view",
             "geo": {"country": "United States", "region": "Connecticut"}},
            {**event, "event_timestamp": 1772000009000000, "event_name": "page_view",
             "geo": {"country": "United States", "region": "New York"}})  # fmt: skip
    # D2's e-mail file re-delivered without k1's corrected version (k1 falls back to D1's), with
    # one new event; and D3 brings another.
    raw.redeliver(REDELIVERED_FILE)
    klaviyo = {"Profile ID": "p1", "Email": "ann@example.com", "Timestamp": "2026-03-02 10:15:00",
               "Campaign ID": "cmp1", "Campaign Name": "Spring", "Subject": "Hello"}  # fmt: skip
    raw.add(
        "marketing",
        "email_events",
        "2026-03-02",
        {**klaviyo, "Event ID": "k9", "Event": "Opened Email"},
    )
    raw.add(
        "marketing", "email_events", D3, {**klaviyo, "Event ID": "k10", "Event": "Clicked Email"}
    )


@pytest.fixture(scope="module")
def both_builds(
    staging_build: StagingBuild,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, dict[str, Any]]:
    """(incremental build, full build, the incremental build's run results)."""
    incremental, full, _ = changed_copies(
        staging_build.database, tmp_path_factory.mktemp("incremental_staging"), _deliver_d3
    )
    run_results = _dbt_build_staging(incremental)
    _dbt_build_staging(full, "--full-refresh")
    return incremental, full, run_results


def _run_sql(workdir: Path, model: str) -> str:
    """The SQL dbt ran for `model` (target/run), which for an incremental build is the merge."""
    (path,) = (workdir / "target" / "run").rglob(f"{model}.sql")
    return path.read_text()


def _staging_relations(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select table_name, table_type from information_schema.tables "
            "where table_schema = 'staging' order by table_name"
        ).fetchall()
    )


def test_the_heavy_staging_models_are_incremental_tables(both_builds) -> None:
    incremental, _, run_results = both_builds
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        relations = _staging_relations(con)
    finally:
        con.close()
    for model in INCREMENTAL_MODELS:
        assert relations[model] == "BASE TABLE", model
    built = {
        r["unique_id"].rsplit(".", 1)[-1]: r for r in run_results["results"]
        if r["unique_id"].startswith("model.")
    }  # fmt: skip
    for model in INCREMENTAL_MODELS:
        assert built[model]["status"] == "success", model
        # built by merging the changed keys into the kept table, not by rebuilding it
        assert "merge into" in _run_sql(incremental.parent, model).lower(), model


def test_every_staging_relation_equals_the_full_build(both_builds) -> None:
    incremental, full, _ = both_builds
    got, want = (duckdb.connect(str(path), read_only=True) for path in (incremental, full))
    try:
        assert _staging_relations(got).keys() == _staging_relations(want).keys()
        for name in _staging_relations(want):
            query = f"select * from staging.{name}"
            left, right = canonical(got.execute(query).df()), canonical(want.execute(query).df())
            pd.testing.assert_frame_equal(left, right, check_dtype=False, obj=name)
    finally:
        got.close()
        want.close()


def test_updates_win_stale_versions_lose_and_a_redelivery_drops_its_old_rows(
    both_builds,
) -> None:
    incremental, _, _ = both_builds
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        status = dict(
            con.execute("select ticket_id, ticket_status from staging.stg_support__tickets")
            .fetchall()
        )  # fmt: skip
        assert status["9002"] == "open"  # reopened on D3
        assert status["9003"] == "new"  # D3's stale "closed" is older than the kept version
        assert status["9100"] == "new"
        region = con.execute(
            "select geo_region from staging.stg_digital__events "
            "where event_at = timestamp '2026-02-25 06:13:20.123456' "
            "and event_name = 'page_view' and ga_session_id = '1772000000'"
        ).fetchall()
        assert region == [("Connecticut",)]
        subjects = dict(
            con.execute("select event_id, subject from staging.stg_marketing__email_events")
            .fetchall()
        )  # fmt: skip
        # k1's corrected version lived in the re-delivered file only: D1's version is kept again
        assert subjects["k1"] == "Hello"
        assert {"k9", "k10"} <= subjects.keys()
    finally:
        con.close()
