"""Streams one shard's records to the landing folder, one file per entity and day.

Behaviour code `put`s rendered records (JSON lines, or CSV rows as lists) for the day they
are delivered; records of future days (a delivery next week) wait in memory until that day
is flushed.  Flushing applies the file defects, writes the file (gzip with mtime 0 so that
the bytes are reproducible) and forgets the day.  Truth links go straight to a CSV part.
"""

from __future__ import annotations

import csv
import gzip
import io
import random
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from . import defects as d
from .config import DefectRates
from .entities import SPECS, EntitySpec
from .timeutil import Clock


@dataclass(frozen=True)
class MissingColumnPlan:
    folder: str
    day: int
    part: int  # shard index whose file loses the column (0 for shared entities)
    column: str


class Sink:
    def __init__(
        self,
        root: Path,
        clock: Clock,
        shard: int,
        shards: int,
        seed: int,
        rates: DefectRates,
        gzip_level: int,
        missing: list[MissingColumnPlan],
        links: TextIO,
    ) -> None:
        self.landing = root / "landing"
        self.redelivered_dir = root / "truth" / "redelivered"
        self.clock = clock
        self.shard, self.shards = shard, shards
        self.seed = seed
        self.rates = rates
        self.gzip_level = gzip_level
        self.missing = {(m.folder, m.day, m.part): m.column for m in missing}
        self.links = links
        self.today = 0
        self.ndays = clock.days
        self.specs = [s for s in SPECS if not s.shared or shard == 0]
        self.buf: list[dict[int, list[Any]]] = [{} for _ in SPECS]
        self.carry: list[list[Any]] = [
            [] for _ in SPECS
        ]  # rows of an emptied file, for the next day
        self.resent: list[dict[int, list[str]]] = [{} for _ in SPECS]
        self.domain = [s.compiled_domain() for s in SPECS]
        self.drift_day = (
            int(clock.days * rates.drift_from) if rates.drift_from < 1.0 else clock.days + 1
        )
        self.ledger = d.DefectLedger()
        self.bytes_written = 0
        self.rows_written = 0
        self._csvbuf = io.StringIO()
        for s in self.specs:
            (self.landing / s.folder).mkdir(parents=True, exist_ok=True)

    # ------------------------------------------------------------ input
    def put(self, entity: int, day: int, item: Any) -> bool:
        """Queue a record for delivery on `day` (never before today); False if after the window."""
        if day < self.today:
            day = self.today
        if day >= self.ndays:
            return False
        bucket = self.buf[entity].get(day)
        if bucket is None:
            self.buf[entity][day] = [item]
        else:
            bucket.append(item)
        return True

    def put_many(self, entity: int, day: int, items: list[Any]) -> bool:
        if day < self.today:
            day = self.today
        if day >= self.ndays or not items:
            return day < self.ndays
        bucket = self.buf[entity].get(day)
        if bucket is None:
            self.buf[entity][day] = items
        else:
            bucket.extend(items)
        return True

    def put_at(self, entity: int, t: int, item: Any) -> bool:
        return self.put(entity, self.clock.day_of(t), item)

    def link(self, system: str, entity: str, record_id: object, person: Any, day: int) -> bool:
        """Truth: this record identifies `person` (only for records delivered in the window)."""
        if max(day, self.today) >= self.ndays:
            return False
        self.links.write(f"{system},{entity},{record_id},{person.person_id}\n")
        person.links += 1
        return True

    # ------------------------------------------------------------ output
    def flush(self, day: int) -> None:
        for spec in self.specs:
            rows = self.buf[spec.key].pop(day, [])
            if self.carry[spec.key]:
                rows = self.carry[spec.key] + rows
                self.carry[spec.key] = []
            self._write(spec, day, rows, self.resent[spec.key].pop(day, []))
        self.today = day + 1

    def _file_name(self, spec: EntitySpec, day: int) -> str:
        part = "" if spec.shared or self.shards == 1 else f".part{self.shard + 1:02d}"
        return f"{self.clock.date_str(day)}{part}.{spec.ext}"

    def _write(self, spec: EntitySpec, day: int, rows: list[Any], resent: list[str]) -> None:
        name = self._file_name(spec, day)
        rel = f"{spec.folder}/{name}"
        rnd = random.Random(zlib.crc32(rel.encode()) ^ (self.seed * 0x9E3779B1))
        rates = self.rates
        led = self.ledger
        folder = spec.folder
        if rows and day + 1 < self.ndays and rnd.random() < rates.empty_file:
            self.carry[spec.key] = rows  # the export ran empty today; the rows come tomorrow
            rows = []
            led.add(folder, "injected_empty_files")
        part = 0 if spec.shared else self.shard
        missing = self.missing.get((folder, day, part))
        lines = self._render(spec, rows, day, rnd, missing)
        if spec.resend_ok:
            for i in d.picks(len(lines), rates.resent_record, rnd):
                later = day + 1 + rnd.randrange(2)
                # a CSV line only fits a later file with the same columns
                if later < self.ndays and (
                    spec.fmt == "jsonl" or self._columns(spec, later) == self._columns(spec, day)
                ):
                    self.resent[spec.key].setdefault(later, []).append(lines[i])
        if spec.line_defects:
            led.add(
                folder, "duplicate_lines", d.insert_duplicates(lines, rates.duplicate_line, rnd)
            )
            bad = d.malformed_csv if spec.fmt == "csv" else d.malformed_json
            for i in d.picks(len(lines), rates.malformed_line, rnd):
                if (
                    "\n" not in lines[i]
                ):  # a record spanning lines would break into several bad lines
                    lines[i] = bad(lines[i], rnd)
                    led.add(folder, "malformed_lines")
        if resent:
            lines.extend(resent)
            led.add(folder, "resent_records", len(resent))
        led.add(folder, "files")
        led.add(folder, "records", len(rows))
        self.rows_written += len(lines)
        if not lines:
            led.add(folder, "empty_files")
        bom = spec.bom and rnd.random() < rates.bom_file
        if bom:
            led.add(folder, "bom_files")
        text = self._assemble(spec, lines, day, bom)
        data = text.encode("utf-8")
        if rnd.random() < rates.gzip_file:
            data = gzip.compress(data, compresslevel=self.gzip_level, mtime=0)
            name += ".gz"
            rel += ".gz"
            led.add(folder, "gzip_files")
        with open(self.landing / rel, "wb") as fh:
            fh.write(data)
        self.bytes_written += len(data)
        if lines and rnd.random() < rates.redelivered_file:
            # what the first delivery of this file held: an export cut short
            cut = lines[: int(len(lines) * (0.5 + 0.4 * rnd.random()))]
            first = self._assemble(spec, cut, day, bom)
            target = self.redelivered_dir / rel.removesuffix(".gz")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(first, encoding="utf-8", newline="")
            led.redelivered_files.append(
                {"file": rel, "first_delivery": f"truth/redelivered/{rel.removesuffix('.gz')}"}
            )
            led.add(folder, "redelivered_files")
        if rnd.random() < rates.late_file:
            arrived = self.clock.date_str(day + 1 + rnd.randrange(5))
            led.late_files.append(
                {"file": rel, "file_date": self.clock.date_str(day), "arrived": arrived}
            )
            led.add(folder, "late_files")

    def _render(
        self, spec: EntitySpec, rows: list[Any], day: int, rnd: random.Random, missing: str | None
    ) -> list[str]:
        """Rows to text lines, with out-of-domain values, drift and a missing column applied."""
        rates, led, folder = self.rates, self.ledger, spec.folder
        domain = self.domain[spec.key]
        drift = spec.drift if day >= self.drift_day else None
        if drift:
            led.add(folder, "drift_files")
            led.drift[folder] = {"field": drift[0], "from": self.clock.date_str(self.drift_day)}
        ood = rates.out_of_domain if (spec.line_defects and domain) else 0.0
        if spec.fmt == "jsonl":
            lines = rows
            for i in d.picks(len(lines), ood, rnd):
                new = d.out_of_domain_json(lines[i], domain, rnd)
                if new is not None:
                    lines[i] = new
                    led.add(folder, "out_of_domain_records")
            if drift:
                lines = d.add_json_key(lines, *drift)
            if missing:
                lines = d.drop_json_key(lines, missing)
                self._note_missing(spec, day, missing, len(lines))
            return lines
        for i in d.picks(len(rows), ood, rnd):
            if d.out_of_domain_csv(rows[i], domain, rnd):
                led.add(folder, "out_of_domain_records")
        if drift:
            for row in rows:
                row.append(drift[1])
        if missing:
            d.drop_csv_column(rows, spec.header_rows[0].index(missing))
            self._note_missing(spec, day, missing, len(rows))
        return self._csv_lines(spec, rows)

    def _columns(self, spec: EntitySpec, day: int) -> tuple[bool, str | None]:
        """What shapes a file's header on a day: drift, and a column left out."""
        return day >= self.drift_day, self.missing.get(
            (spec.folder, day, 0 if spec.shared else self.shard)
        )

    def _note_missing(self, spec: EntitySpec, day: int, column: str, n: int) -> None:
        self.ledger.add(spec.folder, "missing_column_files")
        self.ledger.missing_columns.append(
            {"file": f"{spec.folder}/{self._file_name(spec, day)}", "column": column, "rows": n}
        )

    def _csv_lines(self, spec: EntitySpec, rows: list[list[str]]) -> list[str]:
        """Each row as its CSV text without the line terminator."""
        buf = self._csvbuf
        buf.seek(0)
        buf.truncate()
        w = csv.writer(buf, lineterminator="\n")
        if not spec.multiline:  # no field can hold a newline: one bulk write, split on lines
            w.writerows(rows)
            text = buf.getvalue()
            return text.split("\n")[:-1] if text else []
        out = []
        for row in rows:
            w.writerow(row)
            out.append(buf.getvalue()[:-1])
            buf.seek(0)
            buf.truncate()
        return out

    def _header(self, spec: EntitySpec, day: int) -> list[str]:
        rows = [list(r) for r in spec.header_rows]
        if spec.drift and day >= self.drift_day:
            for r in rows:
                r.append(spec.drift[0])
        column = self.missing.get((spec.folder, day, 0 if spec.shared else self.shard))
        if column:
            i = spec.header_rows[0].index(column)
            for r in rows:
                del r[i]
        return self._csv_lines(spec, rows)

    def _assemble(self, spec: EntitySpec, lines: list[str], day: int, bom: bool) -> str:
        if spec.fmt == "jsonl":
            return "\n".join(lines) + "\n" if lines else ""
        term = "\r\n" if spec.crlf else "\n"
        text = term.join(self._header(spec, day) + lines) + term
        return "\ufeff" + text if bom else text

    def close(self) -> None:
        self.links.flush()


def remove_tree(path: Path) -> None:
    if not path.exists():
        return
    for p in sorted(path.rglob("*"), reverse=True):
        p.rmdir() if p.is_dir() else p.unlink()
    path.rmdir()
