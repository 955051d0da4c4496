"""Friendly notes for what a publication does not have (instead of a traceback)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import streamlit as st

from dashboards.lib.published import PublishedWarehouse


def not_in_publication(warehouse: PublishedWarehouse, what: str) -> None:
    st.info(
        f"{what} is not available in this publication (version {warehouse.version}). "
        "It appears after a pipeline run with a Touchpoint version that builds it."
    )


def require_tables(warehouse: PublishedWarehouse, schema: str, *tables: str) -> bool:
    """True when every table exists; otherwise one note naming the missing ones."""
    missing = [name for name in tables if not warehouse.has_table(schema, name)]
    if missing:
        not_in_publication(warehouse, ", ".join(f"`{schema}.{name}`" for name in missing))
    return not missing


def require_columns(
    warehouse: PublishedWarehouse, schema: str, table: str, columns: Sequence[str]
) -> bool:
    missing = [c for c in columns if c not in warehouse.columns(schema, table)]
    if missing:
        not_in_publication(
            warehouse, f"`{schema}.{table}` column(s) " + ", ".join(f"`{c}`" for c in missing)
        )
    return not missing


def unavailable_metrics(warehouse: PublishedWarehouse, reasons: Mapping[str, str]) -> None:
    if not reasons:
        return
    lines = "\n".join(f"- `{name}`: {why}" for name, why in sorted(reasons.items()))
    st.info(
        f"Some metrics are not available in this publication (version {warehouse.version}):\n"
        + lines
    )
