"""Who may see a person in clear, and the log of every time someone did.

The dashboards know who is looking through Streamlit's OIDC login (`st.login`, `st.user`),
configured in `.streamlit/secrets.toml` (`[auth]`). Stewards are the people named in
`[touchpoint_privacy] stewards` or holding `steward_role` in the identity token's
`roles_claim` (e.g. a group claim). Only stewards may unmask, and only one named customer at a
time, from the restricted publication; each unmasked view appends a line to the access log beside
it: who, when (UTC), which customer id and from which page, and nothing else about the person.

Without `[auth]` (the local demo) everybody is the documented demo user `demo@localhost`, a
steward unless `[touchpoint_privacy]` says otherwise: whoever runs the demo owns the restricted
file anyway. A deployment configures `[auth]`; from then on nobody is a steward until named.
This module holds the rules and the log; the Streamlit glue is `dashboards/lib/viewer.py`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from warehouse.publication import (
    PublicationsOutOfStep,
    attached_version,
    out_of_step_message,
)

DEMO_USER = "demo@localhost"
DEMO_USER_NAME = "Local demo user"
SECRETS_SECTION = "touchpoint_privacy"
DEFAULT_ROLES_CLAIM = "groups"


@dataclass(frozen=True)
class Viewer:
    """The person looking at the dashboards."""

    user_id: str  # the e-mail of the identity token (its `sub` when it has none)
    name: str
    is_steward: bool
    logged_in: bool  # False for the demo user of an app without [auth]


@dataclass(frozen=True)
class StewardPolicy:
    """Who counts as a steward (`[touchpoint_privacy]` in secrets.toml)."""

    stewards: frozenset[str] = field(default_factory=frozenset)
    steward_role: str | None = None
    roles_claim: str = DEFAULT_ROLES_CLAIM

    @classmethod
    def from_secrets(
        cls, section: Mapping[str, Any] | None, auth_configured: bool
    ) -> StewardPolicy:
        if not section:
            # No policy written: the demo user is a steward of a local demo, nobody of a
            # deployment with a login.
            return cls(frozenset() if auth_configured else frozenset({DEMO_USER}))
        return cls(
            stewards=frozenset(str(s).strip().lower() for s in section.get("stewards", [])),
            steward_role=section.get("steward_role"),
            roles_claim=section.get("roles_claim", DEFAULT_ROLES_CLAIM),
        )

    def allows(self, user_id: str, claims: Mapping[str, Any]) -> bool:
        if user_id.lower() in self.stewards:
            return True
        roles = claims.get(self.roles_claim) or []
        roles = [roles] if isinstance(roles, str) else list(roles)
        return self.steward_role is not None and self.steward_role in roles


def viewer_from(
    user_info: Mapping[str, Any], auth_configured: bool, policy: StewardPolicy
) -> Viewer | None:
    """The viewer for Streamlit's `st.user` contents; None when a login is required first."""
    if not auth_configured:
        return Viewer(DEMO_USER, DEMO_USER_NAME, policy.allows(DEMO_USER, {}), logged_in=False)
    if not user_info.get("is_logged_in"):
        return None
    user_id = str(user_info.get("email") or user_info.get("sub") or "").strip()
    if not user_id:
        return None  # a token naming nobody is no identity
    name = str(user_info.get("name") or user_id)
    return Viewer(user_id, name, policy.allows(user_id, user_info), logged_in=True)


def access_log_path(restricted_publication: Path) -> Path:
    """`touchpoint.restricted.duckdb` -> `touchpoint.restricted.access.log`, beside it."""
    return restricted_publication.with_suffix(".access.log")


def record_unmasked_view(
    restricted_publication: Path, viewer: Viewer, customer_id: str, page: str
) -> dict[str, str]:
    """Append one line (JSON) to the access log, owner-only; returns what was written."""
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "who": viewer.user_id,
        "customer_id": customer_id,
        "page": page,
    }
    path = access_log_path(restricted_publication)
    descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, (json.dumps(entry) + "\n").encode())
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
    return entry


def read_access_log(restricted_publication: Path) -> list[dict[str, str]]:
    path = access_log_path(restricted_publication)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


# The columns of the clear profile a steward sees (dim_customer in the restricted publication).
CLEAR_PROFILE_COLUMNS = (
    "full_name",
    "primary_email",
    "primary_phone",
    "primary_postal_code",
)


def clear_profile(
    restricted_publication: Path, customer_id: str, version: int
) -> dict[str, Any] | None:
    """One customer's personal data in clear, read from the restricted publication (None when
    the customer is not in it). Callers log the view with `record_unmasked_view`.

    `version` is the analyst publication's the caller shows: a restricted publication of another
    version (a run killed between replacing the two) raises PublicationsOutOfStep, since a
    customer id may name someone else, or no one, in another version."""
    if not restricted_publication.exists():
        return None
    con = duckdb.connect(":memory:", config={"autoinstall_known_extensions": False})
    try:
        literal = str(restricted_publication).replace("'", "''")
        con.execute(f"ATTACH '{literal}' AS restricted (READ_ONLY)")
        if (found := attached_version(con, "restricted")) != version:
            raise PublicationsOutOfStep(out_of_step_message(restricted_publication, found, version))
        row = con.execute(
            f"SELECT {', '.join(CLEAR_PROFILE_COLUMNS)} FROM restricted.marts.dim_customer "
            "WHERE customer_id = ?",
            [customer_id],
        ).fetchone()
    finally:
        con.close()
    return None if row is None else dict(zip(CLEAR_PROFILE_COLUMNS, row, strict=True))
