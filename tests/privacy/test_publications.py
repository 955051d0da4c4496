"""The two publications: what analysts read holds no clear personal data and opens in the tools
they have; the restricted one holds it in clear for its owner only."""

from __future__ import annotations

import fcntl
import re
import shutil
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from privacy.classification import EMAIL_PATTERN, Classification, PiiLevel, PiiTag, Relation
from privacy.keys import keyed_hasher
from tests.helpers import REPO_ROOT, PipelineRun
from warehouse.connections import connect_published
from warehouse.publication import (
    ANALYST_STORAGE_VERSION,
    ClearPersonalDataError,
    parquet_dir,
    restricted_publication_path,
    write_publications,
)
from warehouse.semantic_layer import SemanticLayer

# The DuckDB command line from the package index: the client analysts install (1.5 reads files
# up to storage version 1.5, not DuckDB 2.0's default).
DUCKDB_CLI = "duckdb-cli>=1.5,<1.6"
TOOLS = REPO_ROOT / ".tools"


@pytest.fixture(scope="session")
def duckdb_cli() -> Path:
    """The `duckdb` CLI 1.5.x in .tools (installed there by uv on first use, once)."""
    cli, uv = TOOLS / "bin" / "duckdb", TOOLS / "bin" / "uv"
    if not uv.exists():
        pytest.fail(f"{uv} is missing: run `make install` (it installs uv into {TOOLS})")
    with (TOOLS / ".duckdb-cli.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # xdist workers install it once
        if not cli.exists():
            subprocess.run(
                [
                    str(uv),
                    "pip",
                    "install",
                    "--quiet",
                    "--python",
                    str(TOOLS / "bin" / "python"),
                    DUCKDB_CLI,
                ],
                check=True,
                timeout=300,
            )
    return cli


@pytest.fixture()
def analyst(handmade_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_published(handmade_run.warehouse)
    yield con
    con.close()


@pytest.fixture()
def build(handmade_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_published(handmade_run.build_db)
    yield con
    con.close()


def _cells(con: duckdb.DuckDBPyConnection, database: str = "touchpoint") -> Iterator[tuple]:
    """(schema, table, column, text) for every non-null cell of every table, as text."""
    columns = con.execute(
        "select schema_name, table_name, column_name from duckdb_columns() "
        "where database_name = ? order by 1, 2",
        [database],
    ).fetchall()
    for schema, table, column in columns:
        rows = con.execute(
            f'select distinct "{column}"::varchar from {database}.{schema}."{table}" '
            f'where "{column}" is not null'
        ).fetchall()
        for (text,) in rows:
            yield schema, table, column, text


def test_the_analyst_publication_holds_marts_and_run_metadata_only(analyst) -> None:
    schemas = {
        row[0]
        for row in analyst.execute(
            "select distinct schema_name from duckdb_tables() where database_name = 'touchpoint' "
            "union select schema_name from duckdb_views() "
            "where database_name = 'touchpoint' and not internal"
        ).fetchall()
    }
    assert schemas == {"marts", "ops"}
    (raw_text,) = analyst.execute(
        "select count(*) from duckdb_columns() where database_name = 'touchpoint' "
        "and table_name = 'quarantine' and column_name = 'raw_text'"
    ).fetchone()
    assert raw_text == 0


def test_no_clear_email_phone_or_name_anywhere_in_the_analyst_publication(analyst, build):
    """Every cell of every table, against every e-mail, phone and name the build resolved."""
    emails, phones, names = set(), set(), set()
    for email, phone, secondary, first, last in build.execute(
        "select email, phone, secondary_phone, first_name, last_name "
        "from intermediate.int_identity_records"
    ).fetchall():
        emails |= {e.strip().lower() for e in (email,) if e and "@" in e}
        phones |= {re.sub(r"\D", "", p)[-10:] for p in (phone, secondary) if p}
        names |= {" ".join(filter(None, (first, last)))} if first and last else set()
    phones.discard("")
    assert emails and phones and names  # the build has people to look for
    leaks = []
    for schema, table, column, text in _cells(analyst):
        lowered, digits = text.lower(), re.sub(r"\D", "", text)
        if EMAIL_PATTERN.search(text) or any(e in lowered for e in emails):
            leaks.append((schema, table, column, "e-mail"))
        if any(p in digits for p in phones) and len(digits) < 20:  # not inside a long id
            leaks.append((schema, table, column, "phone"))
        if text in names:
            leaks.append((schema, table, column, "name"))
    assert leaks == []


def test_direct_identifiers_are_keyed_hashes_that_still_join(analyst, build) -> None:
    hasher = keyed_hasher()
    clear = dict(
        build.execute("select customer_id, primary_email from marts.dim_customer").fetchall()
    )
    hashed = dict(
        analyst.execute("select customer_id, primary_email from marts.dim_customer").fetchall()
    )
    assert hashed.keys() == clear.keys()
    assert {cid: hasher.email(email) for cid, email in clear.items()} == hashed
    assert sum(v is not None for v in hashed.values()) > 0
    # the same person's digest is the same wherever it appears: a join on it still works
    (joined,) = analyst.execute(
        "select count(*) from marts.dim_customer a join marts.dim_customer b "
        "on a.primary_email = b.primary_email and a.customer_id = b.customer_id"
    ).fetchone()
    assert joined == sum(v is not None for v in hashed.values())


def test_postal_codes_are_generalised_to_three_characters(analyst, build) -> None:
    clear = dict(
        build.execute("select customer_id, primary_postal_code from marts.dim_customer").fetchall()
    )
    published = dict(
        analyst.execute(
            "select customer_id, primary_postal_code from marts.dim_customer"
        ).fetchall()
    )
    assert published == {cid: code[:3] if code else code for cid, code in clear.items()}
    assert any(code for code in published.values())


def test_the_restricted_publication_is_clear_and_readable_by_its_owner_only(
    handmade_run: PipelineRun, build
) -> None:
    restricted = restricted_publication_path(handmade_run.warehouse)
    assert stat.S_IMODE(restricted.stat().st_mode) == 0o600
    con = duckdb.connect(":memory:")
    con.execute(f"attach '{restricted}' as restricted (read_only)")
    in_restricted = con.execute(
        "select customer_id, primary_email, full_name from restricted.marts.dim_customer order by 1"
    ).fetchall()
    con.close()
    assert (
        in_restricted
        == build.execute(
            "select customer_id, primary_email, full_name from marts.dim_customer order by 1"
        ).fetchall()
    )


def test_the_duckdb_cli_from_the_package_index_opens_it(
    duckdb_cli: Path, handmade_run: PipelineRun, analyst
) -> None:
    version = subprocess.run(
        [str(duckdb_cli), "--version"], capture_output=True, text=True, check=True
    ).stdout
    assert version.startswith("v1.5"), version
    result = subprocess.run(
        [
            str(duckdb_cli),
            "-readonly",
            "-csv",
            "-noheader",
            str(handmade_run.warehouse),
            "-c",
            "select count(*) from marts.fct_touchpoint; select max(version) from ops.publications",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    expected = analyst.execute(
        "select (select count(*) from marts.fct_touchpoint), "
        "(select max(version) from ops.publications)"
    ).fetchone()
    assert result.stdout.split() == [str(value) for value in expected]
    assert ANALYST_STORAGE_VERSION.startswith("v1.5")


def test_every_mart_is_exported_as_parquet_with_equal_row_counts(
    handmade_run: PipelineRun, analyst
) -> None:
    folder = parquet_dir(handmade_run.warehouse)
    marts = [
        row[0]
        for row in analyst.execute(
            "select table_name from duckdb_tables() where database_name = 'touchpoint' "
            "and schema_name = 'marts' order by 1"
        ).fetchall()
    ]
    assert len(marts) > 10
    assert sorted(p.stem for p in folder.glob("*.parquet")) == marts
    readme = (folder / "README.md").read_text()
    for mart in marts:
        (in_mart,) = analyst.execute(f"select count(*) from marts.{mart}").fetchone()
        (in_file,) = analyst.execute(
            f"select count(*) from read_parquet('{folder / (mart + '.parquet')}')"
        ).fetchone()
        assert in_file == in_mart, mart
        assert f"`{mart}.parquet` ({in_mart:,} rows)" in readme


def test_the_semantic_layer_answers_alike_on_both(analyst, build) -> None:
    """`mf query` and the dashboards read the analyst publication: no metric changes."""
    on_analyst, on_build = (
        SemanticLayer.from_publication(analyst),
        SemanticLayer.from_publication(build),
    )
    metrics = sorted(info.name for info in on_build.metrics)[:12]
    assert len(metrics) == 12
    left = on_analyst.query(metrics, ["metric_time__month"]).sort_values("metric_time__month")
    right = on_build.query(metrics, ["metric_time__month"]).sort_values("metric_time__month")
    assert left.reset_index(drop=True).equals(right.reset_index(drop=True))


@pytest.fixture()
def small_build(tmp_path: Path) -> Path:
    build_db = tmp_path / "build" / "touchpoint.duckdb"
    build_db.parent.mkdir()
    con = duckdb.connect(str(build_db))
    con.execute("create schema marts; create schema ops")
    con.execute(
        "create table marts.dim_customer as select * from (values "
        "('C1', 'ann@example.com', '02139'), ('C2', null, null)) t(customer_id, email, zip)"
    )
    con.execute("create table ops.publications as select 1 as version")
    con.close()
    return build_db


def test_an_untagged_email_column_is_refused_and_nothing_is_replaced(
    small_build: Path, tmp_path: Path
) -> None:
    warehouse = tmp_path / "published" / "touchpoint.duckdb"
    warehouse.parent.mkdir()
    warehouse.write_bytes(b"the previous publication")
    with pytest.raises(ClearPersonalDataError, match=r"marts\.dim_customer\.email"):
        write_publications(small_build, warehouse, Classification({}))
    assert warehouse.read_bytes() == b"the previous publication"
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["touchpoint.duckdb"]


def test_publishing_again_swaps_the_parquet_folder_whole(small_build: Path, tmp_path: Path):
    warehouse = tmp_path / "published" / "touchpoint.duckdb"
    tags = Classification(
        {
            Relation("marts", "dim_customer"): {
                "email": PiiTag(PiiLevel.DIRECT, "email"),
                "zip": PiiTag(PiiLevel.QUASI, "postal_code"),
            }
        }
    )
    write_publications(small_build, warehouse, tags)
    first = parquet_dir(warehouse).resolve()
    write_publications(small_build, warehouse, tags)
    second = parquet_dir(warehouse).resolve()
    assert first != second and not first.exists()
    con = duckdb.connect()
    row = con.execute(
        f"select email, zip from '{second / 'dim_customer.parquet'}' where customer_id = 'C1'"
    ).fetchone()
    assert row == (keyed_hasher().email("ann@example.com"), "021")
    shutil.rmtree(warehouse.parent)
