"""Tables with a CSV download beside them."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboards.lib.names import human_name

MISSING = "—"
_CODE = re.compile(r"[a-z][a-z0-9_]*")


def table_with_download(
    frame: pd.DataFrame,
    name: str,
    *,
    column_config: dict | None = None,
    height: int | str = "auto",
) -> None:
    """Show a table and offer exactly its rows and columns as CSV (`name` labels the file)."""
    st.dataframe(
        frame,
        hide_index=True,
        placeholder=MISSING,  # Streamlit shows "None" for missing text and numbers otherwise
        width="stretch",
        column_config=_labelled(frame, column_config or {}),
        height=height,
    )
    st.download_button(
        "Download CSV",
        frame.to_csv(index=False),
        file_name=f"{_slug(name)}.csv",
        mime="text/csv",
        key=f"download_{_slug(name)}",
        icon=":material/download:",
    )


def _labelled(frame: pd.DataFrame, column_config: dict) -> dict:
    """Every column headed in plain words ("contacts_per_100_orders" -> "Contacts per 100
    orders") unless the page gave it a label; the download keeps the mart's column names."""
    labelled = {}
    for column in frame.columns:
        config = column_config.get(column)
        if isinstance(config, str):  # a bare label
            labelled[column] = config
        elif config is None:
            labelled[column] = st.column_config.Column(_heading(column))
        else:
            labelled[column] = {**config, "label": config.get("label") or _heading(column)}
    return labelled


def _heading(column: object) -> str:
    """A mart code in words; a name the page already wrote ("Opened (UTC)") as it is."""
    return human_name(column) if _CODE.fullmatch(str(column)) else str(column)


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
