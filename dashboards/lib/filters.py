"""The sidebar filters (date range, channel/platform, segment) and how they reach a metric.

A filter becomes a semantic-layer `where` clause on whichever dimension the metric offers for it
(an order's channel, an issue's first channel, a customer's segment); a metric without such a
dimension is shown unfiltered and says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace

import pandas as pd
import streamlit as st

from dashboards.lib.published import PublishedWarehouse, table

# Element names (the part after the last `__`) that each filter applies to, in preference order.
FILTER_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "channel": ("channel", "platform", "order_channel", "first_channel", "contact_channel"),
    "segment": ("segment", "customer_segment"),
}
DEFAULT_PERIOD_DAYS = 90
_KEYS = ("filter_dates", "filter_channels", "filter_segments")


@dataclass(frozen=True)
class MetricFilter:
    """A metric's `where` clauses, and which filters it could not take."""

    where: tuple[str, ...]
    not_applicable: tuple[str, ...]
    applied: tuple[str, ...] = ()  # the dimensions the filters went to, for the reader


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    channels: tuple[str, ...] = ()
    segments: tuple[str, ...] = ()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of equal length just before this one, same channel and segment."""
        return replace(
            self,
            start=self.start - dt.timedelta(days=self.days),
            end=self.start - dt.timedelta(days=1),
        )

    @property
    def grain(self) -> str:
        return "metric_time__week" if self.days <= 200 else "metric_time__month"

    @property
    def time_range(self) -> dict[str, dt.date]:
        """The semantic layer's time constraint: metric time from start to end inclusive."""
        return {"start": self.start, "end": self.end}

    def for_metric(self, dimensions: Sequence[str]) -> MetricFilter:
        where, not_applicable, applied = [], [], []
        for kind, values in (("channel", self.channels), ("segment", self.segments)):
            if not values:
                continue
            dimension = _dimension_for(kind, dimensions)
            if dimension is None:
                not_applicable.append(kind)
            else:
                quoted = ", ".join(_quote(value) for value in values)
                where.append(f"{_dimension_call(dimension)} in ({quoted})")
                applied.append(dimension)
        return MetricFilter(tuple(where), tuple(not_applicable), tuple(applied))

    def describe(self) -> str:
        parts = [f"{self.start:%d %b %Y} to {self.end:%d %b %Y}"]
        if self.channels:
            parts.append("channel: " + ", ".join(self.channels))
        if self.segments:
            parts.append("segment: " + ", ".join(self.segments))
        return "; ".join(parts)


def _dimension_for(kind: str, dimensions: Sequence[str]) -> str | None:
    """The nearest dimension (fewest entity hops) that carries the filter's meaning."""
    for name in dimensions:  # nearest entity first
        if name.rsplit("__", 1)[-1] in FILTER_DIMENSIONS[kind]:
            return name
    return None


def _dimension_call(dunder_name: str) -> str:
    """MetricFlow's where-filter reference: `a__b__dim` is `Dimension('b__dim', entity_path=['a'])`."""
    *entities, element = dunder_name.split("__")
    if len(entities) <= 1:
        return f"{{{{ Dimension('{dunder_name}') }}}}"
    path = ", ".join(f"'{entity}'" for entity in entities[:-1])
    return f"{{{{ Dimension('{entities[-1]}__{element}', entity_path=[{path}]) }}}}"


def _quote(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def data_period(warehouse: PublishedWarehouse) -> tuple[dt.date, dt.date]:
    """First and last day with orders in this publication (the trading period; CRM records
    reach back years before it)."""
    row = warehouse.sql(
        f"select min(ordered_at)::date, max(ordered_at)::date from {table('marts', 'fct_order')}"
    ).iloc[0]
    return pd.Timestamp(row.iloc[0]).date(), pd.Timestamp(row.iloc[1]).date()


def default_filters(first: dt.date, last: dt.date) -> Filters:
    """The latest 90 days (or half the data, if shorter) so a previous period exists to compare."""
    days = min(DEFAULT_PERIOD_DAYS, max(1, ((last - first).days + 1) // 2))
    return Filters(start=last - dt.timedelta(days=days - 1), end=last)


def keep_filter_state() -> None:
    """Keep the filters' values while a page without filters is shown (call on every run).

    Streamlit forgets a widget's value after a run that did not render it; re-assigning the key
    in the entrypoint makes the value plain session state that survives (Streamlit's docs,
    "Working with widgets in multipage apps", option 3).
    """
    for key in _KEYS:
        if key in st.session_state:
            st.session_state[key] = st.session_state[key]


def sidebar_filters(warehouse: PublishedWarehouse) -> Filters:
    """Render the filters in the sidebar; their values persist while moving between pages."""
    first, last = data_period(warehouse)
    default = default_filters(first, last)
    st.sidebar.header("Filters")
    stored = st.session_state.get("filter_dates")
    if not stored or not all(first <= day <= last for day in stored):  # first run, new data
        st.session_state["filter_dates"] = (default.start, default.end)
    picked = st.sidebar.date_input(
        "Date range",
        min_value=first,
        max_value=last,
        key="filter_dates",
        help="Compared with the period of equal length just before it.",
    )
    start, end = (picked[0], picked[-1]) if picked else (default.start, default.end)
    channels = st.sidebar.multiselect(
        "Channel / platform",
        _distinct(warehouse, "fct_touchpoint", "channel"),
        key="filter_channels",
        placeholder="All channels",
    )
    segments: list[str] = []
    if "segment" in warehouse.columns("marts", "dim_customer"):
        segments = st.sidebar.multiselect(
            "Customer segment",
            _distinct(warehouse, "dim_customer", "segment"),
            key="filter_segments",
            placeholder="All segments",
        )
    else:
        st.sidebar.caption("Customer segments are not available in this publication.")
    return Filters(start=start, end=end, channels=tuple(channels), segments=tuple(segments))


def _distinct(warehouse: PublishedWarehouse, mart: str, column: str) -> list[str]:
    values = warehouse.sql(
        f"select distinct {column} as value from {table('marts', mart)} "
        f"where {column} is not null order by 1"
    )
    return values["value"].astype(str).tolist()
