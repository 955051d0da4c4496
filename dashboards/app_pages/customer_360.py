"""Customer 360: find one person, see who they are and everything they did, in one timeline."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.lib.charts import plot, show
from dashboards.lib.customer_search import MASKS, masked, search_customers
from dashboards.lib.metric_display import COUNT
from dashboards.lib.notices import not_in_publication, require_tables
from dashboards.lib.published import PublishedWarehouse, open_published, table
from dashboards.lib.tables import table_with_download

# dim_customer column -> tile label and the metric whose unit it shares ("count": a count;
# None: shown as text).
VALUE_TILES: dict[str, tuple[str, str | None]] = {
    "lifetime_orders": ("Lifetime orders", "count"),
    "lifetime_net_revenue": ("Lifetime net revenue", "net_revenue"),
    "predicted_clv_12m": ("Predicted 12-month CLV", "average_predicted_clv_12m"),
    "p_alive": ("P(alive)", "average_p_alive"),
    "segment": ("Segment", None),
    "latest_nps_score": ("Latest NPS answer (0-10)", "count"),
}


def rows_of(
    warehouse: PublishedWarehouse,
    mart: str,
    columns: str,
    customer_id: str,
    *,
    order_by: str,
    condition: str = "true",
) -> pd.DataFrame:
    """One customer's rows of a mart (the id travels as a bind parameter)."""
    return warehouse.sql(
        f"select {columns} from {table('marts', mart)} "
        f"where customer_id = ? and {condition} order by {order_by}",
        [customer_id],
    )


def pick_customer(results: pd.DataFrame, show_pii: bool) -> str | None:
    shown = results if show_pii else masked(results)
    if len(results) == 1:
        return str(results["customer_id"].iloc[0])
    labels = {
        row.customer_id: f"{row.full_name} · {row.primary_email} · {row.customer_id}"
        for row in shown.itertuples()
    }
    return st.selectbox(
        f"{len(results)} customers match (showing at most 50) — pick one",
        list(labels),
        format_func=labels.get,
        key="customer_pick",
    )


def profile(warehouse: PublishedWarehouse, customer: pd.Series, show_pii: bool) -> None:
    for column, mask in MASKS.items():
        if not show_pii:
            customer[column] = mask(None if pd.isna(customer[column]) else str(customer[column]))
    st.subheader(customer["full_name"])
    left, right = st.columns(2)
    left.markdown(
        f"**E-mail** {customer['primary_email']}  \n**Phone** {customer['primary_phone']}  \n"
        f"**Postal code** {customer['primary_postal_code']}"
    )
    right.markdown(
        f"**Customer id** `{customer['customer_id']}`  \n"
        f"**Known since** {customer['first_seen_at']:%d %b %Y} · **last seen** "
        f"{customer['last_seen_at']:%d %b %Y}  \n"
        f"**Systems ({customer['n_source_systems']})** "
        + str(customer["source_systems"]).replace(",", ", ")
    )


def value_tiles(warehouse: PublishedWarehouse, customer_id: str) -> None:
    """The customer's value and latest NPS answer: `dim_customer` columns, as the mart holds them."""
    present = [c for c in VALUE_TILES if c in warehouse.columns("marts", "dim_customer")]
    values = (
        warehouse.sql(
            f"select {', '.join(present)} from {table('marts', 'dim_customer')} "
            "where customer_id = ?",
            [customer_id],
        ).iloc[0]
        if present
        else pd.Series(dtype=object)
    )
    tiles = [column for _ in range(2) for column in st.columns(3)]
    for column, (name, (label, unit_of)) in zip(tiles, VALUE_TILES.items(), strict=True):
        value = values.get(name)
        if unit_of is not None:
            display = COUNT if unit_of == "count" else warehouse.display(unit_of)
            shown = display.format(value)
        else:
            shown = "—" if value is None or pd.isna(value) else str(value)
        column.metric(label, shown, border=True)
    if len(present) < len(VALUE_TILES):
        missing = ", ".join(f"`{c}`" for c in VALUE_TILES if c not in present)
        not_in_publication(warehouse, f"Customer value ({missing})")


def open_issues(warehouse: PublishedWarehouse, customer_id: str) -> None:
    if not require_tables(warehouse, "marts", "fct_service_issue"):
        return
    issues = rows_of(
        warehouse,
        "fct_service_issue",
        "issue_id, opened_at, contact_reason, channels, n_contacts, n_handoffs, n_systems_touched",
        customer_id,
        order_by="opened_at desc",
        condition="resolved_at is null",
    )
    st.subheader(f"Open issues ({len(issues)})")
    if issues.empty:
        st.caption("No open issue.")
    else:
        table_with_download(issues, "open_issues")


def timeline(warehouse: PublishedWarehouse, customer_id: str) -> None:
    events = rows_of(
        warehouse,
        "fct_touchpoint",
        "occurred_at, source_system, channel, activity, journey_stage, issue_id, order_id, "
        "revenue_impact, detail",
        customer_id,
        order_by="occurred_at desc",
    )
    st.subheader(f"Timeline: {len(events):,} touchpoints across every system")
    if events.empty:
        st.caption("No activity recorded.")
        return
    figure = plot(
        "scatter",
        events,
        x="occurred_at",
        y="source_system",
        color="journey_stage",
        hover_data=["activity", "channel", "issue_id", "order_id"],
        title="Every touchpoint, by system",
        labels={
            "occurred_at": "When (UTC)",
            "source_system": "Source system",
            "journey_stage": "Journey stage",
        },
    )
    figure.update_traces(marker={"size": 10, "opacity": 0.8})
    show(figure, key="timeline")
    table_with_download(events, "customer_timeline", height=400)


def identity_records(warehouse: PublishedWarehouse, customer_id: str) -> None:
    records = rows_of(
        warehouse,
        "customer_identity_map",
        "source_system, source_entity, source_record_id, match_method, match_probability",
        customer_id,
        order_by="source_system, source_entity",
    )
    with st.expander(f"Source records merged into this customer ({len(records)})"):
        table_with_download(records, "identity_records")


st.title("Customer 360")
warehouse = open_published()
if warehouse is not None:
    search, toggle = st.columns([4, 1], vertical_alignment="bottom")
    text = search.text_input(
        "Search by e-mail, phone, name, customer id or any source system's record id",
        key="customer_search",
        placeholder="e.g. jane@example.com, +1 206 555 0100, Jane Doe, C1A2B3…",
    )
    show_pii = toggle.toggle(
        "Show personal data",
        value=False,
        key="show_pii",
        help="Personal data is masked by default; unmask only when you need it.",
    )
    if text.strip():
        results = search_customers(warehouse, text)
        if results.empty:
            st.warning("No customer matches that search.")
        else:
            customer_id = pick_customer(results, show_pii)
            row = results.loc[results["customer_id"] == customer_id].iloc[0].copy()
            profile(warehouse, row, show_pii)
            value_tiles(warehouse, customer_id)
            open_issues(warehouse, customer_id)
            timeline(warehouse, customer_id)
            identity_records(warehouse, customer_id)
    else:
        st.info("Search for a customer to see their profile and journey.")
