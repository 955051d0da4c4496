"""Which engine builds the dbt models: DuckDB (default) or Apache Spark (docs/scale-out.md).

`TOUCHPOINT_ENGINE=duckdb|spark` chooses it for a process, read when the definitions are built;
the asset graph is the same with both (same keys, same steps, same checks). Only the dbt steps
change: on Spark they run `--target spark` between an export of the sources to Parquet and a
load of the tables the Python steps and the publication read back into the DuckDB build
database (scale_out/pipeline_step.py). Ingestion, identity resolution, CLV and the publication
stay where they are.
"""

from __future__ import annotations

import os
from enum import StrEnum

ENV_ENGINE = "TOUCHPOINT_ENGINE"


class Engine(StrEnum):
    DUCKDB = "duckdb"
    SPARK = "spark"


# The dbt target of each engine (dbt_project/profiles.yml).
DBT_TARGETS = {Engine.DUCKDB: "build", Engine.SPARK: "spark"}


class UnknownEngineError(ValueError):
    """TOUCHPOINT_ENGINE names no engine Touchpoint builds with."""


def selected_engine() -> Engine:
    """The engine TOUCHPOINT_ENGINE names (case and spaces ignored); DuckDB when it is unset."""
    value = os.environ.get(ENV_ENGINE, "").strip().lower() or Engine.DUCKDB.value
    try:
        return Engine(value)
    except ValueError:
        choices = " or ".join(engine.value for engine in Engine)
        raise UnknownEngineError(
            f"{ENV_ENGINE}={os.environ.get(ENV_ENGINE)!r} is not an engine: choose {choices}"
        ) from None


def dbt_target(engine: Engine) -> str:
    return DBT_TARGETS[engine]
