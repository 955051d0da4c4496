"""Salesforce Contact (Data Loader CSV): staff-typed, so the noisiest identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from ..timeutil import sf_ts


@dataclass(slots=True)
class CrmContact:
    id: str
    first: str
    last: str
    email: str | None
    phone: str | None
    mobile: str | None
    street: str
    city: str
    state: str
    postal: str
    birthdate: str | None
    opted_out: bool
    tier: str | None
    shop_id: int | None
    created_t: int
    modified_t: int
    deleted: bool = False


def _b(v: bool) -> str:
    return "true" if v else "false"


def contact_row(c: CrmContact) -> list[str]:
    return [
        c.id,
        c.first,
        c.last,
        c.email or "",
        c.phone or "",
        c.mobile or "",
        c.street,
        c.city,
        c.state,
        c.postal,
        "United States" if c.state else "",
        c.birthdate or "",
        _b(c.opted_out),
        c.tier or "",
        str(c.shop_id) if c.shop_id else "",
        sf_ts(c.created_t),
        sf_ts(c.modified_t),
        _b(c.deleted),
    ]
