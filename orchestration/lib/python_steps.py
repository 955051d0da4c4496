"""Python steps between dbt steps (identity resolution, CLV): one way to declare them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import dagster as dg

from orchestration.lib.resources import DUCKDB_WRITER_POOL


def python_step(
    *, key: dg.AssetKey, deps: Sequence[dg.AssetKey], group_name: str, description: str
) -> Callable[..., Any]:
    """An asset that reads dbt models and writes a table dbt reads back as a source.

    `key` must equal the dbt source's key (`[source_name, table]`) so that the models reading
    it depend on it with no glue, and Dagster splits the dbt multi-asset around it. It writes
    the build database, so it runs in the writers' pool.
    """
    return dg.asset(
        key=key,
        deps=deps,
        group_name=group_name,
        pool=DUCKDB_WRITER_POOL,
        kinds={"python", "duckdb"},
        description=description,
    )
