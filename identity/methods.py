"""Why each record belongs to its customer: `match_method` and `match_probability`.

- `singleton`: the customer has this one record (probability null).
- a deterministic rule: the record shares that key with another record of its deterministic
  cluster, and that cluster is the customer's core (the one holding its oldest record). The
  strongest shared key names the rule: an id column of `schema.ID_RULES` in their order, then
  `email`, then `phone`. Probability 1.
- `email_typo_same_session`: a nameless record attached to a named record first seen in the same
  session whose e-mail differs by one typo (`deterministic.link_session_typos`), and that named
  record when nothing else links it. Probability 1.
- `email_names_person_same_session`: a nameless record whose own e-mail spells the whole name
  of a named record first seen in the same session (`deterministic.link_session_sign_ups`), and
  that named record when nothing else links it. Probability 1.
- `probabilistic`: the record's deterministic cluster joined the customer through a Splink
  match; probability = the strongest accepted match touching that cluster.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from identity.deterministic import contact_point_key_spaces, key_space
from identity.schema import (
    CONTACT_POINTS,
    EMAIL_NAMES_PERSON_SAME_SESSION,
    EMAIL_TYPO_SAME_SESSION,
    ID_RULES,
    PROBABILISTIC,
    SINGLETON,
)


def _shared(labels: np.ndarray, codes: list[np.ndarray]) -> list[np.ndarray]:
    """Per column: does the record's value occur in another record of its cluster?

    Numpy only (millions of records): a (cluster, value) key per record and column, counted
    once per record.
    """
    width = int(max((c.max() for c in codes), default=-1)) + 2
    keys = [labels.astype(np.int64) * width + c for c in codes]
    records = np.arange(len(labels), dtype=np.int64)
    present = [c >= 0 for c in codes]
    all_keys = np.concatenate([k[m] for k, m in zip(keys, present, strict=True)])
    all_records = np.concatenate([records[m] for m in present])
    order = np.lexsort((all_records, all_keys))
    all_keys, all_records = all_keys[order], all_records[order]
    first = np.ones(len(all_keys), dtype=bool)  # one count per (key, record)
    first[1:] = (all_keys[1:] != all_keys[:-1]) | (all_records[1:] != all_records[:-1])
    uniques, counts = np.unique(all_keys[first], return_counts=True)
    out = []
    for k, m in zip(keys, present, strict=True):
        shared = np.zeros(len(labels), dtype=bool)
        shared[m] = counts[np.searchsorted(uniques, k[m])] >= 2
        out.append(shared)
    return out


def deterministic_rule(prepared: pd.DataFrame, clusters: np.ndarray) -> np.ndarray:
    """The strongest key each record shares within its deterministic cluster (None if none)."""
    rule = np.full(len(prepared), None, dtype=object)
    candidates: list[tuple[str, np.ndarray]] = []
    for namespace in dict.fromkeys(r.namespace for r in ID_RULES):
        columns = [r.column for r in ID_RULES if r.namespace == namespace]
        shared = _shared(clusters, key_space(prepared, columns))
        candidates += list(zip(columns, shared, strict=True))
    candidates.sort(key=lambda c: [r.column for r in ID_RULES].index(c[0]))
    for name, space in zip(CONTACT_POINTS, contact_point_key_spaces(prepared), strict=True):
        candidates.append((name, np.logical_or.reduce(_shared(clusters, space))))
    for name, shared in candidates:
        rule[(rule == None) & shared] = name  # noqa: E711 (element-wise)
    return rule


def match_methods(
    prepared: pd.DataFrame,
    deterministic: np.ndarray,
    final: np.ndarray,
    rank: np.ndarray,
    absorbed_probability: dict[int, float],
    session_typos: np.ndarray,
    sign_ups: np.ndarray | None = None,
    sign_up_named: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(match_method, match_probability) per record."""
    n = len(prepared)
    size = np.bincount(final)[final]
    # the core deterministic cluster of each customer: the one holding its oldest record
    oldest = pd.Series(rank).groupby(final).idxmin()
    core = pd.Series(deterministic[oldest.to_numpy()], index=oldest.index)
    in_core = deterministic == core.reindex(final).to_numpy()
    det_size = np.bincount(deterministic)[deterministic]
    linked_by_rule = in_core & (det_size > 1)

    method = np.full(n, PROBABILISTIC, dtype=object)
    by_cluster = np.full(int(deterministic.max()) + 1 if n else 0, np.nan)
    if absorbed_probability:
        by_cluster[list(absorbed_probability)] = list(absorbed_probability.values())
    probability = by_cluster[deterministic]
    rule = deterministic_rule(prepared, deterministic)
    # the deterministic links that share no exact key: session sign-ups (their named side when
    # nothing else links it) and typo'd sign-ups
    if sign_ups is not None:
        rule[sign_ups] = EMAIL_NAMES_PERSON_SAME_SESSION
    if sign_up_named is not None and len(sign_up_named):
        unlinked = rule[sign_up_named] == None  # noqa: E711 (element-wise)
        rule[sign_up_named[unlinked]] = EMAIL_NAMES_PERSON_SAME_SESSION
    rule[session_typos | (rule == None)] = EMAIL_TYPO_SAME_SESSION  # noqa: E711 (element-wise)
    method[linked_by_rule] = rule[linked_by_rule]
    probability[linked_by_rule] = 1.0
    method[size == 1] = SINGLETON
    probability[size == 1] = np.nan
    return method, probability
