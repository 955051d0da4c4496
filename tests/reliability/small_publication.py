"""A small build database and its publication, made with `warehouse.publication.publish` itself
(no pipeline run), for the tests of damaged and failed publications."""

from __future__ import annotations

from pathlib import Path

from warehouse.connections import connect_build, connect_published


def small_build(folder: Path, rows: int) -> tuple[Path, Path]:
    """(build database, semantic manifest) of a build whose one fact table holds `rows` rows."""
    build_db = folder / "build" / "touchpoint.duckdb"
    manifest = folder / "semantic_manifest.json"
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
