"""Resources running out after ingestion (issue 16; ingestion's own faults are in
tests/ingestion/test_resource_faults.py): the disk fills while the publication is written, or
DuckDB's memory_limit (`--memory-limit`, TOUCHPOINT_MEMORY_LIMIT) is too small for the build.
The run fails with one line naming the cause and the published version stays."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from dagster._utils.error import SerializableErrorInfo

from orchestration.lib.pipeline_runner import failure_cause
from tests.helpers import HANDMADE_LANDING, TOUCHPOINT, PipelineRun, run_touchpoint
from tests.reliability.small_publication import published_version, small_build
from warehouse.connections import connect_build
from warehouse.publication import publish
from warehouse.settings import ENV_MEMORY_LIMIT, REPO_ROOT


def test_disk_full_while_writing_the_publication_keeps_the_previous_version(
    tmp_path, monkeypatch
) -> None:
    """ENOSPC where a full disk reports it at the latest: flushing the new file to disk."""
    build_db, manifest = small_build(tmp_path, rows=1000)
    warehouse = tmp_path / "published" / "touchpoint.duckdb"
    publish(build_db, warehouse, "run-1", tmp_path, manifest)

    real_fsync = os.fsync

    def full_disk(fd: int) -> None:
        if os.readlink(f"/proc/self/fd/{fd}").endswith(".partial"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left on device"):
        publish(build_db, warehouse, "run-2", tmp_path, manifest)
    assert published_version(warehouse) == 1
    assert not list(warehouse.parent.glob("*.partial"))  # the half-written copy is removed

    monkeypatch.setattr(os, "fsync", real_fsync)  # room again: the next publication goes through
    publish(build_db, warehouse, "run-3", tmp_path, manifest)
    assert published_version(warehouse) > 1


def _error(message: str, cause: SerializableErrorInfo | None = None) -> SerializableErrorInfo:
    return SerializableErrorInfo(message=message, stack=[], cls_name=None, cause=cause)


def test_a_failed_step_is_summarised_by_its_cause_not_dagsters_wrapper() -> None:
    disk_full = _error("OSError: [Errno 28] No space left on device\n")
    wrapped = _error(
        'dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "published_warehouse":\n',
        cause=disk_full,
    )
    assert failure_cause(wrapped) == "OSError: [Errno 28] No space left on device"
    dbt = _error(  # as dagster-dbt reports it: dbt's colours, the node first, DuckDB's advice
        "dagster_dbt.errors.DagsterDbtCliRuntimeError: The dbt CLI process with command\n\n"
        "`dbt build --select fct_order`\n\nfailed with exit code `1`. Check the stdout ...\n\n"
        "Errors parsed from dbt logs:\n\n"
        "\x1b[31mFailure in test unique_fct_order_order_id (models/fct_order.yml)\x1b[0m\n\n"
        "  Runtime Error in test unique_fct_order_order_id (models/fct_order.yml)\n"
        "  Out of Memory Error: could not allocate block of size 256.0 KiB (15.1 MiB/15.2 MiB used)\n"
        "  \n  Possible solutions:\n  * Reducing the number of threads (SET threads=X)\n"
    )
    assert failure_cause(_error("wrapper", cause=dbt)) == (
        "dbt: Out of Memory Error: could not allocate block of size 256.0 KiB "
        "(15.1 MiB/15.2 MiB used) (Failure in test unique_fct_order_order_id "
        "(models/fct_order.yml))"
    )


def test_the_memory_limit_setting_reaches_the_build_connection(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(ENV_MEMORY_LIMIT, "300MB")
    con = connect_build(tmp_path / "touchpoint.duckdb")
    try:
        (limit,) = con.execute("select current_setting('memory_limit')").fetchone()
    finally:
        con.close()
    assert limit == "286.1 MiB"  # DuckDB shows 300 MB in binary units


def test_identity_resolutions_own_connections_take_the_memory_limit(monkeypatch) -> None:
    """Identity resolution joins candidates in in-memory DuckDB connections of its own (and
    Splink runs in one): they take the run's limit, so a limit too small fails them too."""
    from identity.resolve import ResolutionConfig, resolve
    from tests.identity.builders import customers, records, same

    shop_customer = dict(
        system="shop",
        id="1",
        first_name="Deborah",
        last_name="Griffin",
        email="deborahgriffin@x.com",
        shop_customer_id="1",
        observed_at="2025-01-01",
    )
    # one edit away: joined by the typo rule, whose candidates DuckDB finds
    typo = dict(system="marketing", id="K1", email="deborahgiffin@x.com", observed_at="2025-06-01")
    rules_only = ResolutionConfig(probabilistic=None)
    resolved = resolve(records(shop_customer, typo), config=rules_only)  # with room
    assert same(customers(resolved.records), "1", "K1")
    monkeypatch.setenv(ENV_MEMORY_LIMIT, "1KB")
    with pytest.raises(duckdb.OutOfMemoryException):
        resolve(records(shop_customer, typo), config=rules_only)


@pytest.mark.parametrize(
    ("limit", "resident_gib", "expected_gib"),
    [
        ("4GB", 0, 3.725),  # the whole limit (4 GB in binary units)
        ("4GB", 1, 2.725),  # what the process leaves of it
        ("4GB", 3, 1.0),  # at least the floor, however much the process holds
        ("512MB", 3, 0.477),  # never above the run's own limit
    ],
)
def test_a_scratch_connection_gets_what_the_process_leaves_of_the_limit(
    monkeypatch, limit: str, resident_gib: int, expected_gib: float
) -> None:
    """A step holding gigabytes of frames (identity at 1M) opens its scratch DuckDB with the
    run's memory_limit less what it holds: at the whole limit beside them it went 4.5 GB past
    it (D078)."""
    from warehouse import connections

    assert connections._resident_bytes() > 0, "read from /proc"
    monkeypatch.setenv(ENV_MEMORY_LIMIT, limit)
    monkeypatch.setattr(connections, "_resident_bytes", lambda: resident_gib << 30)
    con = connections.connect_scratch()
    try:
        got = connections._setting_bytes(con, "memory_limit") / (1 << 30)
    finally:
        con.close()
    assert got == pytest.approx(expected_gib, abs=0.1)  # DuckDB shows a tenth, cut off


def test_a_connection_fitted_twice_is_fitted_to_the_runs_limit_not_its_own(monkeypatch) -> None:
    """The identity step fits its build connection after reading and again before writing:
    under the default share (`80%`) the second fit starts from the run's limit, not from the
    first fit's."""
    from warehouse import connections

    monkeypatch.delenv(ENV_MEMORY_LIMIT, raising=False)
    monkeypatch.setattr(connections, "_resident_bytes", lambda: 1 << 30)
    con = connections.connect_scratch()
    try:
        once = connections._setting_bytes(con, "memory_limit")
        connections.fit_memory_limit(con)
        assert connections._setting_bytes(con, "memory_limit") == once
        # (DuckDB shows a setting to a tenth of a GiB, cut off)
        assert once == pytest.approx(connections._run_limit_bytes() - (1 << 30), abs=0.2 * 2**30)
    finally:
        con.close()


def test_every_connection_of_a_run_is_opened_with_the_settings() -> None:
    """The steps' code opens DuckDB only through warehouse.connections (memory_limit and the
    offline extension settings); a plain duckdb.connect() there would ignore the limit."""
    steps = [
        path
        for package in ("ingestion", "identity", "clv", "quality", "orchestration/defs")
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
    ] + [REPO_ROOT / "warehouse" / "publication.py"]
    plain = [
        f"{path.relative_to(REPO_ROOT)}:{number}"
        for path in steps
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if "duckdb.connect(" in line
    ]
    assert not plain, plain


def test_an_invalid_memory_limit_is_a_usage_error(tmp_path) -> None:
    result = run_touchpoint(
        "run",
        "--landing",
        str(HANDMADE_LANDING),
        "--warehouse",
        str(tmp_path / "touchpoint.duckdb"),
        "--memory-limit",
        "lots",
        cwd=tmp_path,
    )
    assert result.returncode == 2, result.stdout + result.stderr
    assert "memory limit 'lots'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "touchpoint.duckdb").exists()


FAULT_POINTS = Path(__file__).with_name("kill_points")  # test-only sitecustomize


@pytest.fixture()
def published_copy(tmp_path, handmade_run: PipelineRun) -> Path:
    """A copy of the shared hand-made build and its publication, to rebuild with `--force`."""
    out = tmp_path / "out"
    shutil.copytree(handmade_run.warehouse.parent, out, ignore=shutil.ignore_patterns("dbt_target"))
    return out / handmade_run.warehouse.name


def rebuild(warehouse: Path, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """`touchpoint run --force` on the copy; (exit status, summary, whole output)."""
    result = run_touchpoint(
        "run",
        "--landing",
        str(HANDMADE_LANDING),
        "--warehouse",
        str(warehouse),
        "--force",
        *args,
        cwd=warehouse.parent.parent,
        env={
            "DBT_TARGET_PATH": str(warehouse.parent.parent / "dbt_target"),
            "PYTHONPATH": os.pathsep.join(
                filter(None, [str(FAULT_POINTS), os.environ.get("PYTHONPATH")])
            ),
            **(env or {}),
        },
    )
    return result.returncode, result.stdout, result.stdout + result.stderr


def failed_steps(summary: str) -> list[str]:
    return [line.strip() for line in summary.splitlines() if "failed step:" in line]


def assert_failed_keeping_the_publication(
    warehouse: Path, before: int, returncode: int, summary: str, output: str, cause: str
) -> None:
    assert returncode == 1, output[-3000:]
    assert any(cause in line for line in failed_steps(summary)), output[-3000:]
    assert "previous published version: kept" in summary
    assert published_version(warehouse) == before


@pytest.mark.slow
def test_a_memory_limit_too_small_fails_the_run_naming_it(published_copy: Path) -> None:
    """Real, not injected: the rebuild with 16 MB fails on DuckDB's out-of-memory error."""
    before = published_version(published_copy)
    returncode, summary, output = rebuild(published_copy, "--memory-limit", "16MB")
    assert_failed_keeping_the_publication(
        published_copy, before, returncode, summary, output, "Out of Memory"
    )


@pytest.mark.slow
def test_disk_full_in_identity_resolution_fails_the_run_naming_it(published_copy: Path) -> None:
    """ENOSPC injected where identity resolution writes its result into the build."""
    before = published_version(published_copy)
    returncode, summary, output = rebuild(
        published_copy, env={"TOUCHPOINT_TEST_FAIL_AT": "identity-before-write:1"}
    )
    assert_failed_keeping_the_publication(
        published_copy, before, returncode, summary, output, "No space left on device"
    )


def _private_mounts_allowed() -> bool:
    """Whether this machine lets a process mount a small disk in a namespace of its own."""
    if shutil.which("unshare") is None:
        return False
    probe = ["unshare", "--user", "--map-root-user", "--mount", "true"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.slow
def test_disk_full_in_a_dbt_step_fails_the_run_naming_it_and_the_next_run_recovers(
    published_copy: Path, tmp_path: Path
) -> None:
    """A real full disk, not an injected error: the build folder is a small tmpfs in a private
    mount namespace (tests/reliability/small_disk.py), filled when the first dbt step starts, so
    DuckDB under dbt gets the kernel's ENOSPC. Then room again, and a run."""
    if not _private_mounts_allowed():
        pytest.skip("unprivileged user and mount namespaces are disabled on this machine")
    before = published_version(published_copy)
    build_dir = published_copy.parent / f".{published_copy.stem}.build"
    build_bytes = sum(f.stat().st_size for f in build_dir.rglob("*") if f.is_file())
    settings = {
        "build_dir": str(build_dir),
        "published": str(published_copy),
        "disk_bytes": 2 * build_bytes + 256 * 2**20,  # room for a rebuild once it is free
        "command": [
            str(TOUCHPOINT),
            *("run", "--landing", str(HANDMADE_LANDING), "--warehouse", str(published_copy)),
            "--force",
        ],
        "env": {
            "DBT_TARGET_PATH": str(tmp_path / "dbt_target"),
            "PYTHONUNBUFFERED": "1",  # each line as written: the disk fills as dbt starts
        },
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOUCHPOINT_")}
    env.pop("DAGSTER_HOME", None)
    result = subprocess.run(
        [
            *("unshare", "--user", "--map-root-user", "--mount"),
            sys.executable,
            str(Path(__file__).with_name("small_disk.py")),
            json.dumps(settings),
        ],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    runs = json.loads(result.stdout)
    full, recovered = runs["full"], runs["recovered"]
    output = full["output"]
    assert full["filled"], output[-3000:]
    # dbt met the full disk: DuckDB could not write the build database
    assert re.search(r"Error in model .*\n.*No space left on device", output), output[-5000:]
    # and the run says so in one line: the dbt step's summary line, or, when Dagster's own run
    # storage (in the build folder) failed on the full disk first, the disk named by the CLI
    named = [line for line in failed_steps(output) if "No space left on device" in line]
    named += [line for line in output.splitlines() if line.startswith("FAILED: the disk is full")]
    assert named, output[-5000:]
    assert "Traceback" not in output, output[-5000:]
    assert full["returncode"] == 1
    assert "previous published version: kept" in output
    assert not full["published_replaced"]
    assert recovered["returncode"] == 0, recovered["output"][-3000:]
    assert published_version(published_copy) > before
