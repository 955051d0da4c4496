"""Durations measured in hours read in the unit their largest value needs (Journeys' timing)."""

from __future__ import annotations

import pandas as pd

from dashboards.lib.metric_display import readable_hours


def test_hours_days_or_weeks_by_the_largest_value() -> None:
    assert readable_hours(pd.Series([1.0, 30.0, None])) == ("hours", 1.0)
    assert readable_hours(pd.Series([2.0, 100.0])) == ("days", 24.0)
    assert readable_hours(pd.Series([5.0, 24 * 40.0])) == ("weeks", 168.0)


def test_no_duration_at_all_reads_in_hours() -> None:
    assert readable_hours(pd.Series([None], dtype=float)) == ("hours", 1.0)
