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

from identity.schema import RECORD_KEY


def new_customer_id(system: str, entity: str, record_id: str) -> str:
    digest = hashlib.sha256(f"{system}|{entity}|{record_id}".encode()).hexdigest()
    return "C" + digest[:16].upper()


def assign_customer_ids(
    keys: pd.DataFrame,
    labels: np.ndarray,
    rank: np.ndarray,
    previous: pd.DataFrame | None = None,
) -> tuple[np.ndarray, pd.DataFrame]:
    """`customer_id` per record, and the aliases (retired id -> surviving id) of this run.

    `keys` holds the record key columns, `labels` the cluster of each record, `rank` each
    record's age order, `previous` the last run's (record key..., customer_id) if any.
    """
    frame = keys.loc[:, list(RECORD_KEY)].reset_index(drop=True)
    frame["label"] = labels
    frame["rank"] = rank
    if previous is not None and len(previous):
        prev = previous.loc[:, [*RECORD_KEY, "customer_id"]].rename(
            columns={"customer_id": "previous_id"}
        )
        frame = frame.merge(prev, on=list(RECORD_KEY), how="left", sort=False)
    else:
        frame["previous_id"] = None

    # each previous id is claimed by the cluster of its oldest present record
    claims = (
        frame.dropna(subset=["previous_id"])
        .sort_values("rank", kind="stable")
        .drop_duplicates("previous_id")
    )
    winners = claims.drop_duplicates("label")  # oldest claim of each cluster
    chosen = dict(zip(winners["label"].tolist(), winners["previous_id"].tolist(), strict=True))
    retired = claims[~claims.index.isin(winners.index)]
    aliases = pd.DataFrame({
        "retired_customer_id": retired["previous_id"].to_numpy(dtype=object),
        "customer_id": [chosen[label] for label in retired["label"].tolist()],
    })

    used = set(frame["previous_id"].dropna().tolist())
    anchors = frame.sort_values("rank", kind="stable").drop_duplicates("label")
    for label, system, entity, record_id in anchors[["label", *RECORD_KEY]].itertuples(
        index=False
    ):
        if label in chosen:
            continue
        candidate = new_customer_id(system, entity, record_id)
        suffix = 1
        while candidate in used:  # a 64-bit collision, or an id retired by an older run
            suffix += 1
            candidate = f"{new_customer_id(system, entity, record_id)}-{suffix}"
        used.add(candidate)
        chosen[label] = candidate
    ids = np.array([chosen[label] for label in frame["label"].tolist()], dtype=object)
    return ids, aliases
