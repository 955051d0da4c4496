"""dbt in the pipeline's own process: one start-up and one parse per run instead of one per step.

dagster-dbt runs every dbt command as a child process (`dbt build ...` with JSON logs on stdout)
and turns each log line into Dagster events. A dbt process costs seconds of CPU before it does
any work (Python imports, loading the partial-parse state, the adapter), and a run had five of
them (the parse and four `dbt build` steps), plus a `dbt --version` per step and a dbt adapter
with every macro loaded in the parent per step, which the pipeline never used.

`InProcessDbtResource` keeps dagster-dbt's whole event handling (asset materializations, dbt
tests as asset checks, error reporting) and replaces only the child process: dbt's documented
programmatic entry point, `dbtRunner`, runs the same command in a worker thread of this process,
given the manifest this run parsed (`parse_in_process`), and its log events reach dagster-dbt as
the same JSON lines a `dbt --log-format json` process would print. dbt-duckdb's connection is
closed when the command ends (it would outlive it otherwise), so the Python steps' own
connections to the build database never meet it.
"""

from __future__ import annotations

import json
import queue
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource
from dagster_dbt.core import dbt_cli_invocation
from packaging import version

# The run target folder and manifest of the last parse in this process (`parse_in_process`):
# a process runs one pipeline run at a time, and keeping older manifests would only hold memory.
_PARSED: dict[Path, Any] = {}
_PARSED_LOCK = threading.Lock()
_ARGV_LOCK = threading.Lock()

# dagster-dbt passes the step's settings to its dbt process as environment variables; in this
# process they become the equivalent flags (the process environment is shared by every step).
_ENV_FLAGS = {
    "DBT_TARGET_PATH": "--target-path",
    "DBT_LOG_PATH": "--log-path",
    "DBT_PROFILES_DIR": "--profiles-dir",
    "DBT_PROJECT_DIR": "--project-dir",
    "DBT_INDIRECT_SELECTION": "--indirect-selection",
}
# Only what a `--log-level info` JSON log on stdout would carry reaches dagster-dbt (debug events
# are many, and serialising each costs time).
_FORWARDED_LEVELS = frozenset({"info", "warn", "error"})
_END = object()


@contextmanager
def _argv_of_dbt(dbt_args: Sequence[str]) -> Iterator[None]:
    """`sys.argv` as a `dbt` process would have it, while dbt runs: dbt records its invocation
    command from `sys.argv` in dbt.log and run_results.json, and this process's own arguments
    can hold personal data (`touchpoint erase --email ...`)."""
    with _ARGV_LOCK:
        saved = sys.argv
        sys.argv = ["dbt", *dbt_args]
        try:
            yield
        finally:
            sys.argv = saved


def parse_in_process(target_path: Path, project_dir: Path, profiles_dir: Path, target: str) -> Any:
    """`dbt parse` into `target_path` (partial parse from its state), in this process; the
    manifest is kept for every dbt step of the run that writes below `target_path`."""
    from dbt.cli.main import dbtRunner

    args = [
        "parse",
        "--quiet",
        "--no-send-anonymous-usage-stats",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target",
        target,
        "--target-path",
        str(target_path),
        "--log-path",
        str(target_path),
    ]
    with _argv_of_dbt(args):
        result = dbtRunner().invoke(args)
    if not result.success:
        cause = result.exception or f"see dbt.log in {target_path}"
        raise RuntimeError(f"dbt parse failed: {cause}")
    with _PARSED_LOCK:
        _PARSED.clear()
        _PARSED[target_path.resolve()] = result.result
    return result.result


def _parsed_manifest_for(step_target: Path) -> Any | None:
    """The manifest parsed in this process for the run folder that holds `step_target`."""
    with _PARSED_LOCK:
        for run_target, manifest in _PARSED.items():
            if step_target.resolve().is_relative_to(run_target):
                return manifest
    return None


class InProcessDbt:
    """Stands in for the `subprocess.Popen` of a dbt command, as dagster-dbt uses it: `args`,
    a `stdout` of JSON log lines (bytes), `wait()`, `returncode`, `send_signal()`."""

    def __init__(self, args: Sequence[str], env: Mapping[str, str], **_popen: Any) -> None:
        self.args = list(args)
        self.returncode: int | None = None
        self._lines: queue.SimpleQueue[bytes | object] = queue.SimpleQueue()
        dbt_args = _with_env_flags(self.args[1:], env)
        step_target = Path(env["DBT_TARGET_PATH"])
        self._thread = threading.Thread(
            target=self._invoke,
            args=(dbt_args, _parsed_manifest_for(step_target)),
            name="dbt",
            daemon=True,
        )
        self._thread.start()
        self.stdout = _LineStream(self._lines)

    def _invoke(self, dbt_args: list[str], manifest: Any | None) -> None:
        from dbt.cli.main import dbtRunner
        from dbt_common.events.functions import msg_to_dict

        def forward(event: Any) -> None:
            if event.info.level in _FORWARDED_LEVELS:
                self._lines.put(json.dumps(msg_to_dict(event), default=str).encode())

        try:
            with _argv_of_dbt(dbt_args):
                result = dbtRunner(manifest=manifest, callbacks=[forward]).invoke(dbt_args)
            if result.success:
                self.returncode = 0
            else:  # dbt's own exit codes: 1 = a node failed, 2 = dbt itself failed
                self.returncode = 2 if result.exception is not None else 1
                if result.exception is not None:
                    self._lines.put(_error_line(f"dbt failed: {result.exception}"))
        except BaseException as unexpected:  # reported as dbt's error, never lost in the thread
            self.returncode = 2
            self._lines.put(_error_line(f"dbt failed: {unexpected!r}"))
        finally:
            _close_duckdb_connection()
            self._lines.put(_END)

    def wait(self, timeout: float | None = None) -> int:
        self._thread.join(timeout)
        return self.returncode if self.returncode is not None else -1

    def poll(self) -> int | None:
        return self.returncode

    def send_signal(self, _signal: int) -> None:
        """dbt in a thread cannot be interrupted; the step ends when the command does."""


class _LineStream:
    """The dbt command's log as a closable iterator of JSON lines."""

    def __init__(self, lines: queue.SimpleQueue[bytes | object]) -> None:
        self._lines = lines
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        while not self.closed:
            line = self._lines.get()
            if line is _END:
                self.closed = True
                return
            yield line  # type: ignore[misc]

    def __enter__(self) -> _LineStream:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.closed = True

    def close(self) -> None:
        self.closed = True


def _close_duckdb_connection() -> None:
    """Close dbt-duckdb's database handle: it outlives the command (its handle count is back to
    zero, yet the connection stays open), and DuckDB refuses any other connection to the file
    with another configuration in the same process, i.e. the next Python step's."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    with DuckDBConnectionManager._LOCK:
        environment, DuckDBConnectionManager._ENV = DuckDBConnectionManager._ENV, None
    if environment is not None:
        environment.close()


def _error_line(message: str) -> bytes:
    return json.dumps(
        {"info": {"level": "error", "msg": message, "name": "MainEncounteredError"}, "data": {}}
    ).encode()


def _with_env_flags(args: list[str], env: Mapping[str, str]) -> list[str]:
    flags = ["--no-send-anonymous-usage-stats", "--log-level", "none"]
    for variable, flag in _ENV_FLAGS.items():
        if env.get(variable) and flag not in args:
            flags += [flag, env[variable]]
    return [*args, *flags]


class _InProcessSubprocess:
    """What `dagster_dbt.core.dbt_cli_invocation` sees as its `subprocess` module."""

    Popen = InProcessDbt
    PIPE = STDOUT = None


class InProcessDbtResource(DbtCliResource):
    """`DbtCliResource` whose dbt commands run in this process (see the module's docstring)."""

    @property
    def _cli_version(self) -> version.Version:  # dagster-dbt asks a `dbt --version` process
        from dbt.version import __version__

        return version.parse(__version__)

    def _initialize_dbt_core_adapter(self, args: Sequence[str]) -> None:
        """None: dagster-dbt builds an adapter (loading every macro) only to fetch column
        metadata, which these assets do not ask for."""
        return None

    def cli(self, args: Sequence[str], **kwargs: Any) -> dbt_cli_invocation.DbtCliInvocation:
        with _dbt_commands_in_process():
            return super().cli(args, **kwargs)


@contextmanager
def _dbt_commands_in_process() -> Iterator[None]:
    """dagster-dbt starts its dbt command with `subprocess.Popen` of its own module; for this
    call that name is `InProcessDbt`. Steps of one process run one at a time (the writers' pool
    has a limit of 1), so no other dbt command starts meanwhile."""
    started_by = dbt_cli_invocation.subprocess
    dbt_cli_invocation.subprocess = _InProcessSubprocess  # type: ignore[assignment]
    try:
        yield
    finally:
        dbt_cli_invocation.subprocess = started_by
