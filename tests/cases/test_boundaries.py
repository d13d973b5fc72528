"""The case, parket, audit and auth domains reach other domains only through their service.py.

A domain importing another domain's models (its tables) or views, or importing inside a function
(the way a cycle hides), fails here; so does a cycle between these domains and the ones below.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[2] / "service"
CHECKED = ("cases", "parket", "audit", "auth")
# Shared by every domain: the foundation (core, auth), the API and CLI plumbing.
FOUNDATION = {"core", "auth", "api", "cli"}
# Not yet moved to core (the PDF stack and the bilingual labels are the gemeenten domain's today).
NOT_YET_SHARED = {"service.ingest.hooks"}
# The product's sources; the simulations and the workflow's hook registry are checked elsewhere.
SKIPPED = {"simulate.py"}
# A domain's public modules: its service.py, and the case domain's procedure as data.
PUBLIC = {"service", "service.cases.workflow"}


def _modules(domain: str) -> list[Path]:
    return sorted(p for p in (SERVICE / domain).glob("*.py") if p.name not in SKIPPED)


def _imports(tree: ast.AST) -> list[tuple[str, bool]]:
    """(module, imported at top level) for every `import` / `from ... import` in the file."""
    top = {id(node) for node in getattr(tree, "body", [])}
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.count(".") == 1:  # `from service.cases import service`: the module named
                found += [(f"{node.module}.{alias.name}", id(node) in top) for alias in node.names]
            else:
                found.append((node.module, id(node) in top))
        elif isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
    return found


@pytest.mark.parametrize("domain", CHECKED)
def test_other_domains_only_through_their_service(domain: str) -> None:
    problems = []
    for path in _modules(domain):
        for module, top_level in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = module.split(".")
            if parts[0] != "service" or len(parts) < 2:
                continue
            where = f"{path.relative_to(SERVICE.parent)}: {module}"
            if not top_level:
                problems.append(f"{where} imported inside a function")
            other = parts[1]
            if other in (domain, *FOUNDATION) or module in NOT_YET_SHARED or other in ("models", "wiring"):
                continue
            if len(parts) != 3 or (parts[2] not in PUBLIC and module not in PUBLIC):
                problems.append(f"{where} is not that domain's service.py")
    assert problems == []


def test_lower_domains_do_not_import_the_ones_above() -> None:
    """audit and auth sit below every domain; the case engine below gemeenten, letters and parket."""
    above = {"audit": {"cases", "gemeenten", "letters", "parket", "ingest", "linkage"}}
    above["auth"] = above["audit"] | {"audit"}
    above["cases"] = {"gemeenten", "letters", "parket"}
    for domain, forbidden in above.items():
        for path in (SERVICE / domain).glob("*.py"):
            if path.name in SKIPPED:
                continue
            for module, _ in _imports(ast.parse(path.read_text(encoding="utf-8"))):
                parts = module.split(".")
                assert not (parts[0] == "service" and len(parts) > 1 and parts[1] in forbidden), (
                    f"{path.relative_to(SERVICE.parent)} imports {module}"
                )
