"""Weekday, seasonal and time-of-day patterns of a US omnichannel retailer."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import numpy as np

MONTH = (0.85, 0.82, 0.92, 0.95, 1.0, 0.95, 0.93, 1.0, 0.95, 1.0, 1.25, 1.45)
# Monday .. Sunday
WEEKDAY = {
    "browse": (1.05, 1.03, 1.0, 1.0, 0.93, 0.92, 1.07),
    "store": (0.75, 0.75, 0.8, 0.9, 1.1, 1.55, 1.15),
    "service": (1.25, 1.15, 1.05, 1.0, 0.95, 0.6, 0.5),
}
# relative weight of each local hour 0..23
HOURS = {
    "browse": (
        0.4,
        0.2,
        0.1,
        0.1,
        0.1,
        0.2,
        0.5,
        1.0,
        1.4,
        1.5,
        1.5,
        1.6,
        1.8,
        1.7,
        1.6,
        1.6,
        1.7,
        1.9,
        2.2,
        2.6,
        2.9,
        2.7,
        1.9,
        1.0,
    ),
    "store": (
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        1.0,
        1.5,
        2.0,
        2.0,
        1.9,
        1.9,
        2.0,
        2.2,
        2.0,
        1.5,
        0.8,
        0,
        0,
        0,
    ),
    "service": (
        0.05,
        0.02,
        0.02,
        0.02,
        0.02,
        0.05,
        0.2,
        0.6,
        1.5,
        2.3,
        2.5,
        2.4,
        2.0,
        2.2,
        2.3,
        2.1,
        1.9,
        1.6,
        1.2,
        1.0,
        0.8,
        0.5,
        0.3,
        0.1,
    ),
}


def thanksgiving(year: int) -> dt.date:
    nov1 = dt.date(year, 11, 1)
    return nov1 + dt.timedelta(days=(3 - nov1.weekday()) % 7 + 21)


@lru_cache(maxsize=4096)
def demand_factor(d: dt.date) -> float:
    """Season times holiday spikes, 1.0 = an ordinary day."""
    f = MONTH[d.month - 1]
    black_friday = thanksgiving(d.year) + dt.timedelta(days=1)
    delta = (d - black_friday).days
    if delta == 0:
        f *= 2.4
    elif delta == 3:  # Cyber Monday
        f *= 2.1
    elif 1 <= delta <= 4:
        f *= 1.5
    if d.month == 12 and 24 <= d.day <= 25:
        f *= 0.55
    return f


@lru_cache(maxsize=4096)
def deal_factor(d: dt.date) -> float:
    """Holiday deals lift conversion too, not only traffic (the spike part of demand_factor)."""
    return (demand_factor(d) / MONTH[d.month - 1]) ** 0.5


@lru_cache(maxsize=8192)
def day_factor(d: dt.date, activity: str) -> float:
    f = WEEKDAY[activity][d.weekday()]
    if activity == "service":
        # service demand follows sales a week later, and returns peak in early January
        f *= demand_factor(d - dt.timedelta(days=7)) ** 0.6
        if d.month == 1 and d.day <= 15:
            f *= 1.3
        return f
    return f * demand_factor(d)


@lru_cache(maxsize=8)
def _hour_cdf(activity: str) -> np.ndarray:
    w = np.array(HOURS[activity], dtype=float)
    return np.cumsum(w) / w.sum()


def times_of_day(rng: np.random.Generator, activity: str, n: int) -> np.ndarray:
    """n local seconds-after-midnight following the activity's hourly profile."""
    hours = np.searchsorted(_hour_cdf(activity), rng.random(n), side="right")
    return hours * 3600 + rng.integers(0, 3600, n)
