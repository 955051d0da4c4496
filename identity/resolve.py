"""Identity resolution end to end: records in, one `customer_id` per record out.

normalise (records) -> explicit-id components -> guarded e-mail/phone links (deterministic)
-> Splink on what is left (probabilistic) -> stable ids -> match methods.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import pandas as pd

from identity.components import dense_labels
from identity.deterministic import link_contact_points, link_session_typos, strong_components
from identity.methods import match_methods
from identity.probabilistic import ProbabilisticConfig, merge_scored_pairs, score_pairs
from identity.records import observation_order, prepare
from identity.schema import OUTPUT_COLUMNS, RECORD_KEY
from identity.stable_ids import assign_customer_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolutionConfig:
    probabilistic: ProbabilisticConfig | None = field(default_factory=ProbabilisticConfig)
    """None = deterministic rules only (the baseline)."""


@dataclass
class Resolution:
    records: pd.DataFrame  # OUTPUT_COLUMNS, one row per input record
    aliases: pd.DataFrame  # retired_customer_id, customer_id
    stats: dict[str, float] = field(default_factory=dict)


def resolve(
    records: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    config: ResolutionConfig | None = None,
) -> Resolution:
    """Resolve `records` (the `int_identity_records` layout) into customers.

    `previous` is the last run's output (record key + customer_id): ids carry over from it.
    """
    config = config or ResolutionConfig()
    stats: dict[str, float] = {"records": float(len(records))}
    clock = _Clock(stats)

    prepared = prepare(records)
    rank = observation_order(prepared)
    clock.lap("normalise_seconds")

    strong = strong_components(prepared)
    deterministic, shared_values = link_contact_points(prepared, strong, rank)
    deterministic, session_typos = link_session_typos(prepared, deterministic)
    clock.lap("deterministic_seconds")
    stats["strong_components"] = float(strong.max() + 1) if len(strong) else 0.0
    stats["deterministic_clusters"] = float(deterministic.max() + 1) if len(strong) else 0.0
    stats["shared_contact_values"] = float(len(shared_values))

    final, absorbed = deterministic, {}
    if config.probabilistic is not None and len(prepared):
        pairs = score_pairs(prepared, deterministic, config.probabilistic, shared_values)
        final, absorbed = merge_scored_pairs(prepared, deterministic, pairs)
        final = dense_labels(final)
        stats.update(
            splink_rows=float(pairs.rows_compared),
            splink_pairs_accepted=float(len(pairs.probability)),
            splink_lambda=pairs.lambda_prior,
        )
    clock.lap("probabilistic_seconds")
    stats["customers"] = float(final.max() + 1) if len(final) else 0.0

    ids, aliases = assign_customer_ids(prepared, final, rank, previous)
    method, probability = match_methods(
        prepared, deterministic, final, rank, absorbed, session_typos
    )
    clock.lap("assign_seconds")

    out = prepared.loc[:, list(RECORD_KEY)].copy()
    out["customer_id"] = ids
    out["match_method"] = method
    out["match_probability"] = probability
    out["email_key"] = prepared["email_key"]
    out["phone_e164"] = prepared["phone_e164"]
    out["postal_code5"] = prepared["postal_code5"]
    log.info("identity resolution: %s", {k: round(v, 3) for k, v in stats.items()})
    return Resolution(out.loc[:, list(OUTPUT_COLUMNS)], aliases, stats)


class _Clock:
    def __init__(self, stats: dict[str, float]) -> None:
        self.stats = stats
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stats[name] = now - self.t
        self.t = now
