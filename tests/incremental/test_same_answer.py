"""Same answer either way: the hand-made landing delivered in three parts, one `touchpoint run`
after each, publishes exactly what one run on all its files publishes (the suite's shared
`handmade_run`): every mart row for row, every metric by month.

The full build is the shared session build, so this costs the three daily runs only. What makes
a daily run differ from a rebuild (incremental models, a stored CLV fit, re-resolved customer
ids) must keep this test green.
"""

from __future__ import annotations

import shutil
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


@pytest.fixture(scope="module")
def delivered_day_by_day(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published warehouse after the three deliveries, each followed by `touchpoint run`."""
    folder = tmp_path_factory.mktemp("day_by_day")
    landing, warehouse = folder / "landing", folder / "out" / "touchpoint.duckdb"
    after = ""
    for up_to in DELIVERY_LAST_DAYS:
        assert _deliver(HANDMADE_LANDING, landing, after, up_to) > 0, f"no files up to {up_to}"
        run = run_touchpoint(
            "run", "--landing", str(landing), "--warehouse", str(warehouse), cwd=folder,
            env={"DBT_TARGET_PATH": str(folder / "dbt_target")},
        )  # fmt: skip
        assert run.returncode == 0, f"delivery up to {up_to}:\n{run.stdout}{run.stderr}"
        after = up_to
    return warehouse


def test_every_mart_equals_the_full_build_row_for_row(
    handmade_run: PipelineRun, delivered_day_by_day: Path
) -> None:
    differences = compare_marts(handmade_run.warehouse, delivered_day_by_day)
    assert not differences, str(differences)


def test_every_metric_equals_the_full_build(
    handmade_run: PipelineRun, delivered_day_by_day: Path
) -> None:
    differences = compare_metrics(handmade_run.warehouse, delivered_day_by_day)
    assert not differences, str(differences)
