"""How a semantic-layer metric is shown, derived from the unit its YAML declares.

Each metric declares `config: meta: {unit, display_unit, direction}` in the dbt semantic layer;
this module only knows units (share, count, USD, seconds, ...), never individual metrics, so a
metric has one unit everywhere it appears: tile, trend axis, table. Values come from the
semantic layer unchanged; a scale converts units for reading (seconds shown as minutes), never
the metric's definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from warehouse.semantic_layer import MetricInfo

# Seconds per duration unit: a metric declared in one unit may be read in a longer one.
_SECONDS = {"seconds": 1.0, "minutes": 60.0, "hours": 3600.0, "days": 86400.0}
_SHORT = {"seconds": "s", "minutes": "min", "hours": "h", "days": "days"}
# Every unit a metric may declare (tests hold the semantic layer to this list).
KNOWN_UNITS = frozenset(
    {"share", "count", "USD", "NPS points", "points on 1-7", "per issue", "per 100 orders"}
    | set(_SECONDS)
)


@dataclass(frozen=True)
class MetricDisplay:
    unit: str  # the shown unit, for axis titles and changes: "%", "min", "per issue", ...
    number_format: str  # format spec for the scaled value
    scale: float = 1.0  # multiply the metric's value by this to get the displayed unit
    higher_is_better: bool | None = True
    delta_unit: str = ""  # unit of a difference, e.g. "pts" for shares shown in %
    prefix: str = ""  # currency sign
    in_value: bool = True  # False: the unit goes in the title ("per issue"), not after numbers

    def value(self, raw: float | None) -> float | None:
        if raw is None or pd.isna(raw):  # None, NaN, pd.NA (nullable integer columns), NaT
            return None
        return float(raw) * self.scale

    def format(self, raw: float | None) -> str:
        shown = self.value(raw)
        return "—" if shown is None else self._number(shown) + self.suffix

    def format_delta(self, current: float | None, previous: float | None) -> str | None:
        now, before = self.value(current), self.value(previous)
        if now is None or before is None:
            return None
        change = _no_negative_zero(now - before, self.number_format)
        sign = "+" if change >= 0 else "-"
        unit = self.delta_unit or (self.unit if self.in_value and not self.prefix else "")
        return sign + self._number(abs(change)) + (f" {unit}" if unit else "")

    def _number(self, shown: float) -> str:
        number_format = self.number_format
        if self.prefix and abs(shown) >= 1000:  # $1,234,567 rather than $1,234,567.00
            number_format = ",.0f"
        shown = _no_negative_zero(shown, number_format)
        text = format(abs(shown), number_format)
        return ("-" if shown < 0 else "") + self.prefix + text

    @property
    def suffix(self) -> str:
        if self.prefix or not self.in_value or not self.unit:
            return ""
        return "%" if self.unit == "%" else f" {self.unit}"

    def title(self, label: str) -> str:
        """A label with this unit once: "Average handle time (min)", never "(s) (min)"."""
        bare = strip_unit(label)
        return f"{bare} ({self.unit})" if self.unit and self.unit not in bare else bare

    @property
    def delta_color(self) -> str:
        if self.higher_is_better is None:
            return "off"
        return "normal" if self.higher_is_better else "inverse"


def readable_hours(hours: pd.Series) -> tuple[str, float]:
    """(unit, hours per unit) that reads a set of durations in hours best: hours up to three
    days, days up to three weeks, weeks beyond (the largest value decides, so they share one)."""
    largest = hours.max(skipna=True)
    if pd.isna(largest) or largest < 72:
        return "hours", 1.0
    if largest < 24 * 21:
        return "days", 24.0
    return "weeks", 168.0


def strip_unit(label: str) -> str:
    """The label without a trailing unit such as "(s)" or "(per 100 orders)"."""
    if label.endswith(")") and " (" in label:
        return label[: label.rindex(" (")]
    return label


def _no_negative_zero(value: float, number_format: str) -> float:
    """0.0 when the value rounds to zero at the shown precision: no "-0" or "-0.0"."""
    return 0.0 if float(format(value, number_format).replace(",", "")) == 0 else value


def display_of(metric: MetricInfo) -> MetricDisplay:
    """The display of a metric from its declared unit (a plain number when none is declared)."""
    unit = metric.unit or ""
    direction = {"higher_is_better": True, "lower_is_better": False}.get(
        str(metric.meta.get("direction"))
    )
    if unit == "share":
        return MetricDisplay("%", ",.1f", 100.0, direction, delta_unit="pts")
    if unit in _SECONDS:
        shown = str(metric.meta.get("display_unit") or unit)
        scale = _SECONDS[unit] / _SECONDS[shown]
        return MetricDisplay(_SHORT[shown], ",.1f", scale, direction)
    if unit == "USD":
        return MetricDisplay("$", ",.2f", higher_is_better=direction, prefix="$")
    if unit == "count":
        return MetricDisplay("", ",.0f", higher_is_better=direction)
    if unit == "NPS points":
        return MetricDisplay("", ",.1f", higher_is_better=direction, delta_unit="pts")
    # Rates such as "per issue" and scales such as "1-7" read best in the title.
    shown = unit.removeprefix("points on ")
    return MetricDisplay(shown, ",.2f", higher_is_better=direction, in_value=False)


COUNT = MetricDisplay("", ",.0f", higher_is_better=None)
