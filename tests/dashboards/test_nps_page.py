"""The NPS page renders from a built warehouse and shows the semantic layer's numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from warehouse.settings import REPO_ROOT

APP = str(REPO_ROOT / "dashboards" / "app.py")


def render(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> AppTest:
    monkeypatch.setenv("TOUCHPOINT_WAREHOUSE", str(warehouse))
    app = AppTest.from_file(APP, default_timeout=120)
    return app.run()


@pytest.mark.slow
def test_nps_page_shows_semantic_layer_values(
    monkeypatch, handmade_warehouse, semantic_layer
) -> None:
    app = render(monkeypatch, handmade_warehouse)
    assert not app.exception
    shown = {metric.label: metric.value for metric in app.metric}
    expected = semantic_layer.query(["nps", "nps_responses"])
    assert shown["NPS (all time)"] == f"{expected['nps'].iloc[0]:.1f}"
    assert shown["Responses"] == f"{int(expected['nps_responses'].iloc[0]):,}"
    table = app.dataframe[0].value
    by_trigger = semantic_layer.query(["nps"], ["survey_response__survey_trigger"])
    assert dict(zip(table["Survey trigger"], table["NPS"], strict=True)) == pytest.approx(
        dict(zip(by_trigger["survey_response__survey_trigger"], by_trigger["nps"], strict=True))
    )


def test_friendly_message_before_any_publication(monkeypatch, tmp_path: Path) -> None:
    app = render(monkeypatch, tmp_path / "not-yet.duckdb")
    assert not app.exception
    assert any("No warehouse has been published yet" in info.value for info in app.info)
