"""Simulator profiles: the demo default, and a second company with other vendors' conventions
(short forms, e-mail-derived Zendesk names, placeholders, capitalised card names, form typos)."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from simtest_support import parse_entity

from simulator import SimulatorConfig, generate
from simulator.cli import main
from simulator.identity import PLACEHOLDER_EMAIL, short_form
from simulator.profiles import PROFILES, profile_config


def test_short_form_cuts_after_the_first_syllable() -> None:
    assert [short_form(n) for n in ("Katherine", "Jennifer", "Alexander", "Stephanie", "Anna")] == [
        "Kath",
        "Jenn",
        "Alex",
        "Steph",
        "Anna",
    ]


def test_demo_profile_is_the_default_configuration() -> None:
    assert SimulatorConfig.from_dict(profile_config("demo")) == SimulatorConfig()
    noise = SimulatorConfig().noise
    assert noise.short_form == noise.email_derived_name == noise.placeholder_email == 0.0
    with pytest.raises(ValueError, match="unknown simulator profile"):
        profile_config("nope")
    for name in PROFILES:  # every profile is a valid configuration
        SimulatorConfig.from_dict(profile_config(name))


def test_cli_refuses_an_unknown_profile(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["--out", str(tmp_path), "--profile", "nope"])


@pytest.fixture(scope="module")
def vendor_company(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("vendor_conventions")
    cfg = dataclasses.replace(
        SimulatorConfig.from_dict(profile_config("vendor_conventions")), min_shard_people=250
    )
    generate(root, 800, 45, 5, dt.date(2025, 10, 20), cfg, progress=False)
    return root


def test_vendor_profile_writes_its_conventions(vendor_company: Path) -> None:
    landing = vendor_company / "landing"
    with (vendor_company / "truth" / "persons.csv").open() as f:
        first_names = {row["first_name"] for row in csv.DictReader(f)}
    crm = parse_entity(landing, "crm", "contacts").records
    short = [
        r["FirstName"]
        for r in crm
        if r.get("FirstName")
        and r["FirstName"] not in first_names
        and any(n.startswith(r["FirstName"]) and n != r["FirstName"] for n in first_names)
    ]
    assert len(short) >= 0.05 * len(crm), "no staff short forms"
    assert any(r.get("Email", "").strip() == PLACEHOLDER_EMAIL for r in crm)

    users = parse_entity(landing, "support", "users").records
    derived = [
        u
        for u in users
        if u.get("email") and u.get("name") and u["name"] == u["email"].strip().partition("@")[0]
    ]
    assert derived, "no Zendesk users named after their address"

    stripe = parse_entity(landing, "billing", "customers").records
    named = [c["name"] for c in stripe if c.get("name")]
    assert sum(n.isupper() for n in named) >= 0.2 * len(named)
