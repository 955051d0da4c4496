"""Plotly charts with titles, units and readable labels, in the app's look."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboards.lib.metric_display import MetricDisplay, strip_unit

GRAIN_LABELS = {"metric_time__week": "Week", "metric_time__month": "Month"}


def trend_chart(
    trend: pd.DataFrame, metric: str, label: str, display: MetricDisplay, *, height: int = 260
) -> go.Figure:
    """A metric's line over time, in its display unit (named once, in the axis title)."""
    grain = trend.columns[0]
    label = strip_unit(label)
    shown = pd.DataFrame({grain: trend[grain], label: [display.value(v) for v in trend[metric]]})
    figure = plot(
        "line",
        shown,
        x=grain,
        y=label,
        markers=True,
        title=f"{label} by {GRAIN_LABELS.get(grain, grain).lower()}",
        labels={grain: GRAIN_LABELS.get(grain, grain), label: display.title(label)},
    )
    figure.update_layout(height=height, margin={"t": 40, "b": 10, "l": 10, "r": 10})
    figure.update_yaxes(tickformat=",." + display.number_format.rsplit(".", 1)[-1])
    if grain == "metric_time__month":  # ticks on months, not on the weeks between them
        figure.update_xaxes(dtick="M1", tickformat="%b %Y")
    return figure


@st.cache_data(max_entries=512, show_spinner=False)
def plot(kind: str, frame: pd.DataFrame, **options: object) -> go.Figure:
    """`plotly.express.<kind>(frame, **options)`, cached on its inputs: building an express
    figure costs tenths of a second, which a warm page render cannot afford many times."""
    return getattr(px, kind)(frame, **options)


def facet_title(annotation: go.layout.Annotation) -> None:
    """Facet titles read "measure=Conversion rate (%)" by default: keep only the value."""
    annotation.update(text=annotation.text.split("=", 1)[-1])


def show(figure: go.Figure, key: str | None = None) -> None:
    st.plotly_chart(figure, width="stretch", key=key, config={"displaylogo": False})


def step_sankey(flows: pd.DataFrame, title: str, counted: str) -> go.Figure:
    """Flows from step k to step k+1 (columns step, source, target, n). Nodes are 'k. place',
    so a path reads left to right and a return to an earlier place is no loop."""
    sources = [f"{s}. {p}" for s, p in zip(flows["step"], flows["source"], strict=True)]
    targets = [f"{s + 1}. {p}" for s, p in zip(flows["step"], flows["target"], strict=True)]
    nodes = list(dict.fromkeys(sources + targets))
    index = {name: i for i, name in enumerate(nodes)}
    figure = go.Figure(
        go.Sankey(
            arrangement="snap",
            node={"label": nodes, "pad": 12, "thickness": 14},
            link={
                "source": [index[n] for n in sources],
                "target": [index[n] for n in targets],
                "value": flows["n"].tolist(),
                "hovertemplate": "%{source.label} → %{target.label}: %{value} " + counted,
            },
        )
    )
    figure.update_layout(title=title, height=560, font={"size": 12})
    return figure
