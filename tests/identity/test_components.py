"""Graph helpers, and the fast path's promise: skipping the sequential pass changes nothing."""

from __future__ import annotations

import random

import numpy as np
import pandas as pd

from identity.components import GuardedUnionFind, dense_labels, shared_key_components
from identity.deterministic import link_contact_points, strong_components
from identity.guards import Profile
from identity.records import observation_order, prepare
from tests.identity.builders import named, records


def test_dense_labels_follow_first_appearance() -> None:
    assert dense_labels(np.array([7, 3, 7, 9, 3])).tolist() == [0, 1, 0, 2, 1]


def test_shared_keys_link_across_columns_of_one_space_only() -> None:
    a = np.array([0, -1, -1, 1])  # column 1 of space A
    b = np.array([-1, 0, -1, -1])  # column 2 of space A: record 1 shares record 0's value
    c = np.array([-1, -1, 0, 0])  # space B: records 2 and 3 share a value
    labels = shared_key_components(4, [[a, b], [c]])
    assert labels.tolist() == [0, 0, 1, 1]
    # the same codes in different spaces are different values
    assert shared_key_components(2, [[np.array([0, -1])], [np.array([-1, 0])]]).tolist() == [0, 1]


def test_union_find_consults_the_guards() -> None:
    uf = GuardedUnionFind([named("bill"), named("william"), named("mary"), Profile()])
    assert uf.union(0, 1)
    assert not uf.union(1, 2)
    assert uf.union(3, 2)
    assert uf.union(0, 1)  # already one cluster
    labels = uf.labels()
    assert labels[0] == labels[1] and labels[2] == labels[3] and labels[0] != labels[2]


def _random_households(seed: int, n: int) -> pd.DataFrame:
    """Families sharing e-mails and phones, nicknames, nameless records: every guard fires."""
    rnd = random.Random(seed)
    firsts = ["william", "bill", "will", "mary", "john", "johnny", "chris", "christine", "ann"]
    rows = []
    for i in range(n):
        household = rnd.randrange(n // 3 + 1)
        system = rnd.choice(["shop", "crm", "billing", "support", "marketing", "contact_center"])
        named = system not in ("marketing", "contact_center")
        rows.append(
            dict(
                system=system,
                id=f"r{i}",
                first_name=rnd.choice(firsts) if named else None,
                last_name=f"fam{household}" if named else None,
                email=rnd.choice(
                    [f"fam{household}@mail.com", f"p{rnd.randrange(n)}@mail.com", None]
                ),
                phone=rnd.choice([f"212555{household:04d}", None]),
                shop_customer_id=f"s{rnd.randrange(n // 2)}"
                if system == "shop" and rnd.random() < 0.3
                else None,
                observed_at=f"2025-01-{1 + rnd.randrange(28):02d} {rnd.randrange(24):02d}:00",
            )
        )
    return records(*rows)


def test_fast_path_equals_the_sequential_pass_everywhere() -> None:
    """Forcing every component through the guarded pass gives the same clusters."""
    import identity.deterministic as det

    for seed in range(5):
        prepared = prepare(_random_households(seed, 300))
        rank = observation_order(prepared)
        strong = strong_components(prepared)
        fast, _ = link_contact_points(prepared, strong, rank)
        original = det.suspect_components
        det.suspect_components = lambda p, labels: np.ones(int(labels.max()) + 1, dtype=bool)
        try:
            slow, _ = link_contact_points(prepared, strong, rank)
        finally:
            det.suspect_components = original
        assert _same_partition(fast, slow), seed


def test_guarded_pass_in_two_processes_gives_the_same_labels(monkeypatch) -> None:
    """The suspect components split over two processes (as at a million records): the same
    labels, numbered alike, and the same shared values as in one process."""
    import identity.deterministic as det
    import identity.processes

    tasks_run = _count_forks(monkeypatch)
    for seed in range(3):
        prepared = prepare(_random_households(seed, 600))
        rank = observation_order(prepared)
        strong = strong_components(prepared)
        monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 10**9)
        one, one_shared = link_contact_points(prepared, strong, rank)
        monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 0)
        parts = det._suspect_parts(np.arange(len(prepared)), np.ones(len(prepared), dtype=bool))
        assert len(parts) == 2 and sum(len(p) for p in parts) == len(prepared)
        tasks_run.clear()
        two, two_shared = link_contact_points(prepared, strong, rank)
        assert tasks_run == [2], "the guarded pass did not run in two processes"
        assert two.tolist() == one.tolist(), seed
        assert two_shared == one_shared and one_shared, seed


def test_resolution_in_two_processes_is_the_same(monkeypatch) -> None:
    """Every step that splits its work over two processes at a million records (the guarded
    pass, the match methods beside the ids and edges), forced here: the same records, methods
    and edge table as in one process."""
    import identity.processes
    from identity import ResolutionConfig, resolve

    households = _random_households(7, 600)
    config = ResolutionConfig(probabilistic=None)
    monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 10**9)
    one = resolve(households, config=config)
    monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 0)
    two = resolve(households, config=config)
    pd.testing.assert_frame_equal(two.records, one.records)
    pd.testing.assert_frame_equal(two.edges, one.edges)
    assert one.records["customer_id"].nunique() < len(households)


def _households_with_sign_ups(seed: int, n: int) -> pd.DataFrame:
    """`_random_households` and, for some named records, a nameless sign-up in the same visit:
    with a typo of their e-mail (`fm12@`), or with an address that spells their name
    (`williamfam12@`), so that every deterministic rule links something; every third one with
    the record's phone too, so that the first pass links it already."""
    households = _random_households(seed, n)
    named = households[households["first_name"].notna() & households["email"].notna()]
    sign_ups = []
    for i, row in enumerate(named.head(n // 10).itertuples()):
        local, _, domain = row.email.partition("@")
        seen = pd.Timestamp(row.observed_at) + pd.Timedelta(minutes=10)
        email = (
            f"{local[0]}{local[2:]}@{domain}"  # a dropped letter
            if i % 2
            else f"{row.first_name}{row.last_name}@signup.com"
        )
        phone = row.phone if i % 3 == 0 else None
        sign_ups.append(
            dict(
                system="marketing",
                id=f"k{i}",
                email=email,
                phone=phone,
                observed_at=seen.isoformat(),
            )
        )
    return pd.concat([households, records(*sign_ups)], ignore_index=True)


def test_every_two_process_path_gives_the_same_resolution(monkeypatch) -> None:
    """Normalisation in two processes, the rules' candidate joins in a second process beside
    the first pass (found on the explicit-id components, decided on each rule's labels), the
    guarded pass and the match methods: the same records, methods and edge table as in one
    process, with every rule linking something."""
    import identity.processes
    from identity import ResolutionConfig, resolve

    records_ = _households_with_sign_ups(3, 600)
    config = ResolutionConfig(probabilistic=None)
    monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 10**9)
    one = resolve(records_, config=config)
    forks = _count_forks(monkeypatch)
    monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 0)
    two = resolve(records_, config=config)
    # normalise, the rules beside their candidates, the guarded pass inside them, ids beside
    # methods
    assert forks == [2, 2, 2, 2]
    pd.testing.assert_frame_equal(two.records, one.records)
    pd.testing.assert_frame_equal(two.edges, one.edges)
    assert {"email_typo", "email_names_person"} <= set(one.edges["rule"])


def test_normalisation_in_two_processes_is_the_same(monkeypatch) -> None:
    import identity.processes

    households = _random_households(5, 600)
    monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 10**9)
    one = prepare(households)
    monkeypatch.setattr(identity.processes, "PARALLEL_MIN_RECORDS", 0)
    pd.testing.assert_frame_equal(prepare(households), one)


def _count_forks(monkeypatch) -> list[int]:
    """The number of tasks of each `processes.in_processes` call from now on."""
    import identity.processes

    calls: list[int] = []
    in_processes = identity.processes.in_processes
    monkeypatch.setattr(
        identity.processes,
        "in_processes",
        lambda tasks: calls.append(len(tasks)) or in_processes(tasks),
    )
    return calls


def _same_partition(a: np.ndarray, b: np.ndarray) -> bool:
    return (
        len(set(zip(a.tolist(), b.tolist(), strict=True)))
        == len(set(a.tolist()))
        == len(set(b.tolist()))
    )
