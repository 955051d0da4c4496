"""The code style the README promises holds in CI: `make lint`'s three linters on the whole tree.

Run as tests so that a style break fails `make test` (what CI runs) instead of waiting for
somebody to remember `make lint`; the commands are the Makefile's, with its configuration
(pyproject.toml, dbt_project/macros/.sqlfluff).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import REPO_ROOT

BIN = Path(sys.executable).parent

LINTERS = {
    "ruff check": ["ruff", "check", "."],
    "ruff format": ["ruff", "format", "--check", "."],
    "sqlfluff": ["sqlfluff", "lint", "dbt_project/models", "dbt_project/macros"],
}


@pytest.mark.parametrize("linter", sorted(LINTERS))
def test_tree_passes(linter: str) -> None:
    executable, *arguments = LINTERS[linter]
    result = subprocess.run(
        [str(BIN / executable), *arguments], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, f"`{' '.join(LINTERS[linter])}` failed:\n{result.stdout[-6000:]}"
