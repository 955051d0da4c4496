"""The journeys Sankey places every node inside the chart, none overlapping another: Plotly's own
arrangement pushed nodes of a full column below the chart's edge, where no one saw them."""

from __future__ import annotations

import itertools

import pandas as pd

from dashboards.lib.charts import step_sankey


def flows() -> pd.DataFrame:
    """Five steps; a crowded second column of very unequal nodes, as real paths have."""
    rows = [(1, "discover · web", "consider · web", 900)]
    rows += [(1, "discover · email", f"place {i}", 40 + 7 * i) for i in range(14)]
    rows += [(2, f"place {i}", "purchase · web", 30 + i) for i in range(14)]
    rows += [(2, "consider · web", "purchase · store", 600)]
    rows += [(3, "purchase · web", "deliver · web", 200), (4, "deliver · web", "feedback", 5)]
    return pd.DataFrame(rows, columns=["step", "source", "target", "n"])


def drawn_nodes(figure) -> tuple[list[tuple[float, float, float]], float]:
    """(x, top, bottom) of each node in pixels of the plot area, as Plotly draws fixed nodes:
    centred on y, `value * scale` tall, one scale for the chart (the fullest column fits)."""
    sankey = figure.data[0]
    height = figure.layout.height - figure.layout.margin.t - figure.layout.margin.b
    pad = sankey.node.pad
    size: dict[int, float] = {}
    inflow: dict[int, float] = {}
    for source, target, value in zip(
        sankey.link.source, sankey.link.target, sankey.link.value, strict=True
    ):
        size[source] = size.get(source, 0) + value
        inflow[target] = inflow.get(target, 0) + value
    size = {i: max(size.get(i, 0), inflow.get(i, 0)) for i in range(len(sankey.node.label))}
    columns: dict[float, list[int]] = {}
    for i, x in enumerate(sankey.node.x):
        columns.setdefault(x, []).append(i)
    scale = min(
        (height - pad * (len(nodes) - 1)) / sum(size[i] for i in nodes)
        for nodes in columns.values()
    )
    return [
        (x, y * height - scale * size[i] / 2, y * height + scale * size[i] / 2)
        for i, (x, y) in enumerate(zip(sankey.node.x, sankey.node.y, strict=True))
    ], height


def test_every_node_is_inside_the_chart_and_apart_from_its_neighbours() -> None:
    figure = step_sankey(flows(), "title", "customers")
    assert figure.data[0].arrangement == "fixed"  # Plotly draws them where they are placed
    nodes, height = drawn_nodes(figure)
    assert len(nodes) == 1 + 1 + 14 + 1 + 1 + 1 + 1 + 1
    for _x, top, bottom in nodes:
        assert -0.5 <= top < bottom <= height + 0.5
    for x in {x for x, _, _ in nodes}:
        column = sorted((top, bottom) for nx, top, bottom in nodes if nx == x)
        for (_, above_bottom), (below_top, _) in itertools.pairwise(column):
            assert below_top - above_bottom >= 1, "nodes overlap"
