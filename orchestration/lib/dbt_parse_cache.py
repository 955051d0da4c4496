"""A new build folder starts from the dbt parse another build folder made of the same project.

dbt keeps its parse in `<target>/partial_parse.msgpack` and reuses it when nothing that could
change the parse differs: its own version, the command-line vars, the environment variables the
project reads, each `dbt_project.yml`, and a hash of the profile's connection values. Then it
parses only the files whose checksums changed ("Partial parsing enabled, no changes found").
Every build folder has its own target folder (`pipeline_job.dbt_target_of_run`), so a fresh
build folder (every test build, a benchmark, a first run) parsed the whole project: 6-12 s.

The connection values hold the build database's path, which differs per build folder and which
the project's SQL and YAML never read (no model or macro renders `target.path`). So after each
run's parse its state is kept here under a key of everything in the profile hash except the
path's folder (the file name stays: it names the database). A build folder without a state of
its own starts from the kept one, its profile hash recomputed for its own path; dbt then checks
everything else itself, file by file, and parses again whatever differs. Anything unexpected
(another dbt, an unreadable state, a profile dbt cannot render) means no seeding: a full parse,
as before.
"""

from __future__ import annotations

import hashlib
import os
import pprint
from pathlib import Path

PARTIAL_PARSE_FILE = "partial_parse.msgpack"
#: Where kept parse states live; default: `<dbt project>/target/parse_cache`.
ENV_PARSE_CACHE = "TOUCHPOINT_DBT_PARSE_CACHE"


def cache_dir(project_dir: Path) -> Path:
    configured = os.environ.get(ENV_PARSE_CACHE, "").strip()
    return Path(configured) if configured else project_dir / "target" / "parse_cache"


def seed(target_path: Path, project_dir: Path, profiles_dir: Path, target: str) -> bool:
    """Put the kept parse state of this project and profile into `target_path` when it has none;
    True when it did."""
    if (target_path / PARTIAL_PARSE_FILE).exists():
        return False  # the folder's own state (the run before on this build folder) is better
    try:
        connection = _connection_keys(profiles_dir, target)
        kept = cache_dir(project_dir) / _key(project_dir, connection) / PARTIAL_PARSE_FILE
        if not kept.exists():
            return False
        state = _with_profile_hash(kept.read_bytes(), _profile_hash(connection))
    except Exception:  # any doubt means a full parse, which is always right
        return False
    target_path.mkdir(parents=True, exist_ok=True)
    _write_atomically(target_path / PARTIAL_PARSE_FILE, state)
    return True


def keep(target_path: Path, project_dir: Path, profiles_dir: Path, target: str) -> None:
    """Keep the parse state `target_path` holds after a successful parse, for the next fresh
    build folder. Best effort: a failure to keep it only costs that folder a full parse."""
    state = target_path / PARTIAL_PARSE_FILE
    try:
        connection = _connection_keys(profiles_dir, target)
        kept = cache_dir(project_dir) / _key(project_dir, connection) / PARTIAL_PARSE_FILE
        fresh = state.read_bytes()
        if kept.exists() and kept.read_bytes() == fresh:
            return
        kept.parent.mkdir(parents=True, exist_ok=True)
        _write_atomically(kept, fresh)
    except Exception:  # see the docstring
        return


def _connection_keys(profiles_dir: Path, target: str) -> list[tuple[str, object]]:
    """The (key, value) pairs dbt hashes into the parse state's profile hash, sorted as dbt does
    (`ManifestLoader.build_manifest_state_check`): the profile's target rendered with this
    process's environment."""
    from dbt.cli.flags import Flags
    from dbt.cli.main import cli
    from dbt.config.profile import Profile, read_profile
    from dbt.config.renderer import ProfileRenderer
    from dbt.flags import get_flags, set_from_args
    from dbt_common.context import set_invocation_context

    set_invocation_context(os.environ)
    if not hasattr(get_flags(), "LOG_CACHE_EVENTS"):  # no dbt command ran in this process yet
        set_from_args(Flags(cli.make_context("parse", ["parse"])), None)
    profile = Profile.from_raw_profiles(
        read_profile(str(profiles_dir)), "touchpoint", ProfileRenderer({}), target_override=target
    )
    return sorted(profile.credentials.connection_info())


def _profile_hash(connection: list[tuple[str, object]]) -> str:
    return hashlib.sha256(pprint.pformat(connection).encode("utf-8")).hexdigest()


def _key(project_dir: Path, connection: list[tuple[str, object]]) -> str:
    """Everything in the profile hash but the database file's folder, plus the project folder
    (the state records file paths below it) and the dbt versions."""
    from importlib.metadata import version

    portable = [(k, Path(str(v)).name if k == "path" else v) for k, v in connection]
    text = pprint.pformat(
        [str(project_dir.resolve()), version("dbt-core"), version("dbt-duckdb"), portable]
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _with_profile_hash(state: bytes, checksum: str) -> bytes:
    """The msgpack state with its profile hash replaced (dbt's date and datetime extension
    types pass through untouched)."""
    import msgpack

    data = msgpack.unpackb(state, raw=False, strict_map_key=False)
    profile_hash = data["state_check"]["profile_hash"]
    if profile_hash.get("name") != "sha256":
        raise ValueError("the parse state's profile hash is not the sha256 dbt writes")
    profile_hash["checksum"] = checksum
    return msgpack.packb(data, use_bin_type=True)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)
