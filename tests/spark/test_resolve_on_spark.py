"""Identity resolution on Spark (scale_out/resolve_on_spark.py) resolves as identity.resolve does:
the same customer of every record (the same stable id), the same match method and probability,
the same edges and the same retired ids, on the hand-made landing folder's and the small
simulated company's int_identity_records (the DuckDB builds `handmade_run`, `small_company_run`).

Each is resolved against a previous run (the records without every fifth one, so that clusters
grow and merge and ids are claimed, carried and retired), with two steward overrides (a
force-merge of two customers, a force-split inside a third) and Splink's step on (its minimum
size lifted: 200 customers are below it). The Spark side cuts
the records into groups of about 10 records: many groups, so a rule that looked beyond its
component would show.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

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

CONFIG = ResolutionConfig(probabilistic=ProbabilisticConfig(min_rows=0))
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


def _assert_resolves_as_identity_does(build: PipelineRun, spark) -> Resolution:
    from scale_out.resolve_on_spark import resolve_on_spark

    records = _records(build.build_db)
    previous = _previous_run(records)
    overrides = _overrides(resolve(records, config=CONFIG).records)
    expected = resolve(records, previous, CONFIG, overrides)

    built = resolve_on_spark(
        spark,
        _spark_frame(spark, records),
        _spark_frame(spark, previous),
        CONFIG,
        overrides,
        records_per_group=RECORDS_PER_GROUP,
    )

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
