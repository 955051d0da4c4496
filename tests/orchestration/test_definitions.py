"""The code location loads, and its graph is wired the way the architecture promises."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from orchestration.lib.dbt_project import prepare_manifest
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from warehouse.settings import TouchpointPaths


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dg.Definitions]:
    manifest = prepare_manifest()
    assert manifest.exists()
    # Loading the code location exports its paths (TOUCHPOINT_*) for dbt and step workers; keep
    # them out of later tests, whose `touchpoint run` subprocesses would inherit them.
    saved = os.environ.copy()
    try:
        from orchestration.definitions import build_definitions

        root = tmp_path_factory.mktemp("defs")
        yield build_definitions(TouchpointPaths.resolve(root / "landing", root / "wh.duckdb"))
    finally:
        os.environ.clear()
        os.environ.update(saved)


def test_every_dbt_source_has_an_ingestion_asset_with_the_same_key(definitions) -> None:
    manifest = json.loads(prepare_manifest().read_text())
    source_keys = {dg.AssetKey([s["source_name"], s["name"]]) for s in manifest["sources"].values()}
    graph = definitions.resolve_asset_graph()
    materializable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    assert source_keys, "the dbt project declares sources"
    assert source_keys <= materializable


def test_writers_share_one_pool_and_publish_is_last(definitions) -> None:
    graph = definitions.resolve_asset_graph()
    publish = dg.AssetKey("published_warehouse")
    writers = [a for a in definitions.assets if isinstance(a, dg.AssetsDefinition) and a.keys]
    assert writers
    for assets_def in writers:
        assert assets_def.op.pool == DUCKDB_WRITER_POOL, assets_def.keys
    assert dg.AssetKey(["marts", "fct_service_issue"]) in graph.get(publish).parent_keys
    assert not graph.get(publish).child_keys


def test_clv_sits_between_fct_order_and_dim_customer(definitions) -> None:
    """Keyed like its dbt source, so dim_customer depends on it and Dagster splits the dbt
    multi-asset around it (the end-to-end run executes the split job)."""
    graph = definitions.resolve_asset_graph()
    clv = graph.get(dg.AssetKey(["clv", "customer_predictions"]))
    assert dg.AssetKey(["marts", "fct_order"]) in clv.parent_keys
    assert dg.AssetKey(["marts", "dim_customer"]) in clv.child_keys
    assert (
        dg.AssetKey(["marts", "dim_customer"])
        in graph.get(dg.AssetKey(["marts", "mart_customer_value"])).parent_keys
    )


def test_dbt_groups_mirror_folders(definitions) -> None:
    graph = definitions.resolve_asset_graph()
    assert graph.get(dg.AssetKey(["marts", "fct_survey_response"])).group_name == "marts_journey"
    assert (
        graph.get(dg.AssetKey(["staging", "stg_surveys__responses"])).group_name
        == "staging_surveys"
    )


def test_job_schedule_and_sensor(definitions) -> None:
    assert definitions.resolve_job_def("touchpoint_pipeline")
    schedule = definitions.resolve_schedule_def("daily_refresh")
    assert schedule.execution_timezone == "America/New_York"
    assert definitions.resolve_sensor_def("new_landing_files")


def test_sensor_requests_a_run_only_when_files_change(tmp_path: Path, definitions) -> None:
    sensor = definitions.resolve_sensor_def("new_landing_files")
    landing = tmp_path / "landing"
    resource = WarehouseResource(
        landing_dir=str(landing), warehouse=str(tmp_path / "w"), build_dir=str(tmp_path / "b")
    )

    def evaluate(cursor: str | None):
        context = dg.build_sensor_context(cursor=cursor, resources={"warehouse": resource})
        return sensor.evaluate_tick(context)

    assert not evaluate(None).run_requests  # no landing folder yet
    (landing / "surveys" / "responses").mkdir(parents=True)
    (landing / "surveys" / "responses" / "2026-03-01.csv").write_text("StartDate\n")
    first = evaluate(None)
    assert len(first.run_requests) == 1
    assert not evaluate(first.cursor).run_requests  # nothing new
    (landing / "surveys" / "responses" / "2026-03-02.csv").write_text("StartDate\n")
    assert len(evaluate(first.cursor).run_requests) == 1
