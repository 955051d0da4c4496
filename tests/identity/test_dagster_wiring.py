"""dbt -> Python -> dbt inside one Dagster job: the dbt multi-asset is split around identity."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration.lib.dbt_project import prepare_manifest
from orchestration.lib.resources import DUCKDB_WRITER_POOL, WarehouseResource
from tests.helpers import HANDMADE_LANDING
from warehouse.settings import (
    ENV_BUILD_DB,
    ENV_BUILD_DIR,
    ENV_LANDING_DIR,
    ENV_WAREHOUSE,
    TouchpointPaths,
)

pytestmark = pytest.mark.slow


@pytest.fixture()
def identity_definitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[dg.Definitions, TouchpointPaths]:
    prepare_manifest()
    from dagster_dbt import get_asset_key_for_model

    from orchestration.defs import clv, identity, ingestion, transform
    from orchestration.defs.transform.assets import touchpoint_dbt_models

    paths = TouchpointPaths.resolve(HANDMADE_LANDING, tmp_path / "warehouse.duckdb")
    for name, value in (
        (ENV_LANDING_DIR, paths.landing_dir),
        (ENV_WAREHOUSE, paths.warehouse),
        (ENV_BUILD_DIR, paths.build_dir),
        (ENV_BUILD_DB, paths.build_db),
    ):
        monkeypatch.setenv(name, str(value))
    # A split dbt multi-asset runs `dbt build --select <its part>`. With dbt's default (eager)
    # indirect selection a singular test runs as soon as one of its models is in the part, even
    # if another of its models is only built in the part after identity resolution; `buildable`
    # runs it in the part where all its models exist. (The pipeline needs the same setting.)
    monkeypatch.setenv("DBT_INDIRECT_SELECTION", "buildable")
    # the two marts identity feeds and what they need (dim_customer also reads orders, surveys
    # and CLV), not the rest of the warehouse. Without Dagster's checks: a check of a mart in the
    # slice may read a mart outside it (fct_survey_response -> fct_service_issue); dbt's
    # buildable selection still runs every dbt test whose models the slice builds.
    marts = [
        get_asset_key_for_model([touchpoint_dbt_models], m)
        for m in ("customer_identity_map", "dim_customer")
    ]
    selection = dg.AssetSelection.assets(*marts).upstream() - dg.AssetSelection.checks_for_assets(
        touchpoint_dbt_models
    )
    job = dg.define_asset_job("identity_slice", selection=selection)
    defs = dg.Definitions.merge(
        ingestion.defs,
        transform.defs,
        identity.defs,
        clv.defs,
        dg.Definitions(resources={"warehouse": WarehouseResource.from_paths(paths)}, jobs=[job]),
    )
    return defs, paths


def test_identity_asset_is_keyed_like_the_dbt_source_and_writes_in_the_pool(
    identity_definitions: tuple[dg.Definitions, TouchpointPaths],
) -> None:
    from orchestration.defs.identity.assets import IDENTITY_RECORDS_KEY, RESOLVED_RECORDS_KEY

    defs, _ = identity_definitions
    graph = defs.resolve_asset_graph()
    node = graph.get(RESOLVED_RECORDS_KEY)
    assert node.is_materializable
    assert IDENTITY_RECORDS_KEY in node.parent_keys
    # one intermediate model reads the source; the identity map and dim_customer read it
    children = {key.path[-1] for key in node.child_keys}
    assert children == {"int_identity_records_resolved"}
    (lookup_key,) = node.child_keys
    grandchildren = {key.path[-1] for key in graph.get(lookup_key).child_keys}
    assert {"dim_customer_identity_map", "dim_customer"} <= grandchildren
    op = graph.assets_def_for_key(RESOLVED_RECORDS_KEY).get_op_def_for_asset_key(
        RESOLVED_RECORDS_KEY
    )
    assert op.pool == DUCKDB_WRITER_POOL


def test_one_job_runs_dbt_then_identity_then_dbt(
    identity_definitions: tuple[dg.Definitions, TouchpointPaths],
) -> None:
    from orchestration.defs.identity.assets import RESOLVED_RECORDS_KEY

    defs, paths = identity_definitions
    result = defs.resolve_job_def("identity_slice").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    failures = [e.step_failure_data.error.message[:2000] for e in result.get_step_failure_events()]
    assert result.success, failures

    started = [e.step_key for e in result.all_events if e.event_type_value == "STEP_START"]
    identity_step = started.index("identity__resolved_records")
    assert any(s.startswith("touchpoint_dbt_models") for s in started[:identity_step])
    assert any(s.startswith("touchpoint_dbt_models") for s in started[identity_step + 1 :])
    # dim_customer reads CLV, which reads fct_order: a third dbt step follows the CLV step
    clv_step = started.index("clv__customer_predictions")
    assert identity_step < clv_step
    assert any(s.startswith("touchpoint_dbt_models") for s in started[identity_step + 1 : clv_step])
    assert any(s.startswith("touchpoint_dbt_models") for s in started[clv_step + 1 :])

    materialized = {e.asset_key.path[-1] for e in result.get_asset_materialization_events()}
    assert {
        "int_identity_records",
        "resolved_records",
        "customer_identity_map",
        "dim_customer",
    } <= materialized
    assert RESOLVED_RECORDS_KEY.path[-1] == "resolved_records"

    con = duckdb.connect(str(paths.build_db), read_only=True)
    try:
        n_records = con.execute("select count(*) from intermediate.int_identity_records").fetchone()
        n_mapped = con.execute("select count(*) from marts.customer_identity_map").fetchone()
        n_customers = con.execute(
            "select count(*), sum(n_source_records) from marts.dim_customer"
        ).fetchone()
    finally:
        con.close()
    assert n_records[0] > 0 and n_mapped[0] == n_records[0] == n_customers[1]
    assert 0 < n_customers[0] < n_records[0]
