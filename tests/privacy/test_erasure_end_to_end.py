"""`touchpoint erase` end to end, on a copy of the hand-made build: afterwards no database file,
log or report Touchpoint keeps holds the person's e-mail, phone or name, and a re-delivered
file of theirs does not bring them back.

The person is Cy (Cyrus) Vance of the hand-made landing folder: nine records in six systems
(Shopify, Salesforce, Stripe, Zendesk, Connect, GA4, Qualtrics), orders, a charge and its
refunds, tickets and their events. None of their values occurs in the repository's code, so
any hit is data Touchpoint kept.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from tests.helpers import HANDMADE_LANDING, PipelineRun, run_touchpoint

EMAIL = "cy@example.net"
PHONE_DIGITS = "2125550123"  # every spelling of +1 212 555 0123 reduces to these digits
NAMES = ("vance", "cyrus")
# How the phone may appear in text: E.164, national formats, digits only.
PHONE_TEXTS = (PHONE_DIGITS, "555-0123", "555.0123", "555 0123")


@dataclass(frozen=True)
class ErasedCopy:
    landing: Path
    warehouse: Path
    erase_output: str

    @property
    def folder(self) -> Path:
        return self.warehouse.parent

    def env(self) -> dict[str, str]:
        return {"DBT_TARGET_PATH": str(self.folder / "dbt_target")}


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _word(name: str) -> str:
    """A name as a whole word ("vance", not "advance" in dbt's manifest)."""
    return f"(^|[^a-z]){name}([^a-z]|$)"


def _column_hits(con: duckdb.DuckDBPyConnection, label: str, relation: str) -> list[str]:
    """Columns of `relation` holding a value of the person, as "label.column (n rows)"."""
    columns = [d[0] for d in con.execute(f"SELECT * FROM {relation} LIMIT 0").description]
    hits = []
    for column in columns:
        value = f'lower(CAST("{column}" AS VARCHAR))'
        condition = " OR ".join(
            [f"{value} LIKE '%{EMAIL}%'"]
            + [f"regexp_matches({value}, '{_word(name)}')" for name in NAMES]
            + [f"regexp_replace({value}, '[^0-9]', '', 'g') LIKE '%{PHONE_DIGITS}%'"]
        )
        (n,) = con.execute(f"SELECT count(*) FROM {relation} WHERE {condition}").fetchone()
        if n:
            hits.append(f"{label}.{column} ({n} rows)")
    return hits


def _database_hits(path: Path) -> list[str]:
    """Every column of every table of the DuckDB file at `path` that holds the person."""
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH '{path}' AS searched (READ_ONLY)")
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'searched'"
        ).fetchall()
        return [
            f"{path.name}: {hit}"
            for schema, table in tables
            for hit in _column_hits(con, f"{schema}.{table}", f'searched."{schema}"."{table}"')
        ]
    finally:
        con.close()


def _parquet_hits(path: Path) -> list[str]:
    con = duckdb.connect(":memory:")
    try:
        return _column_hits(con, path.name, f"read_parquet('{path}')")
    finally:
        con.close()


def find_person(folder: Path) -> list[str]:
    """Every place under `folder` (databases and Parquet files by table and column; every
    file, the databases too, as bytes) that holds the person's e-mail, phone or a name."""
    hits: list[str] = []
    needles = [re.escape(t) for t in (EMAIL, *PHONE_TEXTS)] + [_word(n) for n in NAMES]
    for path in _files(folder):
        if path.suffix == ".duckdb":
            hits += _database_hits(path)
        if path.suffix == ".parquet":
            hits += _parquet_hits(path)  # compressed: its bytes would not show a value
        data = path.read_bytes().lower()
        hits += [
            f"{path.relative_to(folder)}: bytes {n!r}"
            for n in needles
            if re.search(n.encode(), data)
        ]
    return hits


@pytest.fixture(scope="module")
def erased(handmade_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> ErasedCopy:
    """A copy of the shared hand-made build (its published files, build folder, dbt target and
    Dagster storage) and of its landing folder, with Cy Vance erased by e-mail."""
    folder = tmp_path_factory.mktemp("erasure")
    out = folder / "out"
    shutil.copytree(handmade_run.warehouse.parent, out)
    landing = folder / "landing"
    shutil.copytree(HANDMADE_LANDING, landing)  # keeps the files' times: nothing looks new
    copy = ErasedCopy(landing, out / handmade_run.warehouse.name, "")
    assert find_person(out), "the copy must hold the person before the erasure"
    result = run_touchpoint(
        "erase",
        "--email",
        " CY@Example.NET ",
        "--landing",
        str(landing),
        "--warehouse",
        str(copy.warehouse),
        cwd=folder,
        env=copy.env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return ErasedCopy(landing, copy.warehouse, result.stdout + result.stderr)


def test_erasure_leaves_nothing_of_the_person(erased: ErasedCopy) -> None:
    assert "raw.shop__orders" in erased.erase_output  # it said what it removed
    assert find_person(erased.folder) == []
    # the erasure log says what was done, in counts, without the person
    log = (erased.folder / "touchpoint.privacy" / "erasure_log.jsonl").read_text()
    assert '"customers": 1' in log and '"rebuild_succeeded": true' in log


def test_a_redelivered_file_does_not_bring_the_person_back(erased: ErasedCopy) -> None:
    # The shop and the CRM deliver their files again (new bytes, the person still in them).
    for rel in ("shop/customers/2026-03-01.jsonl", "crm/contacts/2026-03-01.csv"):
        path = erased.landing / rel
        assert EMAIL.encode() in path.read_bytes().lower()
        path.write_bytes(path.read_bytes() + b"\n")
    result = run_touchpoint(
        "run",
        "--landing",
        str(erased.landing),
        "--warehouse",
        str(erased.warehouse),
        cwd=erased.folder.parent,
        env=erased.env(),
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    suppressed = re.search(r"shop/customers\s+read=(\d+) .*suppressed=(\d+)", output)
    assert suppressed and int(suppressed.group(2)) == 1, output
    assert find_person(erased.folder) == []
