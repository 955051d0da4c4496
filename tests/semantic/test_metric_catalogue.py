"""docs/metrics.md is generated from the semantic manifest and must match the current project."""

from __future__ import annotations

from pathlib import Path

import pytest

from warehouse.metric_catalogue import DEFAULT_OUTPUT, MetricCatalogue, main


@pytest.fixture(scope="module")
def semantic_manifest(dbt_parsed: Path) -> Path:
    return dbt_parsed / "semantic_manifest.json"


def test_committed_catalogue_is_current(semantic_manifest: Path) -> None:
    assert main(["--manifest", str(semantic_manifest), "--check"]) == 0, (
        "docs/metrics.md is stale: run `python -m warehouse.metric_catalogue` after `dbt parse`"
    )


def test_catalogue_describes_every_metric(semantic_manifest: Path) -> None:
    catalogue = MetricCatalogue(semantic_manifest.read_text())
    rendered = catalogue.render()
    for metric in catalogue.metric_names:
        assert f"\n## {metric}\n" in rendered
    nps = rendered.split("\n## nps\n", 1)[1].split("\n## ", 1)[0]
    assert "Derived: `100.0 * (nps_promoters - nps_detractors)" in nps
    assert "`issue__handoffs_bucket`" in nps and "`metric_time__week`" in nps


def test_check_mode_reports_a_stale_file(semantic_manifest: Path, tmp_path: Path) -> None:
    stale = tmp_path / "metrics.md"
    stale.write_text(DEFAULT_OUTPUT.read_text().replace("## nps\n", "## nps_old\n"))
    assert main(["--manifest", str(semantic_manifest), "--output", str(stale), "--check"]) == 1
    assert main(["--manifest", str(semantic_manifest), "--output", str(stale)]) == 0
    assert stale.read_text() == DEFAULT_OUTPUT.read_text()
