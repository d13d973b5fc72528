"""The gemeente's answer forms, generated from the workflow file: the register-check outcomes are
the transitions a gemeente may fire from the register-check state, the required fields are each
transition's payload rules; a submitted form goes through the same service call as the API and
its refusals are shown next to the field they name. Also the settings form (gemeente and admin)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastapi.responses import Response

from service.auth.policy import Role
from service.cases import service as cases
from service.core.errors import TandemError, localised
from service.gemeenten import service as gemeenten
from service.web.forms import FormErrors
from service.web.pages import Page

CHECK_STATE = "gemeente_register_check"
ADDRESS = ("street", "house_number", "box", "postcode")
# payload fields of each form, in the order they are shown (refusals are placed on them)
FIELDS = {
    "register-check": ["answer", "new_nis_code", *(f"new_address.{f}" for f in ADDRESS), "remarks"],
    "visit": ["visited_on", "visitor_kind", "family_found", "parents_said", "school_name", "remarks"],
    "send-back": ["reason_code", "reason"],
}


@dataclass
class AnswerForms:
    step: str
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (answer, label) from the workflow
    required: dict[str, set[str]] = field(default_factory=dict)  # form -> required payload fields
    gemeenten: list[tuple[str, str]] = field(default_factory=list)
    visitors: list[tuple[str, str]] = field(default_factory=list)
    parents_said: list[tuple[str, str]] = field(default_factory=list)
    send_back: list[tuple[str, str]] = field(default_factory=list)
    default_visitor: str = ""


def _gemeente_transitions(state: str) -> list[Any]:
    wf = cases.get_workflow()
    return [t for t in wf.transitions_from(state) if Role.GEMEENTE_USER.value in t.roles]


def answer_forms(page: Page, step: str, nis_code: str) -> AnswerForms:
    """What the forms of an open assignment offer, read from the workflow and the reference data."""
    lbl = page.labels
    spec = AnswerForms(step=step, default_visitor=gemeenten.default_visitor(page.db, nis_code))
    for t in _gemeente_transitions(CHECK_STATE):
        answer = gemeenten.ANSWER_OF_TRANSITION.get(t.name)
        if answer is not None:
            spec.outcomes.append((answer.value, lbl.term(answer.value)))
            if answer == gemeenten.RegisterAnswer.MOVED_WITHIN_BRUSSELS:
                spec.required["register-check"] = set(t.required)
    wf = cases.get_workflow()
    spec.required["visit"] = set(wf.transitions["record_visit"].required) | {"family_found"}
    spec.required["send-back"] = set(wf.transitions["send_back"].required) | {"reason_code"}
    spec.gemeenten = [(nis, name) for nis, name in lbl.gemeenten() if nis != nis_code]
    spec.visitors = [(v.value, lbl.term(v.value)) for v in gemeenten.VisitorKind]
    spec.parents_said = [(p.value, lbl.term(p.value)) for p in gemeenten.ParentsSaid]
    spec.send_back = [(code, lbl.term(code)) for code in gemeenten.SEND_BACK_REASONS]
    return spec


def _text(page: Page, name: str) -> str:
    return str(page.form.get(name, "")).strip()


def place_refusals(errors: FormErrors, fields: list[str], messages: list[str], lang: str = "") -> None:
    """Each refusal next to the field it names (the longest name it starts with or quotes), else on
    the form's first field."""
    by_length = sorted(fields, key=len, reverse=True)
    for message in messages:
        named = next(
            (
                f
                for f in by_length
                if message.startswith(f) or f"'{f}'" in message or message.startswith(f.split(".")[0] + " ")
            ),
            None,
        )
        if named is None and "new_address" in message:
            named = "new_address.street"
        errors.add_refusal(named or fields[0], localised(message, lang))


def _run(page: Page, assignment_id: int, kind: str) -> None:
    db, actor = page.db, page.actor
    if kind == "register-check":
        answer = _text(page, "answer")
        if answer not in {a.value for a in gemeenten.RegisterAnswer}:
            raise TandemError("answer: choose one of the outcomes")
        address = {f: _text(page, f"new_address.{f}") for f in ADDRESS}
        gemeenten.answer_check(
            db,
            actor,
            assignment_id,
            gemeenten.RegisterAnswer(answer),
            new_nis_code=_text(page, "new_nis_code") or None,
            new_address=address if any(address.values()) else None,
            remarks=_text(page, "remarks"),
        )
    elif kind == "visit":
        found = {"yes": True, "no": False}.get(_text(page, "family_found"))
        report = {
            "visited_on": _text(page, "visited_on"),
            "visitor_kind": _text(page, "visitor_kind") or None,
            "family_found": found,
            "parents_said": _text(page, "parents_said") or None,
            "school_name": _text(page, "school_name") or None,
            "remarks": _text(page, "remarks"),
        }
        gemeenten.answer_visit(db, actor, assignment_id, report)
    elif kind == "send-back":
        gemeenten.answer_send_back(
            db, actor, assignment_id, _text(page, "reason_code"), _text(page, "reason")
        )
    else:
        raise TandemError(f"unknown answer '{kind}'")


def submit(page: Page, assignment_id: int, kind: str) -> FormErrors | None:
    """Answer the assignment; the refusals, placed on their fields, or None when it was recorded."""
    try:
        _run(page, assignment_id, kind)
    except cases.TransitionRefused as exc:
        errors = FormErrors()
        place_refusals(errors, FIELDS.get(kind, ["answer"]), exc.missing, page.lang)
        return errors
    except TandemError as exc:
        if exc.status == 404:
            raise
        errors = FormErrors()
        place_refusals(
            errors, FIELDS.get(kind, ["answer"]), [exc.args[0] if exc.args else str(exc)], page.lang
        )
        return errors
    return None


# -- settings ---------------------------------------------------------------------------------


def settings_page(page: Page, nis_code: str, action: str, *, errors: FormErrors | None = None) -> Response:
    current = gemeenten.gemeente_settings(page.db, page.actor, nis_code)
    visitors = [(v.value, page.labels.term(v.value)) for v in gemeenten.VisitorKind]
    return page.render(
        "gemeente/settings.html",
        current=current,
        visitors=visitors,
        action=action,
        errors=errors,
        values=page.form
        if errors
        else {"default_visitor": current["default_visitor"], "email": current["email"] or ""},
        status=422 if errors else 200,
    )


def save_settings(page: Page, nis_code: str, action: str) -> Response:
    visitor = _text(page, "default_visitor") or None
    try:
        gemeenten.update_settings(page.db, page.actor, nis_code, visitor, _text(page, "email"))
    except TandemError as exc:
        if exc.status == 404:
            raise
        errors = FormErrors()
        place_refusals(errors, ["default_visitor", "email"], [str(exc)])
        page.db.rollback()
        return settings_page(page, nis_code, action, errors=errors)
    return page.redirect(action, flash="gemeente.done.settings")
