"""KPI tiles (value, change versus the previous period, sparkline) and their trend charts."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from dashboards.lib.charts import show, trend_chart
from dashboards.lib.kpis import Kpi, KpiSet
from dashboards.lib.metric_display import MetricDisplay, strip_unit

TILES_PER_ROW = 3  # wide enough for a full title such as "Average predicted 12-month CLV"


def tile_label(label: str, display: MetricDisplay) -> str:
    """A tile's title: the unit once, after the value ("6.7 min") or in the title ("Transfers
    per issue"), never both."""
    return strip_unit(label) if display.in_value else display.title(label)


def kpi_tile(kpi: Kpi) -> None:
    display = kpi.display
    note = ""
    if kpi.filtered_on:
        note += "\n\nFiltered on " + ", ".join(f"`{d}`" for d in kpi.filtered_on) + "."
    if kpi.not_filtered_by:
        note += "\n\nNot filtered by " + " or ".join(kpi.not_filtered_by) + " (no such dimension)."
    sparkline = [v for v in (display.value(x) for x in kpi.trend[kpi.metric]) if v is not None]
    st.metric(
        tile_label(kpi.label, display),
        display.format(kpi.current),
        delta=display.format_delta(kpi.current, kpi.previous),
        delta_color=display.delta_color,
        delta_description="vs prior period",
        help=(kpi.description or kpi.label) + note,
        border=True,
        chart_data=sparkline or None,
    )


def kpi_section(kpis: KpiSet, metrics: Sequence[str], *, key: str, trends: bool = True) -> None:
    """Tiles in rows, then (optionally) one trend chart per KPI, for the available metrics."""
    shown = [kpis.kpis[m] for m in metrics if m in kpis.kpis]
    for start in range(0, len(shown), TILES_PER_ROW):
        for column, kpi in zip(
            st.columns(TILES_PER_ROW), shown[start : start + TILES_PER_ROW], strict=False
        ):
            with column:
                kpi_tile(kpi)
    unfiltered = [kpi for kpi in shown if kpi.not_filtered_by]
    if unfiltered:  # said on the page, not only in a tooltip
        st.caption(
            ":material/filter_alt_off: The "
            + " and ".join(sorted({f for kpi in unfiltered for f in kpi.not_filtered_by}))
            + " filter does not apply to "
            + ", ".join(strip_unit(kpi.label) for kpi in unfiltered)
            + " (no such dimension): these tiles show all of them."
        )
    if not trends or not shown:
        return
    with st.expander("Trends", expanded=True):
        for start in range(0, len(shown), 3):
            for column, kpi in zip(st.columns(3), shown[start : start + 3], strict=False):
                with column:
                    show(
                        trend_chart(kpi.trend, kpi.metric, kpi.label, kpi.display),
                        key=f"{key}_{kpi.metric}",
                    )
