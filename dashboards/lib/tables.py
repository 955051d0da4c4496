"""Tables with a CSV download beside them."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

MISSING = "—"


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
        column_config=column_config,
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


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
