"""Forms generated from the workflow file: one per transition, its fields from the payload rules.

A transition's required payload fields become required inputs, its `choices` become selects, a
closure read from a payload field (`close`: `{from_field: reason}`) offers the closure reasons an
operator may choose, and their evidence fields follow as optional inputs. Field, transition and
choice names are translated in the catalogues (`field.*`, `transition.*`, `choice.<field>.<value>`);
`check_catalogue` makes a workflow name without its texts a start-up error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.datastructures import FormData

from service.cases import service as cases
from service.web.forms import FormErrors
from service.web.i18n import CatalogueError, Catalogues
from service.web.labels import LabelReader

DATE_SUFFIXES = ("_on", "_date")
FREE_TEXT = {"reason", "justification", "new_address"}  # shown as a text area


@dataclass(frozen=True)
class FormField:
    name: str
    kind: str  # text, date, textarea, select
    required: bool
    choices: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class TransitionForm:
    name: str
    label: str
    fields: list[FormField]


def _closure_choices(t: Any, labels: LabelReader) -> tuple[str | None, list[tuple[str, str]], list[str]]:
    """For a transition whose closure reason is read from a payload field with no map: that field,
    the reasons an operator may choose, and their evidence fields."""
    spec = t.closure
    if spec is None or isinstance(spec, str) or getattr(spec, "map", None) is not None:
        return None, [], []
    reasons = {n: r for n, r in cases.get_workflow().closure_reasons.items() if r.manual}
    evidence = sorted({e for r in reasons.values() for e in r.evidence})
    return spec.from_field, [(n, labels.closure(n)) for n in reasons], evidence


def transition_form(name: str, lang: str, cats: Catalogues) -> TransitionForm:
    t = cases.get_workflow().transitions[name]
    labels = LabelReader(lang)
    closure_field, closure_choices, evidence = _closure_choices(t, labels)
    fields: list[FormField] = []
    names = list(t.required) + [f for f in t.choices if f not in t.required] + evidence
    for fname in dict.fromkeys(names):
        required = fname in t.required
        if fname == closure_field:
            fields.append(FormField(fname, "select", required, closure_choices))
        elif fname in t.choices:
            choices = [(v, cats.text(lang, f"choice.{fname}.{v}")) for v in t.choices[fname]]
            fields.append(FormField(fname, "select", required, choices))
        elif fname == "new_nis_code":
            fields.append(FormField(fname, "select", required, labels.gemeenten()))
        elif fname.endswith(DATE_SUFFIXES):
            fields.append(FormField(fname, "date", required))
        else:
            fields.append(FormField(fname, "textarea" if fname in FREE_TEXT else "text", required))
    return TransitionForm(name, cats.text(lang, f"transition.{name}"), fields)


def read_payload(form: FormData, spec: TransitionForm, errors: FormErrors) -> dict[str, Any]:
    """The payload a submitted form gives, with the required-field and choice errors noted."""
    payload: dict[str, Any] = {}
    for f in spec.fields:
        value = str(form.get(f.name, "")).strip()
        if not value:
            if f.required:
                errors.add(f.name, "form.required")
            continue
        if f.kind == "select" and value not in {v for v, _ in f.choices}:
            errors.add(f.name, "form.invalid_choice")
            continue
        payload[f.name] = value
    return payload


def place_refusal(errors: FormErrors, spec: TransitionForm, message: str) -> None:
    """Show the service layer's refusal next to the field it names, else at the form's top."""
    for f in spec.fields:
        if f"'{f.name}'" in message or f" {f.name}" in message:
            errors.add_refusal(f.name, message)
            return
    errors.add_refusal("transition", message)


def check_catalogue(cats: Catalogues) -> None:
    """Every transition, payload field and choice of the workflow has its texts in both languages."""
    wf = cases.get_workflow()
    wanted = {f"transition.{n}" for n in wf.transitions}
    for t in wf.transitions.values():
        wanted |= {f"field.{f}" for f in t.required} | {f"field.{f}" for f in t.choices}
        wanted |= {f"choice.{f}.{v}" for f, values in t.choices.items() for v in values}
    wanted |= {f"field.{e}" for r in wf.closure_reasons.values() for e in r.evidence}
    missing = sorted(k for k in wanted if k not in cats.texts["nl"] or k not in cats.texts["fr"])
    if missing:
        raise CatalogueError("message catalogues lack texts of the workflow: " + ", ".join(missing))
