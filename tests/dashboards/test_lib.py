"""The dashboards' pure helpers: display formats, filters, masks."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboards.lib.customer_search import customer_label, postal_area
from dashboards.lib.filters import Filters, default_filters
from dashboards.lib.metric_display import display_of
from dashboards.lib.names import human_codes_in, human_list, human_name
from dashboards.lib.tables import _labelled
from warehouse.semantic_layer import MetricInfo


def display_for(unit: str, **meta: str):
    """The display of a metric that declares this unit (and optional display unit, direction)."""
    return display_of(MetricInfo("m", "Metric", "", "ratio", meta={"unit": unit, **meta}))


def test_shares_show_as_percent_and_change_in_points() -> None:
    assert display_for("share").format(0.8123) == "81.2%"
    assert display_for("share").format_delta(0.81, 0.79) == "+2.0 pts"
    assert display_for("share", direction="lower_is_better").delta_color == "inverse"
    assert display_for("count").delta_color == "off"


def test_durations_show_in_their_readable_unit_and_money_with_its_sign() -> None:
    aht = display_for("seconds", display_unit="minutes")
    assert aht.format(400) == "6.7 min"
    assert aht.title("Average handle time (s)") == "Average handle time (min)"
    assert display_for("minutes", display_unit="hours").format(624) == "10.4 h"
    assert display_for("USD").format(-12.5) == "-$12.50"
    assert display_for("USD").format(1234567.8) == "$1,234,568"
    assert display_for("USD").format_delta(10.0, 12.5) == "-$2.50"
    assert display_for("NPS points").format(None) == "—"
    assert display_for("NPS points").format(float("nan")) == "—"
    assert display_for("count").format(pd.NA) == "—"


def test_rates_name_their_unit_once_in_the_title_and_nothing_shows_minus_zero() -> None:
    per_issue = display_for("per issue")
    assert per_issue.format(0.6234) == "0.62"
    assert per_issue.title("Transfers per issue") == "Transfers per issue"
    per_100 = display_for("per 100 orders")
    assert per_100.title("Contact rate (per 100 orders)") == "Contact rate (per 100 orders)"
    assert display_for("share").format(-0.00001) == "0.0%"
    assert display_for("share").format_delta(0.5, 0.50001) == "+0.0 pts"


def test_previous_period_has_the_same_length_just_before() -> None:
    filters = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 3, 31))
    previous = filters.previous()
    assert previous.end == dt.date(2025, 12, 31) and previous.days == filters.days == 90


def test_default_period_leaves_room_for_a_previous_one() -> None:
    short = default_filters(dt.date(2026, 1, 1), dt.date(2026, 2, 9))
    assert short.days == 20 and short.end == dt.date(2026, 2, 9)
    assert default_filters(dt.date(2025, 1, 1), dt.date(2026, 1, 1)).days == 90


def test_filters_use_the_nearest_matching_dimension_and_quote_values() -> None:
    filters = Filters(start=dt.date(2026, 1, 1), end=dt.date(2026, 1, 31), channels=("web", "it's"))
    applied = filters.for_metric(["order__channel", "order__customer__channel", "order__sku"])
    assert applied.where == ("{{ Dimension('order__channel') }} in ('web', 'it''s')",)
    assert filters.for_metric(["survey_response__trigger"]).not_applicable == ("channel",)
    nearest = filters.for_metric(["issue__first_channel", "issue__order__channel"])
    assert nearest.applied == ("issue__first_channel",)
    two_hops = filters.for_metric(["issue__order__channel"]).where
    assert two_hops == (
        "{{ Dimension('order__channel', entity_path=['issue']) }} in ('web', 'it''s')",
    )
    assert Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 2)).for_metric(["x__channel"]).where == ()


def test_a_customer_is_labelled_without_personal_data() -> None:
    assert postal_area("021") == "021••" and postal_area(None) == "—"
    row = pd.Series(
        {"customer_id": "C1", "primary_postal_code": "021", "source_systems": "crm,shop"}
    )
    assert customer_label(row) == "C1 · postal area 021•• · crm, shop"


def test_mart_codes_read_as_words_with_known_abbreviations_in_capitals() -> None:
    assert human_name("contacts_per_100_orders") == "Contacts per 100 orders"
    assert human_name("nps_difference_ci_low") == "NPS difference CI low"
    assert human_name("created_crm_contact") == "Created CRM contact"
    assert human_name("ios_app") == "iOS app"
    assert human_name(None) == "—"


def test_tables_head_every_column_in_words_unless_the_page_labels_it() -> None:
    frame = pd.DataFrame(
        {"csat": [0.9], "month": ["2026-01-01"], "orders": [3], "Opened (UTC)": ["x"]}
    )
    config = _labelled(
        frame,
        {"csat": st.column_config.NumberColumn(format="percent"), "month": "Month of order"},
    )
    assert config["csat"]["label"] == "CSAT"
    assert config["csat"]["type_config"]["format"] == "percent"  # the page's format kept
    assert config["month"] == "Month of order"
    assert config["orders"]["label"] == "Orders"
    assert config["Opened (UTC)"]["label"] == "Opened (UTC)"  # already in words: kept as written


def test_code_lists_and_codes_inside_sentences_read_as_words() -> None:
    assert human_list("billing,contact_center") == "Billing, Contact center"
    assert human_list(None) == "—"
    assert (
        human_codes_in("opened_ticket (47 %), called_contact_center (18 %), web")
        == "Opened ticket (47 %), Called contact center (18 %), web"
    )
    assert human_codes_in(None) is None
