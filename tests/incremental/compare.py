"""Two publications built from the same files, compared: every mart row for row and every metric
by month. Used by the same-answer test (tests/incremental) and by benchmarks/bench_pipeline.py.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from warehouse.connections import connect_published
from warehouse.semantic_layer import SemanticLayer

# Doubles (averages, intervals, model outputs) are compared to this many significant digits:
# DuckDB adds floating-point numbers in parallel, in no fixed order, so the last bits of a
# double may differ between two builds of the same data. Integers, DECIMAL money, text, dates
# and timestamps are compared exactly.
SIGNIFICANT_DIGITS = 10


@dataclass
class Differences:
    """What differs between two publications; empty when they give the same answer."""

    relations: list[str] = field(default_factory=list)  # a mart or metric that differs, and how

    def __bool__(self) -> bool:
        return bool(self.relations)

    def __str__(self) -> str:
        return "\n".join(self.relations)


def mart_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name"
        ).fetchall()
    ]


def canonical(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows in one order (by every column), doubles rounded to SIGNIFICANT_DIGITS."""
    frame = frame.copy()
    for column in frame.columns:
        if pd.api.types.is_float_dtype(frame[column]):
            values = frame[column].to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                magnitude = np.where(
                    np.isfinite(values) & (values != 0),
                    np.floor(np.log10(np.abs(values))),
                    0,
                )
            scale = 10.0 ** (SIGNIFICANT_DIGITS - 1 - magnitude)
            frame[column] = np.round(values * scale) / scale
        elif frame[column].dtype == object:
            frame[column] = frame[column].map(_comparable)
    frame = frame.sort_values(list(frame.columns), na_position="first", kind="mergesort")
    return frame.reset_index(drop=True)


def _comparable(value: object) -> object:
    """A list, array or struct cell as JSON text, so that rows can be sorted and compared."""
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return json.dumps(value, default=_plain, sort_keys=True)
    return value


def _plain(value: object) -> object:
    return value.tolist() if isinstance(value, np.ndarray) else str(value)


def _read(con: duckdb.DuckDBPyConnection, name: str) -> pd.DataFrame:
    return con.execute(f"select * from marts.{name}").df()


def compare_marts(expected: Path, actual: Path) -> Differences:
    """Every relation in schema `marts` of `expected`, row for row against `actual`."""
    found = Differences()
    want, got = connect_published(expected), connect_published(actual)
    try:
        names = mart_names(want)
        missing = sorted(set(names) - set(mart_names(got)))
        found.relations += [f"marts.{name}: missing" for name in missing]
        for name in names:
            if name in missing:
                continue
            left = canonical(_read(want, name))
            right = canonical(_read(got, name))
            if list(left.columns) != list(right.columns):
                found.relations.append(f"marts.{name}: columns differ")
            elif len(left) != len(right):
                found.relations.append(f"marts.{name}: {len(left)} rows vs {len(right)}")
            else:
                try:
                    pd.testing.assert_frame_equal(left, right, check_dtype=False)
                except AssertionError as difference:
                    found.relations.append(f"marts.{name}: {str(difference).splitlines()[0:4]}")
    finally:
        want.close()
        got.close()
    return found


def compare_metrics(expected: Path, actual: Path) -> Differences:
    """Every metric of the semantic layer, by month (and in total), in both publications."""
    found = Differences()
    want, got = connect_published(expected), connect_published(actual)
    try:
        want_layer, got_layer = (
            SemanticLayer.from_publication(want),
            SemanticLayer.from_publication(got),
        )
        for metric in want_layer.metrics:
            group_by = (
                ["metric_time__month"]
                if "metric_time__month" in want_layer.group_bys([metric.name])
                else []
            )
            left = canonical(want_layer.query([metric.name], group_by))
            right = canonical(got_layer.query([metric.name], group_by))
            try:
                pd.testing.assert_frame_equal(left, right, check_dtype=False)
            except AssertionError as difference:
                found.relations.append(f"metric {metric.name}: {str(difference).splitlines()[0:4]}")
    finally:
        want.close()
        got.close()
    return found
