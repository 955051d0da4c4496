"""Connected components in Spark (scale_out/components.py) give the partition the one-process
solver of DuckDB builds gives (identity/components.py) on a graph of records and shared key
values, the shape of identity's candidate graph (records joined to a node per value)."""

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


def test_connected_components_match_the_in_process_solver(spark) -> None:
    from scale_out.components import connected_components

    rng = np.random.default_rng(17)
    n_records = 400
    # Two key spaces (say e-mail and phone): most records carry a value, values repeat, so
    # components range from single records to chains across both spaces.
    emails = np.where(rng.random(n_records) < 0.8, rng.integers(0, 250, n_records), -1)
    phones = np.where(rng.random(n_records) < 0.5, rng.integers(0, 150, n_records), -1)
    expected = shared_key_components_in_process(n_records, [[emails], [phones]])

    edges = [(f"r:{r}", f"r:{r}") for r in range(n_records)]  # a record without keys too
    edges += [(f"r:{r}", f"k:email:{emails[r]}") for r in range(n_records) if emails[r] >= 0]
    edges += [(f"r:{r}", f"k:phone:{phones[r]}") for r in range(n_records) if phones[r] >= 0]
    labels = connected_components(spark.createDataFrame(edges, "src string, dst string"))
    built = {
        int(row.node[2:]): row.component for row in labels.collect() if row.node.startswith("r:")
    }

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
