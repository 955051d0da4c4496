"""A small build database and its publication, made with `warehouse.publication.publish` itself
(no pipeline run), for the tests of damaged, failed and killed publications.

Run as a script (`python small_publication.py FOLDER RUN_ID`) it publishes FOLDER's small build
(made on first use) to FOLDER/published/touchpoint.duckdb in a process of its own, which the
test-only kill points (kill_points/sitecustomize.py) can kill."""

from __future__ import annotations

import sys
from pathlib import Path

from warehouse.connections import connect_build, connect_published
from warehouse.publication import publish


def small_build(folder: Path, rows: int) -> tuple[Path, Path]:
    """(build database, semantic manifest) of a build whose one fact table holds `rows` rows."""
    build_db = folder / "build" / "touchpoint.duckdb"
    manifest = folder / "semantic_manifest.json"
    if build_db.exists():  # made by an earlier call
        return build_db, manifest
    manifest.write_text("{}")
    con = connect_build(build_db)
    con.execute("create schema marts")
    con.execute(
        "create table marts.fct_touchpoint as select range as id, "
        "date '2026-01-01' + (range % 90)::int as occurred_on, md5(range::varchar) as detail "
        f"from range({rows})"
    )
    con.close()
    return build_db, manifest


def published_version(warehouse: Path) -> int:
    con = connect_published(warehouse)
    try:
        return con.execute("select max(version) from ops.publications").fetchone()[0]
    finally:
        con.close()


def published_path(folder: Path) -> Path:
    return folder / "published" / "touchpoint.duckdb"


if __name__ == "__main__":
    folder, run_id = Path(sys.argv[1]), sys.argv[2]
    build_db, manifest = small_build(folder, rows=1000)
    publish(build_db, published_path(folder), run_id, folder, manifest)
