"""Names for readers: the codes the marts use (snake_case drivers, buckets) in plain words."""

from __future__ import annotations

import re

_SNAKE_CASE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Abbreviations readers know in capitals (CSAT, not Csat).
ACRONYMS = frozenset(
    {"nps", "csat", "ces", "fcr", "clv", "aov", "ci", "id", "sms", "ivr", "crm", "url"}
)
# Words with a spelling of their own.
SPELLINGS = {"ios": "iOS"}


def human_name(code: object) -> str:
    """ "refund_cycle_time" -> "Refund cycle time", "csat_responses" -> "CSAT responses"; a
    missing code reads "—"."""
    if code is None or code != code:  # None or NaN
        return "—"
    words = str(code).replace("_", " ").capitalize().split(" ")
    return " ".join(
        SPELLINGS.get(w.lower(), w.upper() if w.lower() in ACRONYMS else w) for w in words
    )


def human_list(codes: object) -> str:
    """ "billing,contact_center" -> "Billing, Contact center" (the marts' comma lists)."""
    if codes is None or codes != codes:
        return "—"
    return ", ".join(human_name(code.strip()) for code in str(codes).split(","))


def human_codes_in(text: object) -> object:
    """Snake-case codes inside a sentence in words: "opened_ticket (47 %)" -> "Opened ticket
    (47 %)"; other text, and a missing value, as it is."""
    if not isinstance(text, str):
        return text
    return _SNAKE_CASE.sub(lambda code: human_name(code.group(0)), text)
