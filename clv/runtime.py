"""Where pytensor (pymc's compiler) caches the C code it compiles on the first fit."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ENV_FLAGS = "PYTENSOR_FLAGS"


def configure_pytensor() -> None:
    """Keep pytensor's compile cache somewhere writable and persistent.

    The first fit compiles C code for tens of seconds; later runs reuse `~/.pytensor`. When home
    is not writable (containers, CI users) pytensor would fail, so the cache moves to
    `$XDG_CACHE_HOME/touchpoint/pytensor` (else the system temp folder). An explicit
    `base_compiledir` in PYTENSOR_FLAGS always wins. Must run before pytensor is imported.
    """
    flags = os.environ.get(ENV_FLAGS, "")
    if "base_compiledir" in flags or "pytensor" in sys.modules:
        return
    if _writable(Path.home()):
        return
    cache_root = Path(os.environ.get("XDG_CACHE_HOME") or tempfile.gettempdir())
    compiledir = cache_root / "touchpoint" / "pytensor"
    compiledir.mkdir(parents=True, exist_ok=True)
    os.environ[ENV_FLAGS] = ",".join(f for f in (flags, f"base_compiledir={compiledir}") if f)


def _writable(folder: Path) -> bool:
    return folder.is_dir() and os.access(folder, os.W_OK)
