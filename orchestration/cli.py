"""`touchpoint`: the command-line entry point for data engineers and automation.

touchpoint run [--landing DIR] [--warehouse FILE] [--build-dir DIR] [--force] [--full-refresh]
touchpoint erase (--email X | --phone X | --customer-id X) [--landing ...] [--dry-run]
touchpoint generate --out DIR --customers N --days D --seed S [--start-date YYYY-MM-DD]
touchpoint identity explain CUSTOMER_ID [--warehouse FILE]
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import time
from pathlib import Path

from warehouse.settings import (
    ENV_LANDING_DIR,
    ENV_MEMORY_LIMIT,
    ENV_WAREHOUSE,
    TouchpointPaths,
    invalid_memory_limit,
)

EXIT_OK, EXIT_PIPELINE_FAILED, EXIT_USAGE, EXIT_BUSY = 0, 1, 2, 3

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "true")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="touchpoint", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="ingest -> dbt build -> quality gate -> publish")
    run.add_argument("--landing", help=f"landing folder (default: ${ENV_LANDING_DIR} or the demo)")
    run.add_argument("--warehouse", help=f"published DuckDB file (default: ${ENV_WAREHOUSE})")
    run.add_argument("--build-dir", help="private build folder (default: beside the warehouse)")
    run.add_argument(
        "--memory-limit",
        help=f"DuckDB memory_limit for the build, e.g. 4GB or 50%% (default: ${ENV_MEMORY_LIMIT} "
        "or 80%%, DuckDB's own default)",
    )
    run.add_argument(
        "--force",
        action="store_true",
        help="rebuild and publish even when no delivery file is new (e.g. after a model change)",
    )
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild from scratch what daily runs keep (the stored CLV fit); implies --force",
    )
    run.set_defaults(handler=_run)

    erase = commands.add_parser(
        "erase",
        help="remove one person from every layer and publication, and keep them out",
        description="Find the person in the identity graph, delete every record of theirs, add "
        "them to the suppression list (keyed hashes), rebuild and publish (docs/privacy.md).",
    )
    person = erase.add_mutually_exclusive_group(required=True)
    person.add_argument("--email", help="an e-mail address of the person")
    person.add_argument("--phone", help="a phone number of the person")
    person.add_argument("--customer-id", help="the person's customer_id (a retired id works too)")
    erase.add_argument(
        "--landing", help=f"landing folder (default: ${ENV_LANDING_DIR} or the demo)"
    )
    erase.add_argument("--warehouse", help=f"published DuckDB file (default: ${ENV_WAREHOUSE})")
    erase.add_argument("--build-dir", help="private build folder (default: beside the warehouse)")
    erase.add_argument(
        "--dry-run", action="store_true", help="say what would be removed; change nothing"
    )
    erase.set_defaults(handler=_erase)

    generate = commands.add_parser("generate", help="write a simulated company's extracts")
    _add_generate_arguments(generate)

    identity = commands.add_parser("identity", help="inspect identity resolution")
    identity_commands = identity.add_subparsers(dest="identity_command", required=True)
    explain = identity_commands.add_parser(
        "explain", help="a customer's records and the links (rule or match weight) that joined them"
    )
    explain.add_argument("customer_id")
    explain.add_argument("--warehouse", help=f"published DuckDB file (default: ${ENV_WAREHOUSE})")
    explain.set_defaults(handler=_identity_explain)

    args = parser.parse_args(argv)
    return args.handler(args)


def _run(args: argparse.Namespace) -> int:
    from orchestration.lib.pipeline_runner import run_pipeline  # heavy imports only when needed
    from orchestration.lib.run_guard import RunInProgressError
    from warehouse.publication import remove_leftovers

    paths = TouchpointPaths.resolve(args.landing, args.warehouse, args.build_dir)
    if not paths.landing_dir.is_dir():
        print(f"error: landing folder {paths.landing_dir} does not exist", file=sys.stderr)
        return EXIT_USAGE
    if args.memory_limit is not None:
        os.environ[ENV_MEMORY_LIMIT] = args.memory_limit
    if (invalid := invalid_memory_limit()) is not None:
        print(f"error: {invalid}", file=sys.stderr)
        return EXIT_USAGE
    started = time.perf_counter()
    log = _progress_logger()
    # A killed publication's temporary files (copies of the warehouse) go first, before they
    # fill the disk the run needs; never while a publication writes them (its lock).
    for leftover in remove_leftovers(paths.warehouse):
        log.info("removed %s, left by a publication that did not finish", leftover.name)
    try:
        outcome = run_pipeline(paths, log=log, force=args.force, full_refresh=args.full_refresh)
    except RunInProgressError as busy:
        print(f"refused: {busy}", file=sys.stderr)
        return EXIT_BUSY
    except Exception as crashed:  # the run's own machinery, e.g. Dagster's storage, failed
        if not (full := _full_disks(paths)):
            raise  # not a full disk: a bug, with its traceback
        print(
            f"\nFAILED: the disk is full ({', '.join(full)}); the run stopped: "
            f"{type(crashed).__name__}: {_first_line(crashed)}\n"
            f"  previous published version: "
            f"{'kept' if paths.warehouse.exists() else 'none exists yet'} ({paths.warehouse})"
        )
        return EXIT_PIPELINE_FAILED
    elapsed = time.perf_counter() - started
    print(outcome.summary(elapsed))
    return EXIT_OK if outcome.succeeded else EXIT_PIPELINE_FAILED


def _full_disks(paths: TouchpointPaths) -> list[str]:
    """The folders a run writes whose disk has (almost) no room left, as `<folder>: N bytes free`:
    then a crash of the run's own machinery (Dagster records its runs in the build folder unless
    DAGSTER_HOME says otherwise) is named by its cause instead of a traceback."""
    folders = [paths.build_dir, paths.warehouse.parent]
    if home := os.environ.get("DAGSTER_HOME"):
        folders.append(Path(home))
    full = []
    for folder in dict.fromkeys(folders):
        try:
            free = shutil.disk_usage(folder).free
        except OSError:
            continue
        if free < 2**20:
            full.append(f"{folder}: {free:,} bytes free")
    return full


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else ""


def _erase(args: argparse.Namespace) -> int:
    from orchestration.lib.run_guard import RunInProgressError
    from privacy.erasure import ErasureError, ErasureRequest, erase

    paths = TouchpointPaths.resolve(args.landing, args.warehouse, args.build_dir)
    if not paths.landing_dir.is_dir():
        print(f"error: landing folder {paths.landing_dir} does not exist", file=sys.stderr)
        return EXIT_USAGE
    request = ErasureRequest(email=args.email, phone=args.phone, customer_id=args.customer_id)
    try:
        outcome = erase(paths, request, log=_progress_logger(), dry_run=args.dry_run)
    except ErasureError as refused:
        print(f"error: {refused}", file=sys.stderr)
        return EXIT_USAGE
    except RunInProgressError as busy:
        print(f"refused: {busy}", file=sys.stderr)
        return EXIT_BUSY
    if outcome.dry_run:
        print(f"Dry run: nothing was changed. An erasure would remove\n{outcome.plan.describe()}")
        return EXIT_OK
    if outcome.plan.nothing_found:
        print(
            "Nobody with this identifier is in the build; nothing was deleted or rebuilt. It is "
            "on the suppression list now: no later delivery will load it."
        )
        return EXIT_OK
    print(f"Erased from the build database:\n{outcome.plan.describe()}")
    print(outcome.rebuild_summary)
    if not outcome.succeeded:
        print(
            "FAILED: the build is erased, but the rebuild did not publish, so the published "
            "warehouse still holds the person. Fix the failure and run `touchpoint run --force`.",
            file=sys.stderr,
        )
        return EXIT_PIPELINE_FAILED
    return EXIT_OK


def _identity_explain(args: argparse.Namespace) -> int:
    import duckdb

    from identity.explain import explain

    paths = TouchpointPaths.resolve(None, args.warehouse, None)
    # The private build: identifiers in clear (the analyst publication holds only their digests).
    if not paths.build_db.exists():
        print(f"error: no build at {paths.build_db}: run `touchpoint run` first", file=sys.stderr)
        return EXIT_USAGE
    try:
        con = duckdb.connect(str(paths.build_db), read_only=True)
    except duckdb.Error as unreadable:  # e.g. a run is writing it
        print(f"error: cannot read {paths.build_db}: {unreadable}", file=sys.stderr)
        return EXIT_USAGE
    try:
        print(explain(con, args.customer_id))
    except LookupError as unknown:
        print(f"error: {unknown}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        con.close()
    return EXIT_OK


def _add_generate_arguments(parser: argparse.ArgumentParser) -> None:
    try:
        from simulator import cli as simulator_cli
    except ImportError:  # the simulator package is optional at run time
        parser.set_defaults(handler=lambda _args: _missing("simulator"))
        return
    simulator_cli.add_arguments(parser)
    parser.set_defaults(handler=simulator_cli.run)


def _missing(package: str) -> int:
    print(f"error: the `{package}` package is not installed", file=sys.stderr)
    return EXIT_USAGE


def _progress_logger() -> logging.Logger:
    logger = logging.getLogger("touchpoint.progress")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s  %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    return logger


if __name__ == "__main__":
    sys.exit(main())
