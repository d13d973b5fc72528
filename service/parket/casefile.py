"""The case file sent to the parket: a bilingual PDF dossier, a JSON document with a published,
versioned schema, and a manifest of SHA-256 hashes signed with the cell's Ed25519 key
(`manifest.sig`), all in one ZIP. Re-hashing an edited file does not help a forger: the signature
covers the manifest's exact bytes, and only the cell holds the private key; the parket checks it
offline with the published public key (`tandem parket public-key`).

`collect` (in service.py) gathers the document from the database; everything here is a pure
function of that document, so the file can be checked without a database.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from jsonschema import Draft202012Validator, FormatChecker

from service.cases.workflow import get_workflow
from service.core import crypto
from service.core.errors import NotFound, TandemError
from service.core.pdf import render_pdf

SCHEMA_VERSION = "1.1.0"  # 1.1.0: reported_addresses (earlier versions stay published)
SCHEMA_DIR = Path(__file__).with_name("schemas")
TEMPLATES = Path(__file__).with_name("templates")
DOSSIER = "dossier.pdf"
DOCUMENT = "case-file.json"
SCHEMA_FILE = "case-file.schema.json"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
RESERVED = {MANIFEST, SIGNATURE}


def schema_versions() -> list[str]:
    return sorted(p.stem.removeprefix("case-file-") for p in SCHEMA_DIR.glob("case-file-*.json"))


@lru_cache
def schema(version: str = SCHEMA_VERSION) -> dict[str, Any]:
    path = SCHEMA_DIR / f"case-file-{version}.json"
    if version not in schema_versions():
        raise NotFound(f"no case-file schema version '{version}'")
    data = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(data)
    return data


def validation_errors(doc: dict[str, Any], version: str = SCHEMA_VERSION) -> list[str]:
    """Where the document breaks the schema (JSON paths and the rule), empty when it is valid."""
    validator = Draft202012Validator(schema(version), format_checker=FormatChecker())
    return [
        f"{'/'.join(str(p) for p in err.absolute_path) or '(root)'}: {err.validator}"
        for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path)))
    ]


def to_json(doc: dict[str, Any]) -> bytes:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=False).encode("utf-8")


def render_dossier(doc: dict[str, Any]) -> bytes:
    """The bilingual PDF; workflow states are shown with their Dutch and French labels."""
    states = {name: {"nl": s.label.nl, "fr": s.label.fr} for name, s in get_workflow().states.items()}
    return render_pdf(TEMPLATES, "dossier.html", {"doc": doc, "states": states})


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build_zip(doc: dict[str, Any], attachments: dict[str, bytes] | None = None) -> bytes:
    """The ZIP for the parket. Refuses a document that does not validate: a file that breaks its own
    published schema must never leave the cell."""
    errors = validation_errors(doc)
    if errors:
        raise TandemError(f"the case file does not validate against schema {SCHEMA_VERSION}: {errors[:5]}")
    files: dict[str, bytes] = {
        DOSSIER: render_dossier(doc),
        DOCUMENT: to_json(doc),
        SCHEMA_FILE: json.dumps(schema(), ensure_ascii=False, indent=2).encode("utf-8"),
    }
    for name, data in (attachments or {}).items():
        if name in files or name in RESERVED:
            raise TandemError(f"attachment name '{name}' is reserved")
        files[name] = data
    manifest = {
        "case_reference": doc["case"]["reference"],
        "schema_version": doc["schema_version"],
        "generated_at": doc["generated_at"],
        "algorithm": "sha256",
        "files": [{"path": name, "sha256": sha256(data), "bytes": len(data)} for name, data in files.items()],
    }
    files[MANIFEST] = json.dumps(manifest, ensure_ascii=False, indent=2).encode("utf-8")
    files[SIGNATURE] = sign_manifest(files[MANIFEST])
    stamp = datetime.fromisoformat(doc["generated_at"]).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable files when unpacked, not the 0600 default
            zf.writestr(info, data)
    return out.getvalue()


def sign_manifest(manifest: bytes) -> bytes:
    key_id, signature = crypto.cached_signing_keys().sign(manifest)
    body = {"algorithm": "ed25519", "key_id": key_id, "signature": base64.b64encode(signature).decode()}
    return json.dumps(body, indent=2).encode("utf-8")


def signature_problems(
    manifest: bytes, sig: bytes | None, public_keys: dict[str, Ed25519PublicKey] | Ed25519PublicKey
) -> list[str]:
    """Why the manifest's signature does not hold (empty: it was signed by one of `public_keys`, or by
    the one key given)."""
    if sig is None:
        return [f"{SIGNATURE}: missing (the manifest is not signed)"]
    try:
        body = json.loads(sig)
        key_id, signature = body["key_id"], base64.b64decode(body["signature"], validate=True)
        assert body["algorithm"] == "ed25519"
    except (ValueError, TypeError, KeyError, AssertionError):
        return [f"{SIGNATURE}: not a valid signature file"]
    if isinstance(public_keys, Ed25519PublicKey):
        key = public_keys
    elif (key := public_keys.get(key_id)) is None:
        return [f"{SIGNATURE}: signed with key '{key_id}', which is not one of the cell's keys"]
    if not crypto.verify_signature(key, signature, manifest):
        return [f"{SIGNATURE}: the signature does not match the manifest (forged or altered file)"]
    return []


def verify_zip(
    data: bytes, public_keys: dict[str, Ed25519PublicKey] | Ed25519PublicKey | None = None
) -> list[str]:
    """Problems found when checking a case-file ZIP against its signature, manifest and schema (empty:
    sound). `public_keys` defaults to the cell's own signing keys."""
    if public_keys is None:
        public_keys = crypto.cached_signing_keys().public_keys()
    problems: list[str] = []
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return ["not a ZIP file"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        # Directory entries are not files: a desktop tool that re-zips the folder adds them.
        names = {n for n in zf.namelist() if not n.endswith("/")}
        if MANIFEST not in names:
            return ["no manifest"]
        raw = zf.read(MANIFEST)
        try:
            manifest = json.loads(raw)
            listed = {f["path"] for f in manifest["files"]}
        except (ValueError, TypeError, KeyError):
            return [f"{MANIFEST}: not a valid manifest"]
        sig = zf.read(SIGNATURE) if SIGNATURE in names else None
        problems += signature_problems(raw, sig, public_keys)
        for extra in sorted(names - listed - RESERVED):
            problems.append(f"{extra}: not in the manifest")
        for entry in manifest["files"]:
            if entry["path"] not in names:
                problems.append(f"{entry['path']}: missing")
            elif sha256(zf.read(entry["path"])) != entry["sha256"]:
                problems.append(f"{entry['path']}: hash differs")
        if DOCUMENT in names:
            try:
                doc = json.loads(zf.read(DOCUMENT))
            except ValueError:
                return [*problems, f"{DOCUMENT}: not valid JSON"]
            problems += [f"{DOCUMENT}: {e}" for e in validation_errors(doc, doc.get("schema_version", ""))]
    return problems
