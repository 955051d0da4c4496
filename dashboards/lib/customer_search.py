"""Find customers by e-mail, phone, name or id, and mask their personal data for display.

User input only ever reaches DuckDB as bind parameters, and text matching uses `contains`
(no LIKE wildcards), so a hostile string is just a string that matches nobody.
"""

from __future__ import annotations

import re

import pandas as pd

from dashboards.lib.published import PublishedWarehouse, table

MAX_RESULTS = 50
MIN_NAME_CHARS = 3
MIN_PHONE_DIGITS = 7
PROFILE_COLUMNS = (
    "customer_id",
    "full_name",
    "primary_email",
    "primary_phone",
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
    digits = re.sub(r"\D", "", text)
    columns = ", ".join(f"c.{name}" for name in PROFILE_COLUMNS)
    return warehouse.sql(
        f"""
        select {columns}
        from {table("marts", "dim_customer")} c
        where c.customer_id = $text
           or lower(c.primary_email) = lower($text)
           or ($digits_ok and contains(regexp_replace(c.primary_phone, '[^0-9]', '', 'g'),
                                       $digits))
           or ($name_ok and contains(lower(c.full_name), lower($text)))
           or c.customer_id in (
                select m.customer_id from {table("marts", "customer_identity_map")} m
                where m.source_record_id = $text)
        order by c.full_name, c.customer_id
        limit {MAX_RESULTS}
        """,
        {
            "text": text,
            "digits": digits,
            "digits_ok": len(digits) >= MIN_PHONE_DIGITS,
            "name_ok": len(text) >= MIN_NAME_CHARS,
        },
    )


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return "—"
    local, domain = email.split("@", 1)
    return f"{local[:1]}•••@{domain}"


def mask_phone(phone: str | None) -> str:
    return "—" if not phone else "•••••" + phone[-4:]


def mask_name(name: str | None) -> str:
    if not name:
        return "—"
    return " ".join(part[:1] + "." for part in name.split())


def mask_postal_code(code: str | None) -> str:
    return "—" if not code else code[:3] + "••"


MASKS = {
    "full_name": mask_name,
    "primary_email": mask_email,
    "primary_phone": mask_phone,
    "primary_postal_code": mask_postal_code,
}


def masked(frame: pd.DataFrame) -> pd.DataFrame:
    """The same rows with personal data replaced by masks (ids and dates stay readable)."""
    out = frame.copy()
    for column, mask in MASKS.items():
        if column in out.columns:
            out[column] = [mask(None if pd.isna(v) else str(v)) for v in out[column]]
    return out
