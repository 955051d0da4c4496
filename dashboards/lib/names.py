"""Names for readers: the codes the marts use (snake_case drivers, buckets) in plain words."""

from __future__ import annotations

# Abbreviations readers know in capitals (CSAT, not Csat).
ACRONYMS = frozenset({"nps", "csat", "ces", "fcr", "clv", "aov", "ci", "id", "sms", "ivr"})


def human_name(code: object) -> str:
    """ "refund_cycle_time" -> "Refund cycle time", "csat_responses" -> "CSAT responses"; a
    missing code reads "—"."""
    if code is None or code != code:  # None or NaN
        return "—"
    words = str(code).replace("_", " ").capitalize().split(" ")
    return " ".join(w.upper() if w.lower() in ACRONYMS else w for w in words)
