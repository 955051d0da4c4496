"""How each semantic-layer metric is shown: unit, number format, and which direction is good.

Display only: values come from the semantic layer unchanged; a scale converts units for reading
(seconds shown as minutes), never the metric's definition.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd


@dataclass(frozen=True)
class MetricDisplay:
    unit: str  # axis title suffix, e.g. "%" or "minutes"
    number_format: str  # format spec for the scaled value
    scale: float = 1.0  # multiply the metric's value by this to get the displayed unit
    higher_is_better: bool | None = True
    delta_unit: str = ""  # unit of a difference, e.g. "pts" for shares shown in %
    prefix: str = ""  # currency sign

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
        change = now - before
        sign = "+" if change >= 0 else "-"
        unit = "" if self.prefix else f" {self.delta_unit or self.unit}"
        return sign + self._number(abs(change)) + unit

    def _number(self, shown: float) -> str:
        text = format(abs(shown), self.number_format)
        return ("-" if shown < 0 else "") + self.prefix + text

    @property
    def suffix(self) -> str:
        if self.prefix:
            return ""
        return "%" if self.unit == "%" else (f" {self.unit}" if self.unit else "")

    @property
    def delta_color(self) -> str:
        if self.higher_is_better is None:
            return "off"
        return "normal" if self.higher_is_better else "inverse"


SHARE = MetricDisplay("%", ",.1f", scale=100.0, delta_unit="pts")
SHARE_LOWER_BETTER = MetricDisplay(
    "%", ",.1f", scale=100.0, higher_is_better=False, delta_unit="pts"
)
SECONDS_AS_MINUTES = MetricDisplay("min", ",.1f", scale=1 / 60, higher_is_better=False)
MINUTES_LOWER_BETTER = MetricDisplay("min", ",.0f", higher_is_better=False)
PER_ISSUE = MetricDisplay("per issue", ",.2f", higher_is_better=False)
MONEY = MetricDisplay("$", ",.2f", prefix="$")
COUNT = MetricDisplay("", ",.0f", higher_is_better=None)

DISPLAYS: dict[str, MetricDisplay] = {
    "nps": MetricDisplay("", ",.1f", delta_unit="pts"),
    "nps_responses": COUNT,
    "csat": SHARE,
    "csat_survey": SHARE,
    "csat_zendesk": SHARE,
    "ces": MetricDisplay("on 1-7", ",.2f"),
    "ces_easy_share": SHARE,
    "retention_rate": SHARE,
    "repeat_purchase_rate": SHARE,
    "predicted_clv_12m": MetricDisplay("$", ",.0f", prefix="$"),
    "average_predicted_clv_12m": MONEY,
    "average_p_alive": SHARE,
    "first_contact_resolution_rate": SHARE,
    "repeat_contact_rate": SHARE_LOWER_BETTER,
    "average_handle_time": SECONDS_AS_MINUTES,
    "average_hold_time": SECONDS_AS_MINUTES,
    "average_speed_of_answer": SECONDS_AS_MINUTES,
    "abandonment_rate": SHARE_LOWER_BETTER,
    "transfers_per_issue": PER_ISSUE,
    "handoffs_per_issue": PER_ISSUE,
    "systems_per_issue": PER_ISSUE,
    "auth_repeats_per_issue": PER_ISSUE,
    "first_reply_time": MINUTES_LOWER_BETTER,
    "resolution_time": MINUTES_LOWER_BETTER,
    "reopen_rate": SHARE_LOWER_BETTER,
    "refund_cycle_time": MetricDisplay("hours", ",.1f", higher_is_better=False),
    "contact_rate": MetricDisplay("per 100 orders", ",.1f", higher_is_better=False),
    "self_service_containment_rate": SHARE,
    "orders": MetricDisplay("orders", ",.0f"),
    "units_sold": MetricDisplay("units", ",.0f"),
    "net_revenue": MetricDisplay("$", ",.0f", prefix="$"),
    "average_order_value": MONEY,
    "conversion_rate": SHARE,
    "email_click_rate": SHARE,
    "unsubscribe_rate": SHARE_LOWER_BETTER,
    "cost_to_serve": MetricDisplay("$", ",.0f", higher_is_better=False, prefix="$"),
}
_DEFAULT = MetricDisplay("", ",.2f", higher_is_better=None)


def display_for(metric: str) -> MetricDisplay:
    return DISPLAYS.get(metric, _DEFAULT)
