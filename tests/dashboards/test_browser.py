"""The dashboards as a person sees them: served on localhost, driven in Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from warehouse.connections import connect_published
from warehouse.settings import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"  # Debian's; Playwright never downloads a browser here
SCREENSHOTS = REPO_ROOT / "docs" / "screenshots"  # committed: the README shows them
# Flags that keep Chromium off this machine's closed network and working as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# URL path of each page ("" = the default page, which Streamlit always serves at "/") -> its
# title, the element that shows it rendered, whether it draws charts, and its screenshot's name.
PAGES = {
    "": ("Scorecard", "[data-testid='stMetric']", True, "scorecard"),
    "drivers": ("What moves the experience", ".js-plotly-plot", True, "drivers"),
    "journeys": ("Journeys", "[data-testid='stSelectbox']", True, "journeys"),
    "launches": ("Product launches", ".js-plotly-plot", True, "launches"),
    "channels": ("Channel parity", ".js-plotly-plot", True, "channels"),
    "service": ("Service", ".js-plotly-plot", True, "service"),
    "customer-360": ("Customer 360", "[data-testid='stMetric']", True, "customer_360"),
    "data-health": ("Data health", "[data-testid='stMetric']", True, "data_health"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served_app(demo_run) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "TOUCHPOINT_WAREHOUSE": str(demo_run.warehouse)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(REPO_ROOT / "dashboards" / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("streamlit did not start") from None
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            "Debian chromium is not installed: run scripts/install_debian_package.sh chromium chromium 'the browser tests' (make test does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def customer_with_history(demo_run) -> str:
    con = connect_published(demo_run.warehouse)
    try:
        (customer_id,) = con.execute(
            "select customer_id from marts.fct_touchpoint where customer_id is not null "
            "group by all order by count(distinct source_system) desc, customer_id limit 1"
        ).fetchone()
    finally:
        con.close()
    return customer_id


@pytest.mark.parametrize("page_path", sorted(PAGES))
def test_page_loads_without_exception(
    served_app: str, browser, page_path: str, customer_with_history: str
) -> None:
    title, rendered, has_charts, screenshot = PAGES[page_path]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{served_app}/{page_path}", wait_until="networkidle")
    page.get_by_role("heading", name=title, exact=True).wait_for(timeout=60_000)
    if page_path == "customer-360":  # a search shows the profile and the timeline
        box = page.get_by_label("Search by exact e-mail, phone, name", exact=False)
        box.fill(customer_with_history)
        box.press("Enter")
    page.wait_for_selector(rendered, timeout=60_000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("heading", name=title, exact=True).is_visible()
    if has_charts:
        page.wait_for_selector(".js-plotly-plot", timeout=60_000)  # charts render last
    page.wait_for_timeout(500)  # let the last chart finish its transition
    # Streamlit scrolls inside its main container, so grow the window to the content's height
    # for a screenshot of the whole page.
    height = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 8000)})
    page.wait_for_timeout(1000)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{screenshot}.png"), full_page=True)
    page.close()
