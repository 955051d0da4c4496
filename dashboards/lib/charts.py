"""Plotly charts with titles, units and readable labels, in the app's look."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit as st

from dashboards.lib.metric_display import MetricDisplay, strip_unit

GRAIN_LABELS = {"metric_time__week": "Week", "metric_time__month": "Month"}


@st.cache_resource(max_entries=512, show_spinner=False)
def trend_chart(
    trend: pd.DataFrame, metric: str, label: str, display: MetricDisplay, *, height: int = 260
) -> go.Figure:
    """A metric's line over time, in its display unit (named once, in the axis title).

    Cached as a resource, the finished figure itself: a cached copy (`cache_data`) is unpickled
    into a new Figure, which re-validates plotly's whole template, and with the layout updates
    below that was about half of a warm Scorecard render (16 trend charts). Callers only show
    the figure (`st.plotly_chart` reads it), never change it."""
    grain = trend.columns[0]
    label = strip_unit(label)
    shown = pd.DataFrame({grain: trend[grain], label: [display.value(v) for v in trend[metric]]})
    figure = px.line(  # not `plot`: this whole function is cached, a second cache would copy
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


# Enough distinct colours that no two places on one chart share one.
_PLACE_COLOURS = px.colors.qualitative.Dark24 + px.colors.qualitative.Light24


def step_sankey(flows: pd.DataFrame, title: str, counted: str) -> go.Figure:
    """Flows from step k to step k+1 (columns step, source, target, n).

    Each step is its own column, headed "Step k" (the legend for steps); a place keeps one
    colour in every column (so a return to an earlier place reads as the same colour, not a
    loop); nodes are spread over the full height so right-hand labels do not overlap.
    """
    steps = sorted(set(flows["step"]) | {s + 1 for s in flows["step"]})
    sources = list(zip(flows["step"], flows["source"], strict=True))
    targets = list(zip(flows["step"] + 1, flows["target"], strict=True))
    nodes = list(dict.fromkeys(sources + targets))
    index = {node: i for i, node in enumerate(nodes)}
    places = list(dict.fromkeys(place for _, place in nodes))
    colour = {place: _PLACE_COLOURS[i % len(_PLACE_COLOURS)] for i, place in enumerate(places)}
    column = {step: i / max(len(steps) - 1, 1) for i, step in enumerate(steps)}
    per_column = {step: [n for n in nodes if n[0] == step] for step in steps}
    height = max(560, 44 * max(len(n) for n in per_column.values()))
    margin = {"t": 90, "l": 10, "r": 10, "b": 10}
    pad = 18
    row = _stacked_centres(
        per_column,
        _node_sizes(sources, targets, flows["n"].tolist()),
        plot_height=height - margin["t"] - margin["b"],
        pad=pad,
    )
    figure = go.Figure(
        go.Sankey(
            arrangement="fixed",  # the stacked positions below, as computed
            node={
                "label": [place for _, place in nodes],
                "customdata": [f"step {step}" for step, _ in nodes],
                "hovertemplate": "%{label} (%{customdata}): %{value} "
                + counted
                + "<extra></extra>",
                "color": [colour[place] for _, place in nodes],
                "x": [0.001 + 0.998 * column[step] for step, _ in nodes],
                "y": [min(max(row[node], 0.001), 0.999) for node in nodes],
                "pad": pad,
                "thickness": 16,
            },
            link={
                "source": [index[n] for n in sources],
                "target": [index[n] for n in targets],
                "value": flows["n"].tolist(),
                "color": [_transparent(colour[place]) for _, place in sources],
                "hovertemplate": "%{source.label} → %{target.label}: %{value} "
                + counted
                + "<extra></extra>",
            },
        )
    )
    for step in steps:
        figure.add_annotation(
            x=column[step],
            y=1.06,
            xref="paper",
            yref="paper",
            text=f"<b>Step {step}</b>",
            showarrow=False,
            xanchor={0.0: "left", 1.0: "right"}.get(column[step], "center"),
        )
    figure.update_layout(
        title=title,
        height=height,
        font={"size": 12},
        margin=margin,
    )
    return figure


def _node_sizes(
    sources: list[tuple[int, str]], targets: list[tuple[int, str]], counts: list[float]
) -> dict[tuple[int, str], float]:
    """A node's height as the Sankey draws it: the larger of what flows in and what flows out."""
    inflow: dict[tuple[int, str], float] = {}
    outflow: dict[tuple[int, str], float] = {}
    for source, target, n in zip(sources, targets, counts, strict=True):
        outflow[source] = outflow.get(source, 0) + n
        inflow[target] = inflow.get(target, 0) + n
    return {node: max(inflow.get(node, 0), outflow.get(node, 0)) for node in {*inflow, *outflow}}


def _stacked_centres(
    per_column: dict[int, list[tuple[int, str]]],
    size: dict[tuple[int, str], float],
    plot_height: float,
    pad: float,
) -> dict[tuple[int, str], float]:
    """Vertical centre (0 = top, 1 = bottom) of each node, its column's nodes stacked in order.

    Plotly draws a node `size * scale` pixels tall, with one scale for the whole chart: the
    largest that fits the fullest column with `pad` pixels between nodes. Stacking on that same
    geometry, a column's spare height spread between its nodes, no node overlaps its neighbour
    or runs off the chart (as nodes on evenly spaced rows did, and Plotly then pushed them
    down)."""
    scale = min(
        (plot_height - pad * (len(nodes) - 1)) / sum(size[n] for n in nodes)
        for nodes in per_column.values()
    )
    centres = {}
    for nodes in per_column.values():
        spare = plot_height - scale * sum(size[n] for n in nodes)
        gap = spare / (len(nodes) - 1) if len(nodes) > 1 else 0.0
        top = 0.0 if len(nodes) > 1 else spare / 2
        for node in nodes:
            centres[node] = (top + scale * size[node] / 2) / plot_height
            top += scale * size[node] + gap
    return centres


def _transparent(colour: str, alpha: float = 0.35) -> str:
    """A link in its source's colour, see-through so crossing flows stay readable."""
    if colour.startswith("#") and len(colour) == 7:
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return f"rgba({red}, {green}, {blue}, {alpha})"
    return colour
