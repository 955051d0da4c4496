"""How a service experience turns into survey answers (the planted CX effects).

Each answer is a rounded, clipped draw from a normal latent whose mean falls with the
operational driver it is tied to: NPS (Q1) with handoffs, reopens and slow refunds; CSAT
(Q2 and Zendesk good/bad) with hold time; CES (Q3) with repeated identity checks.  The
model-implied probability of promoter/detractor is also returned so the truth can state the
expected NPS of every bucket, not only the realised one.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from ..config import Effects


@dataclass(frozen=True, slots=True)
class IssueFeatures:
    handoffs: int
    transfers: int
    auth_repeats: int
    hold_seconds: int
    reopened: bool
    refund_bucket: int | None  # 0: <=24h, 1: 24-72h, 2: >72h, None: no refund


def refund_bucket(hours: float) -> int:
    return 0 if hours <= 24 else (1 if hours <= 72 else 2)


def _phi(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _draw(rnd: random.Random, mu: float, sigma: float, lo: int, hi: int) -> int:
    return min(hi, max(lo, math.floor(rnd.gauss(mu, sigma) + 0.5)))


def nps_mean(e: Effects, f: IssueFeatures) -> float:
    mu = e.nps_mu0 - e.nps_per_handoff * min(f.handoffs, 3)
    if f.reopened:
        mu -= e.nps_reopen
    if f.refund_bucket is not None:
        mu -= e.nps_refund_penalty[f.refund_bucket]
    return mu


def csat_mean(e: Effects, f: IssueFeatures) -> float:
    return (
        e.csat_mu0
        - e.csat_per_hold_minute * min(f.hold_seconds / 60.0, 20.0)
        - e.csat_per_handoff * min(f.handoffs, 3)
    )


def ces_mean(e: Effects, f: IssueFeatures) -> float:
    return (
        e.ces_mu0
        - e.ces_per_auth_repeat * min(f.auth_repeats, 3)
        - e.ces_per_transfer * min(f.transfers, 3)
    )


def expected_nps_share(mu: float, sigma: float) -> float:
    """P(promoter) - P(detractor) of a rounded normal answer with mean mu."""
    return (1.0 - _phi((8.5 - mu) / sigma)) - _phi((6.5 - mu) / sigma)


def expected_satisfied_share(mu: float, sigma: float) -> float:
    """P(answer >= 4) of a rounded 1-5 answer with latent mean mu."""
    return 1.0 - _phi((3.5 - mu) / sigma)


def expected_scale_mean(mu: float, sigma: float, lo: int, hi: int) -> float:
    """Mean of a rounded, clipped normal answer on lo..hi."""
    total = 0.0
    for k in range(lo, hi + 1):
        upper = 1.0 if k == hi else _phi((k + 0.5 - mu) / sigma)
        lower = 0.0 if k == lo else _phi((k - 0.5 - mu) / sigma)
        total += k * (upper - lower)
    return total


def nps_answer(rnd: random.Random, mu: float, sigma: float) -> int:
    return _draw(rnd, mu, sigma, 0, 10)


def ticket_answers(e: Effects, f: IssueFeatures, rnd: random.Random) -> tuple[int, int, int]:
    return (
        nps_answer(rnd, nps_mean(e, f), e.nps_sigma),
        _draw(rnd, csat_mean(e, f), e.csat_sigma, 1, 5),
        _draw(rnd, ces_mean(e, f), e.ces_sigma, 1, 7),
    )


def zendesk_good(e: Effects, f: IssueFeatures, rnd: random.Random) -> bool:
    return rnd.gauss(csat_mean(e, f), e.csat_sigma) >= 3.5


def delivery_answers(e: Effects, late_days: int, rnd: random.Random) -> tuple[int, int, int]:
    mu = e.nps_mu0 - 0.2 - e.late_delivery_nps_per_day * min(late_days, 10)
    return (
        nps_answer(rnd, mu, e.nps_sigma),
        _draw(rnd, 4.4 - 0.15 * min(late_days, 10), 0.8, 1, 5),
        _draw(rnd, 6.0, 1.0, 1, 7),
    )


def relationship_answers(e: Effects, mood: float, rnd: random.Random) -> tuple[int, int]:
    return nps_answer(rnd, 7.9 + mood, e.nps_sigma), _draw(rnd, 4.0 + 0.3 * mood, 0.9, 1, 5)
