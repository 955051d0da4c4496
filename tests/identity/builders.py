"""Small hand-written identity records in the `int_identity_records` layout."""

from __future__ import annotations

from typing import Any

import pandas as pd

from identity.guards import Profile
from identity.normalise import first_name_keys
from identity.schema import INPUT_COLUMNS


def records(*rows: dict[str, Any]) -> pd.DataFrame:
    """Rows given as dicts; unspecified columns are null. `system`/`entity`/`id` are shorthands."""
    out = []
    for row in rows:
        row = dict(row)
        row.setdefault("source_system", row.pop("system", None))
        row.setdefault("source_entity", row.pop("entity", _ENTITY.get(row["source_system"])))
        row.setdefault("source_record_id", row.pop("id", None))
        out.append({c: row.get(c) for c in INPUT_COLUMNS})
    return pd.DataFrame(out, columns=list(INPUT_COLUMNS))


_ENTITY = {
    "crm": "contacts",
    "shop": "customers",
    "billing": "customers",
    "support": "users",
    "contact_center": "contacts",
    "digital": "events",
    "marketing": "email_events",
    "surveys": "responses",
}


def customers(resolved: pd.DataFrame) -> dict[str, str]:
    """record id -> customer id."""
    return dict(zip(resolved["source_record_id"], resolved["customer_id"], strict=True))


def same(ids: dict[str, str], *record_ids: str) -> bool:
    return len({ids[r] for r in record_ids}) == 1


def named(first: str, **fields: Any) -> Profile:
    """The profile of a cluster whose records call the person `first`."""
    return Profile(first_keys=first_name_keys(first), first_names=frozenset({first}), **fields)
