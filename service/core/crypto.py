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

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
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

    def hmac_digest(self, text: str) -> str:
        """The active key's HMAC of any text (a stand-in that equals no national number's hash)."""
        return hmac.digest(self.hmac_keys[self.hmac_active], text.encode("utf-8"), "sha256").hex()

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
    """Create local development keys (hashing, encryption, signing) where a kind has none; returns
    True when keys were created."""
    missing = [prefix for prefix in ("hmac", "aead", "sign") if not _read_dir(key_dir, prefix)]
    if not missing:
        return False
    key_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(key_dir, 0o700)
    for prefix in missing:
        path = key_dir / f"{prefix}-dev1.key"
        path.write_text(base64.b64encode(secrets.token_bytes(32)).decode("ascii") + "\n")
        os.chmod(path, 0o600)
    cached_keyring.cache_clear()
    cached_signing_keys.cache_clear()
    return True


@lru_cache
def cached_keyring() -> KeyRing:
    return load_keyring()


# -- signing (Ed25519): what leaves the cell can be checked by its receiver, offline -------------


@dataclass(frozen=True)
class SigningKeys:
    """Ed25519 keys by id (`sign-<id>.key`: the 32-byte private seed, base64); the newest signs,
    the older ones still verify what they signed."""

    private: dict[str, Ed25519PrivateKey]
    active: str

    def sign(self, data: bytes) -> tuple[str, bytes]:
        return self.active, self.private[self.active].sign(data)

    def public_keys(self) -> dict[str, Ed25519PublicKey]:
        return {key_id: key.public_key() for key_id, key in self.private.items()}

    def public_pem(self, key_id: str | None = None) -> str:
        return public_pem(self.private[key_id or self.active].public_key())


def public_pem(key: Ed25519PublicKey) -> str:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_public_pem(pem: bytes) -> Ed25519PublicKey:
    """A published Ed25519 public key (PEM); anything else is refused with a clear message."""
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError as exc:
        raise KeyMaterialMissing("the public key is not a PEM-encoded public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyMaterialMissing("the public key is not an Ed25519 key")
    return key


def verify_signature(key: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        key.verify(signature, data)
    except InvalidSignature:
        return False
    return True


def load_signing_keys(settings: Settings | None = None) -> SigningKeys:
    settings = settings or get_settings()
    seeds = _read_dir(settings.resolved_key_dir, "sign")
    active = max(seeds) if seeds else ""
    if settings.signing_key:
        seeds[settings.signing_key_id] = base64.b64decode(settings.signing_key)
        active = settings.signing_key_id
    if not seeds:
        raise KeyMaterialMissing(
            f"no signing key: put sign-<id>.key in {settings.resolved_key_dir} (or set "
            "TANDEM_SIGNING_KEY), or run `tandem keys init` for a development key"
        )
    if any(len(seed) != 32 for seed in seeds.values()):
        raise KeyMaterialMissing("a signing key must be a 32-byte Ed25519 seed")
    return SigningKeys({k: Ed25519PrivateKey.from_private_bytes(v) for k, v in seeds.items()}, active)


@lru_cache
def cached_signing_keys() -> SigningKeys:
    return load_signing_keys()
