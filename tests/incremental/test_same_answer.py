"""Same answer either way: the hand-made landing delivered in three parts, one `touchpoint run`
after each, publishes exactly what one run on all its files publishes (the suite's shared
`handmade_run`): every mart row for row, every metric by month.

The full build is the shared session build, so this costs the three daily runs only. What makes
a daily run differ from a rebuild (incremental models, a stored CLV fit, re-resolved customer
ids) must keep this test green. dbt's unit tests, which test code and not data, run in the first
delivery's run only (the code does not change between deliveries).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import HANDMADE_LANDING, PipelineRun, run_touchpoint
from tests.incremental.compare import compare_marts, compare_metrics

# Each delivery holds the files dated up to and including its day (the file name's date).
DELIVERY_LAST_DAYS = ("2026-03-15", "2026-04-07", "9999-12-31")


def _deliver(source: Path, landing: Path, after: str, up_to: str) -> int:
    """Copy the files of `source` dated in (after, up_to] into `landing`; how many."""
    copied = 0
    for path in sorted(source.rglob("*")):
        if path.is_file() and after < path.name[:10] <= up_to:
            target = landing / path.relative_to(source)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
            copied += 1
    return copied


@dataclass(frozen=True)
class DayByDay:
    warehouse: Path  # published after the last delivery
    unit_tests_run: list[int]  # how many dbt unit tests each delivery's run ran


def _unit_tests_in(run_results: Path) -> int:
    results = json.loads(run_results.read_text())["results"]
    return sum(result["unique_id"].startswith("unit_test.") for result in results)


@pytest.fixture(scope="module")
def delivered_day_by_day(tmp_path_factory: pytest.TempPathFactory) -> DayByDay:
    """The published warehouse after the three deliveries, each followed by `touchpoint run`."""
    folder = tmp_path_factory.mktemp("day_by_day")
    landing, warehouse = folder / "landing", folder / "out" / "touchpoint.duckdb"
    dbt_target = folder / "dbt_target"  # each dbt step's artifacts in a folder of its own
    after, unit_tests_run, earlier_steps = "", [], set[Path]()
    for up_to in DELIVERY_LAST_DAYS:
        assert _deliver(HANDMADE_LANDING, landing, after, up_to) > 0, f"no files up to {up_to}"
        run = run_touchpoint(
            "run", "--landing", str(landing), "--warehouse", str(warehouse), cwd=folder,
            env={"DBT_TARGET_PATH": str(dbt_target)},
        )  # fmt: skip
        assert run.returncode == 0, f"delivery up to {up_to}:\n{run.stdout}{run.stderr}"
        steps = set(dbt_target.glob("*/run_results.json")) - earlier_steps
        unit_tests_run.append(sum(_unit_tests_in(step) for step in steps))
        after, earlier_steps = up_to, earlier_steps | steps
    return DayByDay(warehouse, unit_tests_run)


def test_every_mart_equals_the_full_build_row_for_row(
    handmade_run: PipelineRun, delivered_day_by_day: DayByDay
) -> None:
    differences = compare_marts(handmade_run.warehouse, delivered_day_by_day.warehouse)
    assert not differences, str(differences)


def test_every_metric_equals_the_full_build(
    handmade_run: PipelineRun, delivered_day_by_day: DayByDay
) -> None:
    differences = compare_metrics(handmade_run.warehouse, delivered_day_by_day.warehouse)
    assert not differences, str(differences)


def test_unit_tests_run_once_per_code_not_per_delivery(delivered_day_by_day: DayByDay) -> None:
    first, *later = delivered_day_by_day.unit_tests_run
    assert first > 0, "the first run on a new build folder runs every unit test"
    assert later == [0, 0], "the same code's unit tests passed already"
