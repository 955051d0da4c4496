"""The one mapping of mart columns to the metric whose unit they are shown in stays true to the
dbt project: every column exists in its mart, every metric exists, and a column that is itself a
metric is never shown as another one (D024)."""

from __future__ import annotations

import json
from pathlib import Path

from dashboards.lib.column_units import SHOWN_AS, metric_shown_as


def test_every_mapped_column_and_metric_exists(dbt_parsed: Path) -> None:
    manifest = json.loads((dbt_parsed / "manifest.json").read_text())
    columns = {
        node["name"]: set(node["columns"])
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
    }
    metrics = {metric["name"] for metric in manifest["metrics"].values()}
    for (mart, column), metric in SHOWN_AS.items():
        assert column in columns.get(mart, set()), f"{mart}.{column} is not a documented column"
        assert metric in metrics, f"{mart}.{column} is shown as {metric}, which is no metric"
        assert column not in metrics, f"{mart}.{column} is the metric {column}; show it as itself"


def test_a_column_named_like_a_metric_is_shown_as_that_metric() -> None:
    assert metric_shown_as("mart_channel_parity", "csat") == "csat"
    assert metric_shown_as("mart_channel_parity", "contacts_per_100_orders") == "contact_rate"
