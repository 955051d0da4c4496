"""Against the simulator's ground truth: pairwise precision, recall and F1, and the traps."""

from __future__ import annotations

import duckdb
import pytest

from identity import ResolutionConfig, pairwise_scores, resolve
from identity.evaluation import evaluate, merged_person_pairs
from identity.store import read_records
from tests.identity.conftest import DemoIdentity

pytestmark = pytest.mark.slow

#: the issue's target is 0.99; the floor sits just under the measured 0.9991 (D079)
MIN_F1 = 0.999


@pytest.mark.parametrize("mode", ["full", "deterministic"])
def test_demo_company_resolves_with_f1_of_at_least_099_and_no_trap(
    mode: str, demo_identity: DemoIdentity, demo_con: duckdb.DuckDBPyConnection
) -> None:
    config = ResolutionConfig() if mode == "full" else ResolutionConfig(probabilistic=None)
    resolution = resolve(read_records(demo_con), config=config)
    truth = demo_identity.truth("record_links")
    scores = pairwise_scores(resolution.records, truth)
    print(f"\n{mode}: {scores.summary()}")

    traps = demo_identity.truth("traps")
    assert set(traps["trap"]) >= {"shared_email", "shared_phone", "same_name"}, "no traps planted"
    fallen = merged_person_pairs(resolution.records, truth, traps)
    assert fallen.empty, f"trap pairs merged:\n{fallen.to_string()}"
    # records the truth lists but the warehouse never saw (quarantined lines, deleted contacts)
    assert scores.missing_from_resolution <= 0.01 * len(truth)
    if mode == "full":
        assert scores.f1 >= MIN_F1, scores.summary()
        assert scores.precision >= 0.9995, scores.summary()  # measured 1.0000
        # resolved customers within 1 % of the real people (target); measured +0.44 % (D079)
        result = evaluate(resolution.records, truth, traps)
        assert abs(result.customer_excess) <= 0.005, result.summary()


def test_the_probabilistic_step_adds_recall_without_losing_precision(
    demo_con: duckdb.DuckDBPyConnection, demo_identity: DemoIdentity
) -> None:
    records = read_records(demo_con)
    truth = demo_identity.truth("record_links")
    deterministic = pairwise_scores(
        resolve(records, config=ResolutionConfig(probabilistic=None)).records, truth
    )
    full = resolve(records)
    scores = pairwise_scores(full.records, truth)
    assert full.stats["splink_rows"] > 1000, "Splink was not run"
    assert scores.recall > deterministic.recall
    assert scores.precision >= deterministic.precision - 0.0005


def test_every_record_is_mapped_once_with_a_method(demo_con: duckdb.DuckDBPyConnection) -> None:
    records = read_records(demo_con)
    out = resolve(records).records
    assert len(out) == len(records)
    assert not out.duplicated(["source_system", "source_entity", "source_record_id"]).any()
    assert out["customer_id"].notna().all() and out["match_method"].notna().all()
    singletons = out[out["match_method"] == "singleton"]
    assert singletons["match_probability"].isna().all()
    assert out.groupby("customer_id").size()[singletons["customer_id"]].eq(1).all()
    linked = out[out["match_method"] != "singleton"]
    assert linked["match_probability"].between(0, 1).all()


def test_full_resolution_is_reproducible_and_keeps_ids_on_rerun(
    demo_con: duckdb.DuckDBPyConnection,
) -> None:
    """Splink's sampling is seeded: the same input gives the same customers, and a re-run that
    reads its previous output changes nothing."""
    records = read_records(demo_con)
    first = resolve(records).records
    again = resolve(records).records
    rerun = resolve(records, previous=first).records
    assert first.equals(again)
    assert first.equals(rerun)
