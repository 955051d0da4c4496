"""One small simulated company, generated once per test session."""

from __future__ import annotations

import pytest
from simtest_support import CUSTOMERS, DAYS, SEED, START, Company, small_config

from simulator import generate


@pytest.fixture(scope="session")
def company(tmp_path_factory: pytest.TempPathFactory) -> Company:
    root = tmp_path_factory.mktemp("company")
    cfg = small_config()
    summary = generate(root, CUSTOMERS, DAYS, SEED, START, cfg, progress=False)
    return Company(root, summary, cfg)
