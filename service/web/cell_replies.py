"""A family's reply: recorded from the reply form's structured answers, then verified by an
operator (the verification queue). The same refusals and audit events as the letters API."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from service.audit import service as audit
from service.cases import service as cases
from service.core.case_reference import case_id_from
from service.core.errors import TandemError
from service.letters import service as letters
from service.web.forms import FormErrors
from service.web.pages import Page, form_for, page_for

router = APIRouter(include_in_schema=False)
REPLY_FIELDS = tuple(letters.ReplyForm.model_fields)  # the reply form's structured answers
# Which field each of the reply form's refusals (ReplyForm.problems) is about.
PROBLEM_FIELDS = {
    "an answer": "answer",
    "a channel": "channel",
    "the school's name": "school_name",
    "the school's community": "school_community",
    "a school community": "school_community",
    "the new address": "new_address",
    "the family's explanation": "text",
}


def _reply_page(page: Page, **extra: Any) -> Response:
    return page.render(
        "cell/reply_form.html",
        answers=letters.ANSWERS,
        communities=letters.SCHOOL_COMMUNITIES,
        channels=letters.REPLY_CHANNELS,
        **extra,
    )


@router.get("/letters/replies/new", response_class=HTMLResponse)
def new_reply(page: Page = Depends(page_for("letters:write"))) -> Response:
    return _reply_page(page, values={"case": page.request.query_params.get("case", "")})


def _place(errors: FormErrors, problems: list[str]) -> None:
    for problem in problems:
        field = next((f for start, f in PROBLEM_FIELDS.items() if problem.startswith(start)), "answer")
        errors.add(field, f"replies.missing_{field}")


@router.post("/letters/replies", response_class=HTMLResponse)
def record_reply(page: Page = Depends(form_for("letters:write"))) -> Response:
    form = page.form
    errors = FormErrors()
    try:
        case_id = case_id_from(str(form.get("case", "")))
    except ValueError:
        errors.add("case", "replies.case_invalid")
        return _reply_page(page, errors=errors, values=form, status=422)
    data = {f: str(form.get(f, "")).strip() or None for f in REPLY_FIELDS}
    data["text"] = data["text"] or ""
    data["channel"] = data["channel"] or "post"
    try:
        reply_form = letters.ReplyForm.model_validate(data)
        letters.record_reply(page.db, case_id, reply_form, page.actor)
    except ValidationError as exc:
        for e in exc.errors():
            errors.add(str(e["loc"][0]) if e.get("loc") else "answer", "form.invalid_date")
    except cases.TransitionRefused as exc:
        _place(errors, exc.missing)
    except TandemError as exc:
        errors.add_refusal("case", str(exc))
    if errors:
        page.db.rollback()
        return _reply_page(page, errors=errors, values=form, status=422)
    return page.redirect(f"/cases/{case_id}", flash="replies.recorded")


@router.get("/letters/replies", response_class=HTMLResponse)
def queue(page: Page = Depends(page_for("web:cell"))) -> Response:
    """The verification queue: answers waiting for an operator."""
    found = letters.list_replies(page.db, outcome="pending")
    audit.record(page.db, page.actor, "read", "letter_reply", [r.id for r in found], purpose="reply list")
    return page.render("cell/replies.html", replies=found)


@router.post("/letters/replies/{reply_id}/verify", response_class=HTMLResponse)
def verify(reply_id: int, page: Page = Depends(form_for("letters:write"))) -> Response:
    sufficient = page.form.get("sufficient") == "yes"
    reason = str(page.form.get("reason", "")).strip()
    errors = FormErrors()
    if not sufficient and not reason:
        errors.add("reason", "replies.reason_required")
    else:
        try:
            reply = letters.verify_reply(page.db, reply_id, page.actor, sufficient=sufficient, reason=reason)
            audit.record(page.db, page.actor, "change", "letter_reply", [reply.id], purpose="verify reply")
            return page.redirect("/letters/replies", flash="replies.verified")
        except TandemError as exc:
            errors.add_refusal("reason", str(exc))
    found = letters.list_replies(page.db, outcome="pending")
    audit.record(page.db, page.actor, "read", "letter_reply", [r.id for r in found], purpose="reply list")
    return page.render(
        "cell/replies.html", status=422, replies=found, errors=errors, values=page.form, failed=reply_id
    )
