"""Which relations a dbt step on Spark hands back to the DuckDB build database
(orchestration/lib/spark_dbt_step.py): what the Python steps and the publication read, no more."""

from __future__ import annotations

from orchestration.lib.spark_dbt_step import relations_to_hand_back


def _node(schema: str, alias: str, materialized: str, resource_type: str = "model") -> dict:
    return {
        "schema": schema,
        "alias": alias,
        "resource_type": resource_type,
        "config": {"materialized": materialized},
    }


NODES = {
    "model.t.fct_order": _node("marts", "fct_order", "table"),
    "model.t.customer_identity_map": _node("marts", "customer_identity_map", "view"),
    "model.t.int_identity_records": _node("intermediate", "int_identity_records", "table"),
    "model.t.int_touchpoints_unioned": _node("intermediate", "int_touchpoints_unioned", "table"),
    "model.t.stg_shop__orders": _node("staging", "stg_shop__orders", "incremental"),
    "model.t.dim_customer": _node("marts", "dim_customer", "table"),
    "test.t.unique_fct_order": _node("marts", "unique_fct_order", "test", "test"),
}


def _results(**statuses: str) -> dict:
    return {"results": [{"unique_id": f"model.t.{k}", "status": v} for k, v in statuses.items()]}


def test_marts_and_the_identity_records_go_back_events_stay() -> None:
    results = _results(
        fct_order="success",
        int_identity_records="success",
        int_touchpoints_unioned="success",
        stg_shop__orders="success",
        customer_identity_map="success",
    )
    manifest = {"nodes": NODES}
    assert relations_to_hand_back(results, manifest, ("table", "incremental")) == {
        "marts": ["fct_order"],
        "intermediate": ["int_identity_records"],
    }
    assert relations_to_hand_back(results, manifest, ("view",)) == {
        "marts": ["customer_identity_map"]
    }


def test_a_failed_or_unknown_node_is_not_handed_back() -> None:
    results = _results(fct_order="error", dim_customer="skipped")
    results["results"].append({"unique_id": "model.t.dropped_since", "status": "success"})
    results["results"].append({"unique_id": "test.t.unique_fct_order", "status": "pass"})
    assert relations_to_hand_back(results, {"nodes": NODES}, ("table", "incremental", "test")) == {}
