"""Service: why customers contact us, how the work moves between teams and systems, and the
issues with the most friction."""

from __future__ import annotations

import streamlit as st

from dashboards.lib.charts import plot, show, step_sankey
from dashboards.lib.filters import Filters, sidebar_filters
from dashboards.lib.kpi_catalogue import SERVICE
from dashboards.lib.kpi_tiles import kpi_section, tile_label
from dashboards.lib.kpis import compute_kpis
from dashboards.lib.names import human_list, human_name
from dashboards.lib.notices import not_in_publication, require_tables, unavailable_metrics
from dashboards.lib.page import publication_caption
from dashboards.lib.published import PublishedWarehouse, open_published, table
from dashboards.lib.tables import table_with_download

BY_REASON = ("first_contact_resolution_rate", "repeat_contact_rate", "handoffs_per_issue")
# Issues opened in the period, on the chosen first channels (all when none is chosen). The
# business-local `opened_on` is the date the `issues` metric counts by, never `opened_at::date`.
ISSUES_IN_PERIOD = f"""
    from {table("marts", "fct_service_issue")}
    where opened_on between $start and $end
      and (len($channels) = 0 or list_contains($channels, first_channel))
"""


def period(filters: Filters) -> dict[str, object]:
    return {"start": filters.start, "end": filters.end, "channels": list(filters.channels)}


def by_contact_reason(warehouse: PublishedWarehouse, filters: Filters) -> None:
    st.subheader("Issues by contact reason")
    # Counts and rates both come from the semantic layer: the `issues` metric's own dates.
    reason_dimension = next(
        (d for d in warehouse.dimensions("issues") if d.endswith("__contact_reason")), None
    )
    if reason_dimension is None:
        not_in_publication(warehouse, "The `issues` metric by contact reason")
        return
    available = [m for m in BY_REASON if m in warehouse.metric_names]
    where = list(filters.for_metric(warehouse.dimensions("issues")).where)
    counts = (
        warehouse.metrics(
            ["issues", *available], (reason_dimension,), where=where, **filters.time_range
        )
        .rename(columns={reason_dimension: "contact_reason"})
        .sort_values("issues", ascending=False)
    )
    counts["contact_reason"] = counts["contact_reason"].map(human_name)
    figure = plot(
        "bar",
        counts,
        x="contact_reason",
        y="issues",
        title="Service issues opened in the period, by contact reason",
        labels={"contact_reason": "Contact reason", "issues": "Issues"},
    )
    show(figure, key="reasons")
    labels = {
        m.name: tile_label(m.label, warehouse.display(m.name))
        for m in warehouse.semantic_layer.metrics
    }
    shown = counts.copy()
    for metric in available:
        if metric in shown.columns:
            shown[metric] = [warehouse.display(metric).format(v) for v in shown[metric]]
    table_with_download(
        shown.rename(columns={"contact_reason": "Contact reason", "issues": "Issues", **labels}),
        "issues_by_contact_reason",
    )


def queue_handoffs(warehouse: PublishedWarehouse, filters: Filters) -> None:
    st.subheader("Handoffs between contact-center queues")
    moves = warehouse.sql(
        f"""
        with legs as (
            select contact_id, string_split(queue_path, ' > ') as queues
            from {table("marts", "fct_contact")}
            where queue_path is not null and started_on between $start and $end
        )
        select i as step, queues[i] as source, queues[i + 1] as target, count(*) as n
        from legs, range(1, len(queues)) as steps(i)
        group by all order by step, n desc
        """,
        {"start": filters.start, "end": filters.end},
    )
    if moves.empty:
        st.caption("No call or chat moved between queues in the period.")
        return
    show(
        step_sankey(
            moves,
            "Calls and chats moved from one queue to the next (k = the contact's k-th queue)",
            "contacts",
        ),
        key="queue_sankey",
    )


def systems_and_refunds(warehouse: PublishedWarehouse, filters: Filters) -> None:
    left, right = st.columns(2)
    systems = warehouse.sql(
        f"select systems_touched, count(*) as issues {ISSUES_IN_PERIOD} "
        "group by all order by issues desc limit 12",
        period(filters),
    )
    systems["systems_touched"] = systems["systems_touched"].map(human_list)
    with left:
        show(
            plot(
                "bar",
                systems,
                x="issues",
                y="systems_touched",
                orientation="h",
                title="Which systems an issue touched",
                labels={"issues": "Issues", "systems_touched": "Systems holding activity"},
            ).update_yaxes(categoryorder="total ascending"),
            key="systems",
        )
    # The refunds the refund_cycle_time tile averages: completed in the period (local date).
    refunds = warehouse.sql(
        f"select refund_cycle_hours from {table('marts', 'fct_refund')} "
        "where completed_on between $start and $end and refund_cycle_hours is not null",
        {"start": filters.start, "end": filters.end},
    )
    with right:
        show(
            plot(
                "histogram",
                refunds,
                x="refund_cycle_hours",
                nbins=30,
                title="Refunds completed in the period: hours to money back",
                labels={"refund_cycle_hours": "Hours from request to refund", "count": "Refunds"},
            ).update_layout(yaxis_title="Refunds"),
            key="refunds",
        )


def worst_friction(warehouse: PublishedWarehouse, filters: Filters) -> None:
    st.subheader("Issues with the most friction")
    worst = warehouse.sql(
        f"""
        select customer_id, opened_at, contact_reason, channels, n_contacts,
               n_handoffs, n_transfers, auth_repeats, n_systems_touched, systems_touched,
               round(resolution_minutes / 60.0, 1) as resolution_hours, is_reopened,
               has_repeat_contact
        {ISSUES_IN_PERIOD}
        order by n_handoffs + n_transfers + auth_repeats + n_contacts desc,
                 n_systems_touched desc, resolution_minutes desc nulls last
        limit 25
        """,
        period(filters),
    )
    st.caption(
        "Ranked by handoffs + transfers + repeated identity checks + contacts, then systems "
        "touched and time to resolve. Open one in Customer 360 by its customer id."
    )
    worst["contact_reason"] = worst["contact_reason"].map(human_name)
    worst["channels"] = worst["channels"].map(human_list)
    worst["systems_touched"] = worst["systems_touched"].map(human_list)
    table_with_download(
        worst.rename(
            columns={
                "customer_id": "Customer id",
                "opened_at": "Opened (UTC)",
                "contact_reason": "Contact reason",
                "channels": "Channels",
                "n_contacts": "Contacts",
                "n_handoffs": "Handoffs",
                "n_transfers": "Transfers",
                "auth_repeats": "Repeated identity checks",
                "n_systems_touched": "Systems",
                "systems_touched": "Systems touched",
                "resolution_hours": "Hours to resolve",
                "is_reopened": "Reopened",
                "has_repeat_contact": "Repeat contact",
            }
        ),
        "worst_friction_issues",
    )


st.title("Service")
warehouse = open_published()
if warehouse is not None:
    filters = sidebar_filters(warehouse)
    st.caption(f"{filters.describe()} — issues by the channel they started on.")
    kpis = compute_kpis(warehouse, SERVICE, filters)
    kpi_section(kpis, SERVICE, key="service", trends=False)
    unavailable_metrics(warehouse, kpis.unavailable)
    if require_tables(warehouse, "marts", "fct_service_issue", "fct_contact"):
        by_contact_reason(warehouse, filters)
        queue_handoffs(warehouse, filters)
        systems_and_refunds(warehouse, filters)
        worst_friction(warehouse, filters)
    publication_caption(warehouse)
