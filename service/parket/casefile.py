"""The case file sent to the parket: a bilingual PDF dossier, a JSON document with a published,
versioned schema, and a manifest of SHA-256 hashes, all in one ZIP.

`collect` (in service.py) gathers the document from the database; everything here is a pure
function of that document, so the file can be checked without a database.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from service.cases.workflow import get_workflow
from service.core.errors import NotFound, TandemError
from service.core.pdf import render_pdf

SCHEMA_VERSION = "1.1.0"  # 1.1.0: reported_addresses (earlier versions stay published)
SCHEMA_DIR = Path(__file__).with_name("schemas")
TEMPLATES = Path(__file__).with_name("templates")
DOSSIER = "dossier.pdf"
DOCUMENT = "case-file.json"
SCHEMA_FILE = "case-file.schema.json"
MANIFEST = "manifest.json"


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
        if name in files or name == MANIFEST:
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
    stamp = datetime.fromisoformat(doc["generated_at"]).timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16  # readable files when unpacked, not the 0600 default
            zf.writestr(info, data)
    return out.getvalue()


def verify_zip(data: bytes) -> list[str]:
    """Problems found when checking a case-file ZIP against its manifest and schema (empty: sound)."""
    problems: list[str] = []
    if not zipfile.is_zipfile(io.BytesIO(data)):
        return ["not a ZIP file"]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        # Directory entries are not files: a desktop tool that re-zips the folder adds them.
        names = {n for n in zf.namelist() if not n.endswith("/")}
        if MANIFEST not in names:
            return ["no manifest"]
        try:
            manifest = json.loads(zf.read(MANIFEST))
            listed = {f["path"] for f in manifest["files"]}
        except (ValueError, TypeError, KeyError):
            return [f"{MANIFEST}: not a valid manifest"]
        for extra in sorted(names - listed - {MANIFEST}):
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
