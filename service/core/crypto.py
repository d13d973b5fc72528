"""Key material and the two protections of the national number.

* a keyed hash (HMAC-SHA256) used for linkage: equal numbers give equal hashes under one key, and
  nobody without the key can test a guessed number against it;
* an AES-256-GCM ciphertext, for the few places where the clear number is truly needed (letters,
  parket case files).

Keys are versioned: every stored hash and ciphertext carries the id of the key that made it, so a
key can be rotated without guessing which rows used which key. Keys come from files in the key
directory (`hmac-<id>.key`, `aead-<id>.key`, base64) or from the environment, never from the
repository.
"""

from __future__ import annotations

import base64
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from service.core.errors import KeyMaterialMissing
from service.core.settings import Settings, get_settings

_AAD = b"tandem:national-number"


@dataclass(frozen=True)
class KeyRing:
    hmac_keys: dict[str, bytes]
    hmac_active: str
    aead_keys: dict[str, bytes]
    aead_active: str

    # -- keyed hash ---------------------------------------------------------------------------
    def hash_nn(self, national_number: str) -> str:
        """Hex HMAC-SHA256 of an 11-digit national number under the active key."""
        return hmac.digest(self.hmac_keys[self.hmac_active], national_number.encode("ascii"), "sha256").hex()

    def hash_many(self, numbers: list[str | None]) -> list[str | None]:
        """`hash_nn` of each number (None stays None), each distinct number hashed once."""
        key = self.hmac_keys[self.hmac_active]
        digests = {n: hmac.digest(key, n.encode("ascii"), "sha256").hex() for n in set(numbers) if n}
        return [digests[n] if n else None for n in numbers]

    def hash_nn_with(self, key_id: str, national_number: str) -> str:
        return hmac.digest(self.hmac_keys[key_id], national_number.encode("ascii"), "sha256").hex()

    # -- encryption ---------------------------------------------------------------------------
    def encrypt_nn(self, national_number: str) -> bytes:
        """`key id length | key id | nonce | ciphertext+tag`, so the row names its own key."""
        key_id = self.aead_active.encode("ascii")
        nonce = os.urandom(12)
        ct = AESGCM(self.aead_keys[self.aead_active]).encrypt(nonce, national_number.encode("ascii"), _AAD)
        return bytes([len(key_id)]) + key_id + nonce + ct

    def encrypt_many(self, numbers: list[str | None]) -> list[bytes | None]:
        """`encrypt_nn` of each number (None stays None) with one cipher object and one nonce draw."""
        key_id = self.aead_active.encode("ascii")
        prefix = bytes([len(key_id)]) + key_id
        aead = AESGCM(self.aead_keys[self.aead_active])
        nonces = os.urandom(12 * len(numbers))
        return [
            prefix
            + nonces[12 * i : 12 * i + 12]
            + aead.encrypt(nonces[12 * i : 12 * i + 12], n.encode("ascii"), _AAD)
            if n
            else None
            for i, n in enumerate(numbers)
        ]

    def decrypt_nn(self, blob: bytes) -> str:
        n = blob[0]
        key_id = blob[1 : 1 + n].decode("ascii")
        if key_id not in self.aead_keys:
            raise KeyMaterialMissing(f"encryption key '{key_id}' is not available")
        nonce = blob[1 + n : 13 + n]
        return AESGCM(self.aead_keys[key_id]).decrypt(nonce, blob[13 + n :], _AAD).decode("ascii")


def _read_dir(key_dir: Path, prefix: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    if key_dir.is_dir():
        for path in sorted(key_dir.glob(f"{prefix}-*.key")):
            key_id = path.stem[len(prefix) + 1 :]
            keys[key_id] = base64.b64decode(path.read_text().strip())
    return keys


def load_keyring(settings: Settings | None = None) -> KeyRing:
    """Read keys from the environment first, then from the key directory; the newest id is active."""
    settings = settings or get_settings()
    key_dir = settings.resolved_key_dir
    hmac_keys = _read_dir(key_dir, "hmac")
    aead_keys = _read_dir(key_dir, "aead")
    hmac_active = max(hmac_keys) if hmac_keys else ""
    aead_active = max(aead_keys) if aead_keys else ""
    if settings.hmac_key:
        hmac_keys[settings.hmac_key_id] = base64.b64decode(settings.hmac_key)
        hmac_active = settings.hmac_key_id
    if settings.aead_key:
        aead_keys[settings.aead_key_id] = base64.b64decode(settings.aead_key)
        aead_active = settings.aead_key_id
    if not hmac_keys or not aead_keys:
        raise KeyMaterialMissing(
            f"no key material: put hmac-<id>.key and aead-<id>.key in {key_dir} "
            "(or set TANDEM_HMAC_KEY and TANDEM_AEAD_KEY), or run `tandem keys init` for development keys"
        )
    for key_id, key in aead_keys.items():
        if len(key) != 32:
            raise KeyMaterialMissing(f"encryption key '{key_id}' must be 32 bytes")
    return KeyRing(hmac_keys, hmac_active, aead_keys, aead_active)


def create_dev_keys(key_dir: Path) -> bool:
    """Create a local development key pair if none exists; returns True when keys were created."""
    if _read_dir(key_dir, "hmac") and _read_dir(key_dir, "aead"):
        return False
    key_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(key_dir, 0o700)
    for prefix in ("hmac", "aead"):
        path = key_dir / f"{prefix}-dev1.key"
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
        os.chmod(path, 0o600)
    cached_keyring.cache_clear()
    return True


@lru_cache
def cached_keyring() -> KeyRing:
    return load_keyring()
