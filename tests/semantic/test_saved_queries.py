"""Saved queries and the README's `mf` examples, run as an analyst runs them.

Every saved query of the semantic manifest runs through MetricFlow's own command line (in this
process, so each query costs half a second instead of a 6-8 s start-up) and must come back in
the order it declares, with no blank group where it filters blanks out. The README's examples
run exactly as printed (their arguments after `mf`).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from dbt_metricflow.cli.main import cli

from warehouse.settings import DBT_PROJECT_DIR

README = Path(__file__).resolve().parents[2] / "README.md"
SEMANTIC_MANIFEST = DBT_PROJECT_DIR / "target" / "semantic_manifest.json"
MF_PREFIX = "../.venv/bin/mf "

MfRunner = Callable[..., str]


@pytest.fixture()
def mf(handmade_warehouse: Path, monkeypatch: pytest.MonkeyPatch) -> MfRunner:
    """`mf ARGS` from dbt_project/ against the hand-made publication; returns its output."""
    monkeypatch.chdir(DBT_PROJECT_DIR)
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("TOUCHPOINT_DBT_TARGET", "published")
    monkeypatch.setenv("TOUCHPOINT_WAREHOUSE", str(handmade_warehouse))
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, f"mf {shlex.join(args)} failed:\n{result.output}"
        assert "ERROR" not in result.output, result.output
        return result.output

    return run


def saved_queries() -> list[dict]:
    return json.loads(SEMANTIC_MANIFEST.read_text())["saved_queries"]


def _column_of(spec: str) -> tuple[str, bool]:
    """An order_by/group_by item as (result column, descending)."""
    descending = ".descending(True)" in spec
    if match := re.match(r"TimeDimension\('(\w+)', '(\w+)'\)", spec):
        return f"{match[1]}__{match[2]}", descending
    if match := re.match(r"(?:Dimension|Metric|Entity)\('(\w+)'\)", spec):
        return match[1], descending
    raise ValueError(f"unrecognised saved-query item {spec!r}")


def test_saved_queries_come_back_ordered_and_without_the_blanks_they_filter(
    mf: MfRunner, tmp_path: Path
) -> None:
    queries = saved_queries()
    assert {"nps_by_month", "experience_by_handoffs", "retention_triangle"} <= {
        query["name"] for query in queries
    }
    for query in queries:
        params = query["query_params"]
        assert params["order_by"], f"{query['name']} declares no order"
        output = tmp_path / f"{query['name']}.csv"
        mf("query", "--saved-query", query["name"], "--csv", str(output))
        rows = pd.read_csv(output)
        assert len(rows) > 0, f"{query['name']} returned no rows"
        assert set(params["metrics"]) <= set(rows.columns)
        if params["limit"] is not None:
            assert len(rows) <= params["limit"]

        order = [_column_of(item) for item in params["order_by"]]
        expected = rows.sort_values(
            by=[column for column, _ in order],
            ascending=[not descending for _, descending in order],
            kind="stable",
            na_position="last",
        )
        assert expected.index.tolist() == rows.index.tolist(), f"{query['name']} is not ordered"

        for where in (params["where"] or {}).get("where_filters", []):
            blank = re.fullmatch(
                r"\{\{ Dimension\('(\w+)'\) \}\} is not null", where["where_sql_template"]
            )
            if blank:
                assert rows[blank[1]].notna().all(), f"{query['name']} shows a blank {blank[1]}"


def readme_mf_examples() -> list[list[str]]:
    """The arguments of every `../.venv/bin/mf ...` line the README prints."""
    commands = []
    for line in README.read_text().splitlines():
        if line.startswith(MF_PREFIX):
            commands.append(shlex.split(line[len(MF_PREFIX) :], comments=True))
    return commands


def test_the_readme_examples_run_as_printed(mf: MfRunner, tmp_path: Path) -> None:
    examples = readme_mf_examples()
    assert any("--saved-query" in args for args in examples), "README shows no saved query"
    for args in examples:
        csv = None
        if "--csv" in args:  # the same command, writing its file outside the repository
            at = args.index("--csv") + 1
            csv = args[at] = str(tmp_path / Path(args[at]).name)
        output = mf(*args)
        if csv is not None:
            assert len(pd.read_csv(csv)) > 0, f"mf {shlex.join(args)} wrote no rows"
        elif args[0] == "query" and "--explain" not in args:
            assert re.search(r"^-{4,}", output, flags=re.MULTILINE), f"no result table:\n{output}"
