"""`touchpoint identity explain CUSTOMER_ID`: which records make a customer, and why.

Reads the published warehouse: the customer's records (`marts.dim_customer_identity_map`, with
the identifiers `intermediate.int_identity_records` holds for them) and the edges that joined
them (`marts.dim_customer_identity_edge`). A retired id (absorbed by a merge) is followed to
the customer that holds it now (`identity.customer_id_aliases`).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from identity.store import ALIASES

_RECORD_KEY = ("source_system", "source_entity", "source_record_id")


def current_customer_id(con: duckdb.DuckDBPyConnection, customer_id: str) -> str:
    try:
        row = con.execute(
            f"select customer_id from {ALIASES} where retired_customer_id = ?", [customer_id]
        ).fetchone()
    except duckdb.CatalogException:  # no merge has retired an id yet
        row = None
    return str(row[0]) if row else customer_id


def customer_records(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    return con.execute(
        """
        select m.source_system, m.source_entity, m.source_record_id, m.match_method,
            r.first_name, r.last_name, r.email, coalesce(r.phone, r.secondary_phone) as phone,
            r.observed_at
        from marts.dim_customer_identity_map as m
        left join intermediate.int_identity_records as r
            using (source_system, source_entity, source_record_id)
        where m.customer_id = ?
        order by r.observed_at nulls last, m.source_system, m.source_record_id""",
        [customer_id],
    ).df()


def customer_edges(con: duckdb.DuckDBPyConnection, customer_id: str) -> pd.DataFrame:
    return con.execute(
        """
        select * from marts.dim_customer_identity_edge
        where customer_id = ?
        order by linked desc, rule, left_source_system, left_source_record_id,
            right_source_system, right_source_record_id""",
        [customer_id],
    ).df()


def explain(con: duckdb.DuckDBPyConnection, customer_id: str) -> str:
    """A plain-text explanation; raises LookupError for an unknown customer id."""
    current = current_customer_id(con, customer_id)
    records = customer_records(con, current)
    if records.empty:
        raise LookupError(f"no customer {customer_id!r} in the warehouse")
    lines = [
        f"customer {current}"
        + (f" (retired id {customer_id} was merged into it)" if current != customer_id else ""),
        f"{len(records)} records:",
    ]
    label = {}
    for n, row in enumerate(records.itertuples(index=False), start=1):
        key = tuple(getattr(row, c) for c in _RECORD_KEY)
        label[key] = f"#{n}"
        name = (
            " ".join(str(v) for v in (row.first_name, row.last_name) if _present(v)) or "(no name)"
        )
        contact = ", ".join(str(v) for v in (row.email, row.phone) if _present(v)) or "-"
        seen = row.observed_at.strftime("%Y-%m-%d") if _present(row.observed_at) else "?"
        lines.append(
            f"  #{n:<3} {'/'.join(key)}  {name}  <{contact}>  first seen {seen}  "
            f"[{row.match_method}]"
        )
    edges = customer_edges(con, current)
    lines.append(f"{int(edges['linked'].sum())} links:")
    for e in edges.itertuples(index=False):
        left = (e.left_source_system, e.left_source_entity, e.left_source_record_id)
        right = (e.right_source_system, e.right_source_entity, e.right_source_record_id)
        ends = f"{label.get(left, '/'.join(left))} -- {label.get(right, '/'.join(right))}"
        if e.linked:
            detail = e.rule
            if _present(e.evidence_bits):
                detail += f" (evidence {e.evidence_bits:.1f} bits, p = {e.match_probability:.4f})"
        else:
            detail = "kept apart by a steward's force-split"
        if _present(e.reason):
            detail += f": {e.reason}"
        lines.append(f"  {ends}  {detail}")
    return "\n".join(lines)


def _present(value: object) -> bool:
    return value is not None and not pd.isna(value) and str(value) != ""
