"""Qualtrics response export rows (the three header rows live in entities.py)."""

from __future__ import annotations

from dataclasses import dataclass

from ..timeutil import local_ts


@dataclass(slots=True)
class Response:
    response_id: str
    start: int
    end: int
    recorded: int
    preview: bool
    progress: int
    finished: bool
    email: str | None
    external_ref: str | None
    channel: str
    q1: int | None
    q2: int | None
    q3: int | None
    comment: str | None
    trigger: str | None
    ticket_id: int | None
    order_id: int | None


def _s(v: object | None) -> str:
    return "" if v is None else str(v)


def response_row(r: Response) -> list[str]:
    return [
        local_ts(r.start),
        local_ts(r.end),
        "Survey Preview" if r.preview else "IP Address",
        str(r.progress),
        str(r.end - r.start),
        "True" if r.finished else "False",
        local_ts(r.recorded),
        r.response_id,
        _s(r.email),
        _s(r.external_ref),
        r.channel,
        "EN",
        _s(r.q1),
        _s(r.q2),
        _s(r.q3),
        _s(r.comment),
        _s(r.trigger),
        _s(r.ticket_id),
        _s(r.order_id),
    ]
