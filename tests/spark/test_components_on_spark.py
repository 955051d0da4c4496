"""The deterministic identity stage's graph step in Spark (scale_out/components.py) gives the same
partition as the one-process solver DuckDB builds use (identity/components.py)."""

from __future__ import annotations

import numpy as np
import pytest

from identity.components import shared_key_components as shared_key_components_in_process

pytest.importorskip("pyspark", reason="the spark dependency group is not installed")

pytestmark = [pytest.mark.spark]


def _partition(labels_by_record: dict[int, object]) -> set[frozenset[int]]:
    groups: dict[object, set[int]] = {}
    for record, label in labels_by_record.items():
        groups.setdefault(label, set()).add(record)
    return {frozenset(g) for g in groups.values()}


def test_shared_key_components_match_the_in_process_solver(spark) -> None:
    from scale_out.components import shared_key_components

    rng = np.random.default_rng(17)
    n_records = 400
    # Two key spaces (say e-mail and phone): most records carry a value, values repeat, so
    # components range from single records to chains across both spaces.
    emails = np.where(rng.random(n_records) < 0.8, rng.integers(0, 250, n_records), -1)
    phones = np.where(rng.random(n_records) < 0.5, rng.integers(0, 150, n_records), -1)
    expected = shared_key_components_in_process(n_records, [[emails], [phones]])

    rows = [(r, "email", int(emails[r]) if emails[r] >= 0 else None) for r in range(n_records)]
    rows += [(r, "phone", int(phones[r]) if phones[r] >= 0 else None) for r in range(n_records)]
    keys = spark.createDataFrame(rows, "record long, space string, value long")
    built = {int(row.record): row.component for row in shared_key_components(keys).collect()}

    assert len(built) == n_records
    assert _partition(built) == _partition(dict(enumerate(expected.tolist())))
    # Not a trivial partition: some records merged, some stayed alone.
    sizes = sorted(len(g) for g in _partition(built))
    assert sizes[0] == 1 and sizes[-1] > 2


def test_a_long_chain_settles(spark) -> None:
    from scale_out.components import connected_components

    edges = spark.createDataFrame(
        [(f"n{i:03d}", f"n{i + 1:03d}") for i in range(30)], "src string, dst string"
    )
    labels = {row.node: row.component for row in connected_components(edges).collect()}
    assert len(labels) == 31 and set(labels.values()) == {"n000"}
