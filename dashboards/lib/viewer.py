"""Who is looking at the dashboards: Streamlit's OIDC login, read through `privacy.access`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from privacy.access import SECRETS_SECTION, StewardPolicy, Viewer, viewer_from


def _secret(name: str) -> Mapping[str, Any] | None:
    try:
        return st.secrets.get(name)
    except FileNotFoundError:  # no secrets.toml at all: the local demo
        return None


def auth_configured() -> bool:
    """Whether `.streamlit/secrets.toml` configures an OIDC login (`[auth]`)."""
    return bool(_secret("auth"))


def current_viewer() -> Viewer | None:
    """The person looking; None when a login is configured and they have not logged in."""
    configured = auth_configured()
    policy = StewardPolicy.from_secrets(_secret(SECRETS_SECTION), configured)
    user_info = st.user.to_dict() if configured else {}
    return viewer_from(user_info, configured, policy)


def login_prompt(purpose: str) -> None:
    st.info(f"Log in to {purpose}.")
    st.button("Log in", on_click=st.login, key="login")


def viewer_caption(viewer: Viewer) -> None:
    role = "steward: may unmask one customer at a time" if viewer.is_steward else "analyst"
    how = "logged in" if viewer.logged_in else "local demo, no login configured"
    st.caption(f"Looking as **{viewer.name}** ({viewer.user_id}; {role}; {how}).")
    if viewer.logged_in:
        st.button("Log out", on_click=st.logout, key="logout")
