"""The shape of `service/`, read from its imports with `ast`.

How the folders of `service/` count:
- A *domain* is any other folder (audit, auth, cases, gemeenten, ingest, jobs, letters, linkage,
  notifications, parket, and any new one). Domains import each other without a cycle, only through
  the other domain's public modules (`service`, `schemas`, `hooks`; for auth also `deps`, `scope`,
  `policy`), never its `models` (tables), views or internals.
- `core` is the foundation below every domain: anyone imports it, it imports nothing else of
  `service/`.
- `web` (the browser interface) is plumbing like `api`: its foundation (`web/pages.py`, `forms.py`,
  `tables.py`, `i18n.py`) is a shared helper a domain's own pages may import, and its screens sit
  above the domains, reading them through their public modules.
- `api` and `cli` are plumbing. Their shared helpers (`api/responses.py`, `cli/common.py`) are
  imported by the domains' views and commands and themselves import only core and auth; their
  entry points (`api/app.py`, `api/main.py`, `cli/main.py`), `wiring.py` and `models.py` (the
  metadata Alembic reads) are composition roots above everything: they import what they assemble,
  and only another root imports them. So none of the infrastructure is a node of the domain graph,
  and no cycle can run through it.
Everywhere in `service/`: no import of `service` or `sim` inside a function body (lazy imports of
third-party libraries, such as uvicorn in `tandem serve`, cannot hide a cycle and are allowed), and
nothing imports the simulation (`sim/`), which sits on top of the product.

The allow-lists below hold today's exceptions, one line each with its reason; an entry that is no
longer needed fails too, so the lists only shrink.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parents[1] / "service"
INFRASTRUCTURE = {"core", "api", "cli", "web", "wiring", "models"}
HELPERS = {
    "service.api.responses",
    "service.cli.common",
    "service.web.pages",
    "service.web.forms",
    "service.web.tables",
    "service.web.i18n",
}
ROOTS = {"service.api.app", "service.api.main", "service.cli.main", "service.wiring", "service.models"}
PUBLIC = {"service", "schemas", "hooks"}
PUBLIC_OF = {
    "auth": PUBLIC | {"deps", "scope", "policy"},
    "linkage": PUBLIC | {"review"},  # the review queue and explanations: the face of the review work
}
# Layers kept from the first boundary test: these domains never import the ones named.
BELOW = {
    "audit": {"cases", "gemeenten", "letters", "parket", "ingest", "linkage"},
    "auth": {"audit", "cases", "gemeenten", "letters", "parket", "ingest", "linkage"},
    "cases": {"gemeenten", "letters", "parket"},
}

# (importing module, imported module of another domain): why it is still there.
ALLOWED_PRIVATE = {
    ("service.letters.planning", "service.cases.workflow"): "reply window read from the workflow in force",
    ("service.parket.casefile", "service.cases.workflow"): "workflow version written into the case file",
    ("service.parket.dossier", "service.cases.workflow"): "`uses` marks the dossier's workflow effects",
    ("service.parket.service", "service.cases.workflow"): "parket age margin and effects from the workflow",
    (
        "service.linkage.frames",
        "service.ingest.models",
    ): "linkage reads the ingested records in bulk (frames)",
    (
        "service.linkage.quality",
        "service.ingest.models",
    ): "ground-truth check reads register rows and batches",
    ("service.linkage.review", "service.ingest.models"): "review pairs show both ingested records",
    ("service.linkage.service", "service.ingest.models"): "a run reads register rows and batch kinds",
}
# Domain edges that close a cycle today (importing domain, imported domain): why. None left.
ALLOWED_CYCLE_EDGES: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    source: str  # the importing module, like service.cases.engine
    target: str  # the module imported (`from service.cases import service` -> service.cases.service)
    line: int
    in_function: bool

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def module_name(path: Path, root: Path = SERVICE.parent) -> str:
    parts = path.relative_to(root).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, tree: ast.AST, modules: set[str], is_package: bool = False) -> list[Import]:
    """Every import in `tree`, with `from X import Y` resolved to module X.Y when that is a module."""
    package = source if is_package else source.rpartition(".")[0]
    found: list[Import] = []

    def visit(node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                found.extend(Import(source, a.name, child.lineno, in_function) for a in child.names)
            elif isinstance(child, ast.ImportFrom):
                base = package.split(".")[: len(package.split(".")) - child.level + 1] if child.level else []
                module = ".".join([*base, *([child.module] if child.module else [])])
                for alias in child.names:
                    full = f"{module}.{alias.name}"
                    found.append(
                        Import(source, full if full in modules else module, child.lineno, in_function)
                    )
            nested = isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda)
            visit(child, in_function or nested)

    visit(tree, False)
    return found


def strongly_connected(graph: dict[str, set[str]]) -> list[set[str]]:
    """Tarjan's strongly connected components with more than one member (each one is a cycle)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def part(module: str) -> str | None:
    """The folder of `service/` a module belongs to (`service.cases.engine` -> cases)."""
    parts = module.split(".")
    return parts[1] if parts[0] == "service" and len(parts) > 1 else None


def domain(module: str) -> str | None:
    name = part(module)
    return None if name in INFRASTRUCTURE else name


@pytest.fixture(scope="module")
def imports() -> list[Import]:
    paths = sorted(SERVICE.rglob("*.py"))
    modules = {module_name(p) for p in paths}
    found: list[Import] = []
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        found += imports_of(module_name(path), tree, modules, is_package=path.name == "__init__.py")
    return found


def _cross_domain(imports: list[Import]) -> list[Import]:
    return [
        i for i in imports if domain(i.source) and domain(i.target) and domain(i.source) != domain(i.target)
    ]


def test_no_cycle_between_domains(imports: list[Import]) -> None:
    edges: dict[tuple[str, str], list[Import]] = defaultdict(list)
    for i in _cross_domain(imports):
        edges[(domain(i.source), domain(i.target))].append(i)  # type: ignore[index]
    assert not set(ALLOWED_CYCLE_EDGES) - set(edges), "allowed cycle edges that are gone: remove them"
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in set(edges) - set(ALLOWED_CYCLE_EDGES):
        graph[a].add(b)
    cycles = [
        f"{sorted(c)}: " + "; ".join(str(edges[(a, b)][0]) for a in sorted(c) for b in sorted(graph[a] & c))
        for c in strongly_connected(graph)
    ]
    assert cycles == []
    layered = [str(i) for i in _cross_domain(imports) if domain(i.target) in BELOW.get(domain(i.source), ())]  # type: ignore[arg-type]
    assert layered == []


def test_other_domains_only_through_their_public_modules(imports: list[Import]) -> None:
    private = {}
    for i in _cross_domain(imports):
        other = domain(i.target)
        name = i.target.split(".")[2] if i.target.count(".") >= 2 else ""
        if name not in PUBLIC_OF.get(other, PUBLIC):  # type: ignore[arg-type]
            private.setdefault((i.source, i.target), i)
    assert [str(i) for key, i in sorted(private.items()) if key not in ALLOWED_PRIVATE] == []
    assert sorted(set(ALLOWED_PRIVATE) - set(private)) == [], "allowed imports that are gone: remove them"


def test_infrastructure_stays_in_its_place(imports: list[Import]) -> None:
    wrong = []
    for i in imports:
        if part(i.target) is None:
            continue
        if part(i.source) == "core" and part(i.target) != "core":
            wrong.append(f"{i}: core imports nothing else of service/")
        if i.source in HELPERS and part(i.target) not in ("core", "auth", part(i.source)):
            wrong.append(f"{i}: the shared helpers import only core and auth")
        if i.target in ROOTS and i.source not in ROOTS:
            wrong.append(f"{i}: only another composition root imports one")
    assert wrong == []


def test_the_screens_read_domains_through_their_public_modules(imports: list[Import]) -> None:
    """The web pages (and any other plumbing that is neither a helper nor a root) sit on the same
    public faces as the other domains do: the interface never reaches into a domain's tables."""
    wrong = []
    for i in imports:
        other = domain(i.target)
        if other is None or domain(i.source) is not None or i.source in HELPERS | ROOTS:
            continue
        name = i.target.split(".")[2] if i.target.count(".") >= 2 else ""
        if name not in PUBLIC_OF.get(other, PUBLIC):
            wrong.append(str(i))
    assert wrong == []


def test_no_import_of_the_product_or_the_simulation_inside_a_function(imports: list[Import]) -> None:
    hidden = [str(i) for i in imports if i.in_function and i.target.split(".")[0] in ("service", "sim")]
    assert hidden == []


def test_the_service_never_imports_the_simulation(imports: list[Import]) -> None:
    assert [str(i) for i in imports if i.target == "sim" or i.target.startswith("sim.")] == []


def test_the_checks_see_what_they_look_for() -> None:
    """The collector and the cycle finder on small made-up inputs, so a broken checker cannot pass."""
    source = "from service.cases import service\nimport sim.demo\n\ndef f():\n    from . import models\n"
    found = imports_of(
        "service.letters.x", ast.parse(source), {"service.cases.service", "service.letters.models"}
    )
    assert [(i.target, i.in_function) for i in found] == [
        ("service.cases.service", False),
        ("sim.demo", False),
        ("service.letters.models", True),
    ]
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert strongly_connected(graph) == [{"a", "b", "c"}]
