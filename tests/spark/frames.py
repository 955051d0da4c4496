"""Two engines' tables compared row for row: same columns, same rows (as a multiset), values
equal, floats within a relative tolerance. Engine-specific Python types (Decimal, Spark Row,
numpy arrays) are brought to one plain form first; dates stay dates, timestamps timestamps."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

FLOAT_RELATIVE_TOLERANCE = 1e-9


def plain(value: Any) -> Any:
    """One comparable form for a value read from DuckDB or Spark."""
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime().replace(tzinfo=None)
    if isinstance(value, np.datetime64):
        return pd.Timestamp(value).to_pydatetime()
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None)
    if hasattr(value, "asDict"):  # pyspark Row (a struct)
        return {k: plain(v) for k, v in value.asDict().items()}
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain(v) for v in value]
    return value


def _rounded(value: Any) -> Any:
    """A float rounded to 9 significant digits, for sorting and matching rows; the exact values are
    then compared with the tolerance."""
    if isinstance(value, float):
        return float(f"{value:.9g}")
    if isinstance(value, dict):
        return tuple(sorted((k, _rounded(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_rounded(v) for v in value)
    return value


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=FLOAT_RELATIVE_TOLERANCE, abs_tol=1e-12)
    if isinstance(b, float) and isinstance(a, int):
        return _close(b, a)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_close(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b, strict=True))
    return a == b


@dataclass(frozen=True)
class Table:
    """A table's column names and rows as the engine's Python client returned them."""

    columns: list[str]
    rows: list[tuple]


def differences(expected: Table, actual: Table, limit: int = 5) -> list[str]:
    """What differs between two tables (empty when they hold the same rows)."""
    expected_columns = [c.lower() for c in expected.columns]
    actual_columns = [c.lower() for c in actual.columns]
    if sorted(expected_columns) != sorted(actual_columns):
        return [f"columns differ: {sorted(set(expected_columns) ^ set(actual_columns))}"]
    columns = sorted(expected_columns)

    def rows(table: Table) -> list[tuple]:
        position = {c.lower(): i for i, c in enumerate(table.columns)}
        return [tuple(plain(row[position[c]]) for c in columns) for row in table.rows]

    left, right = rows(expected), rows(actual)
    if len(left) != len(right):
        return [f"{len(left)} rows expected, {len(right)} built"]
    key = lambda row: tuple((v is None, repr(type(v)), repr(_rounded(v))) for v in row)  # noqa: E731
    problems = []
    for a, b in zip(sorted(left, key=key), sorted(right, key=key), strict=True):
        for column, x, y in zip(columns, a, b, strict=True):
            if not _close(x, y):
                problems.append(f"{column}: expected {x!r}, built {y!r}")
        if len(problems) >= limit:
            break
    return problems[:limit]
