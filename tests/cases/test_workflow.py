"""The workflow file drives the engine: timings come from it, and a broken file fails at load."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from service.cases import service as cases
from service.cases.workflow import (
    DEFAULT_FILE,
    WorkflowError,
    diagram,
    get_workflow,
    load_workflow,
    using_workflow,
)
from tests.cases.conftest import walk_to


def _variant(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    data = yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "variant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_the_shipped_file_is_valid_and_draws() -> None:
    wf = load_workflow(DEFAULT_FILE)
    assert wf.initial_state == "residual" and wf.final_states == {"closed"}
    mermaid = diagram(wf)
    assert mermaid.startswith("stateDiagram-v2")
    for state in wf.states:
        assert state in mermaid
    for reason in wf.closure_reasons.values():
        assert reason.label.nl and reason.label.fr


@pytest.mark.parametrize("days", [21, 35])
def test_reply_window_comes_from_the_file(
    days: int, tmp_path: Path, session: Session, make_cases, clock_at
) -> None:  # type: ignore[no-untyped-def]
    """A copy of the file with another letter-1 reply window changes the timing, no code change.

    The timer fires after the announced window plus the unannounced grace for post in transit.
    """
    path = _variant(tmp_path, lambda d: d["settings"].__setitem__("letter_1_reply_days", days))
    with using_workflow(path):
        grace = get_workflow().days("reply_grace_days")
        [case] = make_cases(1)
        walk_to(session, case, "letter_1_sent")
        clock_at.advance(days=days + grace - 1)
        cases.tick(session)
        assert case.state == "letter_1_sent"
        clock_at.advance(days=1)
        cases.tick(session)
        assert case.state == "letter_2_due"


def test_reply_grace_comes_from_the_file(tmp_path: Path, session: Session, make_cases, clock_at) -> None:  # type: ignore[no-untyped-def]
    """Without grace the case moves on the day after the printed deadline; with 7 days, a week later."""
    path = _variant(tmp_path, lambda d: d["settings"].__setitem__("reply_grace_days", 0))
    with using_workflow(path):
        [case] = make_cases(1)
        walk_to(session, case, "letter_1_sent")
        clock_at.advance(days=get_workflow().days("letter_1_reply_days"))
        cases.tick(session)
        assert case.state == "letter_2_due"


def _drop_role(d: dict[str, Any]) -> None:
    d["transitions"]["send_letter_1"]["roles"] = []


def _unknown_target(d: dict[str, Any]) -> None:
    d["transitions"]["send_letter_1"]["to"] = "letter_1_posted"


def _unreachable(d: dict[str, Any]) -> None:
    d["states"]["limbo"] = {"label": {"nl": "Limbo", "fr": "Limbes"}}
    d["transitions"]["leave_limbo"] = {
        "from": "limbo",
        "to": "closed",
        "roles": ["cell_admin"],
        "organisation": "cell",
        "closure": "duplicate",
    }


def _unknown_effect(d: dict[str, Any]) -> None:
    d["transitions"]["send_letter_1"]["effects"] = ["letters.teleport"]


def _unknown_guard(d: dict[str, Any]) -> None:
    d["transitions"]["refer_to_parket"]["guards"] = ["nowhere.ready"]


def _unknown_setting(d: dict[str, Any]) -> None:
    d["states"]["letter_1_sent"]["timer"]["after_days"] = "letter_one_days"


def _no_closure(d: dict[str, Any]) -> None:
    del d["transitions"]["not_referred"]["closure"]


def _unknown_role(d: dict[str, Any]) -> None:
    d["transitions"]["send_letter_1"]["roles"] = ["postman"]


def _typo_key(d: dict[str, Any]) -> None:
    d["transitions"]["send_letter_1"]["gaurds"] = []


def _missing_label(d: dict[str, Any]) -> None:
    d["closure_reasons"]["deceased"]["label"]["fr"] = " "


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (_drop_role, "send_letter_1"),
        (_unknown_target, "letter_1_posted"),
        (_unreachable, "limbo"),
        (_unknown_effect, "letters.teleport"),
        (_unknown_guard, "nowhere.ready"),
        (_unknown_setting, "letter_one_days"),
        (_no_closure, "not_referred"),
        (_unknown_role, "postman"),
        (_typo_key, "gaurds"),
        (_missing_label, "deceased"),
    ],
)
def test_an_invalid_file_fails_naming_the_problem(
    change: Callable[[dict[str, Any]], None], named: str, tmp_path: Path
) -> None:
    with pytest.raises(WorkflowError) as failure:
        load_workflow(_variant(tmp_path, change))
    assert named in str(failure.value)


def test_the_api_refuses_to_start_with_an_invalid_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service.api.app import create_app
    from service.cases import workflow

    monkeypatch.setenv("TANDEM_WORKFLOW_FILE", str(_variant(tmp_path, _unreachable)))
    workflow._configured.cache_clear()
    try:
        with pytest.raises(WorkflowError, match="limbo"):
            create_app()
    finally:
        monkeypatch.delenv("TANDEM_WORKFLOW_FILE")
        workflow._configured.cache_clear()
    assert get_workflow().path == DEFAULT_FILE


def test_workflow_check_command(tmp_path: Path) -> None:
    from service.cli.main import app

    runner = CliRunner()
    ok = runner.invoke(app, ["workflow", "check", str(DEFAULT_FILE)])
    assert ok.exit_code == 0 and "valid" in ok.output
    bad = runner.invoke(app, ["workflow", "check", str(_variant(tmp_path, _unknown_effect))])
    assert bad.exit_code == 2 and "letters.teleport" in bad.output
    drawn = runner.invoke(app, ["workflow", "diagram"])
    assert drawn.exit_code == 0 and "referred_to_parket" in drawn.output


def test_letters_manifest_is_checked_against_the_workflow(tmp_path: Path) -> None:
    """letters.yaml names states and transitions of the workflow: a mismatch stops start-up."""
    from dataclasses import replace

    from service.letters.templates import templates
    from service.wiring import check_letters, letter_problems

    manifest = templates().manifest
    wf = load_workflow(DEFAULT_FILE)
    assert letter_problems(manifest, wf) == []
    renamed = replace(manifest.kinds["letter_1"], due_state="letter_one_due", transition="post_letter_1")
    broken = replace(manifest, kinds={**manifest.kinds, "letter_1": renamed})
    with pytest.raises(WorkflowError, match="letters.yaml: kind 'letter_1'.*letter_one_due.*post_letter_1"):
        check_letters(broken, wf)
    by_hand = load_workflow(_variant(tmp_path, lambda d: d["transitions"]["send_letter_2"].pop("via")))
    assert letter_problems(manifest, by_hand) == [
        "letters.yaml: kind 'letter_2': transition 'send_letter_2' must be marked 'via: letters' in the workflow"
    ]


def test_names_the_code_relies_on_are_checked_on_load(tmp_path: Path) -> None:
    """A state or transition the code names but the file lacks fails the load, naming the module."""
    from service.cases import workflow_build

    assert "service.parket.dossier" in workflow_build._used_names  # declared where the names are used
    renamed = _variant(
        tmp_path,
        lambda d: d["transitions"].__setitem__("return_mail", d["transitions"].pop("returned_mail")),
    )
    with pytest.raises(WorkflowError, match="service.cases.guards relies on transition.*returned_mail"):
        load_workflow(renamed)


def test_parket_outcomes_come_from_the_file(tmp_path: Path) -> None:
    """The outcomes the parket may record are the workflow's choices (plus returning the file)."""
    from pydantic import ValidationError

    from service.parket.views import OutcomeIn

    def add_warning(d: dict[str, Any]) -> None:
        t = d["transitions"]["parket_outcome"]
        t["payload"]["choices"]["outcome"].append("warning")
        t["closure"]["map"]["warning"] = "parket_dismissed"

    with pytest.raises(ValidationError):
        OutcomeIn(outcome="warning")
    with using_workflow(_variant(tmp_path, add_warning)):
        assert OutcomeIn(outcome="warning").outcome == "warning"
    assert OutcomeIn(outcome="returned").outcome == "returned"
