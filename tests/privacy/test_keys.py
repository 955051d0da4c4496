"""The keyed hash: stable under one key, different under another, normalised like identity."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from privacy import keys


@pytest.fixture()
def key_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "keys" / "privacy.key"
    monkeypatch.delenv(keys.ENV_PRIVACY_KEY, raising=False)
    monkeypatch.setattr(keys, "DEFAULT_KEY_FILE", path)
    monkeypatch.delenv(keys.ENV_PRIVACY_KEY_FILE, raising=False)
    return path


def test_demo_key_is_created_owner_only_and_reused(key_file: Path) -> None:
    first = keys.keyed_hash("ada@example.com")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert keys.keyed_hash("ada@example.com") == first
    assert len(first) == 64 and int(first, 16) >= 0


def test_a_different_key_gives_different_digests(
    key_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    demo = keys.keyed_hash("ada@example.com")
    monkeypatch.setenv(keys.ENV_PRIVACY_KEY, "another-secret-key-of-enough-length")
    assert keys.keyed_hash("ada@example.com") != demo


def test_a_key_file_others_can_read_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared.key"
    shared.write_text("a-secret-key-of-enough-length\n")
    os.chmod(shared, 0o644)
    monkeypatch.delenv(keys.ENV_PRIVACY_KEY, raising=False)
    monkeypatch.setenv(keys.ENV_PRIVACY_KEY_FILE, str(shared))
    with pytest.raises(keys.PrivacyKeyError, match="chmod 600"):
        keys.keyed_hash("x")


def test_spellings_identity_treats_as_one_share_a_digest(key_file: Path) -> None:
    assert keys.hash_email(" John.Doe+news@GoogleMail.com") == keys.hash_email("johndoe@gmail.com")
    assert keys.hash_phone("(212) 555-0147") == keys.hash_phone("+1 212 555 0147")
    assert keys.hash_name("O'Brien") == keys.hash_name("obrien")
    assert keys.hash_email("not an address") is None
