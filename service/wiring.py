"""Start-up wiring: the hooks through which lower domains reach the ones above them.

The case engine names effects and guards of gemeenten, letters and parket; the audit trail must
know every domain's objects of one child; case scoping (in auth) must know which cases a gemeente
was assigned. None of those lower modules imports the domains above it: each domain is registered
here, once, by the API, the CLI and the tests before the workflow file is loaded.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.audit import service as audit
from service.auth import scope, throttle
from service.cases import effects as case_effects
from service.cases import guards as case_guards
from service.cases import service as cases
from service.cases.workflow import Workflow, WorkflowError, get_workflow, register_handlers
from service.gemeenten import effects as gemeente_effects
from service.gemeenten import guards as gemeente_guards
from service.gemeenten import service as gemeenten
from service.ingest import service as ingest
from service.letters import effects as letter_effects
from service.letters import service as letters
from service.letters.templates import Manifest, templates
from service.parket import effects as parket_effects
from service.parket import guards as parket_guards
from service.parket import service as parket

_wired: list[bool] = []


def _cases_of_child(session: Session, person_id: int, found: dict[str, set[int]]) -> dict[str, set[int]]:
    ids = cases.case_ids_of_child(session, person_id=person_id)
    return {"case": ids, "case_event": set(ids)}


def _objects_of_cases(session: Session, person_id: int, found: dict[str, set[int]]) -> dict[str, set[int]]:
    return _objects_of_case_ids(session, found.get("case", set()))


def _child_identity(session: Session, person_id: int) -> audit.Identity | None:
    person = ingest.find_person(session, person_id=person_id)
    if person is None:
        return None
    return audit.Identity(person.last_name, person.first_names, person.birth_date)


def _objects_of_case_ids(session: Session, case_ids: set[int]) -> dict[str, set[int]]:
    return {
        "assignment": gemeenten.assignment_ids_for_cases(session, case_ids=case_ids),
        "referral": parket.referral_ids_for_cases(session, case_ids=case_ids),
        "letter": letters.letter_ids_for_cases(session, case_ids=case_ids) | case_ids,  # previews: the case
        "letter_reply": letters.reply_ids_for_cases(session, case_ids=case_ids),
    }


def _audit_throttled(session: Session, username: str, user_id: int | None, wait: int) -> None:
    ids = [user_id] if user_id else []
    audit.record_as(
        session, f"login:{username[:60]}", user_id, "throttle", "user", ids, f"login refused {wait} s"
    )


def wire() -> None:
    """Register every hook (idempotent), then load and check the workflow and the letters with it."""
    if not _wired:
        register_handlers("cases", effects=case_effects, guards=case_guards)
        register_handlers("gemeenten", effects=gemeente_effects, guards=gemeente_guards)
        register_handlers("letters", effects=letter_effects)
        register_handlers("parket", effects=parket_effects, guards=parket_guards)
        scope.provide_assigned_cases(lambda nis_code: gemeenten.assigned_case_ids(nis_code=nis_code))
        audit.register_child_resolver(_cases_of_child)
        audit.register_child_resolver(_objects_of_cases)
        throttle.on_throttled(_audit_throttled)
        audit.register_case_resolver(_objects_of_case_ids)
        audit.register_child_changes(cases.child_changes)
        audit.register_child_identity(_child_identity)
        _wired.append(True)
    check_letters(templates().manifest, get_workflow())


def letter_problems(manifest: Manifest, wf: Workflow) -> list[str]:
    """Where letters.yaml disagrees with the workflow file (states, transitions, reply timers)."""
    problems: list[str] = []
    for kind in manifest.kinds.values():
        where = f"letters.yaml: kind '{kind.name}'"
        for label, state in (("due_state", kind.due_state), ("sent_state", kind.sent_state)):
            if state not in wf.states:
                problems.append(f"{where}: {label} '{state}' is not a state of the workflow")
        problems += [
            f"{where}: late_reply_states '{s}' is not a state of the workflow"
            for s in kind.late_reply_states
            if s not in wf.states
        ]
        t = wf.transitions.get(kind.transition)
        if t is None:
            problems.append(f"{where}: transition '{kind.transition}' is not in the workflow")
            continue
        if kind.due_state in wf.states and kind.due_state not in t.sources:
            problems.append(f"{where}: '{t.name}' does not start from due_state '{kind.due_state}'")
        elif kind.due_state in wf.states and t.target_from(kind.due_state) != kind.sent_state:
            problems.append(
                f"{where}: '{t.name}' leads to '{t.target_from(kind.due_state)}', not '{kind.sent_state}'"
            )
        if t.via != "letters":
            problems.append(f"{where}: transition '{t.name}' must be marked 'via: letters' in the workflow")
        if kind.sent_state in wf.states and wf.states[kind.sent_state].timer is None:
            problems.append(f"{where}: sent_state '{kind.sent_state}' has no reply timer in the workflow")
    return problems


def check_letters(manifest: Manifest, wf: Workflow) -> None:
    """Fail at start-up, naming every mismatch, when the letters no longer fit the procedure."""
    problems = letter_problems(manifest, wf)
    if problems:
        raise WorkflowError("; ".join(problems))
