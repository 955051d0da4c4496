"""The dbt manifest of the working tree, for the tests that read the project's structure."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="module")
def manifest(dbt_parsed: Path) -> dict[str, Any]:
    return json.loads((dbt_parsed / "manifest.json").read_text())
