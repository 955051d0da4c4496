"""The pseudonymisation key and the keyed hash every privacy feature shares.

Direct identifiers (e-mails, phones, names) leave the restricted world only as
HMAC-SHA256 digests under one secret key: equal inputs give equal digests (joins still work),
and without the key nobody can test a guessed e-mail against a digest (a plain hash would
give that away to anyone with a list of addresses).

Where the key lives, first match wins (never inside a warehouse file):
1. `TOUCHPOINT_PRIVACY_KEY`: the key itself (e.g. injected by a secrets manager or CI);
2. `TOUCHPOINT_PRIVACY_KEY_FILE`: a file holding it, which must be readable by its owner only;
3. the demo default `.touchpoint/keys/privacy.key` in the repository: created on first use
   with 32 random bytes, mode 0600. Losing the key only changes every digest (the next
   publication re-hashes everything); leaking it lets a holder of the analyst publication
   confirm guessed identifiers, so production keeps it in a secrets manager.

E-mails and phones are normalised with `identity.normalise` before hashing, so every spelling
the identity graph treats as one address or number has one digest.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import stat
from functools import lru_cache
from pathlib import Path

from identity.normalise import normalise_email, normalise_name, normalise_phone
from warehouse.settings import DEFAULT_STATE_DIR

ENV_PRIVACY_KEY = "TOUCHPOINT_PRIVACY_KEY"
ENV_PRIVACY_KEY_FILE = "TOUCHPOINT_PRIVACY_KEY_FILE"
DEFAULT_KEY_FILE = DEFAULT_STATE_DIR / "keys" / "privacy.key"

_MIN_KEY_BYTES = 16


class PrivacyKeyError(RuntimeError):
    """The key is missing, too short, or stored where others can read it."""


def key_file() -> Path:
    """The key file in use (from `TOUCHPOINT_PRIVACY_KEY_FILE`, else the demo default)."""
    return Path(os.environ.get(ENV_PRIVACY_KEY_FILE) or DEFAULT_KEY_FILE).expanduser()


def privacy_key() -> bytes:
    """The secret key, from the environment or the key file (created for the demo default)."""
    inline = os.environ.get(ENV_PRIVACY_KEY)
    if inline:
        return _checked(inline.strip().encode(), f"${ENV_PRIVACY_KEY}")
    path = key_file()
    if not path.exists():
        if os.environ.get(ENV_PRIVACY_KEY_FILE):
            raise PrivacyKeyError(f"{ENV_PRIVACY_KEY_FILE} points to {path}, which does not exist")
        _create_demo_key(path)
    return _read_key_file(path)


def keyed_hash(value: str) -> str:
    """HMAC-SHA256 of the exact text under the privacy key, as 64 hex digits."""
    return _hmac_hex(privacy_key(), value)


def keyed_hasher() -> _KeyedHasher:
    """A hasher holding the key once, for hashing whole columns (reads the key one time)."""
    return _KeyedHasher(privacy_key())


def hash_email(raw: str | None) -> str | None:
    """The digest of an e-mail's identity key (`identity.normalise.normalise_email`)."""
    return keyed_hasher().email(raw)


def hash_phone(raw: str | None) -> str | None:
    """The digest of a phone number's E.164 form (`identity.normalise.normalise_phone`)."""
    return keyed_hasher().phone(raw)


def hash_name(raw: str | None) -> str | None:
    """The digest of a name's comparison key (`identity.normalise.normalise_name`)."""
    return keyed_hasher().name(raw)


class _KeyedHasher:
    """The keyed hash with the key read once; methods return None when nothing usable is left."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def text(self, value: str | None) -> str | None:
        return None if value is None else _hmac_hex(self._key, str(value))

    def email(self, raw: str | None) -> str | None:
        return self.text(normalise_email(raw))

    def phone(self, raw: str | None) -> str | None:
        return self.text(normalise_phone(raw))

    def name(self, raw: str | None) -> str | None:
        return self.text(normalise_name(raw))


@lru_cache(maxsize=1 << 16)
def _hmac_hex(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def _checked(key: bytes, where: str) -> bytes:
    if len(key) < _MIN_KEY_BYTES:
        raise PrivacyKeyError(f"the privacy key in {where} is shorter than {_MIN_KEY_BYTES} bytes")
    return key


def _read_key_file(path: Path) -> bytes:
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise PrivacyKeyError(
            f"{path} is readable by others (mode {stat.filemode(mode)}); run `chmod 600 {path}`"
        )
    return _checked(path.read_bytes().strip(), str(path))


def _create_demo_key(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.partial")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(secrets.token_hex(32) + "\n")
    try:
        os.link(partial, path)  # never replaces a key another process created meanwhile
    except FileExistsError:
        pass
    finally:
        partial.unlink()
