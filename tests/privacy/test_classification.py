"""Classification in one place: every column of the build that holds an e-mail, a phone or a
person's name carries a `pii` tag in its dbt YAML, and the check says which one does not."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from privacy.classification import (
    Classification,
    ClassificationError,
    PiiLevel,
    Relation,
    untagged_personal_columns,
)
from tests.helpers import PipelineRun
from warehouse.connections import connect_published
from warehouse.settings import CATALOG


@pytest.fixture(scope="module")
def classification(dbt_parsed: Path) -> Classification:
    return Classification.from_manifest(dbt_parsed / "manifest.json")


@pytest.fixture()
def build_con(handmade_run: PipelineRun) -> Iterator[duckdb.DuckDBPyConnection]:
    con = connect_published(handmade_run.build_db)
    yield con
    con.close()


def test_every_personal_column_of_the_build_is_tagged(build_con, classification) -> None:
    assert untagged_personal_columns(build_con, CATALOG, classification) == []
    # the check looked at every layer dbt knows, not at nothing
    schemas = {relation.schema for relation in classification.relations}
    assert {"raw", "staging", "intermediate", "marts", "identity"} <= schemas


def test_an_untagged_personal_column_is_found(build_con, classification) -> None:
    """Proof the check can fail: drop the tags of dim_customer's e-mail and name and those of
    every staging column, as if a new model exposed them untagged."""
    dim_customer = Relation("marts", "dim_customer")
    columns = {
        relation: tags
        for relation, tags in classification.columns.items()
        if relation.schema != "staging"
    }
    columns[dim_customer] = {
        name: tag
        for name, tag in classification.columns[dim_customer].items()
        if name not in ("primary_email", "full_name")
    }
    untagged = untagged_personal_columns(
        build_con, CATALOG, replace(classification, columns=columns)
    )
    found = {(c.relation.schema, c.relation.name, c.column): c.holds for c in untagged}
    assert found[("marts", "dim_customer", "primary_email")] == {"email"}
    assert found[("marts", "dim_customer", "full_name")] == {"name"}
    assert "phone" in found[("staging", "stg_crm__contacts", "phone")]
    assert not any(schema == "raw" for schema, _t, _c in found)


def test_a_new_model_with_an_untagged_phone_column_is_found() -> None:
    con = duckdb.connect(":memory:")
    con.execute("ATTACH ':memory:' AS touchpoint")
    con.execute("CREATE SCHEMA touchpoint.marts")
    con.execute(
        "CREATE TABLE touchpoint.marts.fct_callback AS SELECT * FROM (VALUES "
        "('c1', '(212) 555-0147', 'Order #1001'), ('c2', NULL, 'ZIP 02139')) t(id, callback, note)"
    )
    known = Classification({}, frozenset({Relation("marts", "fct_callback")}))
    untagged = untagged_personal_columns(con, "touchpoint", known)
    assert [(c.column, c.holds) for c in untagged] == [("callback", {"phone"})]


def _manifest(tmp_path: Path, meta: dict) -> Path:
    path = tmp_path / "manifest.json"
    node = {
        "resource_type": "model",
        "unique_id": "model.touchpoint.m",
        "schema": "marts",
        "alias": "m",
        "columns": {"c": {"meta": {}, "config": {"meta": meta}}},
    }
    path.write_text(json.dumps({"nodes": {"model.touchpoint.m": node}, "sources": {}}))
    return path


def test_tags_are_read_from_column_config_meta(tmp_path: Path) -> None:
    read = Classification.from_manifest(_manifest(tmp_path, {"pii": "direct", "pii_kind": "email"}))
    tag = read.tag("marts", "m", "c")
    assert tag is not None and (tag.level, tag.kind) == (PiiLevel.DIRECT, "email")


@pytest.mark.parametrize(
    "meta", [{"pii": "secret"}, {"pii": "direct"}, {"pii": "quasi", "pii_kind": "shoe_size"}]
)
def test_a_wrong_tag_is_a_clear_error(tmp_path: Path, meta: dict) -> None:
    with pytest.raises(ClassificationError, match=r"model\.touchpoint\.m\.c"):
        Classification.from_manifest(_manifest(tmp_path, meta))
