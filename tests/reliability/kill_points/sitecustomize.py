"""Test-only fault injection for tests/reliability (crashes, a full disk): at a named point inside
a step, where no log line or file marks the moment from outside, SIGKILL `touchpoint run` (its
whole process group, dbt included) or fail with ENOSPC. Nothing here is imported by Touchpoint
itself: the tests put this folder on PYTHONPATH, so Python imports it at start-up
(`sitecustomize`), and set

    TOUCHPOINT_TEST_KILL_AT=<point>:<n>     kill at the n-th time the point is reached
    TOUCHPOINT_TEST_FAIL_AT=<point>:<n>     raise OSError(ENOSPC) there instead

Points (each patches the module attribute the pipeline calls at that moment):
    ingest-staged         an entity's batch is read and staged, before its transaction begins
    ingest-before-ledger  inside the transaction: the rows are inserted, the ledger not yet written
    identity-before-write identity resolution has run, before its result is written
    publish-rename        the new publication is complete, before a `.partial` file is renamed
                          (1: the restricted publication's rename, 2: the analyst one's)
"""

from __future__ import annotations

import errno
import os
import signal
import sys


def _kill() -> None:
    sys.stderr.write(f"\nkill point reached: {os.environ['TOUCHPOINT_TEST_KILL_AT']}\n")
    sys.stderr.flush()
    os.killpg(os.getpgid(0), signal.SIGKILL)


def _disk_full() -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def _on_nth_call(module: object, name: str, nth: int, fault, when=lambda *a, **k: True) -> None:
    original = getattr(module, name)
    calls = 0

    def wrapper(*args, **kwargs):
        nonlocal calls
        if when(*args, **kwargs):
            calls += 1
            if calls == nth:
                fault()
        return original(*args, **kwargs)

    setattr(module, name, wrapper)


def _install(point: str, nth: int, fault) -> None:
    if point == "ingest-staged":
        import ingestion.loader

        _on_nth_call(ingestion.loader, "_publish", nth, fault)
    elif point == "ingest-before-ledger":
        import ingestion.ledger

        _on_nth_call(ingestion.ledger, "record", nth, fault)
    elif point == "identity-before-write":
        import identity.store

        _on_nth_call(identity.store, "write_resolution", nth, fault)
    elif point == "publish-rename":
        is_partial = lambda src, *_a, **_k: str(src).endswith(".partial")  # noqa: E731
        _on_nth_call(os, "replace", nth, fault, is_partial)
    else:
        raise SystemExit(f"unknown fault point {point!r}")


_program = os.path.basename(sys.argv[0]) if sys.argv else ""
# `touchpoint run`, or the tests' small publisher (tests/reliability/small_publication.py); not
# dbt's processes
if _program in ("touchpoint", "small_publication.py"):
    for _variable, _fault in (
        ("TOUCHPOINT_TEST_KILL_AT", _kill),
        ("TOUCHPOINT_TEST_FAIL_AT", _disk_full),
    ):
        if _spec := os.environ.get(_variable):
            _point, _, _nth = _spec.partition(":")
            _install(_point, int(_nth or 1), _fault)
