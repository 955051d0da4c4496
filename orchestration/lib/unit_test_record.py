"""dbt unit tests once per change of the code, not once per delivery.

A dbt unit test checks a model's SQL against rows written in its YAML; it reads no delivered
data, so a daily run that changed no code would only repeat what the run before proved (at
8,000 customers x 180 days they were 46 of the run's 200 s of dbt thread time). Each dbt step
records the unit tests that passed, beside the run's manifest, under a fingerprint of the code
they tested: the parsed project (every model, macro, source, unit test and their configs, as the
manifest has them after rendering) and the versions of dbt, its adapter and DuckDB. A step skips
the unit tests (`--exclude-resource-type unit_test`) only when every unit test of the project
passed under the fingerprint of the code it runs now; any change of the code empties the record,
and `touchpoint run --full-refresh` runs them whatever it says.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from importlib.metadata import version
from pathlib import Path
from typing import Any

RECORD_NAME = "unit_tests_passed.json"

# Where the code's fingerprint comes from: everything the manifest holds that is code.
_CODE_SECTIONS = (
    "nodes",
    "sources",
    "macros",
    "unit_tests",
    "semantic_models",
    "metrics",
    "saved_queries",
    "exposures",
    "functions",
    "disabled",
)
# Keys that change when the same code is parsed again (a time stamp, paths of dbt's output).
_PARSE_KEYS = frozenset({"created_at", "build_path", "compiled_path", "root_path", "deferred"})
# The software that runs the tested SQL.
_ENGINE_DISTRIBUTIONS = ("dbt-core", "dbt-duckdb", "duckdb")


def code_fingerprint(manifest: dict[str, Any]) -> str:
    """A hash of the code a parsed manifest describes; the same for every parse of the same code."""
    code = {section: _without_parse_keys(manifest.get(section, {})) for section in _CODE_SECTIONS}
    code["engine"] = {name: version(name) for name in _ENGINE_DISTRIBUTIONS}
    code["adapter_type"] = manifest.get("metadata", {}).get("adapter_type")
    return hashlib.sha256(json.dumps(code, sort_keys=True, default=str).encode()).hexdigest()


def _without_parse_keys(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_parse_keys(v) for k, v in value.items() if k not in _PARSE_KEYS}
    if isinstance(value, list):
        return [_without_parse_keys(item) for item in value]
    return value


class UnitTestRecord:
    """The unit tests that passed under one code fingerprint, kept in the run's dbt target
    folder (`<build dir>/dbt_target`: it lives as long as the build folder)."""

    def __init__(self, manifest_path: Path) -> None:
        self.path = manifest_path.with_name(RECORD_NAME)
        manifest = json.loads(manifest_path.read_bytes())
        self.code = code_fingerprint(manifest)
        self.unit_tests = frozenset(manifest.get("unit_tests", {}))

    def _passed(self) -> set[str]:
        """The unit tests recorded as passed under the current code (none for other code)."""
        try:
            record = json.loads(self.path.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            return set()
        return set(record.get("passed", [])) if record.get("code") == self.code else set()

    def all_passed(self) -> bool:
        """Every unit test of the project passed under the code that runs now."""
        return bool(self.unit_tests) and self.unit_tests <= self._passed()

    def add_passed(self, unit_tests: Iterable[str]) -> None:
        """Record unit tests that passed under the current code (replacing a record of other
        code), atomically: a killed run leaves the old record or the new one."""
        passed = (self._passed() | set(unit_tests)) & self.unit_tests
        temporary = self.path.with_name(f".{RECORD_NAME}.{os.getpid()}.tmp")
        temporary.write_text(json.dumps({"code": self.code, "passed": sorted(passed)}, indent=1))
        os.replace(temporary, self.path)


def passed_unit_tests(run_results: dict[str, Any]) -> list[str]:
    """The unit tests a dbt command's run_results.json reports as passed."""
    return [
        result["unique_id"]
        for result in run_results.get("results", [])
        if result["unique_id"].startswith("unit_test.") and result["status"] == "pass"
    ]
