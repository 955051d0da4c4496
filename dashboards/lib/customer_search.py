"""Find customers by e-mail, phone, name or id in the analyst publication, which holds no clear
personal data: what the user typed is normalised and keyed-hashed exactly as the publication
hashed the customers' identifiers (`privacy.keys`), and the digests are compared.

So an exact e-mail, phone number (as a person types it) or name (first, last or full, any case
or accents) finds the person, while nothing in the analyst publication reveals who they are.
User input only ever reaches DuckDB as bind parameters.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboards.lib.published import PublishedWarehouse, table
from privacy.keys import keyed_hasher

MAX_RESULTS = 50
MIN_NAME_CHARS = 3
MIN_PHONE_DIGITS = 7
PROFILE_COLUMNS = (
    "customer_id",
    "primary_postal_code",
    "first_seen_at",
    "last_seen_at",
    "n_source_systems",
    "source_systems",
)


def search_customers(warehouse: PublishedWarehouse, text: str) -> pd.DataFrame:
    """Customers whose id, any source record id, e-mail, phone or name matches `text`."""
    text = text.strip()
    if not text:
        return pd.DataFrame(columns=list(PROFILE_COLUMNS))
    hasher = keyed_hasher()
    digits = re.sub(r"\D", "", text)
    columns = ", ".join(f"c.{name}" for name in PROFILE_COLUMNS)
    return warehouse.sql(
        f"""
        select {columns}
        from {table("marts", "dim_customer")} c
        where c.customer_id = $text
           or c.primary_email = $email
           or c.primary_phone = $phone
           or $name in (c.full_name, c.first_name, c.last_name)
           or c.customer_id in (
                select m.customer_id from {table("marts", "customer_identity_map")} m
                where m.source_record_id = $text)
        order by c.customer_id
        limit {MAX_RESULTS}
        """,
        {
            "text": text,
            "email": hasher.email(text) if "@" in text else None,
            "phone": hasher.phone(text) if len(digits) >= MIN_PHONE_DIGITS else None,
            "name": hasher.name(text) if len(text) >= MIN_NAME_CHARS else None,
        },
    )


def postal_area(code: str | None) -> str:
    """The published (generalised) postal code as a reader sees it: `021••`."""
    return "—" if not code or pd.isna(code) else f"{code}••"


def customer_label(row: pd.Series) -> str:
    """How a customer is named in a pick list without personal data."""
    systems = str(row["source_systems"]).replace(",", ", ")
    return (
        f"{row['customer_id']} · postal area {postal_area(row['primary_postal_code'])} · {systems}"
    )
