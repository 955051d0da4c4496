"""Touchpoint dashboards: one navigation over the published warehouse."""

from __future__ import annotations

import streamlit as st

st.set_page_config(page_title="Touchpoint", layout="wide")
navigation = st.navigation(
    {"Customer experience": [st.Page("app_pages/nps.py", title="NPS", icon=":material/thumb_up:")]}
)
navigation.run()
