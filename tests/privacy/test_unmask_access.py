"""Who may unmask: stewards only, one named customer at a time, and every unmasked view is in
the access log (who, when, which customer, which page; nothing else about the person)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from privacy.access import (
    DEMO_USER,
    StewardPolicy,
    Viewer,
    access_log_path,
    read_access_log,
    record_unmasked_view,
    viewer_from,
)
from tests.dashboards.apptest import open_app, render
from tests.helpers import PipelineRun
from warehouse.connections import connect_published
from warehouse.publication import restricted_publication_path


def test_without_a_login_the_local_demo_user_is_a_steward() -> None:
    policy = StewardPolicy.from_secrets(None, auth_configured=False)
    viewer = viewer_from({}, auth_configured=False, policy=policy)
    assert viewer == Viewer(DEMO_USER, "Local demo user", is_steward=True, logged_in=False)


def test_a_written_policy_can_take_the_demo_user_s_steward_role_away() -> None:
    policy = StewardPolicy.from_secrets({"stewards": ["dpo@example.com"]}, auth_configured=False)
    assert not viewer_from({}, auth_configured=False, policy=policy).is_steward


def test_with_a_login_nobody_is_a_steward_until_named() -> None:
    user = {"is_logged_in": True, "email": "ann@example.com", "name": "Ann"}
    assert not viewer_from(user, True, StewardPolicy.from_secrets(None, True)).is_steward
    named = StewardPolicy.from_secrets({"stewards": ["ANN@example.com"]}, True)
    assert viewer_from(user, True, named).is_steward


def test_a_role_claim_makes_a_steward() -> None:
    policy = StewardPolicy.from_secrets(
        {"steward_role": "touchpoint-steward", "roles_claim": "groups"}, True
    )
    member = {"is_logged_in": True, "email": "b@example.com", "groups": ["touchpoint-steward"]}
    other = {"is_logged_in": True, "email": "c@example.com", "groups": ["analysts"]}
    assert viewer_from(member, True, policy).is_steward
    assert not viewer_from(other, True, policy).is_steward


def test_a_configured_login_must_be_used_first() -> None:
    policy = StewardPolicy.from_secrets(None, True)
    assert viewer_from({"is_logged_in": False}, True, policy) is None
    assert viewer_from({}, True, policy) is None
    assert viewer_from({"is_logged_in": True}, True, policy) is None  # a token naming nobody


def test_the_access_log_is_owner_only_and_holds_no_personal_data(tmp_path: Path) -> None:
    restricted = tmp_path / "touchpoint.restricted.duckdb"
    viewer = Viewer("steward@example.com", "Steward", is_steward=True, logged_in=True)
    record_unmasked_view(restricted, viewer, "C123", "Customer 360")
    record_unmasked_view(restricted, viewer, "C456", "Customer 360")
    path = access_log_path(restricted)
    assert path.name == "touchpoint.restricted.access.log"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    entries = read_access_log(restricted)
    assert [e["customer_id"] for e in entries] == ["C123", "C456"]
    assert all(set(e) == {"at", "who", "customer_id", "page"} for e in entries)
    assert entries[0]["who"] == "steward@example.com" and entries[0]["page"] == "Customer 360"
    json.loads(path.read_text().splitlines()[0])  # one JSON document per line


@pytest.fixture()
def known_customer(handmade_run: PipelineRun) -> dict:
    con = connect_published(handmade_run.build_db)
    try:
        row = con.execute(
            "select customer_id, full_name, primary_email, primary_phone from marts.dim_customer "
            "where primary_email is not null and primary_phone is not null "
            "order by customer_id limit 1"
        ).fetchone()
    finally:
        con.close()
    return dict(zip(("customer_id", "full_name", "email", "phone"), row, strict=True))


def _shown(app) -> str:
    return " ".join(
        [m.value for m in app.markdown]
        + [s.value for s in app.subheader]
        + [c.value for c in app.caption]
    )


def test_a_steward_unmasks_one_customer_and_the_view_is_logged(
    monkeypatch, handmade_run: PipelineRun, known_customer: dict
) -> None:
    restricted = restricted_publication_path(handmade_run.warehouse)
    before = len(read_access_log(restricted))
    app = open_app(monkeypatch, handmade_run.warehouse)
    render(app, "customer_360")
    app.text_input(key="customer_search").set_value(known_customer["email"]).run()
    assert not app.exception
    masked = _shown(app)
    assert known_customer["customer_id"] in masked
    for personal in ("email", "phone", "full_name"):
        assert known_customer[personal] not in masked
    assert len(read_access_log(restricted)) == before  # searching is not unmasking
    app.toggle(key="show_pii").set_value(True).run()
    unmasked = _shown(app)
    assert known_customer["email"] in unmasked and known_customer["phone"] in unmasked
    app.run()  # the same view, re-rendered, is one view
    entries = read_access_log(restricted)[before:]
    assert [(e["who"], e["customer_id"], e["page"]) for e in entries] == [
        (DEMO_USER, known_customer["customer_id"], "Customer 360")
    ]
    log_text = access_log_path(restricted).read_text()
    assert known_customer["email"] not in log_text and known_customer["full_name"] not in log_text


def test_who_is_not_a_steward_sees_no_unmask_toggle(
    monkeypatch, handmade_run: PipelineRun, known_customer: dict
) -> None:
    app = open_app(monkeypatch, handmade_run.warehouse)
    app.secrets["touchpoint_privacy"] = {"stewards": ["dpo@example.com"]}
    render(app, "customer_360")
    app.text_input(key="customer_search").set_value(known_customer["customer_id"]).run()
    assert not app.exception
    assert not [t for t in app.toggle if t.key == "show_pii"]
    assert known_customer["email"] not in _shown(app)
    assert "analyst" in _shown(app)
