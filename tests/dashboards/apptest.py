"""Render pages of the dashboards app with Streamlit's AppTest against a given warehouse."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from warehouse.settings import ENV_WAREHOUSE, REPO_ROOT

APP = str(REPO_ROOT / "dashboards" / "app.py")
PAGES = {
    "scorecard": "app_pages/scorecard.py",
    "drivers": "app_pages/drivers.py",
    "journeys": "app_pages/journeys.py",
    "service": "app_pages/service.py",
    "launches": "app_pages/launches.py",
    "channels": "app_pages/channels.py",
    "customer_360": "app_pages/customer_360.py",
    "data_health": "app_pages/data_health.py",
}


def open_app(monkeypatch: pytest.MonkeyPatch, warehouse: Path) -> AppTest:
    monkeypatch.setenv(ENV_WAREHOUSE, str(warehouse))
    app = AppTest.from_file(APP, default_timeout=300)
    app.run()
    assert not app.exception, app.exception
    return app


def render(app: AppTest, page: str) -> float:
    """Switch to a page, render it and return the seconds the render took."""
    app.switch_page(PAGES[page])
    started = time.perf_counter()
    app.run()
    elapsed = time.perf_counter() - started
    assert not app.exception, [e.value for e in app.exception]
    return elapsed


def tiles(app: AppTest) -> dict[str, tuple[str, str]]:
    """KPI tiles shown: label -> (value, change)."""
    return {metric.label: (metric.value, metric.proto.delta) for metric in app.metric}
