import base64
from pathlib import Path

import pytest

from service.core import crypto
from service.core.errors import KeyMaterialMissing
from service.core.settings import Settings


def _settings(tmp_path: Path, **kw: str) -> Settings:
    """Settings that ignore the test session's environment keys."""
    base: dict = {"hmac_key": None, "aead_key": None}
    return Settings(data_dir=tmp_path, key_dir=tmp_path / "keys", **(base | kw))


def test_dev_keys_created_once_and_used(tmp_path: Path) -> None:
    assert crypto.create_dev_keys(tmp_path / "keys") is True
    assert crypto.create_dev_keys(tmp_path / "keys") is False
    ring = crypto.load_keyring(_settings(tmp_path))
    assert ring.hmac_active == "dev1"
    h = ring.hash_nn("12030400289")
    assert h == ring.hash_nn("12030400289") and len(h) == 64
    assert h != ring.hash_nn("12030400388")
    blob = ring.encrypt_nn("12030400289")
    assert b"12030400289" not in blob
    assert ring.decrypt_nn(blob) == "12030400289"
    assert (tmp_path / "keys" / "hmac-dev1.key").stat().st_mode & 0o077 == 0


def test_environment_key_wins_and_differs(tmp_path: Path) -> None:
    crypto.create_dev_keys(tmp_path / "keys")
    env_key = base64.b64encode(b"k" * 32).decode()
    ring = crypto.load_keyring(_settings(tmp_path, hmac_key=env_key, hmac_key_id="prod1"))
    assert ring.hmac_active == "prod1"
    file_ring = crypto.load_keyring(_settings(tmp_path))
    assert ring.hash_nn("12030400289") != file_ring.hash_nn("12030400289")
    # the old key stays available for rows hashed with it
    assert ring.hash_nn_with("dev1", "12030400289") == file_ring.hash_nn("12030400289")


def test_missing_keys_say_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(KeyMaterialMissing, match="tandem keys init"):
        crypto.load_keyring(_settings(tmp_path))
