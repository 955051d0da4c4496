"""Identity resolution on Spark (scale_out/resolve_on_spark.py) resolves as identity.resolve does:
the same customer of every record (the same stable id), the same match method and probability,
the same edges and the same retired ids, on the hand-made landing folder's and the small
simulated company's int_identity_records (the DuckDB builds `handmade_run`, `small_company_run`).

Each is resolved against a previous run (the records without every fifth one, so that clusters
grow and merge and ids are claimed, carried and retired), with two steward overrides (a
force-merge of two customers, a force-split inside a third) and Splink's step on (its minimum
size lifted: 200 customers are below it), its model trained on a sample of 60 % of its rows
(identity.probabilistic.training_sample): both engines must train on the same rows, and Spark
must collect no more than the bound. The Spark side cuts
the records into groups of about 10 records: many groups, so a rule that looked beyond its
component would show.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import identity.probabilistic as probabilistic
from identity.edges import EDGE_COLUMNS
from identity.overrides import Override
from identity.probabilistic import ProbabilisticConfig
from identity.resolve import Resolution, ResolutionConfig, resolve
from identity.schema import OUTPUT_COLUMNS, RECORD_KEY
from identity.store import read_records
from tests.helpers import PipelineRun
from tests.spark.frames import Table, differences

pytest.importorskip("pyspark", reason="the spark dependency group is not installed")

pytestmark = [pytest.mark.spark, pytest.mark.slow]

#: The whole-name rule (D075) is not on Spark (docs/scale-out.md): both engines run without it.
CONFIG = ResolutionConfig(
    probabilistic=ProbabilisticConfig(min_rows=0, name_only_min_posterior_bits=None)
)
RECORDS_PER_GROUP = 10
ALIAS_COLUMNS = ["retired_customer_id", "customer_id"]


def _records(build_db: Path) -> pd.DataFrame:
    with duckdb.connect(str(build_db), read_only=True) as con:
        return read_records(con)


def _spark_frame(spark, frame: pd.DataFrame):
    return spark.createDataFrame(frame.astype(object).where(frame.notna(), None))


def _table(frame: pd.DataFrame, columns: list[str]) -> Table:
    rows = frame.loc[:, columns].astype(object).where(frame.loc[:, columns].notna(), None)
    return Table(columns, list(rows.itertuples(index=False, name=None)))


def _spark_table(frame, columns: list[str]) -> Table:
    return Table(columns, [tuple(row) for row in frame.select(*columns).collect()])


def _previous_run(records: pd.DataFrame) -> pd.DataFrame:
    """The customer ids of a run that had every record but every fifth."""
    earlier = resolve(records.iloc[[i for i in range(len(records)) if i % 5]], config=CONFIG)
    return earlier.records.loc[:, [*RECORD_KEY, "customer_id"]]


def _overrides(resolved: pd.DataFrame) -> list[Override]:
    """A force-merge of the two largest customers' first records and a force-split of the
    third largest customer's first two: decisions a steward could take about any run."""
    sizes = resolved.groupby("customer_id").size().sort_values(ascending=False, kind="stable")
    largest = sizes.index[:3].tolist()
    assert sizes.iloc[2] > 1, "no third customer with two records to split"
    keys = {
        customer: [tuple(k) for k in group.loc[:, list(RECORD_KEY)].itertuples(index=False)]
        for customer, group in resolved[resolved["customer_id"].isin(largest)].groupby(
            "customer_id"
        )
    }
    first, second, third = (keys[c] for c in largest)
    return [
        Override("force_merge", first[0], second[0], "test: one person"),
        Override("force_split", third[0], third[1], "test: twins"),
    ]


def _sampled(config: ResolutionConfig, splink_rows: float) -> ResolutionConfig:
    """`config` with Splink's training bounded to 60 % of its rows."""
    assert config.probabilistic is not None
    bound = math.floor(0.6 * splink_rows)
    return replace(config, probabilistic=replace(config.probabilistic, max_training_rows=bound))


Training = Callable[[pd.DataFrame, probabilistic.RowCounts, ProbabilisticConfig], dict | None]


@contextmanager
def _training_recorded() -> Iterator[dict[str, list[dict[str, Any]]]]:
    """What each engine hands identity.probabilistic.trained_model (the rows of the sample, the
    counts of all rows) and the model it gets back."""
    import scale_out.resolve_on_spark as on_spark

    seen: dict[str, list[dict[str, Any]]] = {"duckdb": [], "spark": []}

    def recording(engine: str, train: Training) -> Training:
        def record(
            sample: pd.DataFrame, counts: probabilistic.RowCounts, config: ProbabilisticConfig
        ) -> dict | None:
            model = train(sample, counts, config)
            ids = sample["unique_id"].tolist()
            seen[engine].append({"ids": ids, "counts": counts, "model": model})
            return model

        return record

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            probabilistic, "trained_model", recording("duckdb", probabilistic.trained_model)
        )
        patch.setattr(on_spark, "trained_model", recording("spark", on_spark.trained_model))
        yield seen


def _parameters(model: dict[str, Any]) -> list[tuple[str, str, float | None, float | None]]:
    return [
        (
            c["output_column_name"],
            level["sql_condition"],
            level.get("m_probability"),
            level.get("u_probability"),
        )
        for c in model["comparisons"]
        for level in c["comparison_levels"]
    ]


def _assert_trained_alike(seen: dict[str, list[dict[str, Any]]], bound: int) -> None:
    """Both engines trained once, on the same sample of at most `bound` rows (fewer than all),
    with the same counts, and got the same model (EM's sums in DuckDB's threads may differ in
    the last bit from run to run)."""
    (duckdb_training,), (spark_training,) = seen["duckdb"], seen["spark"]
    assert spark_training["ids"] == duckdb_training["ids"]
    assert spark_training["counts"] == duckdb_training["counts"]
    assert len(spark_training["ids"]) == bound < spark_training["counts"].rows
    prior = "probability_two_random_records_match"
    assert spark_training["model"][prior] == duckdb_training["model"][prior]
    for ours, theirs in zip(
        _parameters(spark_training["model"]), _parameters(duckdb_training["model"]), strict=True
    ):
        assert ours[:2] == theirs[:2]
        for a, b in zip(ours[2:], theirs[2:], strict=True):
            assert (a is None and b is None) or a == pytest.approx(b, rel=1e-9), ours


def _assert_resolves_as_identity_does(build: PipelineRun, spark) -> Resolution:
    from scale_out.resolve_on_spark import resolve_on_spark

    records = _records(build.build_db)
    previous = _previous_run(records)
    unsampled = resolve(records, config=CONFIG)
    overrides = _overrides(unsampled.records)
    config = _sampled(CONFIG, unsampled.stats["splink_rows"])
    with _training_recorded() as seen:
        expected = resolve(records, previous, config, overrides)
        built = resolve_on_spark(
            spark,
            _spark_frame(spark, records),
            _spark_frame(spark, previous),
            config,
            overrides,
            records_per_group=RECORDS_PER_GROUP,
        )
    assert config.probabilistic is not None
    _assert_trained_alike(seen, config.probabilistic.max_training_rows)
    assert built.stats["splink_training_rows"] == config.probabilistic.max_training_rows

    assert built.stats["component_groups"] > 1
    for name, columns, ours in (
        ("records", list(OUTPUT_COLUMNS), built.records),
        ("edges", list(EDGE_COLUMNS), built.edges),
        ("aliases", ALIAS_COLUMNS, built.aliases),
    ):
        assert (
            differences(_table(getattr(expected, name), columns), _spark_table(ours, columns)) == []
        ), name
    for stat in (
        "customers",
        "splink_pairs_accepted",
        "splink_pairs_merged",
        "overrides_merged",
        "overrides_split",
        "overrides_unmatched",
        "splink_rows",
        "splink_lambda",
    ):
        assert built.stats[stat] == expected.stats[stat], stat
    return expected


def test_identity_on_spark_resolves_the_hand_made_records_as_identity_does(
    handmade_run: PipelineRun, spark
) -> None:
    expected = _assert_resolves_as_identity_does(handmade_run, spark)
    # The folder's edge cases are in play: several rules, both overrides.
    assert expected.records["match_method"].nunique() > 3
    assert expected.stats["overrides_merged"] == 1 and expected.stats["overrides_split"] == 1


def test_identity_on_spark_resolves_a_simulated_company_as_identity_does(
    small_company_run: PipelineRun, spark
) -> None:
    expected = _assert_resolves_as_identity_does(small_company_run, spark)
    # Splink's step accepted pairs (7: the guards refuse them all here, and they must refuse
    # them on Spark too) and previous ids were retired by merges (10).
    assert expected.stats["splink_pairs_accepted"] > 0
    assert len(expected.aliases) > 0


def test_the_rules_whole_data_counts_on_spark_are_identitys(
    small_company_run: PipelineRun, spark
) -> None:
    """Two rules count over all records, not one component's (the names the data knows, each
    system's mass hours): Spark's group-bys give what identity counts in one process, so every
    group of components decides as the whole would. A mass hour is planted (a list import: 400
    profiles first seen in one hour), so that count is not empty."""
    from identity.deterministic import WholeDataFacts
    from identity.records import prepare
    from scale_out.resolve_on_spark import _normalised, _numbered, _whole_data_facts

    records = _records(small_company_run.build_db)
    system = records["source_system"].mode()[0]
    burst = records[records["source_system"] == system].head(1)
    burst = burst.loc[burst.index.repeat(400)].reset_index(drop=True)
    burst["source_record_id"] = [f"burst-{n}" for n in range(len(burst))]
    burst["observed_at"] = pd.Timestamp("2026-01-15 09:30:00")
    records = pd.concat([records, burst], ignore_index=True)

    expected = WholeDataFacts.of(prepare(records))
    built = _whole_data_facts(_normalised(_numbered(_spark_frame(spark, records))))

    assert (system, pd.Timestamp("2026-01-15 09:00:00")) in expected.mass_hours
    assert len(expected.name_vocabulary) > 50
    assert built == expected
