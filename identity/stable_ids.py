"""Stable `customer_id`s: clusters keep the ids they had, new clusters get a deterministic one.

Rules (records are ordered oldest first by `observed_at`, ties by record key):

- A previous id is *claimed* by the new cluster holding its oldest still-present record.
- A cluster that claims several previous ids (a merge) keeps the one whose claiming record is
  oldest; the others are retired and reported as aliases of the survivor.
- A previous cluster that split keeps its id in the part with its oldest record; the other part
  claims another id or gets a new one.
- A cluster that claims nothing gets `C` + 16 hex digits of the SHA-256 of its oldest record's
  key, so the same input gives the same ids even without any previous state.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from identity.schema import RECORD_KEY


def new_customer_id(system: str, entity: str, record_id: str) -> str:
    digest = hashlib.sha256(f"{system}|{entity}|{record_id}".encode()).hexdigest()
    return "C" + digest[:16].upper()


def record_keys(frame: pd.DataFrame) -> pa.Array:
    """`system|entity|record_id` per row: one string key instead of three columns to join on."""
    columns = [pa.array(frame[c], type=pa.string(), from_pandas=True) for c in RECORD_KEY]
    return pc.binary_join_element_wise(*columns, "|")


def assign_customer_ids(
    keys: pd.DataFrame,
    labels: np.ndarray,
    rank: np.ndarray,
    previous: pd.DataFrame | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """`customer_id` per record, and the aliases (retired id -> surviving id) of this run.

    `keys` holds the record key columns, `labels` the cluster (0..k-1) of each record, `rank`
    each record's age order (a permutation of 0..n-1), `previous` the last run's
    (record key..., customer_id) if any.
    """
    n_labels = int(labels.max()) + 1 if len(labels) else 0
    by_age = np.argsort(rank, kind="stable")  # record indices, oldest first
    chosen = np.full(n_labels, None, dtype=object)
    aliases = pd.DataFrame(
        {"retired_customer_id": pd.Series(dtype=object), "customer_id": pd.Series(dtype=object)}
    )
    used: set[str] = set()

    if previous is not None and len(previous):
        # the previous id of each record (Arrow hash lookup: millions of string keys)
        position = pc.index_in(record_keys(keys), value_set=record_keys(previous))
        position = position.to_numpy(zero_copy_only=False)
        found = ~pd.isna(position)
        previous_id = np.full(len(labels), None, dtype=object)
        previous_id[found] = previous["customer_id"].to_numpy(dtype=object)[
            position[found].astype(np.int64)
        ]
        used = set(pd.unique(previous["customer_id"].to_numpy(dtype=object)))
        # each previous id is claimed by the cluster of its oldest present record
        aged = pd.DataFrame({"previous_id": previous_id[by_age], "label": labels[by_age]})
        claims = aged.dropna(subset=["previous_id"]).drop_duplicates("previous_id")
        winners = claims.drop_duplicates("label")  # each cluster keeps its oldest claim
        chosen[winners["label"].to_numpy()] = winners["previous_id"].to_numpy(dtype=object)
        retired = claims[~claims.index.isin(winners.index)]
        aliases = pd.DataFrame(
            {
                "retired_customer_id": retired["previous_id"].to_numpy(dtype=object),
                "customer_id": chosen[retired["label"].to_numpy()],
            }
        )

    # clusters without a previous id: named after their oldest record
    anchor_of = np.full(n_labels, -1, dtype=np.int64)
    first_seen = np.unique(labels[by_age], return_index=True)
    anchor_of[first_seen[0]] = by_age[first_seen[1]]
    todo = np.flatnonzero(pd.isna(chosen))
    anchor_keys = [keys[c].to_numpy(dtype=object)[anchor_of[todo]] for c in RECORD_KEY]
    for label, *key in zip(todo.tolist(), *anchor_keys, strict=True):
        candidate = base = new_customer_id(*key)
        suffix = 1
        while candidate in used:  # a 64-bit collision, or an id retired by an older run
            suffix += 1
            candidate = f"{base}-{suffix}"
        used.add(candidate)
        chosen[label] = candidate
    return chosen[labels], aliases
