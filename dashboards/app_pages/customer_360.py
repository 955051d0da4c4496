"""Customer 360: find one person, see who they are and everything they did, in one timeline.

It reads the analyst publication, where a person's name, e-mail and phone are keyed hashes. A
steward (privacy.access) may unmask the one customer on screen: the clear profile comes from
the restricted publication and the view is written to its access log."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboards.lib.charts import plot, show
from dashboards.lib.column_units import column_display
from dashboards.lib.customer_search import customer_label, postal_area, search_customers
from dashboards.lib.metric_display import COUNT
from dashboards.lib.names import human_list, human_name
from dashboards.lib.notices import not_in_publication, require_tables
from dashboards.lib.published import PublishedWarehouse, open_published, table
from dashboards.lib.tables import table_with_download
from dashboards.lib.viewer import auth_configured, current_viewer, login_prompt, viewer_caption
from privacy.access import Viewer, clear_profile, record_unmasked_view
from warehouse.publication import PublicationsOutOfStep, restricted_publication_path

PAGE_NAME = "Customer 360"
HIDDEN = "••• (pseudonymised)"

MART = "dim_customer"
# dim_customer column -> tile label and how its value reads: in a metric's unit (the column's own
# metric, or the one dashboards/lib/column_units.py names), as a whole number, or as text.
VALUE_TILES: dict[str, tuple[str, str]] = {
    "lifetime_orders": ("Lifetime orders", "count"),
    "lifetime_net_revenue": ("Lifetime net revenue", "metric"),
    "predicted_clv_12m": ("Predicted 12-month CLV", "metric"),
    "p_alive": ("P(alive)", "metric"),
    "segment": ("Segment", "text"),
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


def pick_customer(results: pd.DataFrame) -> str | None:
    if len(results) == 1:
        return str(results["customer_id"].iloc[0])
    labels = {row["customer_id"]: customer_label(row) for _, row in results.iterrows()}
    return st.selectbox(
        f"{len(results)} customers match (showing at most 50) — pick one",
        list(labels),
        format_func=labels.get,
        key="customer_pick",
    )


def unmasked_profile(
    warehouse: PublishedWarehouse, viewer: Viewer, customer_id: str
) -> dict[str, object] | None:
    """The clear profile from the restricted publication, logged once per unmasking."""
    restricted = restricted_publication_path(warehouse.path)
    try:
        clear = clear_profile(restricted, customer_id, warehouse.version)
    except PublicationsOutOfStep as out_of_step:  # a run stopped between the two renames
        st.warning(str(out_of_step))
        return None
    if clear is None:
        st.warning("This customer's personal data is not in the restricted publication.")
        return None
    if st.session_state.get("unmask_logged_for") != customer_id:
        record_unmasked_view(restricted, viewer, customer_id, PAGE_NAME)
        st.session_state["unmask_logged_for"] = customer_id
    return clear


def profile(customer: pd.Series, clear: dict[str, object] | None) -> None:
    def shown(column: str) -> str:
        value = clear.get(column) if clear else None
        return "—" if value is None or pd.isna(value) else str(value)

    if clear is None:
        st.subheader(f"Customer {customer['customer_id']}")
        contact = f"**E-mail** {HIDDEN}  \n**Phone** {HIDDEN}  \n"
        postal = postal_area(customer["primary_postal_code"])
    else:
        st.subheader(shown("full_name"), anchor=False)
        contact = f"**E-mail** {shown('primary_email')}  \n**Phone** {shown('primary_phone')}  \n"
        postal = shown("primary_postal_code")
    left, right = st.columns(2)
    left.markdown(f"{contact}**Postal code** {postal}")
    if clear is not None:
        left.caption("In clear for a steward: this view is written to the access log.")
    right.markdown(
        f"**Customer id** `{customer['customer_id']}`  \n"
        f"**Known since** {customer['first_seen_at']:%d %b %Y} · **last seen** "
        f"{customer['last_seen_at']:%d %b %Y}  \n"
        f"**Systems ({customer['n_source_systems']})** " + human_list(customer["source_systems"])
    )


def value_tiles(warehouse: PublishedWarehouse, customer_id: str) -> None:
    """The customer's value and latest NPS answer: `dim_customer` columns, as the mart holds them."""
    present = [c for c in VALUE_TILES if c in warehouse.columns("marts", MART)]
    values = (
        warehouse.sql(
            f"select {', '.join(present)} from {table('marts', MART)} where customer_id = ?",
            [customer_id],
        ).iloc[0]
        if present
        else pd.Series(dtype=object)
    )
    tiles = [column for _ in range(2) for column in st.columns(3)]
    for column, (name, (label, reads_as)) in zip(tiles, VALUE_TILES.items(), strict=True):
        value = values.get(name)
        if reads_as == "text":
            shown = "—" if value is None or pd.isna(value) else str(value)
        else:
            display = COUNT if reads_as == "count" else column_display(warehouse, MART, name)
            shown = display.format(value)
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


WORDED_TIMELINE_COLUMNS = ("source_system", "channel", "activity", "journey_stage")


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
    # Codes in words, as on every other page ("Contact center", "Received email").
    events = events.assign(
        **{column: events[column].map(human_name) for column in WORDED_TIMELINE_COLUMNS}
    )
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
viewer = current_viewer()
warehouse = open_published() if viewer is not None else None
if viewer is None and auth_configured():
    login_prompt("look up customers")
elif warehouse is not None:
    search, toggle = st.columns([4, 1], vertical_alignment="bottom")
    text = search.text_input(
        "Search by exact e-mail, phone, name, customer id or any source system's record id",
        key="customer_search",
        placeholder="e.g. jane@example.com, +1 206 555 0100, Jane Doe, C1A2B3…",
    )
    show_pii = viewer.is_steward and toggle.toggle(
        "Show personal data",
        value=False,
        key="show_pii",
        help="Stewards only: shows this one customer in clear and writes the view to the "
        "access log.",
    )
    if not show_pii:
        st.session_state.pop("unmask_logged_for", None)  # the next unmasking is a new view
    viewer_caption(viewer)
    if text.strip():
        results = search_customers(warehouse, text)
        if results.empty:
            st.warning("No customer matches that search.")
        else:
            customer_id = pick_customer(results)
            row = results.loc[results["customer_id"] == customer_id].iloc[0].copy()
            clear = unmasked_profile(warehouse, viewer, customer_id) if show_pii else None
            profile(row, clear)
            value_tiles(warehouse, customer_id)
            open_issues(warehouse, customer_id)
            timeline(warehouse, customer_id)
            identity_records(warehouse, customer_id)
    else:
        st.info("Search for a customer to see their profile and journey.")
