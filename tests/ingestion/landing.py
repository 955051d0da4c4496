"""Helpers to write small landing folders and read back what ingestion recorded."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb

from ingestion import EntityLoadResult, get_spec, ingest_entity

HANDMADE = Path(__file__).resolve().parents[1] / "fixtures" / "landing_handmade"

KLAVIYO_HEADER = "Event ID,Profile ID,Email,Event,Timestamp,Campaign ID,Campaign Name,Subject\n"


def put(landing: Path, rel: str, content: str | bytes, *, gz: bool = False) -> Path:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def jsonl(*records: dict) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


def load(
    con: duckdb.DuckDBPyConnection, landing: Path, system: str, entity: str
) -> EntityLoadResult:
    return ingest_entity(con, landing, get_spec(system, entity))


def ledger(con: duckdb.DuckDBPyConnection, rel: str) -> dict:
    cur = con.execute(
        "SELECT * FROM raw.load_ledger WHERE source_file = ? ORDER BY loaded_at DESC, load_id DESC",
        [rel],
    )
    names = [d[0] for d in cur.description]
    return dict(zip(names, cur.fetchone(), strict=True))


def quarantine(con: duckdb.DuckDBPyConnection, rel: str) -> list[tuple]:
    return con.execute(
        "SELECT row_number, reason, detail, raw_text FROM raw.quarantine WHERE source_file = ? "
        "ORDER BY row_number",
        [rel],
    ).fetchall()


def klaviyo_row(i: int, event: str = "Opened Email", ts: str = "2026-03-02 08:00:00") -> str:
    return f"E{i},P{i},p{i}@example.com,{event},{ts},C1,Spring,Hello\n"


def ticket(tid: int, **over) -> dict:
    rec = {
        "id": tid,
        "created_at": "2026-03-01T14:00:00Z",
        "updated_at": "2026-03-01T15:00:00Z",
        "type": "question",
        "subject": "Help",
        "status": "open",
        "priority": "normal",
        "requester_id": 9001,
        "submitter_id": 9001,
        "assignee_id": None,
        "group_id": 60,
        "via": {"channel": "email"},
        "tags": [],
        "satisfaction_rating": {"score": "unoffered"},
        "custom_fields": [{"id": 360001, "value": 5001}],
    }
    rec.update(over)
    return rec
