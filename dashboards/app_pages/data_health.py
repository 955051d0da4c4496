"""Data health: what was published when, which checks passed, what was kept out and why."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboards.lib.charts import plot, show
from dashboards.lib.notices import not_in_publication, require_tables
from dashboards.lib.published import PublishedWarehouse, open_published, table
from dashboards.lib.tables import table_with_download

# The name of the ingestion assets' reconciliation asset check (orchestration/defs/ingestion).
RECONCILIATION_CHECK = "reconciliation"


def publication_section(warehouse: PublishedWarehouse) -> None:
    st.subheader("Publication")
    history = warehouse.sql(
        f"select version, published_at, run_id, landing_dir from {table('ops', 'publications')} "
        "order by version desc"
    )
    age = dt.datetime.now(dt.UTC).replace(tzinfo=None) - warehouse.published_at
    left, middle, right = st.columns(3)
    left.metric("Published version", f"{warehouse.version}", border=True)
    middle.metric("Published at (UTC)", f"{warehouse.published_at:%Y-%m-%d %H:%M}", border=True)
    right.metric("Age", _age(age), border=True)
    with st.expander(f"Publication history ({len(history)})"):
        table_with_download(history, "publications")


def checks_section(warehouse: PublishedWarehouse) -> None:
    st.subheader("Quality checks of the published run")
    if not require_tables(warehouse, "ops", "check_results"):
        return
    checks = warehouse.sql(
        f"select split_part(asset_key, '/', 1) as area, asset_key, check_name, passed, "
        f"severity, blocking, description from {table('ops', 'check_results')} "
        "order by passed, severity, asset_key, check_name"
    )
    passed = int(checks["passed"].sum())
    failed = len(checks) - passed
    left, middle, right = st.columns(3)
    left.metric("Checks run", f"{len(checks):,}", border=True)
    middle.metric("Passed", f"{passed:,}", border=True)
    right.metric(
        "Failed (warnings)",
        f"{failed:,}",
        border=True,
        help="Only non-blocking checks can fail here: a failed blocking check stops publication.",
    )
    by_area = (
        checks.assign(outcome=checks["passed"].map({True: "passed", False: "failed"}))
        .groupby(["area", "outcome"], as_index=False)
        .size()
    )
    figure = plot(
        "bar",
        by_area,
        x="size",
        y="area",
        orientation="h",
        color="outcome",
        title="Checks by area: source system (raw) or dbt layer",
        labels={"area": "Area", "size": "Checks", "outcome": "Outcome"},
        color_discrete_map={"passed": "#2E7D32", "failed": "#C62828"},
    )
    show(figure, key="checks_by_area")
    table_with_download(
        checks.drop(columns="area").rename(
            columns={
                "asset_key": "Asset",
                "check_name": "Check",
                "passed": "Passed",
                "severity": "Severity",
                "blocking": "Blocking",
                "description": "Description",
            }
        ),
        "check_results",
        height=320,
    )


def quarantine_section(warehouse: PublishedWarehouse) -> None:
    st.subheader("Rows quarantined per source")
    quarantined = warehouse.sql(
        f"select system, entity, reason, count(*) as rows_quarantined, "
        f"count(distinct source_file) as files, any_value(detail) as example_detail "
        f"from {table('ops', 'quarantine')} group by all order by rows_quarantined desc"
    )
    if quarantined.empty:
        st.success("No record was quarantined in this publication.")
        return
    figure = plot(
        "bar",
        quarantined,
        x="system",
        y="rows_quarantined",
        color="reason",
        hover_data=["entity"],
        title="Quarantined records by source system and reason",
        labels={"system": "Source system", "rows_quarantined": "Records", "reason": "Reason"},
    )
    show(figure, key="quarantine")
    table_with_download(quarantined, "quarantine_by_reason")


def reconciliation_section(warehouse: PublishedWarehouse) -> None:
    st.subheader("Reconciliation: every record read is loaded, quarantined or a duplicate")
    # The ingestion's own reconciliation check, as the publishing run recorded it: this page
    # shows its verdict and figures rather than re-deriving the balance from the ledger.
    ledger = warehouse.sql(
        f"""select asset_key as source, passed as balances, description as result,
               metadata->>'files_checked' as files_checked,
               (metadata->>'rows_read')::bigint as rows_read,
               (metadata->>'rows_loaded')::bigint as rows_loaded,
               (metadata->>'rows_quarantined')::bigint as rows_quarantined,
               (metadata->>'rows_duplicate')::bigint as rows_duplicate
        from {table("ops", "check_results")} where check_name = $check order by asset_key""",
        {"check": RECONCILIATION_CHECK},
    )
    if ledger.empty:
        not_in_publication(warehouse, "The reconciliation check's results")
        return
    unbalanced = int((~ledger["balances"].astype(bool)).sum())
    if unbalanced:
        st.error(f"{unbalanced} source entities do not balance.")
    else:
        st.success(
            f"All {len(ledger)} source entities balance: {int(ledger['rows_read'].sum()):,} "
            f"records read = {int(ledger['rows_loaded'].sum()):,} loaded + "
            f"{int(ledger['rows_quarantined'].sum()):,} quarantined + "
            f"{int(ledger['rows_duplicate'].sum()):,} duplicates."
        )
    table_with_download(ledger, "reconciliation")


def freshness_section(warehouse: PublishedWarehouse) -> None:
    st.subheader("Freshness per source")
    freshness = warehouse.sql(
        f"""
        with delivered as (
            select system, max(delivery_date) as latest_delivery,
                   max(loaded_at)::timestamp as last_loaded_at
            from {table("ops", "load_ledger")} group by system
        ), activity as (
            select source_system as system, max(occurred_at) as latest_activity_at
            from {table("marts", "fct_touchpoint")} group by source_system
        ), judged as (  -- the run's freshness check (quality/freshness.py), not re-derived here
            select metadata->>'system' as system, bool_and(passed) as delivered_on_time,
                   any_value(description) as freshness_check
            from {table("ops", "check_results")}
            where check_name = 'source_delivered_on_time' group by all
        )
        select system, delivered_on_time, latest_delivery, last_loaded_at, latest_activity_at,
               date_diff('day', latest_activity_at::date, ?::date) as days_since_activity,
               freshness_check
        from delivered left join activity using (system) left join judged using (system)
        order by delivered_on_time nulls first, days_since_activity desc nulls first, system
        """,
        [warehouse.published_at.date()],
    )
    table_with_download(
        freshness.rename(
            columns={
                "system": "Source system",
                "delivered_on_time": "Delivered on time",
                "latest_delivery": "Latest delivery (file date)",
                "last_loaded_at": "Last loaded (UTC)",
                "latest_activity_at": "Latest activity (UTC)",
                "days_since_activity": "Days from latest activity to publication",
                "freshness_check": "Freshness check",
            }
        ),
        "freshness",
    )


def _age(age: dt.timedelta) -> str:
    hours = age.total_seconds() / 3600
    return f"{hours:.1f} hours" if hours < 48 else f"{hours / 24:.0f} days"


st.title("Data health")
warehouse = open_published()
if warehouse is not None:
    publication_section(warehouse)
    checks_section(warehouse)
    if require_tables(warehouse, "ops", "load_ledger", "quarantine"):
        quarantine_section(warehouse)
    if warehouse.has_table("ops", "check_results"):  # else checks_section said it is missing
        reconciliation_section(warehouse)
    if require_tables(warehouse, "ops", "load_ledger", "check_results"):
        freshness_section(warehouse)
