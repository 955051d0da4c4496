"""Identity resolution end to end: records in, one `customer_id` per record out.

normalise (records) -> explicit-id components -> guarded e-mail/phone links (deterministic)
-> Splink on what is left (probabilistic) -> stable ids -> match methods.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from identity import processes
from identity.components import dense_labels
from identity.deterministic import WholeDataFacts, link_by_rules
from identity.edges import (
    EDGE_COLUMNS,
    EMAIL_NAMES_PERSON,
    EMAIL_TYPO,
    STEWARD_FORCE_MERGE,
    STEWARD_FORCE_SPLIT,
    build_edges,
)
from identity.guards import CONTACT_COLUMNS, MAX_PEOPLE_PER_CONTACT, overloaded_values
from identity.methods import match_methods
from identity.overrides import LocatedOverrides, Override, apply_overrides, locate, mark_splits
from identity.probabilistic import ProbabilisticConfig, ScoredPairs, merge_scored_pairs, score_pairs
from identity.records import observation_order, prepare
from identity.schema import OUTPUT_COLUMNS, PROBABILISTIC, RECORD_KEY
from identity.stable_ids import assign_customer_ids

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ResolutionConfig:
    probabilistic: ProbabilisticConfig | None = field(default_factory=ProbabilisticConfig)
    """None = deterministic rules only (the baseline)."""
    max_people_per_contact: int = MAX_PEOPLE_PER_CONTACT
    """An e-mail or phone of more distinct named people links nobody (`guards.overloaded_values`)."""


@dataclass
class Resolution:
    records: pd.DataFrame  # OUTPUT_COLUMNS, one row per input record
    aliases: pd.DataFrame  # retired_customer_id, customer_id
    stats: dict[str, float] = field(default_factory=dict)
    edges: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(EDGE_COLUMNS)))
    """`edges.EDGE_COLUMNS`: the links that joined each customer, and steward splits."""


#: Probabilistic scoring of cross-cluster pairs: (prepared, deterministic clusters, overloaded
#: values) -> accepted pairs. `score_pairs` trains and scores on DuckDB; the Spark path
#: (scale_out/resolve_on_spark.py) passes pairs its own prediction accepted.
Scorer = Callable[[pd.DataFrame, np.ndarray, frozenset[str]], ScoredPairs]


@dataclass
class DeterministicLinks:
    """What the rules decided before the probabilistic step (`link_deterministically`)."""

    published: pd.DataFrame  # normalised records, contact values as given
    prepared: pd.DataFrame  # the same, overloaded values blanked and steward splits marked
    rank: np.ndarray  # observation order
    overloaded: frozenset[str]
    located: LocatedOverrides
    labels: np.ndarray  # deterministic cluster per record
    session_typos: np.ndarray
    sign_ups: np.ndarray
    sign_up_pairs: pd.DataFrame
    pair_edges: list[pd.DataFrame]
    stats: dict[str, float]


def link_deterministically(
    records: pd.DataFrame,
    config: ResolutionConfig,
    overrides: list[Override],
    overloaded: frozenset[str] | None = None,
    whole_data: WholeDataFacts | None = None,
    published: pd.DataFrame | None = None,
) -> DeterministicLinks:
    """Normalise `records` and link them by the deterministic rules.

    `overloaded` (the contact values held by too many people) and `whole_data` (the names and
    mass hours two rules count): when the caller counted them over more records than these (the
    Spark path resolves one group of components at a time). `published`: `prepare(records)`,
    when the caller has it already (normalising a million records again costs seconds and a
    second copy of them)."""
    stats: dict[str, float] = {}
    clock = _Clock(stats)
    if published is None:
        published = prepare(records)
    rank = observation_order(published)
    if overloaded is None:
        overloaded = overloaded_values(published, config.max_people_per_contact)
    prepared = _without(published, overloaded)  # linking never sees overloaded values
    located = locate(prepared, overrides)
    prepared = mark_splits(prepared, located.splits)
    clock.lap("normalise_seconds")

    rules = link_by_rules(prepared, rank, overloaded, whole_data or WholeDataFacts.of(prepared))
    pair_edges = [
        pd.DataFrame({"left": p["right_rec"], "right": p["left_rec"], "rule": rule})
        for p, rule in (
            (rules.session_typo_pairs, EMAIL_TYPO),
            (rules.neighbour_pairs, EMAIL_TYPO),
            (rules.sign_up_pairs, EMAIL_NAMES_PERSON),
        )
    ]
    clock.lap("deterministic_seconds")
    strong, deterministic = rules.strong, rules.labels
    stats["strong_components"] = float(strong.max() + 1) if len(strong) else 0.0
    stats["deterministic_clusters"] = float(deterministic.max() + 1) if len(strong) else 0.0
    stats["shared_contact_values"] = float(len(rules.shared_values))
    stats["overloaded_contact_values"] = float(len(overloaded))
    return DeterministicLinks(
        published,
        prepared,
        rank,
        overloaded,
        located,
        deterministic,
        rules.typos,
        rules.sign_ups,
        rules.sign_up_pairs,
        pair_edges,
        stats,
    )


def resolve(
    records: pd.DataFrame,
    previous: pd.DataFrame | None = None,
    config: ResolutionConfig | None = None,
    overrides: list[Override] | None = None,
    *,
    overloaded: frozenset[str] | None = None,
    whole_data: WholeDataFacts | None = None,
    scorer: Scorer | None = None,
    published: pd.DataFrame | None = None,
) -> Resolution:
    """Resolve `records` (the `int_identity_records` layout) into customers.

    `previous` is the last run's output (record key + customer_id): ids carry over from it.
    `overrides`: steward decisions (`identity.overrides`); none when not given.
    `overloaded`, `whole_data` and `scorer`: for a caller that resolves a group of whole
    components of a larger set (scale_out/resolve_on_spark.py): the overloaded values and the
    rules' whole-data counts over the whole set, and the pairs its probabilistic step accepted;
    by default all come from `records`. `published`: `identity.records.prepare(records)`, when
    the caller has it (`link_deterministically`).
    """
    config = config or ResolutionConfig()
    linked = link_deterministically(
        records, config, overrides or [], overloaded, whole_data, published
    )
    stats: dict[str, float] = {"records": float(len(records)), **linked.stats}
    clock = _Clock(stats)
    published, prepared, rank = linked.published, linked.prepared, linked.rank
    overloaded, located, deterministic = linked.overloaded, linked.located, linked.labels
    session_typos, sign_ups, sign_up_pairs = (
        linked.session_typos,
        linked.sign_ups,
        linked.sign_up_pairs,
    )
    pair_edges = linked.pair_edges

    final, absorbed = deterministic, {}
    if config.probabilistic is not None and len(prepared):
        probabilistic = config.probabilistic
        score = scorer or (lambda p, d, o: score_pairs(p, d, probabilistic, o))
        pairs = score(prepared, deterministic, overloaded)
        final, absorbed, joined = merge_scored_pairs(prepared, deterministic, pairs)
        final = dense_labels(final)
        pair_edges.append(
            pd.DataFrame(
                {
                    "left": pairs.record_l[joined],
                    "right": pairs.record_r[joined],
                    "rule": PROBABILISTIC,
                    "evidence_bits": pairs.evidence_bits[joined],
                    "match_probability": pairs.probability[joined],
                }
            )
        )
        stats.update(
            splink_rows=float(pairs.rows_compared),
            splink_pairs_accepted=float(len(pairs.probability)),
            splink_pairs_merged=float(len(joined)),
            splink_lambda=pairs.lambda_prior,
        )
    clock.lap("probabilistic_seconds")
    final, merges_applied, moved = apply_overrides(final, located)
    final = dense_labels(final)
    pair_edges += _override_edges(located, merges_applied)
    stats.update(
        overrides_merged=float(len(merges_applied)),
        overrides_split=float(len(located.splits)),
        overrides_unmatched=float(located.unmatched),
    )
    stats["customers"] = float(final.max() + 1) if len(final) else 0.0

    def ids_and_edges() -> tuple[np.ndarray, pd.DataFrame, pd.DataFrame]:
        ids, aliases = assign_customer_ids(prepared, final, rank, previous)
        return ids, aliases, build_edges(prepared, final, ids, rank, pair_edges)

    def methods() -> tuple[np.ndarray, np.ndarray]:
        return match_methods(
            prepared,
            deterministic,
            final,
            rank,
            absorbed,
            session_typos,
            sign_ups,
            sign_up_pairs["right_rec"].to_numpy(),
        )

    # independent of each other: at a million records, the methods in a second process
    tasks: list[Callable[[], Any]] = [ids_and_edges, methods]
    parallel = len(prepared) >= processes.PARALLEL_MIN_RECORDS and processes.can_fork()
    (ids, aliases, edges), (method, probability) = (
        processes.in_processes(tasks) if parallel else [task() for task in tasks]
    )
    method[moved] = STEWARD_FORCE_MERGE
    probability[moved] = 1.0
    clock.lap("assign_seconds")

    out = prepared.loc[:, list(RECORD_KEY)].copy()
    out["customer_id"] = ids
    out["match_method"] = method
    out["match_probability"] = probability
    out["email_key"] = published["email_key"]
    out["phone_e164"] = published["phone_e164"]
    out["postal_code5"] = published["postal_code5"]
    log.info("identity resolution: %s", {k: round(v, 3) for k, v in stats.items()})
    return Resolution(out.loc[:, list(OUTPUT_COLUMNS)], aliases, stats, edges)


def _override_edges(located: LocatedOverrides, merges_applied: list[int]) -> list[pd.DataFrame]:
    merges = [located.merges[n] for n in merges_applied]
    return [
        pd.DataFrame(
            {
                "left": [a for a, _, _ in rows],
                "right": [b for _, b, _ in rows],
                "rule": rule,
                "linked": linked,
                "reason": [r for _, _, r in rows],
            }
        )
        for rows, rule, linked in (
            (merges, STEWARD_FORCE_MERGE, True),
            (located.splits, STEWARD_FORCE_SPLIT, False),
        )
        if rows
    ]


def _without(prepared: pd.DataFrame, values: frozenset[str]) -> pd.DataFrame:
    """`prepared` with the given contact values blanked (a copy only when there are any)."""
    if not values:
        return prepared
    out = prepared.copy()
    for column in CONTACT_COLUMNS:
        out[column] = out[column].where(~out[column].isin(values), None)
    return out


class _Clock:
    def __init__(self, stats: dict[str, float]) -> None:
        self.stats = stats
        self.t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.stats[name] = now - self.t
        self.t = now
