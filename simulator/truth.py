"""Ground truth written beside the landing folder (the pipeline never reads it).

Each shard streams its part of every truth table to `truth/.parts/`; `merge_parts` joins
them in shard order once all shards are done, so the files do not depend on scheduling.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .population import KIND_NAMES, Person
from .timeutil import zulu_ts

if TYPE_CHECKING:
    from .behaviour.service import IssueTrace
    from .systems.billing import Refund
    from .systems.shop import Order

HEADERS = {
    "persons": (
        "person_id",
        "household_id",
        "first_name",
        "last_name",
        "former_last_name",
        "email",
        "phone",
        "landline",
        "family_email",
        "street",
        "city",
        "state",
        "postal_code",
        "birthdate",
        "kind",
        "acquired_at",
        "existing_customer",
        "name_twin_of",
        "n_records",
    ),
    "record_links": ("system", "entity", "record_id", "person_id"),
    "orders": (
        "order_id",
        "order_name",
        "person_id",
        "source_name",
        "created_at",
        "shop_customer_id",
        "total",
        "cancelled",
        "delivered_at",
        "late_days",
        "skus",
    ),
    "refunds": (
        "refund_id",
        "charge_id",
        "order_id",
        "ticket_id",
        "created_at",
        "succeeded_at",
        "amount",
    ),
    "issues": (
        "issue_id",
        "person_id",
        "reason",
        "opened_at",
        "resolved_at",
        "channels",
        "n_contacts",
        "handoffs",
        "transfers",
        "auth_repeats",
        "hold_seconds",
        "reopened",
        "contained",
        "first_contact_resolution",
        "repeat_contact",
        "order_id",
        "sku",
        "ticket_ids",
        "initial_contact_ids",
        "refund_id",
        "refund_cycle_hours",
    ),
    "traps": ("trap", "person_id", "other_person_id", "value"),
}


def _ts(t: int | None) -> str:
    return zulu_ts(t) if t is not None else ""


def _b(v: bool) -> str:
    return "true" if v else "false"


class TruthWriter:
    """One shard's truth tables, streamed to part files."""

    def __init__(self, root: Path, shard: int, window_end: int, window_start: int) -> None:
        self.dir = root / "truth" / ".parts"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.end, self.start = window_end, window_start
        self.files: dict[str, TextIO] = {}
        self.writers: dict[str, Any] = {}
        for name in HEADERS:
            fh = open(self.dir / f"{name}.{shard:04d}.csv", "w", newline="", encoding="utf-8")  # noqa: SIM115
            self.files[name] = fh
            self.writers[name] = csv.writer(fh, lineterminator="\n")

    @property
    def links(self) -> TextIO:
        return self.files["record_links"]

    def _in_window(self, t: int) -> bool:
        return t < self.end

    def order(self, o: Order, p: Person, delivered_t: int | None, late_days: int) -> None:
        if not self._in_window(o.created_t):
            return
        self.writers["orders"].writerow(
            [
                o.id,
                o.name,
                p.person_id,
                o.source_name,
                _ts(o.created_t),
                o.customer_id or "",
                f"{o.total / 100:.2f}",
                _b(o.cancelled_t is not None),
                _ts(delivered_t) if delivered_t and self._in_window(delivered_t) else "",
                late_days,
                ";".join(li.sku for li in o.items),
            ]
        )

    def refund(self, r: Refund, o: Order, done: int) -> None:
        if self._in_window(r.created):
            self.writers["refunds"].writerow(
                [
                    r.id,
                    r.charge,
                    o.id,
                    r.ticket_id or "",
                    _ts(r.created),
                    _ts(done) if self._in_window(done) else "",
                    r.amount,
                ]
            )

    def issue(self, tr: IssueTrace) -> None:
        if not self._in_window(tr.opened):
            return
        resolved = tr.resolved if tr.resolved is not None and self._in_window(tr.resolved) else None
        self.writers["issues"].writerow(
            [
                f"I{tr.issue_no:09d}",
                tr.person.person_id,
                tr.reason,
                _ts(tr.opened),
                _ts(resolved),
                ";".join(tr.channels),
                tr.contacts,
                tr.handoffs,
                tr.transfers,
                tr.auth_repeats,
                tr.hold,
                _b(tr.reopened),
                tr.contained,
                _b(tr.fcr and resolved is not None),
                _b(tr.repeat_contact),
                tr.order.id if tr.order is not None else "",
                tr.sku or "",
                ";".join(map(str, tr.tickets)),
                ";".join(tr.chains),
                tr.refund_id or "",
                f"{tr.refund_hours:.2f}" if tr.refund_hours is not None else "",
            ]
        )

    def persons(self, people: list[Person]) -> None:
        """People identified by at least one delivered record, and the identity traps among them."""
        w = self.writers["persons"]
        traps = self.writers["traps"]
        by_pid = {p.pid: p for p in people}
        for p in people:
            if not p.links:
                continue
            hh = p.hh
            w.writerow(
                [
                    p.person_id,
                    f"H{hh.hh_id:08d}",
                    p.first,
                    p.last,
                    p.former_last or "",
                    p.email or "",
                    p.phone,
                    hh.landline or "",
                    hh.family_email or "",
                    hh.street,
                    hh.city,
                    hh.state,
                    hh.zip5,
                    p.birthdate or "",
                    KIND_NAMES[p.kind],
                    _ts(p.acq_t),
                    _b(p.existing),
                    f"P{p.twin_of:08d}" if p.twin_of is not None else "",
                    p.links,
                ]
            )
            owner = hh.members[0]
            if owner is not p and owner.links:
                if hh.family_email is not None:
                    traps.writerow(["shared_email", p.person_id, owner.person_id, hh.family_email])
                if hh.landline is not None:
                    traps.writerow(["shared_phone", p.person_id, owner.person_id, hh.landline])
            if p.twin_of is not None:
                other = by_pid.get(p.twin_of)
                if other is not None and other.links:
                    traps.writerow(
                        ["same_name", p.person_id, other.person_id, f"{p.first} {p.last}"]
                    )

    def close(self) -> None:
        for fh in self.files.values():
            fh.close()


def merge_parts(root: Path) -> dict[str, int]:
    """Concatenate the shards' parts into truth/<name>.csv; returns row counts."""
    parts = root / "truth" / ".parts"
    counts = {}
    for name, header in HEADERS.items():
        rows = 0
        with open(root / "truth" / f"{name}.csv", "w", newline="", encoding="utf-8") as out:
            out.write(",".join(header) + "\n")
            for part in sorted(parts.glob(f"{name}.*.csv")):
                with open(part, encoding="utf-8", newline="") as fh:
                    for chunk in iter(lambda fh=fh: fh.read(1 << 20), ""):
                        out.write(chunk)
                        rows += chunk.count("\n")
        counts[name] = rows
    shutil.rmtree(parts)
    return counts
