"""Identity's probabilistic stage on Spark: Splink's prediction with the model DuckDB trained.

identity/probabilistic.py trains a Fellegi-Sunter model (u by seeded random sampling, m by EM,
both bounded by `max_pairs`) and predicts cross-cluster pairs, all with Splink's DuckDB backend.
Training reads a bounded sample; prediction compares every blocked pair, the step that grows
with the company. Here prediction runs with Splink's Spark backend (`splink.backends.spark.
SparkAPI`) on the same rows and the same trained model (`linker.misc.save_model_to_json()`), and
the acceptance rule (identity.probabilistic.ACCEPTANCE) filters the scored pairs in Spark: the
pairs never come back to one process.

The model's SQL (comparison levels, blocking rules, the acceptance rule) is written in DuckDB's
dialect; `to_spark_sql` transpiles it with sqlglot, mapping the functions whose Spark forms
sqlglot does not know: Hamming distance (a count over the positions), Jaro-Winkler (`jaro_winkler_similarity`, built into Spark 4.3),
list overlap (`arrays_overlap`) and Damerau-Levenshtein (Splink's Scala UDF: its jar is added
to the session with `ADD JAR`, which also puts it on the driver's class path, so a session
started without it works).

Splink's Spark backend rewrites each statement through a sqlglot dialect subclass
(`customspark`), which the compiled sqlglot (`sqlglotc`, pulled in by dagster-dbt's
`sqlglot[rs]`) refuses ("interpreted classes cannot inherit from compiled", sqlglot PR 7700);
`_SparkAPI` does the same rewrite as a tree transform on sqlglot's own Spark dialect.
"""

from __future__ import annotations

import copy
import logging
import math
import uuid
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Splink's Scala UDF for Damerau-Levenshtein (Spark has only plain Levenshtein).
DAMERAU_LEVENSHTEIN_UDF = "damerau_levenshtein"


#: Functions whose Spark spelling sqlglot does not write: Jaro-Winkler is built into Spark 4.3
#: under DuckDB's name, list overlap is `arrays_overlap`.
_SPARK_NAMES: dict[type[exp.Expression], str] = {
    exp.JarowinklerSimilarity: "jaro_winkler_similarity",
    exp.ArrayOverlaps: "arrays_overlap",
}


#: DuckDB's `hamming(a, b)` (letters that differ between two strings of one length; Spark has no
#: such function) as a count over the positions. The rule guards it with equal lengths, as
#: DuckDB requires; `greatest(..., 1)` keeps the sequence ascending for two empty strings.
_HAMMING_IN_SPARK = (
    "size(filter(sequence(1, greatest(length({a}), 1)), "
    "i -> substring({a}, i, 1) <> substring({b}, i, 1)))"
)


def _spark_function(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.Anonymous) and str(node.this).lower() == "hamming":
        a, b = (argument.sql(dialect="spark") for argument in node.expressions)
        return sqlglot.parse_one(_HAMMING_IN_SPARK.format(a=a, b=b), read="spark")
    name = _SPARK_NAMES.get(type(node))
    if name is None:
        return node
    return exp.Anonymous(this=name, expressions=[node.this, node.expression])


def to_spark_sql(duckdb_sql: str) -> str:
    """A DuckDB SQL expression (a comparison level, a blocking rule) in Spark SQL."""
    tree = sqlglot.parse_one(duckdb_sql, read="duckdb").transform(_spark_function)
    return tree.sql(dialect="spark")


def spark_model(duckdb_model: dict[str, Any]) -> dict[str, Any]:
    """A Splink model trained on DuckDB (`save_model_to_json()`), with its SQL in Spark's
    dialect; the parameters (m, u, the prior) are unchanged."""
    model = copy.deepcopy(duckdb_model)
    model["sql_dialect"] = "spark"
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level["sql_condition"] != "ELSE":  # Splink's keyword for "every other pair"
                level["sql_condition"] = to_spark_sql(level["sql_condition"])
    model["blocking_rules_to_generate_predictions"] = [
        {**rule, "blocking_rule": to_spark_sql(rule["blocking_rule"]), "sql_dialect": "spark"}
        for rule in model["blocking_rules_to_generate_predictions"]
    ]
    return model


def _similarity_jar() -> str:
    """Splink's jar of similarity UDFs (Damerau-Levenshtein among them) for this Spark."""
    from splink.internals.spark.jar_location import similarity_jar_location

    return similarity_jar_location()


def _literal_doubles(node: exp.Expression) -> exp.Expression:
    """`cast(0.1 as double)` as the double literal `0.1D` (what Splink's `customspark` dialect
    writes: a cast literal would be a decimal first, limited to 38 digits)."""
    if (
        isinstance(node, exp.Cast | exp.TryCast)
        and isinstance(node.this, exp.Literal)
        and node.to.is_type(exp.DataType.Type.DOUBLE)
        and node.name != "Infinity"
    ):
        return exp.Var(this=f"{node.name}D")
    return node


def _splink_spark_api(spark: SparkSession) -> Any:
    """Splink's SparkAPI without its sqlglot dialect subclass (see the module)."""
    from splink.backends.spark import SparkAPI

    class _SparkAPI(SparkAPI):
        def _setup_for_execute_sql(self, sql: str, physical_name: str) -> str:
            tree = sqlglot.parse_one(sql, read="spark").transform(_literal_doubles)
            return tree.sql(dialect="spark", pretty=True)

    # SparkAPI registers the jar's UDFs; `spark.jars` would need them before the session started
    spark.sql(f"ADD JAR '{_similarity_jar()}'")
    # persist: the blocked pairs are computed once, not again for every action on the result
    return _SparkAPI(spark_session=spark, break_lineage_method="persist")


def predict_on_spark(
    spark: SparkSession,
    rows: DataFrame,
    duckdb_model: dict[str, Any],
    threshold_match_weight: float | None = None,
) -> DataFrame:
    """Splink's predictions for `rows` (identity.probabilistic.splink_rows' layout, as a Spark
    DataFrame) under the model trained on DuckDB: every pair the model's blocking rules make,
    or those reaching `threshold_match_weight`, as a Spark DataFrame."""
    from splink import Linker

    api = _splink_spark_api(spark)
    linker = Linker(
        # a name of its own: Splink refuses a table name the session already has
        api.register(rows, dataset_display_name=f"identity_rows_{uuid.uuid4().hex[:12]}"),
        spark_model(duckdb_model),
        log_level=logging.ERROR,  # levels the data never shows are expected, as on DuckDB
    )
    return linker.inference.predict(
        threshold_match_weight=threshold_match_weight
    ).as_spark_dataframe()


def prior_bits(model: dict[str, Any]) -> float:
    """The prior's weight (log2 odds of two random rows matching) in a Splink model."""
    prior = model["probability_two_random_records_match"]
    return math.log2(prior / (1 - prior))


def accepted_pairs_on_spark(
    spark: SparkSession,
    rows: DataFrame,
    duckdb_model: dict[str, Any],
    min_evidence_bits: float,
    acceptance_sql: str,
) -> DataFrame:
    """The accepted pairs (unique_id_l, unique_id_r, match_probability, evidence), as
    identity.probabilistic.score_pairs takes them: a match weight of at least the threshold
    plus the prior's weight, and the acceptance rule (`acceptance_sql`, DuckDB SQL: a personal
    identifier and no contradiction)."""
    from pyspark.sql import functions as F

    prior = prior_bits(duckdb_model)
    predictions = predict_on_spark(spark, rows, duckdb_model, min_evidence_bits + prior)
    return predictions.where(F.expr(to_spark_sql(acceptance_sql))).select(
        "unique_id_l",
        "unique_id_r",
        "match_probability",
        (F.col("match_weight") - F.lit(prior)).alias("evidence"),
    )
