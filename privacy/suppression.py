"""The suppression list: erased people as keyed hashes, kept outside every database file.

`touchpoint erase` adds the hashes of a person's e-mails, phones and record ids
(`privacy.matching` tokens) to this list; ingestion drops every delivered row and quarantined
line that matches it (`ingestion.suppression`), so a re-delivered or late file, or a build
rebuilt from scratch, cannot bring the person back. It holds no clear value.

It lives in the privacy folder beside the published warehouse (`<stem>.privacy/`, or
`TOUCHPOINT_PRIVACY_DIR`), never in the build folder: deleting the build to rebuild it must not
forget who was erased. The list records a check value of the key it was written with: hashes
made under another key would silently match nobody, so a different key is an error instead.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from privacy.keys import PrivacyKeyError, keyed_hash

ENV_PRIVACY_DIR = "TOUCHPOINT_PRIVACY_DIR"
SUPPRESSION_FILE = "suppression_list.json"
_FORMAT = 1
_KEY_CHECK_TEXT = "touchpoint suppression list key check"


def privacy_dir(warehouse: Path) -> Path:
    """Where the suppression list and the erasure log live for the warehouse at `warehouse`."""
    configured = os.environ.get(ENV_PRIVACY_DIR)
    if configured:
        return Path(configured).expanduser().resolve()
    return warehouse.parent / f"{warehouse.stem}.privacy"


@dataclass
class SuppressionList:
    path: Path
    hashes: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, warehouse: Path) -> SuppressionList:
        """The list for this warehouse; empty when nobody was ever erased."""
        path = privacy_dir(warehouse) / SUPPRESSION_FILE
        if not path.exists():
            return cls(path)
        stored = json.loads(path.read_text())
        if stored.get("format") != _FORMAT:
            raise ValueError(f"{path}: unknown suppression list format {stored.get('format')!r}")
        if stored["key_check"] != keyed_hash(_KEY_CHECK_TEXT):
            raise PrivacyKeyError(
                f"{path} was written with another privacy key: its hashes would match nobody. "
                "Use the key it was written with (TOUCHPOINT_PRIVACY_KEY / _KEY_FILE)."
            )
        return cls(path, set(stored["hashes"]))

    def __bool__(self) -> bool:
        return bool(self.hashes)

    def add(self, hashes: set[str]) -> int:
        """Add hashes and save; returns how many were new."""
        new = hashes - self.hashes
        self.hashes |= new
        self._save()
        return len(new)

    def _save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = self.path.with_name(f".{self.path.name}.{uuid.uuid4().hex}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(
                {
                    "format": _FORMAT,
                    "key_check": keyed_hash(_KEY_CHECK_TEXT),
                    "hashes": sorted(self.hashes),
                },
                out,
                indent=0,
            )
            out.flush()
            os.fsync(out.fileno())
        os.replace(partial, self.path)
