"""Identity's deterministic stage on Spark: the explicit-id rules as Spark SQL.

identity.deterministic.strong_components links records that share an explicit cross-system id
(identity.schema.ID_RULES: a Shopify customer id on an order and on the account, a Zendesk user
id on a ticket and on the user, ...), in one process. Here the same rules read
`int_identity_records` where Spark built it: one (record, namespace, id) row per record and id
column, trimmed and blank as null as identity.records.prepare does, and the record/id graph is
solved by scale_out.components (a join and a group-by per round). No record leaves Spark.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from identity.schema import ID_RULES, RECORD_KEY

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

#: Between the parts of a record key in the graph's record node (never in a key: a control char).
_KEY_SEPARATOR = "\u001f"


def _record_node() -> Column:
    from pyspark.sql import functions as F

    return F.concat_ws(_KEY_SEPARATOR, *(F.col(c).cast("string") for c in RECORD_KEY))


def id_keys(records: DataFrame) -> DataFrame:
    """(record, space, value): each record's explicit ids, one row per id column, in the
    namespace of its rule (two columns of one namespace, e.g. the account's and the order's
    Shopify customer id, are one key space); a record without ids keeps one row with no value."""
    from pyspark.sql import functions as F

    parts = [
        records.select(
            _record_node().alias("record"),
            F.lit(rule.namespace).alias("space"),
            F.expr(f"nullif(trim(cast({rule.column} as string)), '')").alias("value"),
        )
        for rule in ID_RULES
    ]
    keys = parts[0]
    for part in parts[1:]:
        keys = keys.unionByName(part)
    return keys


def strong_components_on_spark(records: DataFrame) -> DataFrame:
    """RECORD_KEY columns and `component` (the smallest record node of its component) for every
    record of `records` (int_identity_records' layout): the partition
    identity.deterministic.strong_components makes."""
    from pyspark.sql import functions as F

    from scale_out.components import shared_key_components

    components = shared_key_components(id_keys(records))
    return (
        records.select(*RECORD_KEY, _record_node().alias("record"))
        .join(components.select("record", "component"), "record")
        .select(*RECORD_KEY, F.col("component"))
    )
