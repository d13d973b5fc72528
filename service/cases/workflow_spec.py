"""The workflow file's shape (pydantic models, validated on load) and the engine's view of it.

`WorkflowSpec` is the YAML as written; `Workflow` and `Transition` are what the engine uses once
`service.cases.workflow_build` has expanded sources, resolved settings and looked up the handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from service.auth.policy import Role
from service.core.errors import ConfigurationError

ANY_OPEN = "*"  # `from: "*"`: every state that is not final
SAME = "same"  # `to: same`: stay in the state (an internal transition, no re-entry)
SYSTEM_ROLE = "system"  # pseudo-role: tick, ingest hooks, local commands

Effect = Callable[..., None]
Guard = Callable[..., list[str]]


class WorkflowError(ConfigurationError):
    """The workflow file is invalid; the message names the problem."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Labels(_Model):
    nl: str
    fr: str


Days = int | str  # a number of days, or the name of an entry in `settings`


class TimerSpec(_Model):
    after_days: Days
    fire: str
    # Extra days before the timer fires that are not announced (a letter prints `after_days` as the
    # reply deadline; answers posted on the deadline day still need time to arrive).
    grace_days: Days = 0


class DeadlineSpec(_Model):
    days: Days
    reminder_before_days: Days = 0
    reminder_effects: list[str] = Field(default_factory=list)


class StateSpec(_Model):
    label: Labels
    initial: bool = False
    final: bool = False
    timer: TimerSpec | None = None
    deadline: DeadlineSpec | None = None
    on_enter: list[str] = Field(default_factory=list)


class ClosureMap(_Model):
    """The closure reason read from a payload field (for example the reply's `answer`)."""

    from_field: str
    map: dict[str, str] | None = None  # value -> closure reason; None: the value is the reason
    fallback_event: str | None = None  # take the field from the latest event of this transition


class PayloadSpec(_Model):
    required: list[str] = Field(default_factory=list)
    choices: dict[str, list[str]] = Field(default_factory=dict)


class TransitionSpec(_Model):
    source: str | list[str] = Field(alias="from")
    to: str | dict[str, str]  # a state, "same", or {source: target} when it depends on the source
    roles: list[str]
    organisation: Literal["owner_community", "other_community", "cell", "case_gemeente", "parket", "system"]
    guards: list[str] = Field(default_factory=list)
    payload: PayloadSpec = Field(default_factory=PayloadSpec)
    effects: list[str] = Field(default_factory=list)
    closure: str | ClosureMap | None = None
    label: Labels | None = None
    # Taken only by the named domain's own path (`letters`: posting a batch, recording a reply or
    # returned mail), never fired by hand: a step that says a letter went out needs the letter.
    via: Literal["letters"] | None = None

    @field_validator("roles")
    @classmethod
    def _roles_known(cls, roles: list[str]) -> list[str]:
        known = {r.value for r in Role} | {SYSTEM_ROLE}
        unknown = [r for r in roles if r not in known]
        if unknown:
            raise ValueError(f"unknown role(s) {unknown}; known: {sorted(known)}")
        return roles


class ClosureReasonSpec(_Model):
    label: Labels
    manual: bool = False  # may be chosen by an operator through the `close` transition
    evidence: list[str] = Field(default_factory=list)  # payload fields that must be present


class OwnershipSpec(_Model):
    rule: list[Literal["admin_language", "last_known_community", "balanced"]]


class AgeSpec(_Model):
    ended: str  # transition fired by tick when compulsory-school age has ended
    parket_margin_days: Days = 60
    margin_states: list[str] = Field(default_factory=list)  # tick closes these within the margin
    margin_fire: str | None = None


class LateInfoSpec(_Model):
    match: str  # transition fired when a late list accounts for the child
    relinked_match: str | None = None  # fired when a repeated run finds the child


class WorkflowSpec(_Model):
    name: str
    version: int = 1
    settings: dict[str, int] = Field(default_factory=dict)
    ownership: OwnershipSpec
    age: AgeSpec
    late_information: LateInfoSpec
    closure_reasons: dict[str, ClosureReasonSpec]
    states: dict[str, StateSpec]
    transitions: dict[str, TransitionSpec]


@dataclass(frozen=True)
class Transition:
    """One named transition as the engine uses it (sources expanded, names resolved)."""

    name: str
    sources: tuple[str, ...]
    targets: dict[str, str]  # source -> target (equal for an internal "same" transition)
    internal: bool
    roles: frozenset[str]
    organisation: str
    guards: tuple[tuple[str, Guard], ...]
    required: tuple[str, ...]
    choices: dict[str, tuple[str, ...]]
    effects: tuple[tuple[str, Effect], ...]
    closure: str | ClosureMap | None
    label: Labels
    via: str | None = None

    def target_from(self, source: str) -> str:
        return self.targets[source]


@dataclass
class Workflow:
    spec: WorkflowSpec
    path: Path
    transitions: dict[str, Transition]
    on_enter: dict[str, tuple[tuple[str, Effect], ...]]
    reminder_effects: dict[str, tuple[tuple[str, Effect], ...]]

    # -- lookups ---------------------------------------------------------------------------
    @property
    def states(self) -> dict[str, StateSpec]:
        return self.spec.states

    @property
    def initial_state(self) -> str:
        return next(name for name, s in self.spec.states.items() if s.initial)

    @property
    def final_states(self) -> set[str]:
        return {name for name, s in self.spec.states.items() if s.final}

    @property
    def open_states(self) -> list[str]:
        return [name for name, s in self.spec.states.items() if not s.final]

    @property
    def closure_reasons(self) -> dict[str, ClosureReasonSpec]:
        return self.spec.closure_reasons

    def days(self, value: Days) -> int:
        return value if isinstance(value, int) else self.spec.settings[value]

    def timer_delay(self, timer: TimerSpec) -> timedelta:
        """How long after entering a state its timer fires: the announced days plus any grace."""
        return timedelta(days=self.days(timer.after_days) + self.days(timer.grace_days))

    @property
    def parket_margin_days(self) -> int:
        return self.days(self.spec.age.parket_margin_days)

    def transitions_from(self, state: str) -> list[Transition]:
        return [t for t in self.transitions.values() if state in t.sources]

    def choices(self, transition: str, field: str) -> tuple[str, ...]:
        """The values the file allows for a payload field (reply answers, parket outcomes...)."""
        return self.transitions[transition].choices.get(field, ())
