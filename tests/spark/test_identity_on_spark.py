"""Splink's prediction on Spark (scale_out/splink_on_spark.py), with the model identity's own
probabilistic step trained on DuckDB, scores every blocked pair as Splink on DuckDB does, and
accepts exactly the pairs identity.probabilistic.score_pairs accepts (docs/scale-out.md,
"Identity on Spark"). Finer than tests/spark/test_resolve_on_spark.py, which compares the whole
resolution: here every pair's weight, whatever its level, so a comparison that lands differently
on Spark shows even where it changes no customer.

The records are those the small company's DuckDB build resolved (`small_company_run`).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest

import identity.probabilistic as probabilistic
from identity.deterministic import link_contact_points, strong_components
from identity.records import observation_order, prepare
from identity.store import read_records
from tests.helpers import PipelineRun
from tests.spark.frames import Table, differences

pytest.importorskip("pyspark", reason="the spark dependency group is not installed")

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _records(build_db: Path) -> pd.DataFrame:
    with duckdb.connect(str(build_db), read_only=True) as con:
        return read_records(con)


@pytest.fixture(scope="module")
def trained_on_duckdb(small_company_run: PipelineRun) -> dict[str, Any]:
    """identity's probabilistic step on the small company's records, on DuckDB as the pipeline
    runs it (its minimum size lifted: 200 customers are below it): the pairs it accepted, the
    rows Splink compared and the model it trained, read from its Linker as it ran."""
    records = _records(small_company_run.build_db)
    prepared = prepare(records)
    clusters, _ = link_contact_points(
        prepared, strong_components(prepared), observation_order(prepared)
    )
    seen: dict[str, Any] = {}

    class RecordingLinker(probabilistic.Linker):
        def __init__(self, table, *args, **kwargs) -> None:
            super().__init__(table, *args, **kwargs)
            seen["rows"] = table.as_pandas_dataframe()
            seen["linker"] = self

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(probabilistic, "Linker", RecordingLinker)
        pairs = probabilistic.score_pairs(  # without the whole-name rule: not on Spark (D075)
            prepared,
            clusters,
            probabilistic.ProbabilisticConfig(min_rows=0, name_only_min_posterior_bits=None),
        )
    assert "linker" in seen, "the probabilistic step did not run: nothing to compare"
    return {
        "pairs": pairs,
        "rows": seen["rows"],
        "model": seen["linker"].misc.save_model_to_json(),
    }


def _spark_rows(spark, rows: pd.DataFrame):
    frame = rows.astype(object).where(rows.notna(), None)
    frame["first_keys"] = frame["first_keys"].map(
        lambda keys: list(keys) if keys is not None else None
    )
    return spark.createDataFrame(frame)


def test_splink_on_spark_accepts_the_pairs_identity_accepts(
    trained_on_duckdb: dict[str, Any], spark
) -> None:
    from scale_out.splink_on_spark import accepted_pairs_on_spark

    pairs = trained_on_duckdb["pairs"]
    expected = Table(
        ["unique_id_l", "unique_id_r", "match_probability", "evidence"],
        list(
            zip(
                pairs.record_l.tolist(),
                pairs.record_r.tolist(),
                pairs.probability.tolist(),
                pairs.evidence_bits.tolist(),
                strict=True,
            )
        ),
    )
    accepted = accepted_pairs_on_spark(
        spark,
        _spark_rows(spark, trained_on_duckdb["rows"]),
        trained_on_duckdb["model"],
        probabilistic.DEFAULT_MIN_EVIDENCE_BITS,
        probabilistic.ACCEPTANCE,
    )
    built = Table(accepted.columns, [tuple(row) for row in accepted.collect()])
    assert expected.rows, "no accepted pair on DuckDB: the comparison would prove nothing"
    assert differences(expected, built) == []


def test_splink_on_spark_scores_every_pair_as_duckdb_does(
    trained_on_duckdb: dict[str, Any], spark
) -> None:
    """Every blocked pair, whatever its weight: each comparison level (Jaro-Winkler, typos,
    nicknames, ...) lands the same way on both engines."""
    from splink import DuckDBAPI, Linker

    from scale_out.splink_on_spark import predict_on_spark

    columns = ["unique_id_l", "unique_id_r", "match_weight", "match_probability"]
    model = trained_on_duckdb["model"]
    with duckdb.connect() as con:
        linker = Linker(
            DuckDBAPI(con).register(trained_on_duckdb["rows"]), model, log_level=logging.ERROR
        )
        on_duckdb = linker.inference.predict().as_pandas_dataframe().loc[:, columns]
    expected = Table(columns, list(on_duckdb.itertuples(index=False, name=None)))

    predictions = predict_on_spark(spark, _spark_rows(spark, trained_on_duckdb["rows"]), model)
    built = Table(columns, [tuple(row) for row in predictions.select(*columns).collect()])
    assert len(expected.rows) > 100, "too few pairs to compare the comparison levels"
    assert differences(expected, built) == []
