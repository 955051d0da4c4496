"""Steward overrides: decisions a person made about two records, applied on every run.

The file (YAML, under version control; default `identity/steward_overrides.yml`, or the path in
`$TOUCHPOINT_IDENTITY_OVERRIDES`) lists pairs of records by `system/entity/record_id`:

    force_merge:   # these two records are one person, whatever the rules say
      - records: [shop/customers/7100000001455, crm/contacts/0035g0HNcux896VAGQ]
        reason: confirmed on the phone, ticket 4711
    force_split:   # these two records are two people: no rule or match may join them
      - records: [crm/contacts/003A, crm/contacts/003B]
        reason: twins sharing an e-mail

A force-split is a guard (`guards.merge_profiles` refuses any merge that would put both sides
in one customer); only explicit ids (the same Shopify customer id, ...) override a guard, and
then the second record is taken out of the customer on its own. A force-merge joins the two
customers after every rule and match, unless a force-split forbids it (the split wins). Every
applied override appears in the edge table with its reason; pairs naming a record the run does
not hold are reported in the resolution's statistics, not silently dropped.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from identity.schema import RECORD_KEY, STEWARD_SPLIT_COLUMN, STEWARD_SPLIT_ID_COLUMN

ENV_OVERRIDES = "TOUCHPOINT_IDENTITY_OVERRIDES"
DEFAULT_OVERRIDES = Path(__file__).with_name("steward_overrides.yml")
KINDS = ("force_merge", "force_split")


@dataclass(frozen=True)
class Override:
    kind: str  # force_merge | force_split
    left: tuple[str, str, str]  # record key
    right: tuple[str, str, str]
    reason: str


def overrides_path() -> Path:
    return Path(os.environ.get(ENV_OVERRIDES) or DEFAULT_OVERRIDES)


def load_overrides(path: Path | None = None) -> list[Override]:
    """The overrides of the file (none if it does not exist); a clear error for a bad entry."""
    path = path or overrides_path()
    if not path.exists():
        return []
    document = yaml.safe_load(path.read_text()) or {}
    if not isinstance(document, dict) or set(document) - set(KINDS):
        raise ValueError(f"{path}: expected only the keys {KINDS}, got {sorted(document)}")
    out = []
    for kind in KINDS:
        for n, entry in enumerate(document.get(kind) or []):
            where = f"{path}: {kind}[{n}]"
            if (
                not isinstance(entry, dict)
                or not isinstance(entry.get("records"), list)
                or len(entry["records"]) != 2
            ):
                raise ValueError(f"{where}: needs `records: [system/entity/id, system/entity/id]`")
            if not str(entry.get("reason") or "").strip():
                raise ValueError(f"{where}: needs a `reason` (who decided, and why)")
            left, right = (_record_key(r, where) for r in entry["records"])
            out.append(Override(kind, left, right, str(entry["reason"]).strip()))
    return out


def _record_key(text: object, where: str) -> tuple[str, str, str]:
    parts = str(text).split("/", 2)
    if len(parts) != 3 or not all(p.strip() for p in parts):
        raise ValueError(f"{where}: {text!r} is not `system/entity/record_id`")
    return (parts[0].strip(), parts[1].strip(), parts[2].strip())


@dataclass(frozen=True)
class LocatedOverrides:
    """Overrides whose two records are both in this run, as record indices."""

    merges: list[tuple[int, int, str]]
    splits: list[tuple[int, int, str]]
    unmatched: int  # overrides naming a record this run does not hold


def locate(prepared: pd.DataFrame, overrides: list[Override]) -> LocatedOverrides:
    index = (
        {
            key: i
            for i, key in enumerate(zip(*(prepared[c].tolist() for c in RECORD_KEY), strict=True))
        }
        if overrides
        else {}
    )
    merges, splits, unmatched = [], [], 0
    for o in overrides:
        if o.left not in index or o.right not in index:
            unmatched += 1
            continue
        target = merges if o.kind == "force_merge" else splits
        target.append((index[o.left], index[o.right], o.reason))
    return LocatedOverrides(merges, splits, unmatched)


def mark_splits(prepared: pd.DataFrame, splits: list[tuple[int, int, str]]) -> pd.DataFrame:
    """`prepared` with the guards' split columns: per record {pair: side} and an id per record
    (so that a component holding two split records goes through the exact guarded pass)."""
    if not splits:
        return prepared
    sides: dict[int, dict[int, int]] = {}
    for pair, (left, right, _) in enumerate(splits):
        sides.setdefault(left, {})[pair] = 0
        sides.setdefault(right, {})[pair] = 1
    out = prepared.copy()
    column = np.full(len(out), None, dtype=object)
    ids = np.full(len(out), None, dtype=object)
    for record, record_sides in sides.items():
        column[record] = record_sides
        ids[record] = str(record)
    out[STEWARD_SPLIT_COLUMN] = column
    out[STEWARD_SPLIT_ID_COLUMN] = ids
    return out


def apply_overrides(
    labels: np.ndarray, located: LocatedOverrides
) -> tuple[np.ndarray, list[int], np.ndarray]:
    """Force-merges (skipping any a force-split forbids), then force-splits that explicit ids
    overrode (the right record leaves its customer alone). Returns the labels, the indices of
    the force-merges applied, and which records a force-merge moved into another customer."""
    labels = labels.copy()
    moved = np.zeros(len(labels), dtype=bool)
    forbidden = {frozenset((int(labels[a]), int(labels[b]))) for a, b, _ in located.splits}
    applied = []
    for n, (a, b, _) in enumerate(located.merges):
        la, lb = int(labels[a]), int(labels[b])
        if la == lb or frozenset((la, lb)) in forbidden:
            continue
        moved |= labels == lb
        labels[labels == lb] = la
        applied.append(n)
        # a split pair now spanning the merged customer stays forbidden
        forbidden = {frozenset((int(labels[x]), int(labels[y]))) for x, y, _ in located.splits}
    fresh = int(labels.max()) + 1 if len(labels) else 0
    for a, b, _ in located.splits:
        if labels[a] == labels[b]:
            labels[b] = fresh
            fresh += 1
    return labels, applied, moved
