"""Connected components in Spark: identity's candidate graph at cluster scale
(scale_out/resolve_on_spark.py).

identity/components.py solves the same problem in one process (scipy) for DuckDB builds. Here the
graph never leaves Spark: min-label propagation over the edge list, each round a join and a group
by, until no label changes (rounds = the graph's diameter; identity graphs are shallow stars
around shared e-mails, phones and ids, so a handful of rounds). Only the "did anything change"
count comes back to Python.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

MAX_ROUNDS = 200


def connected_components(edges: DataFrame, max_rounds: int = MAX_ROUNDS) -> DataFrame:
    """(node, component) for every node of the undirected graph `edges(src, dst)`; a component is
    named by its smallest node, so the result does not depend on partitioning or order."""
    from pyspark.sql import functions as F

    forward = edges.select(F.col("src").alias("node"), F.col("dst").alias("neighbour"))
    both = forward.unionByName(
        forward.select(F.col("neighbour").alias("node"), F.col("node").alias("neighbour"))
    ).distinct()
    both = both.localCheckpoint()
    labels = both.groupBy("node").agg(F.least(F.col("node"), F.min("neighbour")).alias("component"))
    for _ in range(max_rounds):
        # Every node takes the smallest label among itself and its neighbours.
        offered = (
            both.join(labels.withColumnRenamed("node", "neighbour"), "neighbour")
            .groupBy("node")
            .agg(F.min("component").alias("offered"))
        )
        updated = (
            labels.join(offered, "node", "left")
            .select(
                "node", F.least("component", F.coalesce("offered", "component")).alias("component")
            )
            .localCheckpoint()
        )
        changed = (
            updated.join(labels.withColumnRenamed("component", "before"), "node")
            .where(F.col("component") != F.col("before"))
            .limit(1)
            .count()
        )
        labels = updated
        if changed == 0:
            return labels
    raise RuntimeError(f"connected components did not settle in {max_rounds} rounds")
