"""Item 10 of issue 12: a case file whose JSON is edited and whose manifest is re-hashed passed
`tandem parket verify`. The manifest is now signed (Ed25519) and verify checks the signature with
the published key, offline, and the recorded SHA-256 where it has the database."""

from __future__ import annotations

import base64
import io
import json
import zipfile
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select
from typer.testing import CliRunner

from service.cli.main import app
from service.parket import casefile
from service.parket.models import Referral
from service.parket.service import zip_bytes
from tests.parket.test_referrals import _referred


def _rewrite(data: bytes, edit) -> bytes:  # type: ignore[no-untyped-def]
    """A copy of the ZIP with `edit(files)` applied to {name: bytes}."""
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        files = {name: src.read(name) for name in src.namelist()}
    edit(files)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name, content in files.items():
            dst.writestr(name, content)
    return out.getvalue()


def _forge(files: dict[str, bytes]) -> None:
    """Edit the child's birth date and re-hash the manifest, as a forger would."""
    doc = json.loads(files[casefile.DOCUMENT])
    doc["child"]["birth_date"] = "2009-01-01"
    files[casefile.DOCUMENT] = json.dumps(doc).encode()
    manifest = json.loads(files[casefile.MANIFEST])
    for entry in manifest["files"]:
        if entry["path"] == casefile.DOCUMENT:
            entry["sha256"] = casefile.sha256(files[casefile.DOCUMENT])
            entry["bytes"] = len(files[casefile.DOCUMENT])
    files[casefile.MANIFEST] = json.dumps(manifest).encode()


def _resign(files: dict[str, bytes]) -> None:
    """The forger also signs the new manifest, with a key of its own under the cell's key id."""
    sig = json.loads(files[casefile.SIGNATURE])
    sig["signature"] = base64.b64encode(Ed25519PrivateKey.generate().sign(files[casefile.MANIFEST])).decode()
    files[casefile.SIGNATURE] = json.dumps(sig).encode()


def _invoke(*args: str):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(app, ["parket", *args])


def test_a_rehashed_forged_case_file_is_rejected(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _referred(session, tmp_path)
    original = zip_bytes(session.scalars(select(Referral)).one())
    assert casefile.SIGNATURE in zipfile.ZipFile(io.BytesIO(original)).namelist()
    assert casefile.verify_zip(original) == []

    forged = _rewrite(original, _forge)
    problems = casefile.verify_zip(forged)
    assert problems == [
        f"{casefile.SIGNATURE}: the signature does not match the manifest (forged or altered file)"
    ]
    resigned = _rewrite(original, lambda f: (_forge(f), _resign(f)))
    assert casefile.verify_zip(resigned) == problems
    unsigned = _rewrite(original, lambda f: (_forge(f), f.pop(casefile.SIGNATURE)))
    assert casefile.verify_zip(unsigned) == [f"{casefile.SIGNATURE}: missing (the manifest is not signed)"]

    key = tmp_path / "tandem.pem"
    published = _invoke("public-key")
    assert published.exit_code == 0 and published.stdout.startswith("-----BEGIN PUBLIC KEY-----")
    key.write_text(published.stdout)
    for name, data in (("forged", forged), ("resigned", resigned), ("unsigned", unsigned)):
        path = tmp_path / f"{name}.zip"
        path.write_bytes(data)
        for extra in ((), ("--offline",)):
            result = _invoke("verify", str(path), "--public-key", str(key), *extra)
            assert result.exit_code == 1, (name, extra, result.stdout)
            assert casefile.SIGNATURE in result.stdout


def test_a_sound_file_verifies_offline_with_the_published_key(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _referred(session, tmp_path)
    original = zip_bytes(session.scalars(select(Referral)).one())
    path, key = tmp_path / "case.zip", tmp_path / "tandem.pem"
    path.write_bytes(original)
    key.write_text(_invoke("public-key").stdout)
    for extra in ((), ("--offline",)):
        result = _invoke("verify", str(path), "--public-key", str(key), *extra)
        assert result.exit_code == 0, result.stdout
    other = tmp_path / "other.pem"
    from service.core.crypto import public_pem

    other.write_text(public_pem(Ed25519PrivateKey.generate().public_key()))
    assert _invoke("verify", str(path), "--public-key", str(other), "--offline").exit_code == 1


def test_verify_checks_the_recorded_hash_where_it_has_the_database(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A file the cell signed but never recorded as sent (here: the record's hash was changed) is
    refused online and accepted offline, where only the signature can speak."""
    _referred(session, tmp_path)
    referral = session.scalars(select(Referral)).one()
    path = tmp_path / "case.zip"
    path.write_bytes(zip_bytes(referral))
    referral.sha256 = "0" * 64
    session.commit()
    online = _invoke("verify", str(path))
    assert online.exit_code == 1 and "recorded hash" in online.stdout
    assert _invoke("verify", str(path), "--offline").exit_code == 0
