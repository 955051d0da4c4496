"""Tables with a CSV download beside them."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st


def table_with_download(
    frame: pd.DataFrame,
    name: str,
    *,
    column_config: dict | None = None,
    height: int | str = "auto",
) -> None:
    """Show a table and offer exactly its rows and columns as CSV (`name` labels the file)."""
    st.dataframe(
        _dashes_for_missing_text(frame),
        hide_index=True,
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


def _dashes_for_missing_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Missing values in text columns read "—", not "None" (numbers stay numbers)."""
    shown = frame.copy()
    for column in shown.columns:
        if shown[column].dtype == object or pd.api.types.is_string_dtype(shown[column]):
            shown[column] = shown[column].astype(object).where(shown[column].notna(), "—")
    return shown


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
