"""Identity resolution: one `customer_id` per real person across every source system.

Pure Python + DuckDB + Splink (no Dagster, no dbt), so tests and benchmarks call it directly
and the Dagster asset (`orchestration/defs/identity`) is a thin wrapper.

Public API:
    resolve, Resolution, ResolutionConfig       - records (DataFrame) -> customer ids
    ProbabilisticConfig                         - the Splink step's settings (evidence threshold,
                                                  sampling)
    resolve_in_warehouse, RESOLVED_RECORDS,     - read int_identity_records, write identity.*
      RESOLVED_EDGES, RUNS                        (records, edges, run history)
    pairwise_scores                             - precision / recall / F1 against a truth mapping
"""

from identity.evaluation import PairwiseScores, pairwise_scores
from identity.probabilistic import ProbabilisticConfig
from identity.resolve import Resolution, ResolutionConfig, resolve
from identity.store import ALIASES, RESOLVED_EDGES, RESOLVED_RECORDS, RUNS, resolve_in_warehouse

__all__ = [
    "ALIASES",
    "RESOLVED_EDGES",
    "RESOLVED_RECORDS",
    "RUNS",
    "PairwiseScores",
    "ProbabilisticConfig",
    "Resolution",
    "ResolutionConfig",
    "pairwise_scores",
    "resolve",
    "resolve_in_warehouse",
]
