"""customer_id stays put across re-runs, new data, merges and splits."""

from __future__ import annotations

import numpy as np
import pandas as pd

from identity import ResolutionConfig, resolve
from identity.stable_ids import assign_customer_ids, new_customer_id
from tests.identity.builders import records

DETERMINISTIC = ResolutionConfig(probabilistic=None)


def _keys(*ids: str) -> pd.DataFrame:
    return pd.DataFrame(
        {"source_system": "shop", "source_entity": "customers", "source_record_id": list(ids)}
    )


def _previous(keys: pd.DataFrame, ids: list[str]) -> pd.DataFrame:
    return keys.assign(customer_id=ids)


def test_new_cluster_is_named_after_its_oldest_record() -> None:
    keys = _keys("a", "b", "c")
    ids, aliases = assign_customer_ids(keys, np.array([0, 0, 1]), np.array([1, 0, 2]))
    assert ids.tolist() == [new_customer_id("shop", "customers", "b")] * 2 + [
        new_customer_id("shop", "customers", "c")
    ]
    assert aliases.empty
    assert ids[0].startswith("C") and len(ids[0]) == 17


def test_clusters_keep_their_ids_and_merges_keep_the_oldest() -> None:
    keys = _keys("a", "b", "c", "d")
    previous = _previous(keys.iloc[:3], ["X", "Y", "Y"])
    # a (oldest, X) and b (Y) merge; d is new
    ids, aliases = assign_customer_ids(
        keys, np.array([0, 0, 0, 1]), np.array([0, 1, 2, 3]), previous
    )
    assert ids.tolist()[:3] == ["X", "X", "X"]
    assert ids[3] == new_customer_id("shop", "customers", "d")
    assert aliases.to_dict("records") == [{"retired_customer_id": "Y", "customer_id": "X"}]


def test_a_split_keeps_the_id_where_the_oldest_record_went() -> None:
    keys = _keys("a", "b", "c")
    previous = _previous(keys, ["X", "X", "X"])
    ids, aliases = assign_customer_ids(keys, np.array([0, 1, 1]), np.array([2, 0, 1]), previous)
    assert ids[1] == ids[2] == "X"  # b is the oldest
    assert ids[0] == new_customer_id("shop", "customers", "a")
    assert aliases.empty


def test_resolution_is_stable_on_rerun_and_when_data_arrives() -> None:
    first = records(
        dict(
            system="shop",
            id="1",
            first_name="Ann",
            last_name="Lee",
            email="ann@x.com",
            shop_customer_id="1",
            observed_at="2025-02-01",
        ),
        dict(system="marketing", id="K1", email="ann@x.com", observed_at="2025-03-01"),
        dict(
            system="shop",
            id="2",
            first_name="Bob",
            last_name="Ray",
            email="bob@x.com",
            shop_customer_id="2",
            observed_at="2025-01-01",
        ),
    )
    run1 = resolve(first, config=DETERMINISTIC).records
    run2 = resolve(first, previous=run1, config=DETERMINISTIC).records
    pd.testing.assert_frame_equal(run1, run2)

    # an older CRM contact arrives and turns out to be Ann: Ann keeps her id
    later = pd.concat(
        [
            first,
            records(
                dict(
                    system="crm",
                    id="003",
                    first_name="Ann",
                    last_name="Lee",
                    email="ANN@x.com",
                    salesforce_contact_id="003",
                    observed_at="2020-01-01",
                ),
            ),
        ],
        ignore_index=True,
    )
    run3 = resolve(later, previous=run2, config=DETERMINISTIC).records
    by_record = dict(zip(run3["source_record_id"], run3["customer_id"], strict=True))
    before = dict(zip(run2["source_record_id"], run2["customer_id"], strict=True))
    assert by_record["003"] == by_record["1"] == before["1"]
    assert by_record["2"] == before["2"]
    # without the previous state, the id would be named after the new oldest record
    fresh = resolve(later, config=DETERMINISTIC).records
    assert (
        dict(zip(fresh["source_record_id"], fresh["customer_id"], strict=True))["1"] != before["1"]
    )
