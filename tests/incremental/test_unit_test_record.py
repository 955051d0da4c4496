"""dbt unit tests run once per change of the code: the record of the ones that passed, and the
fingerprint of the code it is kept under (orchestration/lib/unit_test_record.py). The pipeline
runs that skip them are checked in test_same_answer.py (its second and third deliveries)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from orchestration.lib.unit_test_record import (
    RECORD_NAME,
    UnitTestRecord,
    code_fingerprint,
    passed_unit_tests,
)

UNIT_TESTS = ("unit_test.touchpoint.fct_a.test_one", "unit_test.touchpoint.fct_b.test_two")


def _manifest() -> dict[str, Any]:
    """The parts of a dbt manifest the record reads, as dbt writes them."""
    return {
        "metadata": {"generated_at": "2026-12-06T20:52:22Z", "adapter_type": "duckdb"},
        "nodes": {
            "model.touchpoint.fct_a": {
                "raw_code": "select 1 as a",
                "created_at": 1796589528.79,
                "config": {"materialized": "table"},
            }
        },
        "macros": {"macro.touchpoint.m": {"macro_sql": "{% macro m() %}1{% endmacro %}"}},
        "unit_tests": {name: {"model": name.split(".")[2], "given": []} for name in UNIT_TESTS},
    }


def _write(folder: Path, manifest: dict[str, Any]) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def test_the_same_code_parsed_again_has_the_same_fingerprint() -> None:
    again = _manifest()
    again["metadata"]["generated_at"] = "2026-12-07T06:00:00Z"
    again["nodes"]["model.touchpoint.fct_a"]["created_at"] = 1796600000.0
    assert code_fingerprint(again) == code_fingerprint(_manifest())


@pytest.mark.parametrize(
    "change",
    [
        lambda m: m["nodes"]["model.touchpoint.fct_a"].update(raw_code="select 2 as a"),
        lambda m: m["nodes"]["model.touchpoint.fct_a"]["config"].update(materialized="view"),
        lambda m: m["macros"]["macro.touchpoint.m"].update(
            macro_sql="{% macro m() %}2{% endmacro %}"
        ),
        lambda m: m["unit_tests"][UNIT_TESTS[0]].update(given=[{"input": "ref('x')"}]),
    ],
    ids=["model SQL", "model config", "macro", "unit test"],
)
def test_any_change_of_code_changes_the_fingerprint(change: Any) -> None:
    changed = copy.deepcopy(_manifest())
    change(changed)
    assert code_fingerprint(changed) != code_fingerprint(_manifest())


def test_unit_tests_are_skipped_only_once_all_passed_under_this_code(tmp_path: Path) -> None:
    manifest_path = _write(tmp_path, _manifest())
    assert not UnitTestRecord(manifest_path).all_passed()  # nothing recorded yet

    UnitTestRecord(manifest_path).add_passed([UNIT_TESTS[0]])  # one step ran one of them
    assert not UnitTestRecord(manifest_path).all_passed()
    UnitTestRecord(manifest_path).add_passed([UNIT_TESTS[1]])  # a later step the other
    assert UnitTestRecord(manifest_path).all_passed()
    assert (tmp_path / RECORD_NAME).exists()

    changed = _manifest()
    changed["nodes"]["model.touchpoint.fct_a"]["raw_code"] = "select 2 as a"
    manifest_path = _write(tmp_path, changed)
    assert not UnitTestRecord(manifest_path).all_passed()  # new code: they run again
    UnitTestRecord(manifest_path).add_passed([UNIT_TESTS[0]])  # the old passes do not count
    assert not UnitTestRecord(manifest_path).all_passed()


def test_a_damaged_record_means_run_them(tmp_path: Path) -> None:
    manifest_path = _write(tmp_path, _manifest())
    (tmp_path / RECORD_NAME).write_text("{not json")
    assert not UnitTestRecord(manifest_path).all_passed()
    UnitTestRecord(manifest_path).add_passed(UNIT_TESTS)
    assert UnitTestRecord(manifest_path).all_passed()


def test_only_passed_unit_tests_are_recorded() -> None:
    run_results = {
        "results": [
            {"unique_id": UNIT_TESTS[0], "status": "pass"},
            {"unique_id": UNIT_TESTS[1], "status": "fail"},
            {"unique_id": "model.touchpoint.fct_a", "status": "success"},
            {"unique_id": "test.touchpoint.not_null_fct_a_a", "status": "pass"},
        ]
    }
    assert passed_unit_tests(run_results) == [UNIT_TESTS[0]]
