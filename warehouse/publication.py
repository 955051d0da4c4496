"""The publish pattern: readers only ever see a complete, quality-gated publication of the build.

The pipeline writes a private build database. When its quality gate has passed, `publish`
stamps a new version into `ops.publications`, closes every connection, writes the analyst and
restricted publications (below) beside the published path and atomically renames them into
place. A reader that still has the old file open keeps reading the old version (POSIX rename
semantics); new readers get the new one; a failed build never reaches this step, so the last
good version stays in place.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from privacy.classification import EMAIL_PATTERN, Classification
from privacy.masking import register_masking_functions, treatment_note, treatment_sql
from warehouse.connections import connect_build, connect_scratch
from warehouse.publication_record import first_line, record_publication
from warehouse.settings import CATALOG

# The fact every customer activity lands in: its newest business date is the data's "as of".
DATA_DATE_TABLE = "marts.fct_touchpoint"

_PUBLICATIONS_DDL = """
create schema if not exists ops;
create table if not exists ops.publications (
    version integer primary key,
    published_at timestamp not null,
    run_id varchar not null,
    landing_dir varchar,
    semantic_manifest json not null
);
"""


@dataclass(frozen=True)
class Publication:
    version: int
    published_at: datetime
    run_id: str
    path: Path


def publish(
    build_db: Path,
    warehouse: Path,
    run_id: str,
    landing_dir: Path,
    semantic_manifest: Path,
    classification: Classification | None = None,
) -> Publication:
    """Stamp the build with a new version and atomically replace both publications.

    Which columns are personal comes from `classification`, by default the dbt manifest beside
    the semantic manifest (the same `dbt parse`)."""
    published_at = datetime.now(UTC).replace(tzinfo=None)
    con = connect_build(build_db)
    try:
        con.execute(_PUBLICATIONS_DDL)
        (version,) = con.execute(
            "select coalesce(max(version), 0) + 1 from ops.publications"
        ).fetchone()
        con.execute(
            "insert into ops.publications values (?, ?, ?, ?, ?)",
            [version, published_at, run_id, str(landing_dir), semantic_manifest.read_text()],
        )
        con.execute("checkpoint")
    finally:
        con.close()
    write_publications(
        build_db,
        warehouse,
        classification or classification_beside(semantic_manifest),
        # the analyst file's own size, noted before the rename: readers check it
        before_swap=lambda analyst: record_publication(warehouse, analyst, version),
    )
    return Publication(version=version, published_at=published_at, run_id=run_id, path=warehouse)


def latest_publication(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The newest publication's metadata (without the manifest), read through a reader connection,
    with `data_through`: the newest business date of any touchpoint it holds (None if none)."""
    row = con.execute(
        "select version, published_at, run_id, landing_dir from ops.publications "
        "order by version desc limit 1"
    ).fetchone()
    if row is None:
        return None
    publication = dict(zip(["version", "published_at", "run_id", "landing_dir"], row, strict=True))
    publication["data_through"] = _data_through(con)
    return publication


def _data_through(con: duckdb.DuckDBPyConnection) -> date | None:
    try:
        (newest,) = con.execute(f"select max(occurred_on) from {DATA_DATE_TABLE}").fetchone()
    except duckdb.CatalogException:  # a publication without the touchpoint fact
        return None
    return newest


# --- The two publications -------------------------------------------------------------------
# Analysts, dashboards and `mf query` read the analyst publication at the `--warehouse` path: the
# marts (direct identifiers pseudonymised, quasi-identifiers generalised, as the dbt `pii` tags
# say), the semantic layer and the run's metadata; nothing of raw, staging or intermediate. The
# restricted publication beside it keeps the marts that hold personal data in clear, readable by
# its owner only, for the Customer 360 look-up of one named customer (docs/privacy.md).

# DuckDB 2.0 writes a format the 1.5 clients (the CLI on the package index, older JDBC/ODBC
# drivers in BI tools) cannot read; this older format they can.
ANALYST_STORAGE_VERSION = "v1.5.0"
ANALYST_SCHEMAS = ("marts", "ops")
# Run metadata the analyst publication keeps, from the build: (schema, table) -> published name.
_OPS_TABLES = {
    ("ops", "publications"): "publications",
    ("ops", "check_results"): "check_results",
    ("raw", "load_ledger"): "load_ledger",
    ("raw", "load_audit"): "load_audit",
    ("raw", "quarantine"): "quarantine",
}
# Where readers find the ingestion ledger in the analyst publication (the sensor's "seen" files).
PUBLISHED_LEDGER = "ops.load_ledger"
# Columns of the run metadata that may quote a delivered value; the quarantined lines' own
# text (`raw_text`) is not published at all.
_OPS_SCRUBBED = {
    "check_results": {"description": "pii_scrub_text", "metadata": "pii_scrub_json"},
    "quarantine": {"detail": "pii_scrub_text"},
    "load_ledger": {"message": "pii_scrub_text"},
}
_OPS_DROPPED = {"quarantine": {"raw_text"}}


class ClearPersonalDataError(RuntimeError):
    """An e-mail address in clear was about to reach the analyst publication."""


def restricted_publication_path(warehouse: Path) -> Path:
    """The clear-PII publication beside the analyst one (`touchpoint.restricted.duckdb`)."""
    return warehouse.with_name(f"{warehouse.stem}.restricted{warehouse.suffix}")


def parquet_dir(warehouse: Path) -> Path:
    """Every analyst mart as a Parquet file, for BI tools: `<warehouse folder>/parquet/`."""
    return warehouse.parent / "parquet"


def classification_beside(semantic_manifest: Path) -> Classification:
    """The `pii` tags of the dbt manifest written beside the semantic manifest; none when there
    is no manifest (a hand-made build: the clear e-mail check below still guards it)."""
    manifest = semantic_manifest.with_name("manifest.json")
    return Classification.from_manifest(manifest) if manifest.exists() else Classification({})


def write_publications(
    build_db: Path,
    warehouse: Path,
    classification: Classification,
    before_swap: Callable[[Path], None] | None = None,
) -> tuple[Path, Path]:
    """Write the analyst and restricted publications of the build and swap both into place.

    Both are written to temporary files beside their targets first, then renamed (the analyst
    publication last), so readers see the previous pair or the new one, except after a crash
    between the two renames: then the restricted publication is one version ahead, which its own
    `ops.publications` shows (`publications_out_of_step`). `before_swap` gets the finished analyst
    file just before the renames. Returns (analyst path, restricted path). Also used to
    re-publish an unchanged build version (e.g. after an erasure).

    Holds the publication lock throughout, and first removes what a killed publication left."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    with _publication_lock(warehouse, wait=True):
        _remove_leftovers(warehouse)
        try:
            return _write_and_swap(build_db, warehouse, classification, before_swap)
        finally:
            _remove_leftovers(warehouse)  # what a failure left (none after a success)


def _write_and_swap(
    build_db: Path,
    warehouse: Path,
    classification: Classification,
    before_swap: Callable[[Path], None] | None,
) -> tuple[Path, Path]:
    restricted = restricted_publication_path(warehouse)
    analyst_partial = _partial(warehouse)
    restricted_partial = _partial(restricted)
    con = connect_scratch()
    try:
        register_masking_functions(con)
        con.execute(f"ATTACH '{_sql_literal(build_db)}' AS {CATALOG} (READ_ONLY)")
        _write_analyst(con, analyst_partial, classification)
        _write_restricted(con, restricted_partial, classification)
    finally:
        con.close()
    os.chmod(restricted_partial, 0o600)
    _fsync(analyst_partial)
    _fsync(restricted_partial)
    parquet_folder = _export_parquet(analyst_partial, classification, warehouse.parent)
    if before_swap is not None:
        before_swap(analyst_partial)
    os.replace(restricted_partial, restricted)
    os.replace(analyst_partial, warehouse)
    _fsync_dir(warehouse.parent)
    _swap_link(parquet_dir(warehouse), parquet_folder)  # Parquet never ahead of the file
    return warehouse, restricted


def _write_analyst(
    con: duckdb.DuckDBPyConnection, target: Path, classification: Classification
) -> None:
    con.execute(
        f"ATTACH '{_sql_literal(target)}' AS analyst (STORAGE_VERSION '{ANALYST_STORAGE_VERSION}')"
    )
    for schema in ANALYST_SCHEMAS:
        con.execute(f"CREATE SCHEMA analyst.{schema}")
    for table in _relations(con, "marts"):
        columns = _columns(con, "marts", table)
        select = ", ".join(
            f"{treatment_sql(_quote(name), classification.tag('marts', table, name), f'marts.{table}.{name}')}"
            f" AS {_quote(name)}"
            for name, _comment in columns
        )
        con.execute(
            f"CREATE TABLE analyst.marts.{_quote(table)} AS "
            f"SELECT {select} FROM {CATALOG}.marts.{_quote(table)}"
        )
        _copy_comments(con, "marts", table, columns, classification)
    present = {(s, t) for s in ("ops", "raw") for t in _relations(con, s)}
    for (schema, table), name in _OPS_TABLES.items():
        if (schema, table) not in present:
            continue
        scrubbed, dropped = _OPS_SCRUBBED.get(name, {}), _OPS_DROPPED.get(name, set())
        select = ", ".join(
            (
                f"{scrubbed[column]}({_quote(column)}::varchar)::{_type_of(con, schema, table, column)}"
                if column in scrubbed
                else _quote(column)
            )
            + f" AS {_quote(column)}"
            for column, _comment in _columns(con, schema, table)
            if column not in dropped
        )
        con.execute(
            f"CREATE TABLE analyst.ops.{_quote(name)} AS "
            f"SELECT {select} FROM {CATALOG}.{schema}.{_quote(table)}"
        )
    _refuse_clear_emails(con)
    con.execute("DETACH analyst")


def _write_restricted(
    con: duckdb.DuckDBPyConnection, target: Path, classification: Classification
) -> None:
    con.execute(f"ATTACH '{_sql_literal(target)}' AS restricted")
    # Its version, so a reader can tell whether it matches the analyst publication beside it.
    if "publications" in _relations(con, "ops"):
        con.execute("CREATE SCHEMA restricted.ops")
        con.execute(
            "CREATE TABLE restricted.ops.publications AS "
            f"SELECT version FROM {CATALOG}.ops.publications"
        )
    con.execute("CREATE SCHEMA restricted.marts")
    for table in _relations(con, "marts"):
        if classification.personal_columns("marts", table):
            con.execute(
                f"CREATE TABLE restricted.marts.{_quote(table)} AS "
                f"SELECT * FROM {CATALOG}.marts.{_quote(table)}"
            )
    con.execute("DETACH restricted")


def _refuse_clear_emails(con: duckdb.DuckDBPyConnection) -> None:
    """The last line of defence: no cell of the analyst publication may hold an e-mail address
    (a personal column added without its tag would otherwise be published in clear)."""
    rows = con.execute(
        "SELECT schema_name, table_name, column_name FROM duckdb_columns() "
        "WHERE database_name = 'analyst' AND data_type IN ('VARCHAR', 'JSON')"
    ).fetchall()
    for schema, table, column in rows:
        text = f"{_quote(column)}::varchar"
        (found,) = con.execute(
            f"SELECT count(*) FROM analyst.{schema}.{_quote(table)} "
            f"WHERE contains({text}, '@') AND regexp_matches({text}, ?)",
            [EMAIL_PATTERN.pattern],
        ).fetchone()
        if found:
            raise ClearPersonalDataError(
                f"{schema}.{table}.{column} holds {found} e-mail address(es) in clear: tag the "
                "column `pii: direct` in its dbt YAML (docs/privacy.md). Nothing was published."
            )


def _export_parquet(analyst: Path, classification: Classification, beside: Path) -> Path:
    """Every analyst mart as Parquet in a new folder in `beside`, returned for `_swap_link`.

    `parquet` is a symbolic link to the current version's folder; replacing the link is atomic,
    so a BI tool reading the folder sees one version's files."""
    folder = beside / f".parquet.{uuid.uuid4().hex[:12]}"
    folder.mkdir()
    con = connect_scratch()
    try:
        con.execute(f"ATTACH '{_sql_literal(analyst)}' AS analyst (READ_ONLY)")
        lines = []
        for table in _relations(con, "marts", database="analyst"):
            target = folder / f"{table}.parquet"
            con.execute(
                f"COPY analyst.marts.{_quote(table)} TO '{_sql_literal(target)}' (FORMAT parquet)"
            )
            (rows,) = con.execute(f"SELECT count(*) FROM analyst.marts.{_quote(table)}").fetchone()
            (comment,) = con.execute(
                "SELECT comment FROM duckdb_tables() WHERE database_name = 'analyst' "
                "AND schema_name = 'marts' AND table_name = ?",
                [table],
            ).fetchone()
            treated = sorted(classification.personal_columns("marts", table))
            lines.append(
                f"- `{table}.parquet` ({rows:,} rows): {' '.join((comment or '').split())}"
                + (f" Pseudonymised or generalised: {', '.join(treated)}." if treated else "")
            )
    finally:
        con.close()
    (folder / "README.md").write_text(_PARQUET_README.format(files="\n".join(lines)))
    for path in folder.iterdir():
        _fsync(path)
    return folder


_PARQUET_README = """# Touchpoint marts as Parquet

One file per mart of the analyst publication beside this folder (`touchpoint.duckdb`), written
by the same publication: direct identifiers are keyed hashes, postal codes are cut to three
characters (docs/privacy.md). Open them in any BI tool or `SELECT * FROM 'dim_customer.parquet'`.
Column descriptions are in the dbt docs and in the DuckDB file's column comments.

{files}
"""


def _swap_link(link: Path, folder: Path) -> None:
    if link.exists() and not link.is_symlink():
        shutil.rmtree(link)  # a folder from before folders were versioned
    previous = link.resolve() if link.is_symlink() else None
    temporary = link.with_name(f".parquet.{uuid.uuid4().hex[:12]}.link")
    temporary.symlink_to(folder.name)
    os.replace(temporary, link)
    _fsync_dir(link.parent)
    if previous is not None and previous != folder.resolve() and previous.is_dir():
        shutil.rmtree(previous)  # readers holding its files open keep reading them


def _relations(con: duckdb.DuckDBPyConnection, schema: str, database: str = CATALOG) -> list[str]:
    rows = con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE database_name = $db AND schema_name = $s "
        "UNION SELECT view_name FROM duckdb_views() WHERE database_name = $db "
        "AND schema_name = $s AND NOT internal ORDER BY 1",
        {"db": database, "s": schema},
    ).fetchall()
    return [row[0] for row in rows]


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        "SELECT column_name, comment FROM duckdb_columns() WHERE database_name = ? "
        "AND schema_name = ? AND table_name = ? ORDER BY column_index",
        [CATALOG, schema, table],
    ).fetchall()


def _type_of(con: duckdb.DuckDBPyConnection, schema: str, table: str, column: str) -> str:
    (data_type,) = con.execute(
        "SELECT data_type FROM duckdb_columns() WHERE database_name = ? AND schema_name = ? "
        "AND table_name = ? AND column_name = ?",
        [CATALOG, schema, table, column],
    ).fetchone()
    return data_type


def _copy_comments(
    con: duckdb.DuckDBPyConnection,
    schema: str,
    table: str,
    columns: list[tuple[str, str]],
    classification: Classification,
) -> None:
    """dbt's descriptions (persist_docs) travel with the data, plus what masking did."""
    (comment,) = con.execute(
        "SELECT comment FROM (SELECT table_name AS name, comment, database_name, schema_name "
        "FROM duckdb_tables() UNION ALL SELECT view_name, comment, database_name, schema_name "
        "FROM duckdb_views()) WHERE database_name = ? AND schema_name = ? AND name = ?",
        [CATALOG, schema, table],
    ).fetchone()
    if comment:
        con.execute(
            f"COMMENT ON TABLE analyst.{schema}.{_quote(table)} IS {_text_literal(comment.strip())}"
        )
    for name, description in columns:
        note = treatment_note(classification.tag(schema, table, name))
        text = " ".join(part for part in ((description or "").strip(), note or "") if part)
        if text:
            con.execute(
                f"COMMENT ON COLUMN analyst.{schema}.{_quote(table)}.{_quote(name)} "
                f"IS {_text_literal(text)}"
            )


def _partial(target: Path) -> Path:
    return target.with_name(f".{target.name}.{uuid.uuid4().hex}.partial")


# --- The pair's versions ----------------------------------------------------------------------


class PublicationsOutOfStep(RuntimeError):
    """The restricted publication is not the version of the analyst publication beside it."""


def version_of(published_file: Path) -> int | None:
    """The newest version in a publication's `ops.publications` (None when it has none)."""
    con = connect_scratch()
    try:
        con.execute(f"ATTACH '{_sql_literal(published_file)}' AS published (READ_ONLY)")
        return attached_version(con, "published")
    finally:
        con.close()


def attached_version(con: duckdb.DuckDBPyConnection, alias: str) -> int | None:
    """The newest version in the publication attached as `alias` (None when it has none)."""
    try:
        (version,) = con.execute(f"SELECT max(version) FROM {alias}.ops.publications").fetchone()
    except duckdb.CatalogException:  # a restricted file from before it carried its version
        return None
    return version


def publications_out_of_step(warehouse: Path) -> str | None:
    """Why the restricted publication cannot be used beside the analyst one, or None when it
    can (or when there is no pair to compare). A run killed between the two renames leaves the
    restricted file one version ahead: Customer 360 then shows no personal data, and the next
    run rebuilds and publishes both."""
    restricted = restricted_publication_path(warehouse)
    if not warehouse.exists() or not restricted.exists():
        return None
    try:
        analyst_version, restricted_version = version_of(warehouse), version_of(restricted)
    except duckdb.Error as error:
        return f"The restricted publication {restricted} cannot be compared: {first_line(error)}."
    if restricted_version == analyst_version:
        return None
    return out_of_step_message(restricted, restricted_version, analyst_version)


def out_of_step_message(
    restricted: Path, restricted_version: int | None, analyst_version: int | None
) -> str:
    shown = "no version" if restricted_version is None else f"version {restricted_version}"
    return (
        f"The restricted publication {restricted} is {shown}, the published warehouse beside "
        f"it version {analyst_version}: a run stopped between replacing the two. Personal data "
        "is not shown until `touchpoint run` publishes both again."
    )


# --- What a killed publication leaves behind ----------------------------------------------------
# A publication killed mid-way leaves its temporary files beside the warehouse: the two
# `.partial` databases (and DuckDB's `.wal` of one being written), a Parquet folder not yet
# switched to, the link made to switch it, the record's staging file. Each is named from the
# warehouse's own name with a random or process part, so only files of this warehouse's
# publications match; they are removed only under the publication lock, so never while a
# publication (of any process) is writing them.


def _leftover_names(warehouse: Path) -> re.Pattern[str]:
    names = "|".join(
        re.escape(path.name) for path in (warehouse, restricted_publication_path(warehouse))
    )
    return re.compile(
        rf"\.(?:{names})\.[0-9a-f]{{32}}\.partial(?:\.wal)?"
        rf"|\.{re.escape(warehouse.name)}\.publications\.json\.[0-9]+\.tmp"
        rf"|\.parquet\.[0-9a-f]{{12}}(?:\.link)?"
    )


def remove_leftovers(warehouse: Path) -> list[Path]:
    """Remove what killed publications of `warehouse` left beside it; returns what was removed.
    Does nothing while a publication is being written (it holds the lock)."""
    if not warehouse.parent.is_dir():
        return []
    try:
        with _publication_lock(warehouse, wait=False):
            return _remove_leftovers(warehouse)
    except BlockingIOError:
        return []


def _remove_leftovers(warehouse: Path) -> list[Path]:
    pattern = _leftover_names(warehouse)
    link = parquet_dir(warehouse)
    current = link.resolve() if link.is_symlink() else None
    removed = []
    for path in sorted(warehouse.parent.iterdir()):
        if not pattern.fullmatch(path.name):
            continue
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        elif path.resolve() != current:  # the folder `parquet` points to is in use
            shutil.rmtree(path)
        else:
            continue
        removed.append(path)
    return removed


@contextmanager
def _publication_lock(warehouse: Path, wait: bool) -> Iterator[None]:
    """Exclusive while a publication of `warehouse` is written (BlockingIOError when busy and
    not `wait`): a lock on the folder that holds it, so no lock file is left beside it. The
    kernel drops it when the process ends, killed or not."""
    folder = os.open(warehouse.parent, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(folder, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        yield
    finally:
        os.close(folder)  # releases the lock


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _sql_literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _text_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _fsync(path: Path) -> None:
    with path.open("rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(directory: Path) -> None:
    handle = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(handle)  # make the renames themselves durable
    finally:
        os.close(handle)
