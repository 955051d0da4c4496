"""Test support for the simulator: reading a landing folder the way the contract describes it
(gzip, BOM, CSV re-sync), the small company the tests share, and its configuration.

A uniquely named module (not conftest) so that other test folders' helpers never shadow it."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import gzip
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from simulator import GenerationSummary, SimulatorConfig

NAME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:\.part(\d{2,}))?\.(csv|jsonl)(\.gz)?")
HEADER_ROWS = {("surveys", "responses"): 3}


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8")


def entity_files(landing: Path, system: str, entity: str) -> list[Path]:
    return sorted((landing / system / entity).iterdir())


@dataclass
class Parsed:
    records: list[dict] = field(default_factory=list)  # well-formed records, in file order
    lines: list[str] = field(default_factory=list)  # their raw text (for duplicate checks)
    files: list[str] = field(default_factory=list)  # file of each record
    bad: int = 0  # malformed lines
    headers: dict[str, list[str]] = field(default_factory=dict)  # CSV header per file


def _csv_records(text: str, nfields: int) -> Iterator[tuple[list[str] | None, str]]:
    """Rows of a CSV text; a row that does not parse costs only its first physical line."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        j = i
        buf = lines[i]
        while buf.count('"') % 2 and j + 1 < len(lines) and j - i < 5:
            j += 1
            buf += "\n" + lines[j]
        buf = buf.removesuffix("\r")
        try:
            rows = list(csv.reader([buf], strict=True))
            row = rows[0] if len(rows) == 1 else None
        except csv.Error:
            row = None
        if row is None or len(row) != nfields:
            yield None, lines[i]
            i += 1
        else:
            yield row, buf
            i = j + 1


def parse_entity(landing: Path, system: str, entity: str) -> Parsed:
    out = Parsed()
    nheader = HEADER_ROWS.get((system, entity), 1)
    for path in entity_files(landing, system, entity):
        text = read_text(path)
        if path.name.split(".")[-1 if not path.name.endswith(".gz") else -2] == "jsonl":
            for line in text.split("\n"):
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    out.bad += 1
                    continue
                out.records.append(obj)
                out.lines.append(line)
                out.files.append(path.name)
            continue
        text = text.removeprefix("\ufeff")
        first_lines = text.split("\n", nheader)
        header = next(csv.reader([first_lines[0].removesuffix("\r")]))
        out.headers[path.name] = header
        body = first_lines[nheader] if len(first_lines) > nheader else ""
        for row, raw in _csv_records(body, len(header)):
            if row is None:
                out.bad += 1
                continue
            out.records.append(dict(zip(header, row, strict=True)))
            out.lines.append(raw)
            out.files.append(path.name)
    return out


CUSTOMERS, DAYS = 3000, 60
SEED = int(os.environ.get("SIM_TEST_SEED", "11"))  # other seeds: a robustness check of the tests
START = dt.date(2025, 10, 20)  # spans the autumn DST change and Black Friday


def small_config() -> SimulatorConfig:
    # two shards even at this size, so part files and cross-shard id spaces are exercised
    return dataclasses.replace(SimulatorConfig(), min_shard_people=250, workers=2)


@dataclass
class Company:
    root: Path
    summary: GenerationSummary
    config: SimulatorConfig
    _parsed: dict[tuple[str, str], Parsed] = field(default_factory=dict)

    @property
    def landing(self) -> Path:
        return self.root / "landing"

    @property
    def truth(self) -> Path:
        return self.root / "truth"

    def entity(self, system: str, entity: str) -> Parsed:
        key = (system, entity)
        if key not in self._parsed:
            self._parsed[key] = parse_entity(self.landing, system, entity)
        return self._parsed[key]

    def truth_json(self, name: str) -> dict:
        return json.loads((self.truth / name).read_text())
