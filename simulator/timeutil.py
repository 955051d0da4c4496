"""Time in the simulation: integer UTC epoch seconds, rendered per system convention.

The business time zone is America/New_York.  US DST rules since 2007 are computed directly
(second Sunday of March 02:00 local to first Sunday of November 02:00 local) because the
formatters run tens of millions of times and zoneinfo would dominate the run time.
"""

from __future__ import annotations

import datetime as dt

EPOCH_DATE = dt.date(1970, 1, 1)
EST = -5 * 3600
EDT = -4 * 3600


def _dst_bounds(year: int) -> tuple[int, int]:
    march = dt.date(year, 3, 1)
    start = march + dt.timedelta(days=(6 - march.weekday()) % 7 + 7)
    november = dt.date(year, 11, 1)
    end = november + dt.timedelta(days=(6 - november.weekday()) % 7)
    return (
        (start - EPOCH_DATE).days * 86400 + 7 * 3600,  # 02:00 EST
        (end - EPOCH_DATE).days * 86400 + 6 * 3600,  # 02:00 EDT
    )


_DST = {y: _dst_bounds(y) for y in range(1990, 2101)}
_OFFSET_BY_HOUR: dict[int, int] = {}
_DATE_BY_DAY: dict[int, str] = {}
_COMPACT_BY_DAY: dict[int, str] = {}


def ny_offset(t: int) -> int:
    """UTC offset (seconds) of America/New_York at epoch second t."""
    h = t // 3600
    off = _OFFSET_BY_HOUR.get(h)
    if off is None:
        year = (EPOCH_DATE + dt.timedelta(days=t // 86400)).year
        start, end = _DST[year]
        off = EDT if start <= t < end else EST
        _OFFSET_BY_HOUR[h] = off
    return off


REPEATED_HOURS = frozenset(end // 3600 for _, end in _DST.values())


def in_repeated_hour(t: int) -> bool:
    """t is in the second occurrence of 01:xx local on the autumn DST change (EST side)."""
    return t // 3600 in REPEATED_HOURS


def _date_str(day: int) -> str:
    s = _DATE_BY_DAY.get(day)
    if s is None:
        s = (EPOCH_DATE + dt.timedelta(days=day)).isoformat()
        _DATE_BY_DAY[day] = s
    return s


def local_epoch_day(t: int) -> int:
    """Days since 1970-01-01 of the New York calendar date of t."""
    return (t + ny_offset(t)) // 86400


_MS = [f"{m:02d}:{sec:02d}" for m in range(60) for sec in range(60)]
_UTC_HOUR: dict[int, str] = {}
_LOCAL_HOUR: dict[int, tuple[str, str]] = {}  # hour -> ("YYYY-MM-DD HH:", offset suffix)


def _utc_prefix(h: int) -> str:
    """'YYYY-MM-DDTHH:' of UTC epoch hour h."""
    s = _UTC_HOUR.get(h)
    if s is None:
        s = _UTC_HOUR[h] = f"{_date_str(h // 24)}T{h % 24:02d}:"
    return s


def _local_prefix(h: int) -> tuple[str, str]:
    """('YYYY-MM-DD HH:', '-05:00'|'-04:00') of New York wall time during UTC epoch hour h."""
    v = _LOCAL_HOUR.get(h)
    if v is None:
        off = ny_offset(h * 3600)
        loc = h + off // 3600
        v = _LOCAL_HOUR[h] = (
            f"{_date_str(loc // 24)} {loc % 24:02d}:",
            "-04:00" if off == EDT else "-05:00",
        )
    return v


def sf_ts(t: int) -> str:
    """Salesforce: 2026-01-05T14:03:11.000+0000 (UTC)."""
    return _utc_prefix(t // 3600) + _MS[t % 3600] + ".000+0000"


def zulu_ts(t: int) -> str:
    """Zendesk / Amazon Connect: 2026-03-01T15:15:00Z."""
    return _utc_prefix(t // 3600) + _MS[t % 3600] + "Z"


def shop_ts(t: int) -> str:
    """Shopify: local time with the shop's offset for that instant (-05:00 / -04:00)."""
    prefix, suffix = _local_prefix(t // 3600)
    return prefix.replace(" ", "T") + _MS[t % 3600] + suffix


def local_ts(t: int) -> str:
    """Klaviyo / Qualtrics: New York wall time without offset, 2026-03-01 10:15:00."""
    return _local_prefix(t // 3600)[0] + _MS[t % 3600]


def ga4_date(t: int) -> str:
    """GA4 event_date: YYYYMMDD in the property time zone."""
    day = local_epoch_day(t)
    s = _COMPACT_BY_DAY.get(day)
    if s is None:
        s = _COMPACT_BY_DAY[day] = _date_str(day).replace("-", "")
    return s


class Clock:
    """Maps the window's day indexes (0 = start date, New York calendar) to UTC instants."""

    def __init__(self, start: dt.date, days: int) -> None:
        self.start = start
        self.days = days
        self.start_day = (start - EPOCH_DATE).days
        self._midnights: dict[int, int] = {}
        self._day_by_hour: dict[int, int] = {}

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=day)

    def date_str(self, day: int) -> str:
        return _date_str(self.start_day + day)

    def midnight(self, day: int) -> int:
        """UTC epoch second of 00:00 New York time on window day `day` (may be negative)."""
        t = self._midnights.get(day)
        if t is None:
            naive = (self.start_day + day) * 86400
            t = naive - ny_offset(naive - EST)  # offset at local midnight (never a DST switch)
            self._midnights[day] = t
        return t

    def day_length(self, day: int) -> int:
        return self.midnight(day + 1) - self.midnight(day)

    def day_of(self, t: int) -> int:
        """Window day index of instant t (New York date); offsets change on whole hours."""
        h = t // 3600
        d = self._day_by_hour.get(h)
        if d is None:
            d = self._day_by_hour[h] = local_epoch_day(h * 3600) - self.start_day
        return d

    def at(self, day: int, local_seconds: float) -> int:
        """Instant that is `local_seconds` after local midnight, within day `day`."""
        return self.midnight(day) + min(int(local_seconds), self.day_length(day) - 1)

    @property
    def end(self) -> int:
        return self.midnight(self.days)
