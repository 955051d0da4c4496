"""Identity resolution on Spark, one group of connected components at a time.

identity.resolve runs its rules in one process. Every rule is local to a connected component of
a *candidate graph* over the records: two records can only end up in one customer, or decide
each other's fate (a value's owner, "the one named person of the visit", a neighbour address of
exactly one cluster, Splink's accepted pair), if an edge of that graph joins them. So Spark
builds the graph, finds its components (scale_out/components.py: label propagation, a join and a
group-by per round) and runs identity.resolve's own code on each group of whole components
(`applyInPandas`), with the few global facts computed before as Spark group-bys. No executor
holds more than its group of components; the groups are `records_per_group` records on average.

Two passes, because Splink's rows depend on the deterministic clusters:

1. normalisation (identity.records.prepare, per partition in `mapInPandas`), the overloaded
   contact values (a group-by), the candidate edges of the rules: explicit ids and contact
   values (records join a node per value), e-mails one typo apart between a nameless and a named
   record (a symmetric-deletion join and identity's own one-typo test), a nameless record whose
   address spells the whole name of a named record seen within the hour (the sign-up rule's
   test, without its "exactly one candidate", which the component then decides), and the
   steward overrides' pairs. Per group: the deterministic rules
   (`identity.resolve.link_deterministically`) and Splink's rows of each cluster.
2. Splink's model is trained on a bounded sample of those rows (identity.probabilistic.
   trained_model: DuckDB, in this process): the rows of identity.probabilistic.training_sample,
   chosen on Spark by the same key (`orderBy` and `limit`: at most `max_training_rows` rows
   come back), and the prior from counts of all rows (a group-by). Its prediction runs on Spark
   (scale_out/splink_on_spark.py). The accepted pairs and the previous run's customer ids (all
   records that held one id: its claim is decided among them) join pass 1's components; per
   group, identity.resolve runs whole with the group's accepted pairs passed in as its scorer.

Customer ids are minted per group from each cluster's oldest record key
(identity.stable_ids); an id that two groups would both use is refused with an error (no
silent merge). The record numbers Splink sees are the records' positions in record-key order,
as in the one-process resolution, so the model is trained on the same rows in the same order.
"""

from __future__ import annotations

import math
import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from identity.deterministic import (
    ADDRESS_WORDS,
    MASS_HOUR_FACTOR,
    SESSION_SECONDS,
    WholeDataFacts,
    not_a_substitution,
    one_typo,
)
from identity.edges import EDGE_COLUMNS
from identity.guards import CONTACT_COLUMNS
from identity.normalise import first_name_keys
from identity.overrides import Override
from identity.probabilistic import (
    ACCEPTANCE,
    ProbabilisticConfig,
    RowCounts,
    ScoredPairs,
    first_keys,
    splink_rows,
    trained_model,
    training_keys,
)
from identity.records import prepare
from identity.resolve import ResolutionConfig, link_deterministically, resolve
from identity.schema import (
    CONTACT_POINTS,
    ID_COLUMNS,
    ID_RULES,
    INPUT_COLUMNS,
    OUTPUT_COLUMNS,
    RECORD_KEY,
)
from scale_out.components import connected_components
from scale_out.splink_on_spark import accepted_pairs_on_spark, to_spark_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: Records per applyInPandas group, on average: small enough for any executor, large enough
#: that per-group costs (a DuckDB connection per rule) do not dominate.
RECORDS_PER_GROUP = 20_000

#: The columns of the normalised records the candidate edges are made from.
_GRAPH_COLUMNS = (
    "rec",
    "source_system",
    "email_key",
    "phone_e164",
    "secondary_phone_e164",
    "first_name_norm",
    "last_name_norm",
    "first_name_class",
    "observed_at",
    "first_keys",
)
_GRAPH_SCHEMA = (
    "rec long, source_system string, email_key string, phone_e164 string, secondary_phone_e164 string, "
    "first_name_norm string, last_name_norm string, first_name_class string, "
    "observed_at timestamp, first_keys array<string>"
)
#: identity.probabilistic.splink_rows' columns (in its order), the nickname keys and each row's
#: key for the training sample (identity.probabilistic.training_keys).
_SPLINK_ROWS_SCHEMA = (
    "unique_id long, cluster long, first_name string, first_class string, last_name string, "
    "email string, email_local string, email_domain string, email_initial string, "
    "email_uses double, phone string, phone2 string, postal_code string, street string, "
    "city string, first_seen long, session_even long, session_odd long, birth_date string, "
    "first_keys array<string>, training_key long"
)
_NULLABLE_INTEGERS = ("first_seen", "session_even", "session_odd")
_TEXT = "string"
_OUT_TYPES = {
    "part": _TEXT,
    **dict.fromkeys(OUTPUT_COLUMNS, _TEXT),
    **dict.fromkeys(EDGE_COLUMNS, _TEXT),
    "match_probability": "double",
    "evidence_bits": "double",
    "linked": "boolean",
    "retired_customer_id": _TEXT,
    "stat": _TEXT,
    "value": "double",
}
_OUT_SCHEMA = ", ".join(f"{name} {kind}" for name, kind in _OUT_TYPES.items())
_ALIAS_COLUMNS = ("retired_customer_id", "customer_id")


@dataclass(frozen=True)
class SparkResolution:
    """identity.resolve.Resolution's tables as Spark DataFrames (persisted), and its stats."""

    records: DataFrame  # OUTPUT_COLUMNS
    edges: DataFrame  # EDGE_COLUMNS
    aliases: DataFrame  # retired_customer_id, customer_id
    stats: dict[str, float]


class CustomerIdCollisionError(RuntimeError):
    """Two groups of components minted the same customer id (see the module)."""


def resolve_on_spark(
    spark: SparkSession,
    records: DataFrame,
    previous: DataFrame | None = None,
    config: ResolutionConfig | None = None,
    overrides: list[Override] | None = None,
    records_per_group: int = RECORDS_PER_GROUP,
) -> SparkResolution:
    """identity.resolve(records, previous, config, overrides) on Spark: `records` in
    int_identity_records' layout, `previous` the last run's (record key..., customer_id)."""
    from pyspark.sql import functions as F

    config = config or ResolutionConfig()
    overrides = overrides or []
    _python_workers_like_driver(spark)
    keyed = _numbered(records)
    _refuse_duplicate_keys(keyed)
    total = keyed.count()
    groups = max(1, math.ceil(total / max(1, records_per_group)))
    normalised = _normalised(keyed).localCheckpoint()
    overloaded = _overloaded_values(normalised, config.max_people_per_contact)
    whole_data = _whole_data_facts(normalised)
    override_edges = _override_edges(spark, keyed, overrides)

    graph = _without(normalised, overloaded)
    first = _components(
        _record_key_edges(keyed, graph)
        .unionByName(_typo_edges(spark, graph))
        .unionByName(_sign_up_edges(graph))
        .unionByName(override_edges)
    )
    pass_one = keyed.join(first, "rec").withColumn("group", _group_of("component", groups))
    splink_input = (
        pass_one.select("group", "rec", *INPUT_COLUMNS)
        .groupBy("group")
        .applyInPandas(
            _deterministic_rows(config, overrides, overloaded, whole_data), _SPLINK_ROWS_SCHEMA
        )
        .localCheckpoint()
    )

    probabilistic = config.probabilistic
    counts = _row_counts(splink_input)
    model, training_rows = None, 0
    if probabilistic is not None and counts.trainable(probabilistic):
        sample = _training_sample(splink_input, probabilistic.max_training_rows)
        model, training_rows = trained_model(sample, counts, probabilistic), len(sample)
    lambda_prior = counts.lambda_prior() if model else 0.0
    pairs_schema = "unique_id_l long, unique_id_r long, match_probability double, evidence double"
    if model is not None and probabilistic is not None:
        accepted = accepted_pairs_on_spark(
            spark,
            splink_input.drop("training_key"),
            model,
            probabilistic.min_evidence_bits,
            ACCEPTANCE,
        ).localCheckpoint()
    else:
        accepted = spark.createDataFrame([], pairs_schema)

    second_edges = pass_one.select(
        _node("r:", "rec").alias("src"), _node("c:", "component").alias("dst")
    ).unionByName(
        accepted.select(
            _node("r:", "unique_id_l").alias("src"), _node("r:", "unique_id_r").alias("dst")
        )
    )
    with_previous = keyed
    if previous is not None:
        with_previous = keyed.join(
            previous.select(*RECORD_KEY, F.col("customer_id").alias("previous_customer_id")),
            list(RECORD_KEY),
            "left",
        )
        second_edges = second_edges.unionByName(
            with_previous.where(F.col("previous_customer_id").isNotNull()).select(
                _node("r:", "rec").alias("src"), _node("p:", "previous_customer_id").alias("dst")
            )
        )
    else:
        with_previous = keyed.withColumn("previous_customer_id", F.lit(None).cast("string"))
    second = _components(second_edges)
    pass_two = with_previous.join(second, "rec").withColumn("group", _group_of("component", groups))
    # named apart from the records' `group`: both sides descend from `keyed`
    group_pairs = accepted.join(
        pass_two.select(F.col("rec").alias("unique_id_l"), F.col("group").alias("pair_group")),
        "unique_id_l",
    )
    out = (
        pass_two.select("group", "rec", "previous_customer_id", *INPUT_COLUMNS)
        .groupBy("group")
        .cogroup(group_pairs.groupBy("pair_group"))
        .applyInPandas(
            _resolved_groups(config, overrides, overloaded, whole_data, counts.rows, lambda_prior),
            _OUT_SCHEMA,
        )
        .localCheckpoint()
    )
    resolved = out.where(F.col("part") == "record").select(*OUTPUT_COLUMNS)
    _refuse_shared_ids(resolved.join(pass_two.select(*RECORD_KEY, "group"), list(RECORD_KEY)))
    stats = {
        row["stat"]: float(row["value"])
        for row in out.where(F.col("part") == "stat")
        .groupBy("stat")
        .agg(F.sum("value").alias("value"))
        .collect()
    }
    located = stats.pop("overrides_located", 0.0)
    stats.update(
        records=float(total),
        overloaded_contact_values=float(len(overloaded)),
        overrides_unmatched=float(len(overrides)) - located,
        splink_rows=float(counts.rows),
        splink_training_rows=float(training_rows),
        splink_lambda=lambda_prior,
        component_groups=float(groups),
    )
    return SparkResolution(
        resolved,
        out.where(F.col("part") == "edge").select(*EDGE_COLUMNS),
        out.where(F.col("part") == "alias").select(*_ALIAS_COLUMNS),
        stats,
    )


def _python_workers_like_driver(spark: SparkSession) -> None:
    """In local mode the per-group steps run in Python workers of this interpreter (its
    packages: identity, pandas, Splink); Spark's default is whatever `python3` is on PATH. A
    cluster names its executors' Python itself (PYSPARK_PYTHON)."""
    context = spark.sparkContext
    if context.master.startswith("local") and "PYSPARK_PYTHON" not in os.environ:
        context.pythonExec = sys.executable


def _numbered(records: DataFrame) -> DataFrame:
    """The records with trimmed record keys (as identity.records.prepare trims them), ids as
    text, and `rec`,
    each record's position in record-key order (the index identity.resolve gives it)."""
    from pyspark.sql import functions as F

    trimmed = records.select(
        *(F.expr(f"trim(cast({c} as string))").alias(c) for c in RECORD_KEY),
        *(
            # ids as text in Spark already: a numeric id with nulls would reach pandas as float
            F.col(c).cast("string").alias(c) if c in ID_COLUMNS else F.col(c)
            for c in INPUT_COLUMNS
            if c not in RECORD_KEY
        ),
    )
    from pyspark.sql.types import LongType

    numbered = trimmed.orderBy(*RECORD_KEY).rdd.zipWithIndex().map(lambda row: (*row[0], row[1]))
    schema = trimmed.schema.add("rec", LongType(), nullable=False)
    return trimmed.sparkSession.createDataFrame(numbered, schema).localCheckpoint()


def _refuse_duplicate_keys(keyed: DataFrame) -> None:
    """As identity.records.prepare: two records with one key are an error, not a guess."""
    from pyspark.sql import functions as F

    repeated = keyed.groupBy(*RECORD_KEY).count().where(F.col("count") > 1)
    examples = repeated.limit(1).collect()
    if examples:
        example = [examples[0][c] for c in RECORD_KEY]
        raise ValueError(f"{repeated.count()} duplicate record keys, e.g. {example}")


def _normalised(keyed: DataFrame) -> DataFrame:
    """identity.records.prepare's columns the candidate edges need, per partition."""

    def normalise(batches: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
        for batch in batches:
            batch = batch.sort_values("rec", ignore_index=True)
            prepared = prepare(batch.loc[:, list(INPUT_COLUMNS)])
            _check_aligned(batch, prepared)
            prepared["rec"] = batch["rec"].to_numpy()
            prepared["first_keys"] = _lists(
                [
                    sorted(k for k in first_name_keys(f) if len(k) >= 3)
                    for f in prepared["first_name_norm"]
                ],
                prepared.index,
            )
            yield prepared.loc[:, list(_GRAPH_COLUMNS)]

    return keyed.select("rec", *INPUT_COLUMNS).mapInPandas(normalise, _GRAPH_SCHEMA)


def _lists(values: list[list[str]], index: pd.Index) -> pd.Series:
    """A column of lists that Arrow converts even when it is empty (pandas would make an empty
    column float)."""
    return pd.Series(values, index=index, dtype=object)


def _check_aligned(batch: pd.DataFrame, prepared: pd.DataFrame) -> None:
    """prepare keeps rows in record-key order; Spark's trim and Python's strip agree on the
    keys, so row i is still record `rec[i]` (a key with other white space would break that)."""
    for column in RECORD_KEY:
        if not (batch[column].astype(object).to_numpy() == prepared[column].to_numpy()).all():
            raise ValueError(f"record keys change under normalisation ({column}): see the module")


def _overloaded_values(normalised: DataFrame, max_people: int) -> frozenset[str]:
    """identity.guards.overloaded_values as a group-by: contact values held by more than
    `max_people` distinct named people (first-name class, family name). Only the values come
    back (a handful: placeholders, a shop's phone)."""
    from pyspark.sql import functions as F

    named = normalised.where(F.col("first_name_class").isNotNull())
    person = F.concat_ws("|", "first_name_class", F.coalesce("last_name_norm", F.lit("")))
    values = named.select(
        person.alias("person"),
        F.explode(F.array(*(F.col(c) for c in CONTACT_COLUMNS))).alias("value"),
    ).where(F.col("value").isNotNull())
    overloaded = (
        values.groupBy("value")
        .agg(F.countDistinct("person").alias("people"))
        .where(F.col("people") > max_people)
    )
    return frozenset(row["value"] for row in overloaded.collect())


def _whole_data_facts(normalised: DataFrame) -> WholeDataFacts:
    """identity.deterministic.WholeDataFacts over every record, as group-bys: the names at least
    two named records carry (thousands of names come back) and each system's mass hours (its
    first-seen hours of more than MASS_HOUR_FACTOR times its median hour's records: a handful).
    `percentile` is exact and interpolates, as pandas' median."""
    from pyspark.sql import functions as F

    names = (
        normalised.select(F.col("first_name_norm").alias("name"))
        .unionAll(normalised.select(F.col("last_name_norm").alias("name")))
        .where(F.col("name").isNotNull())
        .groupBy("name")
        .count()
        .where((F.col("count") >= 2) & (F.length("name") >= 2))
    )
    per_hour = (
        normalised.where(F.col("observed_at").isNotNull() & F.col("source_system").isNotNull())
        .groupBy("source_system", F.date_trunc("hour", "observed_at").alias("hour"))
        .count()
    )
    typical = per_hour.groupBy("source_system").agg(
        F.expr("percentile(count, 0.5)").alias("median")
    )
    mass = per_hour.join(typical, "source_system").where(
        F.col("count") > MASS_HOUR_FACTOR * F.col("median")
    )
    return WholeDataFacts(
        frozenset(row["name"] for row in names.collect()) | ADDRESS_WORDS,
        frozenset(
            (row["source_system"], pd.Timestamp(row["hour"]))
            for row in mass.select("source_system", "hour").collect()
        ),
    )


def _without(normalised: DataFrame, overloaded: frozenset[str]) -> DataFrame:
    """The contact columns with overloaded values blanked (identity.resolve does the same)."""
    from pyspark.sql import functions as F

    if not overloaded:
        return normalised
    values = sorted(overloaded)
    return normalised.select(
        *(
            F.when(~F.col(c).isin(values), F.col(c)).alias(c) if c in CONTACT_COLUMNS else c
            for c in normalised.columns
        )
    )


def _node(prefix: str, column: str):  # -> Column
    from pyspark.sql import functions as F

    return F.concat(F.lit(prefix), F.col(column).cast("string"))


def _record_key_edges(keyed: DataFrame, graph: DataFrame) -> DataFrame:
    """Each record to a node per explicit id (identity.schema.ID_RULES, one space per namespace,
    trimmed, blank as null) and per contact value (CONTACT_POINTS), and to itself."""
    from pyspark.sql import functions as F

    ids = [
        keyed.select(
            _node("r:", "rec").alias("src"),
            F.concat(
                F.lit(f"k:{rule.namespace}:"),
                F.expr(f"nullif(trim(cast({rule.column} as string)), '')"),
            ).alias("dst"),
        )
        for rule in ID_RULES
    ]
    contacts = [
        graph.select(
            _node("r:", "rec").alias("src"), F.concat(F.lit(f"k:{space}:"), F.col(c)).alias("dst")
        )
        for space, columns in CONTACT_POINTS.items()
        for c in columns
    ]
    edges = keyed.select(_node("r:", "rec").alias("src"), _node("r:", "rec").alias("dst"))
    for part in [*ids, *contacts]:
        edges = edges.unionByName(part.where(F.col("dst").isNotNull()))
    return edges


def _typo_edges(spark: SparkSession, graph: DataFrame) -> DataFrame:
    """The pairs identity.deterministic's two typo rules can link: a nameless record's e-mail
    one typo from a named record's, where either no named record holds the nameless address and
    the typo is no substitution (`link_typo_neighbours`) or the two records were first seen
    within the hour (`link_session_typos`). Candidates share an entry of a symmetric-deletion
    index; the tests are identity's own SQL (DuckDB's, in Spark's dialect)."""
    from scale_out.splink_on_spark import _splink_spark_api

    _splink_spark_api(spark)  # registers Splink's Damerau-Levenshtein UDF, which one_typo uses
    view = f"identity_emails_{uuid.uuid4().hex[:12]}"
    graph.createOrReplaceTempView(view)
    return spark.sql(f"""
        with emails as (
            select email_key as email, bool_or(first_name_norm is not null) as named,
                bool_or(first_name_norm is null) as nameless
            from {view} where email_key is not null group by email_key
        ), variants as (
            select email, named, nameless, email as variant from emails
            union all
            select email, named, nameless,
                concat(substring(email, 1, i - 1), substring(email, i + 1)) as variant
            from emails lateral view explode(sequence(1, length(email))) positions as i
            where substring(email, i, 1) <> '@'
        ), typos as (
            select distinct l.email as le, r.email as re, l.named as left_named
            from variants as l join variants as r using (variant)
            where l.nameless and r.named and l.email <> r.email
                and {to_spark_sql(one_typo("l.email", "r.email"))}
        ), neighbours as (
            select le, re from typos
            where not left_named and {to_spark_sql(not_a_substitution("le", "re"))}
        ), sessions as (
            select le, re from typos
            join {view} as l on l.email_key = le and l.first_name_norm is null
            join {view} as r on r.email_key = re and r.first_name_norm is not null
            where abs(cast(l.observed_at as double) - cast(r.observed_at as double))
                <= {SESSION_SECONDS + _SLACK_SECONDS}
        )
        select concat('k:email:', le) as src, concat('k:email:', re) as dst
        from (select * from neighbours union select * from sessions)""")


#: Added to the rules' one-hour windows: the edges may be more than the rules use, never fewer
#: (two engines' floating-point seconds).
_SLACK_SECONDS = 1


def _sign_up_edges(graph: DataFrame) -> DataFrame:
    """A nameless record whose address no named record holds and spells the whole name of a
    named record first seen within the hour: identity.deterministic.link_session_sign_ups'
    test, in Spark SQL."""
    from pyspark.sql import functions as F

    seconds = F.col("observed_at").cast("double")
    hour = F.floor(seconds / SESSION_SECONDS)
    letters = F.regexp_replace(F.split_part("email_key", F.lit("@"), F.lit(1)), "[^a-z]", "")
    named_emails = graph.where(F.col("first_name_norm").isNotNull()).select("email_key")
    left = (
        graph.where(
            F.col("email_key").isNotNull()
            & F.col("first_name_norm").isNull()
            & F.col("observed_at").isNotNull()
        )
        .join(named_emails, "email_key", "left_anti")
        .select("rec", seconds.alias("t"), hour.alias("h"), letters.alias("letters"))
        .where(F.length("letters") >= 4)
        .select(
            F.col("rec").alias("left_rec"),
            F.col("t").alias("left_t"),
            F.explode(F.array(F.col("h") - 1, F.col("h"), F.col("h") + 1)).alias("hour"),
            F.expr("left(letters, 1)").alias("initial"),
            "letters",
        )
    )
    right = graph.where(
        F.col("first_name_norm").isNotNull()
        & (F.length("last_name_norm") >= 3)
        & F.col("observed_at").isNotNull()
    ).select(
        F.col("rec").alias("right_rec"),
        seconds.alias("right_t"),
        hour.alias("hour"),
        F.col("first_name_norm").alias("first"),
        F.col("last_name_norm").alias("last"),
        "first_keys",
        F.explode(
            F.array_distinct(
                F.array(F.expr("left(first_name_norm, 1)"), F.expr("left(last_name_norm, 1)"))
            )
        ).alias("initial"),
    )
    spelled = F.expr("""
        array_contains(
            concat(transform(first_keys, k -> k || last), transform(first_keys, k -> last || k),
                   array(left(first, 1) || last, last || left(first, 1))),
            letters)
        or (length(first) >= 3 and length(letters) > length(first) + length(last)
            and ((endswith(letters, last) and startswith(letters, first))
                 or (startswith(letters, last)
                     and startswith(substr(letters, length(last) + 1), first))))
        or (length(letters) = length(last) + 2 and left(letters, 1) = left(first, 1)
            and endswith(letters, last))""")
    pairs = (
        left.join(right, ["hour", "initial"])
        .where(
            (F.abs(F.col("left_t") - F.col("right_t")) <= SESSION_SECONDS + _SLACK_SECONDS)
            & spelled
        )
        .select("left_rec", "right_rec")
        .distinct()
    )
    return pairs.select(_node("r:", "left_rec").alias("src"), _node("r:", "right_rec").alias("dst"))


def _override_edges(spark: SparkSession, keyed: DataFrame, overrides: list[Override]) -> DataFrame:
    """The two records of each steward override (the list is a file: small)."""
    from pyspark.sql import functions as F

    schema = ", ".join(f"{side}_{c} string" for side in ("l", "r") for c in RECORD_KEY)
    named = spark.createDataFrame([(*o.left, *o.right) for o in overrides], schema)
    for side in ("l", "r"):
        named = named.join(
            keyed.select(
                *(F.col(c).alias(f"{side}_{c}") for c in RECORD_KEY), F.col("rec").alias(side)
            ),
            [f"{side}_{c}" for c in RECORD_KEY],
        )
    return named.select(_node("r:", "l").alias("src"), _node("r:", "r").alias("dst"))


def _components(edges: DataFrame) -> DataFrame:
    """(rec, component) of the record nodes (`r:<rec>`) of an edge list."""
    from pyspark.sql import functions as F

    labels = connected_components(edges)
    return labels.where(F.col("node").startswith("r:")).select(
        F.expr("cast(substring(node, 3) as long)").alias("rec"), "component"
    )


def _group_of(component: str, groups: int):  # -> Column
    from pyspark.sql import functions as F

    return F.pmod(F.xxhash64(component), F.lit(groups))


def _deterministic_rows(
    config: ResolutionConfig,
    overrides: list[Override],
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
):  # -> Callable[[pd.DataFrame], pd.DataFrame]
    """Pass 1 per group: the deterministic rules, then Splink's rows of the group's clusters
    with global record numbers (`rec`) as unique ids, each cluster named by its first, and
    their training keys (a group holds whole clusters: the keys are the whole set's)."""
    seed = (config.probabilistic or ProbabilisticConfig()).seed

    def rows_of_group(group: pd.DataFrame) -> pd.DataFrame:
        group = group.sort_values("rec", ignore_index=True)
        linked = link_deterministically(
            group.loc[:, list(INPUT_COLUMNS)],
            config,
            _overrides_in(group, overrides),
            overloaded,
            whole_data,
        )
        rows = splink_rows(linked.prepared, linked.labels, overloaded)
        recs = group["rec"].to_numpy(np.int64)
        first_of_cluster = pd.Series(recs).groupby(linked.labels).min()
        rows["unique_id"] = recs[rows["unique_id"].to_numpy()]
        rows["cluster"] = first_of_cluster.reindex(rows["cluster"]).to_numpy(np.int64)
        rows["first_keys"] = _lists(first_keys(rows["first_name"]), rows.index)
        rows["training_key"] = training_keys(rows, seed)
        return rows

    return rows_of_group


def _row_counts(splink_input: DataFrame) -> RowCounts:
    """identity.probabilistic.RowCounts of all of Splink's rows, as a group-by."""
    from pyspark.sql import functions as F

    row = (
        splink_input.groupBy("cluster")
        .count()
        .agg(
            F.coalesce(F.sum("count"), F.lit(0)).alias("rows"),
            F.count("*").alias("clusters"),
            F.coalesce(F.expr("sum(count * (count - 1) div 2)"), F.lit(0)).alias("within"),
        )
        .first()
    )
    return RowCounts(int(row["rows"]), int(row["clusters"]), int(row["within"]))


def _training_sample(splink_input: DataFrame, max_rows: int) -> pd.DataFrame:
    """identity.probabilistic.training_sample of Splink's rows: the `max_rows` smallest
    (training key, unique id), collected (the plan's one collect of rows: bounded), in the
    frame splink_rows makes (unique-id order, its column types)."""
    chosen = splink_input.orderBy("training_key", "unique_id").limit(max_rows)
    rows = chosen.drop("first_keys", "training_key").toPandas()
    for column in _NULLABLE_INTEGERS:
        rows[column] = rows[column].astype("Int64")
    return rows.sort_values("unique_id", ignore_index=True)


def _overrides_in(group: pd.DataFrame, overrides: list[Override]) -> list[Override]:
    """The overrides whose two records are in the group (their edge keeps them together)."""
    if not overrides:
        return []
    keys = set(zip(*(group[c].tolist() for c in RECORD_KEY), strict=True))
    return [o for o in overrides if o.left in keys and o.right in keys]


def _resolved_groups(
    config: ResolutionConfig,
    overrides: list[Override],
    overloaded: frozenset[str],
    whole_data: WholeDataFacts,
    rows_compared: int,
    lambda_prior: float,
):  # -> Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
    """Pass 2 per group: identity.resolve on the group's records, with the previous ids of its
    records and its accepted pairs; records, edges, aliases and stats in one frame (`part`)."""

    def resolve_group(group: pd.DataFrame, pairs: pd.DataFrame) -> pd.DataFrame:
        if group.empty:
            return pd.DataFrame(columns=list(_OUT_TYPES))
        group = group.sort_values("rec", ignore_index=True)
        recs = group["rec"].to_numpy(np.int64)
        pairs = pairs.sort_values(["unique_id_l", "unique_id_r"], ignore_index=True)

        def scorer(
            prepared: pd.DataFrame, clusters: np.ndarray, values: frozenset[str]
        ) -> ScoredPairs:
            return ScoredPairs(
                np.searchsorted(recs, pairs["unique_id_l"].to_numpy(np.int64)),
                np.searchsorted(recs, pairs["unique_id_r"].to_numpy(np.int64)),
                pairs["match_probability"].to_numpy(np.float64),
                pairs["evidence"].to_numpy(np.float64),
                rows_compared,
                lambda_prior,
            )

        held = group["previous_customer_id"].notna()
        previous = group.loc[held, [*RECORD_KEY, "previous_customer_id"]].rename(
            columns={"previous_customer_id": "customer_id"}
        )
        located = _overrides_in(group, overrides)
        resolution = resolve(
            group.loc[:, list(INPUT_COLUMNS)],
            previous if len(previous) else None,
            config,
            located,
            overloaded=overloaded,
            whole_data=whole_data,
            scorer=scorer,
        )
        stats = {**resolution.stats, "overrides_located": float(len(located))}
        parts = [
            resolution.records.assign(part="record"),
            resolution.edges.loc[:, list(EDGE_COLUMNS)].assign(part="edge"),
            resolution.aliases.assign(part="alias"),
            pd.DataFrame({"part": "stat", "stat": list(stats), "value": list(stats.values())}),
        ]
        out = pd.concat([p for p in parts if len(p)], ignore_index=True)
        out = out.reindex(columns=list(_OUT_TYPES))
        # plain Python objects: Arrow-backed string columns arrive chunked, which Spark refuses
        return out.astype(object).where(out.notna(), None)

    return resolve_group


def _refuse_shared_ids(records: DataFrame) -> None:
    """A customer id minted in two groups (a 64-bit hash collision between two groups' oldest
    records) would silently merge two customers downstream: refuse it."""
    from pyspark.sql import functions as F

    shared = (
        records.groupBy("customer_id")
        .agg(F.countDistinct("group").alias("groups"))
        .where(F.col("groups") > 1)
        .limit(5)
        .collect()
    )
    if shared:
        ids = [row["customer_id"] for row in shared]
        raise CustomerIdCollisionError(f"customer ids minted in two groups of components: {ids}")
