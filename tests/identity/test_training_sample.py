"""The rows Splink's model is trained on (identity.probabilistic.training_sample): bounded,
seeded, whole clusters, and the same rows whatever order they come in and however the clusters
are numbered (the Spark path numbers them otherwise and picks them with the same keys); the
prior counts all rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from identity.probabilistic import ProbabilisticConfig, RowCounts, training_sample


def _rows(clusters: int = 400, seed: int = 7) -> pd.DataFrame:
    """Splink's rows as far as the sample reads them: unique ids in clusters of 1 to 5 rows."""
    sizes = np.random.default_rng(seed).integers(1, 6, clusters)
    labels = np.repeat(np.arange(clusters), sizes)
    return pd.DataFrame(
        {"unique_id": np.arange(len(labels), dtype=np.int64) * 3, "cluster": labels * 11}
    )


def _chosen(rows: pd.DataFrame, config: ProbabilisticConfig) -> list[int]:
    return training_sample(rows, config)["unique_id"].tolist()


def test_the_sample_is_bounded_and_whole_clusters_but_one() -> None:
    rows = _rows()
    config = ProbabilisticConfig(max_training_rows=300)
    sample = training_sample(rows, config)

    assert len(rows) > 900 and len(sample) == 300
    assert sample["unique_id"].is_monotonic_increasing
    kept = sample.groupby("cluster").size()
    whole = rows.groupby("cluster").size().reindex(kept.index)
    assert (kept < whole).sum() <= 1  # only the last cluster in key order may be cut
    assert kept.index.nunique() > 50  # many clusters, not a block of consecutive ids
    assert np.ptp(sample["unique_id"].to_numpy()) > 0.9 * np.ptp(rows["unique_id"].to_numpy())


def test_the_sample_is_the_same_whatever_the_order_and_the_cluster_numbers() -> None:
    rows = _rows()
    config = ProbabilisticConfig(max_training_rows=300)
    shuffled = rows.sample(frac=1.0, random_state=3).reset_index(drop=True)
    renumbered = shuffled.assign(cluster=shuffled["cluster"].map(lambda c: 10_000 - c))

    assert _chosen(renumbered, config) == _chosen(rows, config)
    assert _chosen(rows, config) == _chosen(rows, config)


def test_the_seed_chooses_the_sample_and_below_the_bound_every_row_is_kept() -> None:
    rows = _rows()
    one, other = (ProbabilisticConfig(max_training_rows=300, seed=s) for s in (1, 2))
    assert _chosen(rows, one) != _chosen(rows, other)

    everything = training_sample(rows.iloc[::-1], ProbabilisticConfig(max_training_rows=len(rows)))
    pd.testing.assert_frame_equal(everything, rows)


def test_the_prior_counts_all_rows() -> None:
    # clusters of 3, 1 and 2 rows: 3 + 0 + 1 pairs inside a cluster of 6 * 5 / 2
    rows = pd.DataFrame({"unique_id": range(6), "cluster": [5, 5, 5, 8, 9, 9]})
    counts = RowCounts.of(rows)
    assert counts == RowCounts(rows=6, clusters=3, pairs_within_clusters=4)
    assert counts.lambda_prior() == 4 / 15
    assert counts.trainable(ProbabilisticConfig(min_rows=6))
    assert not counts.trainable(ProbabilisticConfig(min_rows=7))
    assert not RowCounts.of(rows.assign(cluster=1)).trainable(ProbabilisticConfig(min_rows=0))


def test_a_bound_too_small_to_train_on_is_refused() -> None:
    with pytest.raises(ValueError, match="max_training_rows must be at least 2, not 0"):
        ProbabilisticConfig(max_training_rows=0)
