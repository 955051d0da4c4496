"""Counts of the planted effects as they landed in the extracts, for truth/effects.json.

Each shard tallies what it emitted (only records delivered inside the window); the engine
merges the tallies and `report` turns them into design parameters, observed values (what
the warehouse must reproduce from the extracts, up to defects and identity errors) and
model-expected values (what the design implies for the same respondents).
"""

from __future__ import annotations

import dataclasses
import math
from collections import Counter
from typing import Any

from .config import Effects

HANDOFF_BUCKETS = ("0", "1", "2+")
HOLD_BUCKETS = ("0", "1-120", "121-600", "600+")
AUTH_BUCKETS = ("0", "1", "2+")
REFUND_BUCKETS = ("<=24h", "24-72h", ">72h")
PLATFORMS = ("WEB", "IOS", "ANDROID")


def handoff_bucket(n: int) -> str:
    return HANDOFF_BUCKETS[min(n, 2)]


def hold_bucket(seconds: int) -> str:
    if seconds <= 0:
        return "0"
    return "1-120" if seconds <= 120 else ("121-600" if seconds <= 600 else "600+")


def auth_bucket(n: int) -> str:
    return AUTH_BUCKETS[min(n, 2)]


class EffectsTally:
    """Flat counter keyed 'metric|bucket|field'; merging shards is adding counters."""

    def __init__(self) -> None:
        self.c: Counter[str] = Counter()
        self.sums: Counter[str] = Counter()  # float sums (expected values, score sums)

    def add(self, metric: str, bucket: str, name: str, n: int = 1) -> None:
        self.c[f"{metric}|{bucket}|{name}"] += n

    def add_sum(self, metric: str, bucket: str, name: str, x: float) -> None:
        self.sums[f"{metric}|{bucket}|{name}"] += x

    def nps(self, metric: str, bucket: str, q1: int, expected_share: float | None = None) -> None:
        self.add(metric, bucket, "responses")
        if q1 >= 9:
            self.add(metric, bucket, "promoters")
        elif q1 <= 6:
            self.add(metric, bucket, "detractors")
        if expected_share is not None:
            self.add_sum(metric, bucket, "expected", expected_share)

    def merge(self, other: EffectsTally) -> None:
        self.c.update(other.c)
        self.sums.update(other.sums)

    def get(self, metric: str, bucket: str, name: str) -> int:
        return self.c.get(f"{metric}|{bucket}|{name}", 0)

    def getf(self, metric: str, bucket: str, name: str) -> float:
        return self.sums.get(f"{metric}|{bucket}|{name}", 0.0)

    # ------------------------------------------------------------ report
    def _nps_block(self, metric: str, buckets: tuple[str, ...]) -> dict[str, Any]:
        out = {}
        for b in buckets:
            n = self.get(metric, b, "responses")
            p, d = self.get(metric, b, "promoters"), self.get(metric, b, "detractors")
            block: dict[str, Any] = {"responses": n, "promoters": p, "detractors": d}
            if n:
                share_p, share_d = p / n, d / n
                block["nps"] = round(100 * (share_p - share_d), 2)
                var = share_p + share_d - (share_p - share_d) ** 2
                block["standard_error"] = round(100 * math.sqrt(max(var, 1e-9) / n), 2)
                if self.getf(metric, b, "expected"):
                    block["expected_nps"] = round(100 * self.getf(metric, b, "expected") / n, 2)
            out[b] = block
        return out

    def _rate_block(
        self, metric: str, buckets: tuple[str, ...], num: str, den: str
    ) -> dict[str, Any]:
        out = {}
        for b in buckets:
            n, k = self.get(metric, b, den), self.get(metric, b, num)
            out[b] = {den: n, num: k, "rate": round(k / n, 4) if n else None}
        return out

    def report(self, e: Effects, launch: dict[str, Any]) -> dict[str, Any]:
        csat = {}
        for b in HOLD_BUCKETS:
            n, sat = self.get("csat_hold", b, "responses"), self.get("csat_hold", b, "satisfied")
            zn, zg = self.get("zendesk_hold", b, "ratings"), self.get("zendesk_hold", b, "good")
            csat[b] = {
                "responses": n,
                "satisfied": sat,
                "csat_share": round(sat / n, 4) if n else None,
                "expected_csat_share": round(self.getf("csat_hold", b, "expected") / n, 4)
                if n
                else None,
                "zendesk_ratings": zn,
                "zendesk_good": zg,
                "zendesk_good_share": round(zg / zn, 4) if zn else None,
            }
        ces = {}
        for b in AUTH_BUCKETS:
            n = self.get("ces_auth", b, "responses")
            ces[b] = {
                "responses": n,
                "ces_mean": round(self.getf("ces_auth", b, "sum") / n, 3) if n else None,
                "expected_ces_mean": round(self.getf("ces_auth", b, "expected") / n, 3)
                if n
                else None,
                "ces_easy_share": round(self.get("ces_auth", b, "easy") / n, 4) if n else None,
            }
        conv = self._rate_block("conversion", PLATFORMS, "purchase_sessions", "sessions")
        lo, lc = self.get("launch", "launch", "orders"), self.get("launch", "launch", "tickets")
        oo, oc = self.get("launch", "other", "orders"), self.get("launch", "other", "tickets")
        weeks = sorted({int(k.split("|")[1][1:]) for k in self.c if k.startswith("launch_week|")})
        launch_block = dict(launch)
        launch_block.update(
            {
                "orders_with_product": lo,
                "units": self.get("launch", "launch", "units"),
                "tickets": lc,
                "contacts_per_100_orders": round(100 * lc / lo, 2) if lo else None,
                "other_products": {
                    "orders": oo,
                    "tickets": oc,
                    "contacts_per_100_orders": round(100 * oc / oo, 2) if oo else None,
                },
                "units_by_week_since_launch": {
                    str(w): self.get("launch_week", f"w{w}", "units") for w in weeks
                },
                "share_of_units_after_launch": round(
                    self.get("launch", "launch", "units")
                    / max(1, self.get("launch", "after", "units")),
                    4,
                ),
            }
        )
        return {
            "design": dataclasses.asdict(e),
            "nps_by_handoffs": {
                "definition": "ticket_solved survey Q1 (finished, non-preview) by handoffs of the ticket's issue: "
                "Zendesk group changes after the first assignment plus Connect transfers to a "
                "different queue",
                "parameters": {
                    "nps_mu0": e.nps_mu0,
                    "nps_sigma": e.nps_sigma,
                    "per_handoff": e.nps_per_handoff,
                },
                "buckets": self._nps_block("nps_handoffs", HANDOFF_BUCKETS),
                "tolerance_vs_observed": 6.0,
            },
            "csat_by_hold_time": {
                "definition": "ticket_solved survey Q2 in 4-5 among answered, and Zendesk good among good+bad, "
                "by the issue's total Connect CustomerHoldDuration (seconds)",
                "parameters": {"csat_mu0": e.csat_mu0, "per_hold_minute": e.csat_per_hold_minute},
                "buckets": csat,
                "tolerance_vs_observed": 0.04,
            },
            "ces_by_auth_repeats": {
                "definition": "ticket_solved survey Q3 (1-7) by identity checks beyond the first in the issue "
                "(sum of Connect Attributes.auth_attempts minus one)",
                "parameters": {"ces_mu0": e.ces_mu0, "per_auth_repeat": e.ces_per_auth_repeat},
                "buckets": ces,
                "tolerance_vs_observed": 0.2,
            },
            "conversion_by_platform": {
                "definition": "GA4 sessions (user_pseudo_id, ga_session_id) with a purchase event over sessions",
                "parameters": {"android_conversion_factor": e.android_conversion_factor},
                "buckets": conv,
                "tolerance_vs_observed": 0.005,
            },
            "product_launch": launch_block,
            "refund_cycle": {
                "definition": "hours from the ticket named in the refund's metadata.ticket_id to the succeeded "
                "refund's created time; NPS of ticket_solved surveys of those tickets; repurchase "
                "= the customer ordered again after the refund, within the window",
                "parameters": {
                    "nps_penalty": e.nps_refund_penalty,
                    "repurchase_multiplier": e.refund_repurchase,
                },
                "nps": self._nps_block("refund_nps", REFUND_BUCKETS),
                "repeat_purchase": self._rate_block(
                    "refund_repurchase", REFUND_BUCKETS, "ordered_after", "customers"
                ),
                "tolerance_vs_observed": 6.0,
            },
            "first_service_experience": {
                "definition": "customers by whether their first resolved issue was a first-contact resolution; "
                "ordered_after = placed an order after that issue was resolved, within the window",
                "parameters": {
                    "good_multiplier": e.first_service_good,
                    "bad_multiplier": e.first_service_bad,
                },
                "buckets": self._rate_block(
                    "first_service", ("fcr", "not_fcr"), "ordered_after", "customers"
                ),
                "tolerance_vs_observed": 0.03,
            },
        }
