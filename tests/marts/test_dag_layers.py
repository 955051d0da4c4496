"""The dbt DAG flows one way and marts follow one naming scheme (issue 11; DECISIONLOG).

Read from dbt's own manifest (`dbt parse` of the working tree), so a new `ref()` that climbs a
layer fails here before it reaches a build: staging reads only sources, intermediate reads
staging and intermediate (and the Python steps' sources), marts read anything below or beside.
One declared exception: the private inputs of an incremental mart (below).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# Layer of a model = first folder under models/; a model may read its own layer and those below.
LAYER_ORDER = {"staging": 0, "intermediate": 1, "marts": 2, "utilities": 2}

# Every relation in schema `marts` is dim_ (one row per entity), fct_ (one row per event or
# record) or mart_ (a KPI rollup answering one question); the contract's older public names stay
# as views over the model that carries the scheme's name.
MART_NAME = re.compile(r"^(dim|fct|mart)_[a-z0-9_]+$")
CONTRACT_ALIASES = {"customer_identity_map": "dim_customer_identity_map"}

# The Python steps' outputs: read by exactly one intermediate model each (or the mart that
# needs the step's result), so Dagster splits the dbt graph at a single, known point.
IDENTITY_SOURCE = "source.touchpoint.identity.resolved_records"


# An intermediate model may read the marts a mart reads when it exists only to decide that mart's
# rows incrementally (its events, its per-group input fingerprints: fct_journey_step_reached,
# D071). It declares `meta: {private_input_of: <mart>}`, and only that mart and its other private
# inputs may read it, so no other model comes to depend on a mart through it.
PRIVATE_INPUT_OF = "private_input_of"


def _private_input_of(node: Mapping[str, Any]) -> str | None:
    meta = {**node.get("meta", {}), **node.get("config", {}).get("meta", {})}
    return meta.get(PRIVATE_INPUT_OF)


def _models(manifest: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {
        uid: node for uid, node in manifest["nodes"].items() if node["resource_type"] == "model"
    }


def _layer(node: Mapping[str, Any]) -> str:
    return Path(node["original_file_path"]).parts[1]  # models/<layer>/...


def upward_refs(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(model, model it reads) for every ref from a lower layer to a higher one."""
    models = _models(manifest)
    found = []
    for node in models.values():
        for parent_id in node["depends_on"]["nodes"]:
            parent = models.get(parent_id)
            if parent is None:
                continue  # a source
            if LAYER_ORDER[_layer(parent)] > LAYER_ORDER[_layer(node)]:
                found.append((node["name"], parent["name"]))
    return sorted(found)


def _fake_model(name: str, path: str, parents: list[str]) -> dict[str, Any]:
    return {
        "resource_type": "model",
        "name": name,
        "original_file_path": path,
        "depends_on": {"nodes": [f"model.touchpoint.{p}" for p in parents]},
    }


def test_upward_refs_finds_an_intermediate_model_reading_a_mart() -> None:
    """The check itself can fail: an int_ model reading a fact is reported."""
    fake = {
        "nodes": {
            "model.touchpoint.stg_a": _fake_model("stg_a", "models/staging/x/stg_a.sql", []),
            "model.touchpoint.fct_a": _fake_model("fct_a", "models/marts/j/fct_a.sql", ["stg_a"]),
            "model.touchpoint.int_b": _fake_model(
                "int_b", "models/intermediate/j/int_b.sql", ["stg_a", "fct_a"]
            ),
        }
    }
    assert upward_refs(fake) == [("int_b", "fct_a")]


def undeclared_upward_refs(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`upward_refs` less those of a mart's declared private inputs."""
    models = {node["name"]: node for node in _models(manifest).values()}
    return [(m, p) for m, p in upward_refs(manifest) if not _private_input_of(models[m])]


def private_inputs_read_elsewhere(manifest: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(private input, model reading it) for every reader other than its mart or that mart's
    other private inputs; also (private input, mart) when the mart it names is not a mart."""
    models = _models(manifest)
    by_name = {node["name"]: node for node in models.values()}
    found = []
    for node in models.values():
        owner = _private_input_of(node)
        if owner is None:
            continue
        if owner not in by_name or _layer(by_name[owner]) != "marts":
            found.append((node["name"], owner))
        for reader in models.values():
            reads = node["unique_id"] in reader["depends_on"]["nodes"]
            if reads and reader["name"] != owner and _private_input_of(reader) != owner:
                found.append((node["name"], reader["name"]))
    return sorted(found)


def test_the_private_inputs_check_can_fail() -> None:
    """A mart's private input read by another model is reported; undeclared reads stay upward."""
    private = {"config": {"meta": {PRIVATE_INPUT_OF: "fct_a"}}}
    fake = {
        "nodes": {
            "model.touchpoint.fct_a": {
                **_fake_model("fct_a", "models/marts/j/fct_a.sql", ["int_p"]),
                "unique_id": "model.touchpoint.fct_a",
            },
            "model.touchpoint.fct_b": {
                **_fake_model("fct_b", "models/marts/j/fct_b.sql", []),
                "unique_id": "model.touchpoint.fct_b",
            },
            "model.touchpoint.int_p": {
                **_fake_model("int_p", "models/intermediate/j/int_p.sql", ["fct_b"]),
                **private,
                "unique_id": "model.touchpoint.int_p",
            },
            "model.touchpoint.int_q": {
                **_fake_model("int_q", "models/intermediate/j/int_q.sql", ["int_p", "fct_b"]),
                "unique_id": "model.touchpoint.int_q",
            },
        }
    }
    assert undeclared_upward_refs(fake) == [("int_q", "fct_b")]
    assert private_inputs_read_elsewhere(fake) == [("int_p", "int_q")]


def test_no_model_reads_a_higher_layer(manifest: dict[str, Any]) -> None:
    assert undeclared_upward_refs(manifest) == []


def test_a_marts_private_inputs_are_read_only_by_that_mart(manifest: dict[str, Any]) -> None:
    assert private_inputs_read_elsewhere(manifest) == []


def test_intermediate_and_staging_models_are_named_for_their_layer(
    manifest: dict[str, Any],
) -> None:
    prefixes = {"staging": "stg_", "intermediate": "int_"}
    misnamed = [
        node["original_file_path"]
        for node in _models(manifest).values()
        if _layer(node) in prefixes and not node["name"].startswith(prefixes[_layer(node)])
    ]
    assert misnamed == []


def test_marts_follow_one_naming_scheme(manifest: dict[str, Any]) -> None:
    marts = [node for node in _models(manifest).values() if _layer(node) == "marts"]
    assert marts
    misnamed = [
        node["name"]
        for node in marts
        if not MART_NAME.match(node["name"]) and node["name"] not in CONTRACT_ALIASES
    ]
    assert misnamed == []


def test_contract_aliases_are_views_of_the_renamed_mart(manifest: dict[str, Any]) -> None:
    """The public name keeps working: a view reading exactly the model that carries the scheme's name."""
    by_name = {node["name"]: node for node in _models(manifest).values()}
    for alias, model in CONTRACT_ALIASES.items():
        node = by_name[alias]
        assert node["config"]["materialized"] == "view"
        assert node["config"]["schema"] == "marts"
        assert node["depends_on"]["nodes"] == [by_name[model]["unique_id"]]
        assert by_name[model]["config"]["contract"]["enforced"]


def test_identity_step_output_is_read_by_one_intermediate_model(manifest: dict[str, Any]) -> None:
    """The identity lookup is written once: every other model reads int_identity_records_resolved."""
    readers = [
        node["name"]
        for node in _models(manifest).values()
        if IDENTITY_SOURCE in node["depends_on"]["nodes"]
    ]
    assert readers == ["int_identity_records_resolved"]


def test_the_semantic_layer_reads_only_marts(manifest: dict[str, Any]) -> None:
    """Metrics are defined on marts: the analyst publication holds the marts and nothing below,
    so a semantic model on an intermediate model would answer nothing there."""
    models = _models(manifest)
    below_marts = [
        f"{semantic['name']} -> {models[parent]['name']}"
        for semantic in manifest["semantic_models"].values()
        for parent in semantic["depends_on"]["nodes"]
        if parent in models and _layer(models[parent]) != "marts"
    ]
    assert below_marts == []
