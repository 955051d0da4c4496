"""A dashboard that is already open shows a new publication on its next page load."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.dashboards.apptest import open_app, render
from warehouse.connections import connect_published
from warehouse.publication import publish

pytestmark = pytest.mark.slow


def _sidebar_text(app) -> str:
    return " ".join(caption.value for caption in app.sidebar.caption)


def test_an_open_app_shows_the_next_publication(
    monkeypatch, handmade_warehouse: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "published" / "touchpoint.duckdb"
    warehouse.parent.mkdir()
    shutil.copy(handmade_warehouse, warehouse)
    con = connect_published(warehouse)
    try:
        (manifest,) = con.execute(
            "select semantic_manifest from ops.publications order by version desc limit 1"
        ).fetchone()
    finally:
        con.close()
    manifest_file = tmp_path / "semantic_manifest.json"
    manifest_file.write_text(manifest)

    app = open_app(monkeypatch, warehouse)
    render(app, "scorecard")
    assert "version 1 ·" in _sidebar_text(app)
    assert any("version 1" in c.value.lower() for c in app.caption)

    # The pipeline publishes version 2 (same code path: stamp the build, rename over the file).
    build = tmp_path / "build" / "touchpoint.duckdb"
    build.parent.mkdir()
    shutil.copy(warehouse, build)
    publish(build, warehouse, "second-run", tmp_path, manifest_file)

    app.run()  # the next page load of the same, still open app
    assert not app.exception, [e.value for e in app.exception]
    assert "version 2 ·" in _sidebar_text(app)
    assert any("version 2" in c.value.lower() for c in app.caption)
