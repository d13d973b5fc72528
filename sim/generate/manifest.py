"""manifest.json: what was generated, how each file is encoded, and the counts to expect."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path

from service.core.school_age import start_age_for
from sim.generate.config import GeneratorConfig
from sim.generate.population import Calendar, Child
from sim.generate.writers import ALL_SPECS

GENERATOR_VERSION = 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _twins(children: list[Child]) -> int:
    """Children who share a household and a birth date with a sibling."""
    seen: dict[tuple[int, date], int] = {}
    for c in children:
        key = (c.household.fid, c.birth)
        seen[key] = seen.get(key, 0) + 1
    return sum(n for n in seen.values() if n > 1)


def write_manifest(
    out_dir: Path,
    config: GeneratorConfig,
    calendar: Calendar,
    files: dict[str, Path],
    rows: dict[str, int],
    statuses: dict[str, int],
    children: list[Child],
) -> Path:
    specs = {s.filename: s for s in ALL_SPECS}
    described = {}
    for key, path in files.items():
        spec = specs.get(path.name)
        entry: dict[str, object] = {"path": path.name, "rows": rows[key], "sha256": _sha256(path)}
        if spec is not None:
            entry |= {
                "profile": spec.profile,
                "encoding": spec.encoding,
                "delimiter": spec.delimiter,
                "date_format": "YYYY-MM-DD" if spec.date_format == "iso" else "DD/MM/YYYY",
                "sex_codes": {"male": spec.sex_codes[0], "female": spec.sex_codes[1]},
            }
        described[key] = entry
    compulsory = sum(1 for c in children if c.compulsory)
    manifest = {
        "generator": "sim.generate.brussels",
        "generator_version": GENERATOR_VERSION,
        "seed": config.seed,
        "school_year": config.school_year,
        "start_age": start_age_for(config.school_year),
        "recommended_reference_date": calendar.reference.isoformat(),
        "config": {
            "children": config.children,
            "list_scale": config.list_scale,
            "error_preset": config.error_preset,
            "error_rates": config.errors.as_dict(),
            "xlsx": config.xlsx,
        },
        "counts": {
            "register_children": len(children),
            "compulsory_children": compulsory,
            "true_status": dict(sorted(statuses.items())),
            "cleared_late": sum(1 for c in children if c.cleared_late),
            "twins": _twins(children),
        },
        "files": described,
        "value_codes": {
            "register.taal": ["NL", "FR"],
            "register.ouderN_relatie": ["moeder", "vader", "voogd"],
            "register.ouderN_land": "empty for Belgium, ISO 3166 alpha-2 otherwise",
            "enrolment_nl.Onderwijsniveau": ["kleuter", "lager", "secundair"],
            "enrolment_fr.Niveau": ["maternel", "primaire", "secondaire"],
            "exemptions.motif_reden": ["prive", "europeen", "international", "etranger", "handicap", "autre"],
            "truth_children.true_status": ["enrolled", "home_educated", "exempted", "none", "not_compulsory"],
        },
    }
    path = out_dir / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
