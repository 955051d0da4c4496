"""Pairwise precision, recall and F1 of a resolution against a ground-truth person per record."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from identity.schema import RECORD_KEY


@dataclass(frozen=True)
class PairwiseScores:
    """Over records present in both the resolution and the truth.

    A pair is two records; it is predicted when they share a customer_id and true when they
    share a person_id.
    """

    records: int
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int
    missing_from_resolution: int  # truth records the resolution does not hold
    unknown_to_truth: int  # resolved records the truth does not list

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def summary(self) -> str:
        return (
            f"precision {self.precision:.4f}  recall {self.recall:.4f}  F1 {self.f1:.4f}  "
            f"({self.records:,} records, {self.true_pairs:,} true pairs, "
            f"{self.predicted_pairs:,} predicted, {self.correct_pairs:,} correct; "
            f"{self.missing_from_resolution:,} truth records unresolved, "
            f"{self.unknown_to_truth:,} resolved records not in truth)"
        )


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def joined(resolved: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Records in both, with customer_id and person_id. Truth uses `system, entity, record_id`."""
    truth = truth.rename(
        columns={
            "system": "source_system",
            "entity": "source_entity",
            "record_id": "source_record_id",
        }
    )
    left = resolved.loc[:, [*RECORD_KEY, "customer_id"]].astype({k: str for k in RECORD_KEY})
    right = truth.loc[:, [*RECORD_KEY, "person_id"]].astype({k: str for k in RECORD_KEY})
    return left.merge(right, on=list(RECORD_KEY), how="outer", indicator=True)


def pairwise_scores(resolved: pd.DataFrame, truth: pd.DataFrame) -> PairwiseScores:
    both = joined(resolved, truth)
    inner = both[both["_merge"] == "both"]
    return PairwiseScores(
        records=len(inner),
        true_pairs=_pairs(inner.groupby("person_id").size()),
        predicted_pairs=_pairs(inner.groupby("customer_id").size()),
        correct_pairs=_pairs(inner.groupby(["customer_id", "person_id"]).size()),
        missing_from_resolution=int((both["_merge"] == "right_only").sum()),
        unknown_to_truth=int((both["_merge"] == "left_only").sum()),
    )


def merged_person_pairs(
    resolved: pd.DataFrame, truth: pd.DataFrame, person_pairs: pd.DataFrame
) -> pd.DataFrame:
    """The rows of `person_pairs` (person_id, other_person_id, ...) whose two people share a
    customer_id somewhere: the traps the resolution fell into."""
    inner = joined(resolved, truth)
    inner = inner[inner["_merge"] == "both"]
    people = inner.loc[:, ["customer_id", "person_id"]].drop_duplicates()
    pairs = people.merge(people, on="customer_id", suffixes=("", "_other"))
    pairs = pairs[pairs["person_id"] != pairs["person_id_other"]]
    together = set(zip(pairs["person_id"], pairs["person_id_other"], strict=True))
    hit = [
        (a, b) in together
        for a, b in zip(person_pairs["person_id"], person_pairs["other_person_id"], strict=True)
    ]
    return person_pairs[hit]


@dataclass(frozen=True)
class Evaluation:
    """The issue's acceptance figures for one resolution against a truth."""

    scores: PairwiseScores
    customers: int  # resolved customers among the records the truth lists
    people: int  # real people among them
    trap_pairs: int  # household and namesake pairs planted
    trap_pairs_merged: int

    @property
    def customer_excess(self) -> float:
        """Resolved customers relative to real people, minus one (+0.02 = 2 % too many)."""
        return self.customers / self.people - 1 if self.people else 0.0

    @property
    def trap_share_merged(self) -> float:
        return self.trap_pairs_merged / self.trap_pairs if self.trap_pairs else 0.0

    def summary(self) -> str:
        s = self.scores
        return (
            f"precision {s.precision:.4f} recall {s.recall:.4f} F1 {s.f1:.4f}; customers "
            f"{self.customers:,} / people {self.people:,} ({self.customer_excess:+.2%}); "
            f"trap pairs merged {self.trap_pairs_merged} of {self.trap_pairs}"
        )


def evaluate(
    resolved: pd.DataFrame, truth: pd.DataFrame, traps: pd.DataFrame | None = None
) -> Evaluation:
    both = joined(resolved, truth)
    inner = both[both["_merge"] == "both"]
    fallen = merged_person_pairs(resolved, truth, traps) if traps is not None else traps
    return Evaluation(
        scores=pairwise_scores(resolved, truth),
        customers=int(inner["customer_id"].nunique()),
        people=int(inner["person_id"].nunique()),
        trap_pairs=len(traps) if traps is not None else 0,
        trap_pairs_merged=len(fallen) if fallen is not None else 0,
    )
