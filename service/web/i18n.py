"""Message catalogues of the web interface: every text in Dutch and French, checked at start-up.

Catalogues are YAML files in `service/web/messages/`, in pairs: `<area>.nl.yaml` and `<area>.fr.yaml`
(each helper of the interface keeps its own area). Nested keys are joined with dots
(`cases.filter.state`). A key present in one language and not in the other, a pair with one file
missing, or a text whose `{placeholders}` differ between the languages is a start-up error: there is
no fallback to another language, and no English.

Names of gemeenten, states and closure reasons are not here: they come from the data files that
already hold them in both languages (`core/gemeenten.csv`, the workflow file, `core/labels.py`).
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from service.core.errors import ConfigurationError

LANGUAGES = ("nl", "fr")
MESSAGES = Path(__file__).with_name("messages")


class CatalogueError(ConfigurationError):
    """The catalogues disagree; the message names every file and key concerned."""


def _flatten(data: Any, prefix: str, into: dict[str, str], where: str) -> None:
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: expected a mapping at '{prefix or '(top)'}'")
    for key, value in data.items():
        full = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, dict):
            _flatten(value, full, into, where)
        elif isinstance(value, str | int | float):
            into[full] = str(value)
        else:
            raise CatalogueError(f"{where}: '{full}' must be a text")


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@dataclass(frozen=True)
class Catalogues:
    texts: dict[str, dict[str, str]]  # language -> key -> text

    def text(self, lang: str, key: str, **values: Any) -> str:
        try:
            template = self.texts[lang][key]
        except KeyError:
            raise KeyError(f"no message '{key}' in the {lang} catalogue") from None
        return template.format(**values) if values else template


def load_catalogues(folder: Path = MESSAGES) -> Catalogues:
    """Read and check every pair of catalogue files in `folder`."""
    problems: list[str] = []
    texts: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    areas = sorted({p.name.rsplit(".", 2)[0] for p in folder.glob("*.yaml")})
    for area in areas:
        per_lang: dict[str, dict[str, str]] = {}
        for lang in LANGUAGES:
            path = folder / f"{area}.{lang}.yaml"
            if not path.exists():
                problems.append(f"{path.name} is missing (its pair exists)")
                continue
            found: dict[str, str] = {}
            _flatten(yaml.safe_load(path.read_text(encoding="utf-8")) or {}, "", found, path.name)
            per_lang[lang] = found
        if len(per_lang) < len(LANGUAGES):
            continue
        nl, fr = per_lang["nl"], per_lang["fr"]
        problems += [f"{area}.fr.yaml lacks '{k}'" for k in sorted(nl.keys() - fr.keys())]
        problems += [f"{area}.nl.yaml lacks '{k}'" for k in sorted(fr.keys() - nl.keys())]
        problems += [
            f"{area}: '{k}' has placeholders {sorted(_fields(nl[k]))} in nl, {sorted(_fields(fr[k]))} in fr"
            for k in sorted(nl.keys() & fr.keys())
            if _fields(nl[k]) != _fields(fr[k])
        ]
        for lang in LANGUAGES:
            clash = texts[lang].keys() & per_lang[lang].keys()
            problems += [f"{area}.{lang}.yaml: '{k}' is also defined in another area" for k in sorted(clash)]
            texts[lang].update(per_lang[lang])
    if problems:
        raise CatalogueError("message catalogues: " + "; ".join(problems))
    return Catalogues(texts)


@lru_cache
def catalogues() -> Catalogues:
    return load_catalogues()


def other_language(lang: str) -> str:
    return "fr" if lang == "nl" else "nl"
