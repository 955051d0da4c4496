"""KPI values for a period, the previous period and a trend, all from the semantic layer.

Metrics that take the same filters are asked for in one semantic-layer request; a metric the
publication lacks, or one the request fails for, is reported as unavailable rather than failing
the page.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from dashboards.lib.filters import Filters, MetricFilter
from dashboards.lib.metric_display import MetricDisplay
from dashboards.lib.published import PublishedWarehouse


@dataclass(frozen=True)
class Kpi:
    metric: str
    label: str
    description: str
    current: float | None
    previous: float | None
    trend: pd.DataFrame  # columns: the filters' time grain, the metric
    display: MetricDisplay
    not_filtered_by: tuple[str, ...] = ()
    filtered_on: tuple[str, ...] = ()  # dimensions the channel / segment filters went to


@dataclass
class KpiSet:
    kpis: dict[str, Kpi] = field(default_factory=dict)
    unavailable: dict[str, str] = field(default_factory=dict)  # metric -> why


def compute_kpis(warehouse: PublishedWarehouse, metrics: Sequence[str], filters: Filters) -> KpiSet:
    result = KpiSet()
    for name in warehouse.missing_metrics(metrics):
        result.unavailable[name] = "not defined in this publication's semantic layer"
    groups: dict[tuple[MetricFilter, str], list[str]] = defaultdict(list)
    for name in metrics:
        if name not in result.unavailable:
            metric_filter = filters.for_metric(warehouse.dimensions(name))
            groups[metric_filter, trend_grain(warehouse, name, filters)].append(name)
    for (metric_filter, grain), names in groups.items():
        try:
            _fill(result, warehouse, names, filters, metric_filter, grain)
        except Exception:  # one bad metric must not hide the others: ask one by one
            for name in names:
                try:
                    _fill(result, warehouse, [name], filters, metric_filter, grain)
                except Exception as error:
                    result.unavailable[name] = f"the semantic layer could not compute it ({error})"
    return result


def _fill(
    result: KpiSet,
    warehouse: PublishedWarehouse,
    names: list[str],
    filters: Filters,
    metric_filter: MetricFilter,
    grain: str,
) -> None:
    where = list(metric_filter.where)
    current = warehouse.metrics(names, where=where, **filters.time_range)
    previous = warehouse.metrics(names, where=where, **filters.previous().time_range)
    trend = warehouse.metrics(names, (grain,), where=where, order_by=(grain,), **filters.time_range)
    labels = {m.name: m for m in warehouse.semantic_layer.metrics}
    for name in names:
        result.kpis[name] = Kpi(
            metric=name,
            label=labels[name].label,
            description=labels[name].description,
            current=_scalar(current, name),
            previous=_scalar(previous, name),
            trend=trend[[grain, name]],
            display=warehouse.display(name),
            not_filtered_by=metric_filter.not_applicable,
            filtered_on=metric_filter.applied,
        )


def trend_grain(warehouse: PublishedWarehouse, metric: str, filters: Filters) -> str:
    """The filters' grain, or the metric's own coarser one (meta `grain: month` for a metric
    with one value per calendar month): a monthly metric is never drawn on a weekly axis."""
    declared = warehouse.metric_meta(metric).get("grain")
    return f"metric_time__{declared}" if declared == "month" else filters.grain


def _scalar(frame: pd.DataFrame, column: str) -> float | None:
    if frame.empty or pd.isna(frame[column].iloc[0]):
        return None
    return float(frame[column].iloc[0])
