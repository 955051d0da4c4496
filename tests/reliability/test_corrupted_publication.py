"""A damaged published file is noticed and named, never read as if it were whole.

These tests make small publications with `warehouse.publication.publish` itself (no pipeline
run); `test_corrupted_publication_e2e.py` covers `touchpoint run` and the dashboards."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.landing import landing_status
from tests.helpers import HANDMADE_LANDING
from tests.reliability.small_publication import small_build
from warehouse.connections import connect_published, damage_reported
from warehouse.publication import publish
from warehouse.publication_record import PublishedWarehouseDamaged, read_records, record_path
from warehouse.settings import DBT_PROJECT_DIR

ROWS = 200_000  # enough for the table's data to span several DuckDB blocks


@pytest.fixture()
def published(tmp_path: Path) -> tuple[Path, Path]:
    """(build database, published warehouse) after one publication of a small build."""
    build_db, manifest = small_build(tmp_path, ROWS)
    warehouse = tmp_path / "published" / "touchpoint.duckdb"
    publish(build_db, warehouse, "run-1", tmp_path, manifest)
    return build_db, warehouse


def read_everything(warehouse: Path) -> int:
    con = connect_published(warehouse)
    try:
        with damage_reported(warehouse):
            return con.execute(
                "select count(*), sum(hash(detail)) from marts.fct_touchpoint"
            ).fetchone()[0]
    finally:
        con.close()


def test_a_whole_publication_reads_and_its_size_is_recorded(published) -> None:
    _build, warehouse = published
    assert read_everything(warehouse) == ROWS
    (record,) = read_records(warehouse)
    assert (record.version, record.size) == (1, warehouse.stat().st_size)


@pytest.mark.parametrize("kept", [0.0, 0.01, 0.5, 0.9], ids=lambda kept: f"{kept:.0%}")
def test_a_truncated_publication_is_reported_as_damaged(published, kept: float) -> None:
    _build, warehouse = published
    os.truncate(warehouse, int(warehouse.stat().st_size * kept))
    with pytest.raises(PublishedWarehouseDamaged, match="is damaged") as damage:
        connect_published(warehouse)
    assert str(warehouse) in str(damage.value)
    assert "touchpoint run" in str(damage.value)


def test_a_file_cut_by_its_last_bytes_is_caught_by_its_recorded_size(published) -> None:
    """DuckDB itself still opens a file that lost only its tail."""
    _build, warehouse = published
    size = warehouse.stat().st_size
    os.truncate(warehouse, size - 4096)
    with pytest.raises(PublishedWarehouseDamaged, match=f"published with {size:,} bytes"):
        connect_published(warehouse)


@pytest.mark.parametrize(
    "content", [b"not a database\n", os.urandom(1 << 20)], ids=["text", "random bytes"]
)
def test_a_publication_overwritten_by_other_bytes_is_damaged(published, content: bytes) -> None:
    _build, warehouse = published
    warehouse.write_bytes(content)
    with pytest.raises(PublishedWarehouseDamaged, match="is damaged"):
        connect_published(warehouse)


def test_a_publication_overwritten_by_another_database_is_damaged(published, tmp_path) -> None:
    _build, warehouse = published
    other = tmp_path / "other.duckdb"
    duckdb.connect(str(other)).execute("create table t as select 1 as x").close()
    shutil.copy(other, warehouse)
    with pytest.raises(PublishedWarehouseDamaged, match="no publication record"):
        connect_published(warehouse)


def test_a_damaged_block_is_reported_when_it_is_read(published) -> None:
    """Same size, bytes overwritten in the middle: DuckDB's block checksum catches it on read."""
    _build, warehouse = published
    size = warehouse.stat().st_size
    with warehouse.open("r+b") as file:
        file.seek(size // 2)
        file.write(os.urandom(256 << 10))
    with pytest.raises(PublishedWarehouseDamaged, match="Corrupt database file"):
        read_everything(warehouse)


def test_a_publication_without_a_record_is_read_as_before(published) -> None:
    """Warehouses published before records existed, or copied without theirs, still open."""
    _build, warehouse = published
    record_path(warehouse).unlink()
    assert read_everything(warehouse) == ROWS


def test_a_damaged_publication_makes_every_landing_file_unseen(published) -> None:
    """So the sensor and the schedule start a run, and that run publishes again."""
    _build, warehouse = published
    os.truncate(warehouse, 1000)
    status = landing_status(HANDMADE_LANDING, warehouse)
    assert status.damaged is not None and "is damaged" in status.damaged
    assert status.unseen == status.files and status.files


@pytest.mark.parametrize("damage", ["overwritten by text", "cut by its last 4 KiB"])
def test_mf_query_on_a_damaged_publication_says_so(
    published, damage: str, dbt_parsed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`mf query` as analysts run it (README: from dbt_project/, dbt's `published` target) gets
    the readers' message, not DuckDB's raw error; a file that only lost its tail would otherwise
    answer queries."""
    from click.testing import CliRunner
    from dbt_metricflow.cli.main import cli

    _build, warehouse = published
    if damage == "overwritten by text":
        warehouse.write_text("not a database")
    else:
        os.truncate(warehouse, warehouse.stat().st_size - 4096)
    # mf reads the project's target/, which every run shares its manifests into
    shared = DBT_PROJECT_DIR / "target" / "semantic_manifest.json"
    if not shared.exists():
        shared.parent.mkdir(exist_ok=True)
        shutil.copy(dbt_parsed / "semantic_manifest.json", shared)
    monkeypatch.chdir(DBT_PROJECT_DIR)
    monkeypatch.setenv("DO_NOT_TRACK", "1")
    monkeypatch.setenv("TOUCHPOINT_DBT_TARGET", "published")
    monkeypatch.setenv("TOUCHPOINT_WAREHOUSE", str(warehouse))
    result = CliRunner().invoke(cli, ["query", "--metrics", "nps"])
    assert result.exit_code != 0, result.output
    assert f"The published warehouse {warehouse} is damaged" in result.output, result.output
    assert "`touchpoint run` rebuilds and publishes it again" in result.output
    assert "Traceback" not in result.output
