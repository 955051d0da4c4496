"""Two `touchpoint run`s whose build folder is on a small disk of its own that fills up while a
dbt step runs, then has room again (issue 16: disk full during a dbt step).

Run by tests/reliability/test_resources_run_out.py inside a private mount namespace
(`unshare --user --map-root-user --mount`, no root needed where unprivileged user namespaces
are allowed): it mounts a tmpfs at the build folder, copies the build into it and runs
`touchpoint run --force`; when the run's first dbt step starts it fills the disk with one file,
so dbt's writes to the build database fail with the kernel's own ENOSPC. Then it removes the
file and runs again. Prints one JSON object: each run's exit status and output, and
whether the first one replaced the published file.

    python small_disk.py SETTINGS_JSON
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

DBT_STEP_STARTS = "Running dbt command: `dbt build"


def disk_of(folder: Path, size_bytes: int) -> None:
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)], check=True
    )


def fill(folder: Path) -> Path:
    """One file taking every free byte of the disk holding `folder` (written until the kernel
    says ENOSPC, in ever smaller pieces)."""
    filler = folder / "filler"
    with filler.open("wb", buffering=0) as handle:
        for piece in (2**20, 2**12, 1):
            try:
                while True:
                    handle.write(bytes(piece))
            except OSError as full:
                if full.errno != errno.ENOSPC:
                    raise
    return filler


def run(command: list[str], env: dict[str, str], fill_at_dbt: Path | None) -> dict[str, object]:
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines, filled = [], False
    try:
        for line in process.stdout:
            lines.append(line)
            if fill_at_dbt is not None and not filled and DBT_STEP_STARTS in line:
                fill(fill_at_dbt)
                filled = True
                lines.append("[small_disk] the build's disk is full now\n")
    except BaseException:
        process.kill()  # never leave a run behind
        raise
    return {"returncode": process.wait(), "output": "".join(lines), "filled": filled}


def main(settings: dict) -> dict[str, object]:
    build = Path(settings["build_dir"])
    copy = build.with_name(build.name + ".original")
    build.rename(copy)  # the tmpfs is mounted on the build folder's own path
    build.mkdir()
    disk_of(build, settings["disk_bytes"])
    shutil.copytree(copy, build, dirs_exist_ok=True)
    env = {**os.environ, **settings["env"]}
    published = Path(settings["published"])
    before = _identity(published)
    full = run(settings["command"], env, fill_at_dbt=build)
    full["published_replaced"] = _identity(published) != before
    (build / "filler").unlink(missing_ok=True)  # room again
    recovered = run(settings["command"], env, fill_at_dbt=None)
    return {"full": full, "recovered": recovered}


def _identity(path: Path) -> list[int]:
    """The published file's inode, size and modification time: another after a publication."""
    stat = path.stat()
    return [stat.st_ino, stat.st_size, stat.st_mtime_ns]


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
