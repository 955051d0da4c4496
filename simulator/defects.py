"""Line- and file-level defects of the contract's defect table, and their ledger.

Every function takes the file's own `random.Random`, so what is injected depends only on
the seed and the file name.  The ledger counts what was injected, per entity, for
`truth/defects.json`.
"""

from __future__ import annotations

import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

COUNTERS = (
    "files",
    "records",
    "empty_files",
    "injected_empty_files",
    "gzip_files",
    "bom_files",
    "drift_files",
    "missing_column_files",
    "malformed_lines",
    "out_of_domain_records",
    "duplicate_lines",
    "resent_records",
    "late_files",
    "redelivered_files",
)


@dataclass
class DefectLedger:
    counts: dict[str, Counter[str]] = field(default_factory=dict)
    late_files: list[dict[str, Any]] = field(default_factory=list)
    redelivered_files: list[dict[str, Any]] = field(default_factory=list)
    missing_columns: list[dict[str, Any]] = field(default_factory=list)
    drift: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(self, folder: str, name: str, n: int = 1) -> None:
        c = self.counts.get(folder)
        if c is None:
            c = self.counts[folder] = Counter()
        c[name] += n

    def merge(self, other: DefectLedger) -> None:
        for folder, c in other.counts.items():
            for k, v in c.items():
                self.add(folder, k, v)
        self.late_files += other.late_files
        self.redelivered_files += other.redelivered_files
        self.missing_columns += other.missing_columns
        self.drift.update(other.drift)

    def to_dict(self, configured: dict[str, Any]) -> dict[str, Any]:
        per_entity = {}
        for folder in sorted(self.counts):
            c = self.counts[folder]
            per_entity[folder] = {k: int(c.get(k, 0)) for k in COUNTERS}
        return {
            "configured_rates": configured,
            "per_entity": per_entity,
            "late_files": sorted(self.late_files, key=lambda d: d["file"]),
            "redelivered_files": sorted(self.redelivered_files, key=lambda d: d["file"]),
            "missing_columns": sorted(self.missing_columns, key=lambda d: d["file"]),
            "schema_drift": dict(sorted(self.drift.items())),
        }


# ---------------------------------------------------------------- line defects
def picks(n: int, rate: float, rnd: random.Random) -> list[int]:
    """Indexes in range(n) each chosen with probability `rate`, by geometric gaps (a few
    draws per file instead of one per line)."""
    if rate <= 0 or n == 0:
        return []
    if rate >= 1:
        return list(range(n))
    out = []
    log_q = math.log1p(-rate)
    i = -1
    while True:
        i += 1 + int(math.log(1.0 - rnd.random()) / log_q)
        if i >= n:
            return out
        out.append(i)


def malformed_csv(line: str, rnd: random.Random) -> str:
    """Wrong field count (a field too many or too few), or an opening quote never closed."""
    kind = rnd.randrange(3)
    if kind == 0:
        return line + ",unexpected"
    comma = line.find(",")
    if kind == 1 and comma > 0:
        return line[: line.rfind(",")] if line.rfind(",") > comma else line + ",x,y"
    if comma >= 0 and line[comma + 1 : comma + 2] != '"':
        return line[: comma + 1] + '"' + line[comma + 1 :]
    return line + ',"'


def malformed_json(line: str, rnd: random.Random) -> str:
    """A truncated write, or a dangling comma before the closing brace."""
    if rnd.random() < 0.6:
        return line[: rnd.randrange(len(line) // 3, len(line) - 1)]
    return line[:-1] + ",}"


def out_of_domain_json(line: str, choices: list[tuple[Any, str]], rnd: random.Random) -> str | None:
    start = rnd.randrange(len(choices))
    for k in range(len(choices)):
        pattern, rep = choices[(start + k) % len(choices)]
        new, n = pattern.subn(rep, line, count=1)
        if n:
            return new
    return None


def out_of_domain_csv(row: list[str], choices: list[tuple[Any, str]], rnd: random.Random) -> bool:
    index, bad = choices[rnd.randrange(len(choices))]
    if index >= len(row):
        return False
    row[index] = bad
    return True


def insert_duplicates(lines: list[str], rate: float, rnd: random.Random) -> int:
    """Copy some lines to a later position in the same file; returns how many."""
    chosen = picks(len(lines), rate, rnd)
    for i in reversed(chosen):
        lines.insert(rnd.randrange(i + 1, len(lines) + 1), lines[i])
    return len(chosen)


# ---------------------------------------------------------------- column defects
def drop_json_key(lines: list[str], key: str) -> list[str]:
    out = []
    for line in lines:
        obj = json.loads(line)
        obj.pop(key, None)
        out.append(json.dumps(obj, separators=(",", ":"), ensure_ascii=False))
    return out


def drop_csv_column(rows: list[list[str]], index: int) -> None:
    for row in rows:
        if index < len(row):
            del row[index]


def add_json_key(lines: list[str], key: str, literal: str) -> list[str]:
    tail = f',"{key}":{literal}}}'
    return [line[:-1] + tail for line in lines]
