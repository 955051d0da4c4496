"""Sources are declared, not coded: one YAML file per entity under sources/ is the contract.

Ingestion, quarantine, reconciliation, the raw quality suite and dbt's source declarations all
derive from the files; a broken file is refused with its name and field.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from ingestion import SPECS, get_spec, ingest_all
from ingestion.contract import load_specs
from ingestion.contract_files import SOURCES_DIR, ContractFileError, read_contract
from ingestion.dbt_sources import main as dbt_sources_main
from ingestion.dbt_sources import rendered, sources_path, stale_systems
from quality.raw import validate_raw_entity
from tests.helpers import REPO_ROOT

LOYALTY_LANDING = REPO_ROOT / "tests" / "fixtures" / "landing_loyalty"


def test_every_entity_is_one_contract_file():
    files = sorted(SOURCES_DIR.glob("*/*.yml"))
    entity_files = [p for p in files if p.name != "_system.yml"]
    assert len(entity_files) == len(SPECS) == 17
    assert {(p.parent.name, p.stem) for p in entity_files} == {(s.system, s.entity) for s in SPECS}
    assert {s.system for s in SPECS if s.optional} == {"loyalty"}


def test_the_contract_carries_keys_times_pii_and_identity_fields():
    members = get_spec("loyalty", "members")
    assert (members.format, members.key, members.version_column) == (
        "csv",
        ("member_id",),
        "updated_at",
    )
    assert members.time_convention == "offset"
    email = members.field("email")
    assert (email.pii, email.pii_kind, email.identity) == ("direct", "email", "email")
    contacts = get_spec("crm", "contacts")
    assert contacts.field("Id").identity == "salesforce_contact_id"
    assert contacts.field("MailingPostalCode").pii == "quasi"
    assert get_spec("surveys", "responses").header_rows == 3
    assert get_spec("billing", "customers").variant_flag == "deleted"


def test_dbt_source_declarations_are_generated_from_the_contract():
    """The committed _<system>__sources.yml files are exactly what the contract renders."""
    assert dbt_sources_main(["--check"]) == 0
    for system, text in rendered().items():
        assert sources_path(system).read_text(encoding="utf-8") == text, system
        declared = yaml.safe_load(text)["sources"][0]
        tables = {t["name"]: t for t in declared["tables"]}
        for spec in (s for s in SPECS if s.system == system):
            tagged = {
                c["name"]: c["config"]["meta"] for c in tables[spec.entity].get("columns", [])
            }
            assert tagged == {
                f.name: {k: v for k, v in (("pii", f.pii), ("pii_kind", f.pii_kind)) if v}
                for f in spec.fields
                if f.pii
            }


def test_a_hand_edit_of_a_generated_file_is_reported(tmp_path):
    staging = tmp_path / "staging"
    for system in rendered():
        target = sources_path(system, staging)
        target.parent.mkdir(parents=True)
        shutil.copy(sources_path(system), target)
    assert stale_systems(staging) == []
    edited = sources_path("crm", staging)
    edited.write_text(edited.read_text().replace("pii_kind: email", "pii_kind: name"))
    sources_path("loyalty", staging).unlink()
    assert stale_systems(staging) == ["crm", "loyalty"]


def _copy_contract(tmp_path: Path) -> Path:
    root = tmp_path / "sources"
    shutil.copytree(SOURCES_DIR, root)
    return root


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("file", "old", "new", "message"),
    [
        (
            "loyalty/members.yml",
            "{name: points_balance, type: BIGINT}",
            "{name: points_balance, type: bigint number}",
            r"sources/loyalty/members\.yml: columns\.6\.type: .*not a DuckDB type name",
        ),
        (
            "loyalty/members.yml",
            "key: [member_id]",
            "key: [member_no]",
            r"sources/loyalty/members\.yml: .*key: 'member_no' is not a declared column",
        ),
        (
            "loyalty/members.yml",
            "pii: direct, pii_kind: email,",
            "pii: direct,",
            r"sources/loyalty/members\.yml: columns\.1: .*needs pii_kind",
        ),
        (
            "loyalty/points_events.yml",
            "{name: order_reference, type: VARCHAR, required: false}",
            "{name: order_reference, type: VARCHAR, requried: false}",
            r"sources/loyalty/points_events\.yml: columns\.5\.requried: Extra inputs",
        ),
        (
            "loyalty/points_events.yml",
            "format: csv",
            "format: xlsx",
            r"sources/loyalty/points_events\.yml: format: ",
        ),
        (
            "loyalty/points_events.yml",
            "  rules: [_q_sign_matches_type]",
            "  rules: [_q_sign_matches]",
            r"quality\.rules: '_q_sign_matches' is neither a column nor a derived column",
        ),
        (
            "loyalty/_system.yml",
            "- points_events\n",
            "",
            r"sources/loyalty/_system\.yml: entities: .*files not listed \['points_events'\]",
        ),
        (
            "loyalty/members.yml",
            "identity: phone}",
            "identity: telephone}",
            r"columns\.2\.identity: .*'telephone' is not one of",
        ),
    ],
)
def test_a_broken_contract_file_is_refused_naming_file_and_field(tmp_path, file, old, new, message):
    root = _copy_contract(tmp_path)
    _edit(root / file, old, new)
    with pytest.raises(ContractFileError, match=message):
        read_contract(root)


def test_a_new_entity_file_is_a_new_spec(tmp_path):
    """Adding an entity is a YAML file and a line in its system's entity list: no code."""
    root = _copy_contract(tmp_path)
    (root / "loyalty" / "rewards.yml").write_text(
        "system: loyalty\nentity: rewards\ndescription: One row per reward.\nformat: jsonl\n"
        "key: [id]\ntime_convention: offset\n"
        "columns:\n- {name: id, type: BIGINT}\n- {name: title, type: VARCHAR, required: false}\n"
    )
    _edit(root / "loyalty" / "_system.yml", "- points_events\n", "- points_events\n- rewards\n")
    specs = {(s.system, s.entity): s for s in load_specs(root)}
    rewards = specs[("loyalty", "rewards")]
    assert rewards.columns()[:2] == [("id", "BIGINT"), ("title", "VARCHAR")]
    assert rewards.required_fields == ("id",)
    assert rewards.optional


def test_the_loyalty_export_loads_quarantines_and_reconciles_from_its_yaml():
    con = duckdb.connect()
    loyalty = [s for s in SPECS if s.system == "loyalty"]
    results = {r.entity: r for r in ingest_all(con, LOYALTY_LANDING, loyalty)}
    members, events = results["members"], results["points_events"]
    assert (members.files_seen, members.rows_read, members.rows_loaded) == (2, 3, 3)
    # "lots" is not a BIGINT: the row is quarantined, the file's other rows load
    assert (events.rows_read, events.rows_loaded, events.rows_quarantined) == (4, 3, 1)
    assert members.reconciliation.ok and events.reconciliation.ok
    assert con.execute(
        "SELECT entity, reason FROM raw.quarantine WHERE system = 'loyalty'"
    ).fetchall() == [("points_events", "type_cast")]
    con.close()


def test_the_raw_quality_suite_comes_from_the_yaml():
    con = duckdb.connect()
    ingest_all(con, LOYALTY_LANDING, [s for s in SPECS if s.system == "loyalty"])
    result = validate_raw_entity(con, "loyalty", "points_events")
    outcomes = {(o.expectation, o.column): o for o in result.outcomes}
    assert outcomes[("raw_column_types_match_contract", None)].success
    assert outcomes[("expect_column_values_to_be_in_set", "event_type")].success
    assert outcomes[("expect_column_values_to_be_in_set", "_q_sign_matches_type")].success
    assert outcomes[("expect_column_values_to_match_regex", "member_id")].success
    # a declared rule is judged: a redemption with positive points breaks the sign rule
    con.execute("UPDATE raw.loyalty__points_events SET points = 50 WHERE event_id = 'LE5002'")
    broken = validate_raw_entity(con, "loyalty", "points_events", mostly=1.0)
    sign = {(o.expectation, o.column): o for o in broken.outcomes}[
        ("expect_column_values_to_be_in_set", "_q_sign_matches_type")
    ]
    assert not sign.success and sign.unexpected_count == 1
    con.close()


def test_added_staging_models_map_every_identity_field_their_contract_declares(dbt_parsed):
    """The contract's identity roles are what the staging model hands identity resolution."""
    project = yaml.safe_load((REPO_ROOT / "dbt_project" / "dbt_project.yml").read_text())
    manifest = json.loads((dbt_parsed / "manifest.json").read_text())
    listed = project["vars"]["identity_record_models"]
    assert listed, "no source is added by declaration"
    for model in listed:
        node = manifest["nodes"][f"model.touchpoint.{model}"]
        mapping = node["config"]["meta"]["identity_records"]
        system, entity = model.removeprefix("stg_").split("__")
        declared = {
            "source_record_id" if f.identity == "record_id" else f.identity
            for f in get_spec(system, entity).fields
            if f.identity
        }
        assert declared <= set(mapping), (model, declared - set(mapping))
        assert set(mapping.values()) <= set(node["columns"]), model
