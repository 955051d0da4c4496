"""Why each customer is one customer: the edges that joined its records.

One row per edge between two records: the rule (an id column of `schema.ID_RULES`, `email`,
`phone`, `email_typo`, `email_names_person`, `probabilistic`, `steward_force_merge`) or a steward's force-split (which
keeps two records apart: `linked` false). Shared keys give a star per value inside a customer
(the oldest record holding the value to each other one), so a customer of n records sharing a
key has n - 1 edges for it, not n^2. Probabilistic edges carry Splink's evidence (log2 Bayes
factor) and match probability.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from identity.deterministic import contact_point_key_spaces, key_space
from identity.schema import CONTACT_POINTS, ID_RULES, PROBABILISTIC, RECORD_KEY

EMAIL_TYPO = "email_typo"
EMAIL_NAMES_PERSON = "email_names_person"
STEWARD_FORCE_MERGE = "steward_force_merge"
STEWARD_FORCE_SPLIT = "steward_force_split"

EDGE_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "left_source_system",
    "left_source_entity",
    "left_source_record_id",
    "right_source_system",
    "right_source_entity",
    "right_source_record_id",
    "rule",
    "linked",
    "evidence_bits",
    "match_probability",
    "reason",
)


def shared_key_edges(
    labels: np.ndarray, space: list[np.ndarray], names: list[str], rank: np.ndarray
) -> pd.DataFrame:
    """Per (customer, key value) held by several records: oldest holder -> every other, named
    after the column through which the other record holds the value. `space`: one code array
    per column of one key namespace (equal values share a code across its columns)."""
    has = [np.flatnonzero(codes >= 0) for codes in space]
    record = np.concatenate(has)
    code = np.concatenate([codes[h] for codes, h in zip(space, has, strict=True)])
    column = np.repeat(np.arange(len(space)), [len(h) for h in has])
    label = labels[record]
    # numpy, not a frame sort and group-by: millions of rows per namespace at 1M customers
    by_key = np.lexsort((column, rank[record], code, label))  # stable: ties keep column order
    record, code, column, label = record[by_key], code[by_key], column[by_key], label[by_key]
    new_key = np.ones(len(record), dtype=bool)
    new_key[1:] = (label[1:] != label[:-1]) | (code[1:] != code[:-1])
    # a record holding the value through two columns counts once, through the first
    repeated = np.zeros(len(record), dtype=bool)
    repeated[1:] = ~new_key[1:] & (record[1:] == record[:-1])
    first = record[np.flatnonzero(new_key)[np.cumsum(new_key) - 1]]
    edge = ~repeated & (record != first)
    return pd.DataFrame(
        {
            "left": first[edge],
            "right": record[edge],
            "rule": np.asarray(names, dtype=object)[column[edge]],
        }
    )


def build_edges(
    prepared: pd.DataFrame,
    labels: np.ndarray,
    customer_ids: np.ndarray,
    rank: np.ndarray,
    pair_edges: list[pd.DataFrame],
) -> pd.DataFrame:
    """All edges of the final customers. `pair_edges`: frames of record pairs (`left`, `right`,
    `rule`, optional `evidence_bits`, `match_probability`, `reason`, `linked`)."""
    parts = []
    spaces = []
    for namespace in dict.fromkeys(r.namespace for r in ID_RULES):
        columns = [r.column for r in ID_RULES if r.namespace == namespace]
        spaces.append((key_space(prepared, columns), columns))
    for name, space in zip(CONTACT_POINTS, contact_point_key_spaces(prepared), strict=True):
        spaces.append((space, [name] * len(space)))  # a mobile here is the phone there
    # strongest key first: an edge is named after its strongest key, so a record pair (one
    # integer, left * n + right) is dropped where a stronger key already explains it; one hash
    # pass over all pairs (sorted set unions per key cost a third of the run at 1M records)
    n = np.int64(len(prepared))
    key_edges = [shared_key_edges(labels, space, names, rank) for space, names in spaces]
    pairs = np.concatenate(
        [e["left"].to_numpy(np.int64) * n + e["right"].to_numpy(np.int64) for e in key_edges]
    )
    strength = np.repeat(np.arange(len(key_edges)), [len(e) for e in key_edges])
    strongest = pd.Series(strength).groupby(pairs).transform("min").to_numpy()
    keep = np.split(strength == strongest, np.cumsum([len(e) for e in key_edges])[:-1])
    parts += [e[k].assign(linked=True) for e, k in zip(key_edges, keep, strict=True)]
    parts += [p for p in pair_edges if len(p)]
    edges = (
        pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["left", "right"])
    )
    for column, default in (
        ("evidence_bits", np.nan),
        ("match_probability", np.nan),
        ("reason", None),
        ("linked", True),
    ):
        if column not in edges:
            edges[column] = default
    left, right = edges["left"].to_numpy(np.int64), edges["right"].to_numpy(np.int64)
    out = pd.DataFrame({"customer_id": customer_ids[left]})
    # record keys taken as Arrow strings: Python strings converted per edge cost 7 % at 1M
    for column in RECORD_KEY:
        keys = pa.array(
            prepared[column].to_numpy(dtype=object), pa.large_string(), from_pandas=True
        )
        for side, idx in (("left", left), ("right", right)):
            out[f"{side}_{column}"] = pd.array(keys.take(idx), dtype="str")  # pandas' string
    out["rule"] = edges["rule"].to_numpy(dtype=object)
    out["linked"] = edges["linked"].astype(bool).to_numpy()
    out["evidence_bits"] = edges["evidence_bits"].astype(float).to_numpy()
    out["match_probability"] = edges["match_probability"].astype(float).to_numpy()
    out["match_probability"] = np.where(
        out["linked"] & (out["rule"] != PROBABILISTIC), 1.0, out["match_probability"]
    )
    out.loc[~out["linked"], "match_probability"] = np.nan
    out["reason"] = edges["reason"].to_numpy(dtype=object)
    return out.loc[:, list(EDGE_COLUMNS)].reset_index(drop=True)
