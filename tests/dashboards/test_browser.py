"""The dashboards as a person sees them: served on localhost, driven in Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from warehouse.settings import REPO_ROOT

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOTS = REPO_ROOT / ".touchpoint" / "screenshots"
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
# URL path of each page ("" = the default page, which Streamlit always serves at "/") -> its title.
PAGES = {"": "Net Promoter Score"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def served_app(handmade_warehouse: Path) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "TOUCHPOINT_WAREHOUSE": str(handmade_warehouse)}
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
            "Debian chromium is not installed: run scripts/install_browser.sh (make test does)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("page_path", sorted(PAGES))
def test_page_loads_without_exception(served_app: str, browser, page_path: str) -> None:
    title = PAGES[page_path]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    page.goto(f"{served_app}/{page_path}", wait_until="networkidle")
    page.wait_for_selector("[data-testid='stMetric']", timeout=60_000)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    assert page.get_by_role("heading", name=title).is_visible()
    page.wait_for_selector(".js-plotly-plot", timeout=60_000)  # charts render after the metrics
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{page_path or 'home'}.png"), full_page=True)
    page.close()
