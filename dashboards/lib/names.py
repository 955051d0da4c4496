"""Names for readers: the codes the marts use (snake_case drivers, buckets) in plain words."""

from __future__ import annotations


def human_name(code: object) -> str:
    """ "refund_cycle_time" -> "Refund cycle time"; a missing code reads "—"."""
    if code is None or code != code:  # None or NaN
        return "—"
    return str(code).replace("_", " ").capitalize()
