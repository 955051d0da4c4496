"""A fresh build folder starts from the dbt parse another build folder made of the same project
(`orchestration.lib.dbt_parse_cache`): dbt finds nothing to parse, and the manifest is the one a
full parse gives; a profile that differs in more than the database's folder gets no seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from orchestration.lib import dbt_parse_cache
from orchestration.lib.dbt_project import BUILD_TARGET, DBT_PROJECT, prepare_manifest
from orchestration.lib.pipeline_job import dbt_target_of_run
from warehouse.settings import TouchpointPaths

NO_CHANGES = "Partial parsing enabled, no changes found, skipping parsing"


def _paths(folder: Path) -> TouchpointPaths:
    return TouchpointPaths(
        landing_dir=folder / "landing", warehouse=folder / "w.duckdb", build_dir=folder / "build"
    )


def _parse(paths: TouchpointPaths) -> tuple[Path, dict]:
    """The run's parse as `touchpoint run` does it; its target folder and manifest (without the
    fields that change with every parse)."""
    paths.export_env()
    with dbt_target_of_run(paths) as target:
        prepare_manifest(target)
    manifest = json.loads((target / "manifest.json").read_text())
    for key in ("generated_at", "invocation_id", "invocation_started_at"):
        manifest["metadata"].pop(key, None)
    return target, manifest


@pytest.mark.slow
def test_a_fresh_build_folder_reuses_the_parse_of_another(tmp_path, monkeypatch):
    monkeypatch.setenv(dbt_parse_cache.ENV_PARSE_CACHE, str(tmp_path / "cache"))
    monkeypatch.delenv("DBT_TARGET_PATH", raising=False)
    first_target, first = _parse(_paths(tmp_path / "first"))
    assert NO_CHANGES not in (first_target / "dbt.log").read_text()  # nothing to start from
    assert list((tmp_path / "cache").glob(f"*/{dbt_parse_cache.PARTIAL_PARSE_FILE}"))

    second_target, second = _parse(_paths(tmp_path / "second"))
    assert NO_CHANGES in (second_target / "dbt.log").read_text()
    assert second == first  # the same manifest a full parse gave
    assert str(tmp_path / "first") not in json.dumps(second)


def test_a_profile_that_differs_in_more_than_the_folder_gets_no_seed(tmp_path, monkeypatch):
    """The kept state is found by everything dbt hashes from the profile except the database
    file's folder: another memory limit (a profile setting) is another key."""
    monkeypatch.setenv(dbt_parse_cache.ENV_PARSE_CACHE, str(tmp_path / "cache"))
    args = (DBT_PROJECT.project_dir, DBT_PROJECT.profiles_dir, BUILD_TARGET)

    def key_for(folder: str, memory_limit: str) -> str:
        monkeypatch.setenv("TOUCHPOINT_BUILD_DB", str(tmp_path / folder / "touchpoint.duckdb"))
        monkeypatch.setenv("TOUCHPOINT_MEMORY_LIMIT", memory_limit)
        connection = dbt_parse_cache._connection_keys(*args[1:])
        return dbt_parse_cache._key(args[0], connection)

    assert key_for("a", "2GB") == key_for("b", "2GB")
    assert key_for("a", "2GB") != key_for("a", "3GB")
    # a state kept under one key seeds nothing for another
    kept = tmp_path / "cache" / key_for("a", "2GB") / dbt_parse_cache.PARTIAL_PARSE_FILE
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"not a parse state")
    key_for("c", "3GB")
    assert not dbt_parse_cache.seed(tmp_path / "c" / "target", *args)
    # and a damaged state seeds nothing either (a full parse follows)
    key_for("d", "2GB")
    assert not dbt_parse_cache.seed(tmp_path / "d" / "target", *args)
    assert not (tmp_path / "d" / "target" / dbt_parse_cache.PARTIAL_PARSE_FILE).exists()
