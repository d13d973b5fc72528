"""Letter templates as files: the manifest (letters/letters.yaml), the Jinja2 environment, and the
checks that make a missing or undeclared variable an error instead of a blank on a family's letter.

Two checks guard the wording the joint cell edits without touching code:
- at load time, every variable a template uses must be declared in the manifest (for the templates
  it extends or includes as well);
- at render time, every declared variable must be present and, unless marked optional ("?"),
  not empty; Jinja2's StrictUndefined catches anything else.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined, meta, nodes
from jinja2.exceptions import TemplateError as JinjaTemplateError
from jinja2.exceptions import UndefinedError

from service.core import resources
from service.core.errors import ConfigurationError, TandemError

LETTERS_DIR = resources.package_dir(resources.LETTERS)
CHANNELS = ("post", "registered_post", "email")

_MONTHS = {
    "nl": (
        "januari",
        "februari",
        "maart",
        "april",
        "mei",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
}


class TemplateProblem(ConfigurationError):
    """A template or the manifest is wrong (found at start-up), named without personal values."""


class MissingVariable(TandemError):
    """Rendering was asked without a declared variable (an error, never a blank on a letter)."""

    status = 422


def long_date(value: date, lang: str) -> str:
    """`3 maart 2014` / `3 mars 2014` (`1er` for the first day of a month in French)."""
    if not isinstance(value, date):
        raise MissingVariable(f"a date was expected, got {type(value).__name__}")
    day = "1er" if (lang == "fr" and value.day == 1) else str(value.day)
    return f"{day} {_MONTHS[lang][value.month - 1]} {value.year}"


@dataclass(frozen=True)
class Variable:
    path: str
    optional: bool

    @classmethod
    def parse(cls, text: str) -> Variable:
        text = str(text).strip()
        return cls(text.rstrip("?"), text.endswith("?"))


@dataclass(frozen=True)
class LetterKind:
    name: str
    template: str
    due_state: str
    transition: str
    sent_state: str
    default_channel: str
    variables: tuple[Variable, ...]
    late_reply_states: tuple[str, ...] = ()  # a reply to this letter still counts in these states


@dataclass(frozen=True)
class Manifest:
    directory: Path
    layout: str
    stylesheet: str
    reply_form: str
    common: tuple[Variable, ...]
    kinds: dict[str, LetterKind]

    def kind(self, name: str) -> LetterKind:
        try:
            return self.kinds[name]
        except KeyError:
            raise TandemError(f"unknown letter kind '{name}' (known: {', '.join(self.kinds)})") from None

    def variables_for(self, kind: str) -> tuple[Variable, ...]:
        return self.common + self.kind(kind).variables


def make_environment(directory: Path) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(directory)),
        undefined=StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["long_date"] = long_date
    return env


def _used_paths(ast: nodes.Template) -> set[str]:
    """Dotted paths of context variables a template reads (`child.first_names`, `preview`)."""
    roots = meta.find_undeclared_variables(ast)
    paths: set[str] = set()

    def chain(node: nodes.Node) -> list[str] | None:
        if isinstance(node, nodes.Name):
            return [node.name]
        if isinstance(node, nodes.Getattr):
            inner = chain(node.node)
            return None if inner is None else [*inner, node.attr]
        if (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
        ):
            inner = chain(node.node)
            return None if inner is None else [*inner, node.arg.value]
        return None

    covered: set[int] = set()
    for node in ast.find_all((nodes.Getattr, nodes.Getitem)):
        parts = chain(node)
        if parts and parts[0] in roots and id(node) not in covered:
            paths.add(".".join(parts))
            # the inner nodes of this chain are prefixes, not uses of their own
            inner = node.node
            while isinstance(inner, (nodes.Getattr, nodes.Getitem)):
                covered.add(id(inner))
                inner = inner.node
    # drop prefixes of longer paths collected before their parent node was seen
    paths = {p for p in paths if not any(q.startswith(p + ".") for q in paths)}
    attributed = {p.split(".")[0] for p in paths}
    paths |= {r for r in roots if r not in attributed}
    return paths


def _allowed(path: str, declared: tuple[Variable, ...]) -> bool:
    return any(
        d.path == path or d.path.startswith(path + ".") or path.startswith(d.path + ".") for d in declared
    )


def _referenced(env: Environment, name: str) -> Iterator[str]:
    """The template and every template it extends or includes, once each."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        yield current
        try:
            source = env.loader.get_source(env, current)[0]  # type: ignore[union-attr]
            ast = env.parse(source)
        except JinjaTemplateError as exc:
            raise TemplateProblem(f"template {current}: {exc}") from None
        for ref in meta.find_referenced_templates(ast):
            if ref is None:
                raise TemplateProblem(f"template {current} includes a template by a computed name")
            todo.append(ref)


def load_manifest(directory: Path = LETTERS_DIR) -> Manifest:
    """Read and check letters.yaml and the templates it names; problems fail at start-up."""
    path = directory / "letters.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TemplateProblem(f"no letter manifest at {path}") from None
    try:
        kinds = {
            name: LetterKind(
                name=name,
                template=spec["template"],
                due_state=spec["due_state"],
                transition=spec["transition"],
                sent_state=spec["sent_state"],
                default_channel=spec.get("default_channel", "post"),
                variables=tuple(Variable.parse(v) for v in spec.get("variables") or ()),
                late_reply_states=tuple(spec.get("late_reply_states") or ()),
            )
            for name, spec in (raw.get("kinds") or {}).items()
        }
        manifest = Manifest(
            directory=directory,
            layout=raw["layout"],
            stylesheet=raw["stylesheet"],
            reply_form=raw["reply_form"],
            common=tuple(Variable.parse(v) for v in raw.get("common_variables") or ()),
            kinds=kinds,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise TemplateProblem(f"{path.name}: missing or malformed entry {exc}") from None
    if not manifest.kinds:
        raise TemplateProblem(f"{path.name} declares no letter kind")
    for kind in manifest.kinds.values():
        if kind.default_channel not in CHANNELS:
            raise TemplateProblem(f"{path.name}: {kind.name} has unknown channel '{kind.default_channel}'")
    if not (directory / manifest.stylesheet).is_file():
        raise TemplateProblem(f"{path.name}: stylesheet {manifest.stylesheet} not found")
    _check_templates(manifest)
    return manifest


def _check_templates(manifest: Manifest) -> None:
    env = make_environment(manifest.directory)
    for kind in manifest.kinds.values():
        declared = manifest.variables_for(kind.name)
        names = list(_referenced(env, kind.template))
        if manifest.layout not in names or manifest.reply_form not in names:
            raise TemplateProblem(
                f"{kind.template} must extend {manifest.layout}, which includes {manifest.reply_form}"
            )
        for name in names:
            try:
                source = env.loader.get_source(env, name)[0]  # type: ignore[union-attr]
                ast = env.parse(source)
            except JinjaTemplateError as exc:
                raise TemplateProblem(f"template {name}: {exc}") from None
            undeclared = sorted(p for p in _used_paths(ast) if not _allowed(p, declared))
            if undeclared:
                raise TemplateProblem(
                    f"template {name} (used by {kind.name}) uses undeclared variables: {', '.join(undeclared)};"
                    " declare them in letters.yaml"
                )


def _resolve(context: Mapping[str, Any], path: str) -> tuple[bool, Any]:
    value: Any = context
    for part in path.split("."):
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif not isinstance(value, Mapping) and hasattr(value, part):
            value = getattr(value, part)
        else:
            return False, None
    return True, value


def check_context(manifest: Manifest, kind: str, context: Mapping[str, Any]) -> None:
    for var in manifest.variables_for(kind):
        present, value = _resolve(context, var.path)
        if not present:
            raise MissingVariable(f"letter {kind}: variable '{var.path}' is missing")
        if not var.optional and (value is None or value == "" or value == [] or value == ()):
            raise MissingVariable(f"letter {kind}: variable '{var.path}' is empty")


class Templates:
    """The checked manifest and a Jinja2 environment, loaded once per process."""

    def __init__(self, directory: Path = LETTERS_DIR) -> None:
        self.manifest = load_manifest(directory)
        self.env = make_environment(directory)

    def render_html(self, kind: str, context: Mapping[str, Any]) -> str:
        spec = self.manifest.kind(kind)
        check_context(self.manifest, kind, context)
        try:
            html = self.env.get_template(spec.template).render(**context)
        except UndefinedError as exc:
            raise MissingVariable(f"letter {kind}: {exc}") from None
        for marker in ("{{", "}}", "{%", "%}", "{#", "#}"):
            if marker in html:
                raise MissingVariable(
                    f"letter {kind}: template syntax '{marker}' left in the rendered letter"
                )
        return html


@lru_cache
def templates(directory: Path = LETTERS_DIR) -> Templates:
    return Templates(directory)
