"""The Dagster side: one asset per entity keyed like the dbt source, metadata and the check;
all entities in one subsettable step that loads two at a time."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from ingestion import SPECS
from orchestration.defs.ingestion import defs as ingestion_defs
from orchestration.defs.ingestion.assets import INGESTION_STEP
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from tests.ingestion.landing import HANDMADE
from warehouse.settings import TouchpointPaths


def _resource(landing: Path, tmp: Path) -> WarehouseResource:
    return WarehouseResource.from_paths(
        TouchpointPaths(landing_dir=landing, warehouse=tmp / "w.duckdb", build_dir=tmp / "build")
    )


def test_one_asset_per_contract_entity():
    assets = list(ingestion_defs.assets)
    keys = {k.path[0] + "/" + k.path[1]: a for a in assets for k in a.keys}
    assert set(keys) == {f"{s.system}/{s.entity}" for s in SPECS}
    for spec in SPECS:
        a = keys[f"{spec.system}/{spec.entity}"]
        key = dg.AssetKey(spec.asset_key)
        assert a.group_names_by_key[key] == f"raw_{spec.system}"
        assert a.op.pool == DUCKDB_WRITER_POOL
        assert "warehouse" in a.required_resource_keys
        assert dg.AssetCheckKey(key, "reconciliation") in a.check_keys
    # one step for all of them (loaded two at a time), which runs any subset of them
    [step] = assets
    assert step.op.name == INGESTION_STEP and step.can_subset


def _entities(*paths: list[str]) -> list[dg.AssetKey]:
    return [dg.AssetKey(p) for p in paths]


def test_materialize_reports_files_rows_and_reconciliation(tmp_path):
    landing = tmp_path / "landing"
    shutil.copytree(HANDMADE / "surveys", landing / "surveys")
    bad = landing / "crm" / "contacts" / "2026-03-02.csv"
    bad.parent.mkdir(parents=True)
    bad.write_text("Id,FirstName\n0035g00000AbCdEAAZ,Ann\n")
    wanted = _entities(["surveys", "responses"], ["crm", "contacts"], ["digital", "events"])
    assets = list(ingestion_defs.assets)
    resources = {"warehouse": _resource(landing, tmp_path)}
    res = dg.materialize(assets, selection=wanted, resources=resources)
    assert res.success
    # the subset only: no other entity was loaded or checked
    assert {e.asset_key for e in res.get_asset_materialization_events()} == set(wanted)
    md = {
        m.asset_key.path[0]: m.metadata
        for m in res.get_asset_materialization_events()
        for m in [m.materialization]
    }
    assert md["surveys"]["rows_loaded"].value == 12 and md["surveys"]["files_new"].value == 2
    assert (
        md["crm"]["files_rejected"].value == 1
        and "FirstName" not in md["crm"]["rejected_files"].value
    )
    assert "'LastName'" in md["crm"]["rejected_files"].value
    assert (
        "does not exist" in md["digital"]["warnings"].value
        and md["digital"]["dagster/row_count"].value == 0
    )
    checks = {tuple(e.asset_key.path): e.passed for e in res.get_asset_check_evaluations()}
    assert checks == {
        ("surveys", "responses"): True,
        ("crm", "contacts"): True,
        ("digital", "events"): True,
    }
    # a second run reads nothing new
    again = dg.materialize(assets, selection=wanted, resources=resources)
    md2 = {
        m.materialization.asset_key.path[0]: m.materialization.metadata
        for m in again.get_asset_materialization_events()
    }
    assert md2["surveys"]["files_skipped"].value == 2 and md2["surveys"]["rows_read"].value == 0
