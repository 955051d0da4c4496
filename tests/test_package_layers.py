"""The work packages stay free of Dagster: orchestration/ only wires them (issue 11)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.helpers import REPO_ROOT

# Every module of these packages is imported in a fresh interpreter, so a Dagster import hidden
# in any submodule (not only the package's __init__) fails the test.
WORK_PACKAGES = ["ingestion", "identity", "clv", "quality", "warehouse"]


@pytest.mark.parametrize("package", WORK_PACKAGES)
def test_work_package_imports_no_dagster(package: str) -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        f"root = importlib.import_module({package!r})\n"
        "for module in pkgutil.walk_packages(root.__path__, root.__name__ + '.'):\n"
        "    importlib.import_module(module.name)\n"
        "loaded = sorted(name for name in sys.modules if name.split('.')[0] == 'dagster')\n"
        "assert not loaded, loaded\n"
        "print('imported every module')\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    # A library may end the interpreter early with status 0 (pyspark's Spark Connect check does,
    # under `python -c`, when its client libraries are missing): the script must reach its end.
    assert "imported every module" in out.stdout, out.stderr
