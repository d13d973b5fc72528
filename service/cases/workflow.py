"""The procedure as data: load workflows/absolute_truancy.yaml, validate it, build the state machine.

The YAML is the single source of truth for states, transitions (who may fire them, guards,
mandatory payload, effects, closure), timers, deadlines, closure reasons and the ownership rule.
Everything is checked when the file is loaded (at API and CLI start-up); a problem raises a
`WorkflowError` that names the state, transition, effect or setting at fault.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.auth.models import Role
from service.core.errors import ConfigurationError

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "workflows" / "absolute_truancy.yaml"
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

    def target_from(self, source: str) -> str:
        return self.targets[source]


@dataclass
class Workflow:
    spec: WorkflowSpec
    path: Path
    transitions: dict[str, Transition]
    on_enter: dict[str, tuple[tuple[str, Effect], ...]]
    reminder_effects: dict[str, tuple[tuple[str, Effect], ...]]
    machine_class: type
    _local: threading.local = field(default_factory=threading.local)

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

    def next_state(self, source: str, transition: str) -> str:
        """Let the state machine perform `transition` from `source` and say where it lands.

        Building a machine costs far more than sending it an event, so each thread keeps one
        machine and points its model at the source state before every event (a machine that
        reached the final state is terminated, so it is rebuilt after a closure).
        """
        machine = getattr(self._local, "machine", None)
        if machine is None:
            self._local.model = _MachineModel(source)
            machine = self._local.machine = self.machine_class(
                model=self._local.model, state_field="state", start_value=source
            )
        model = self._local.model
        model.state = source
        try:
            machine.send(transition)
        except Exception:
            self._local.machine = None  # never reuse a machine an error may have left half-way
            raise
        if model.state in self.final_states:
            self._local.machine = None  # a machine that reached a final state accepts no more events
        return model.state


class _MachineModel:
    """What python-statemachine moves: a bare object holding the state value."""

    def __init__(self, state: str) -> None:
        self.state = state


# -- loading ---------------------------------------------------------------------------------


class _WorkflowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_file=".env", extra="ignore")
    workflow_file: Path | None = None


def _resolve(kind: str, name: str, where: str) -> Callable[..., Any]:
    """`"<domain>.<name>"` -> `service.<domain>.<kind>s.<name>` (kind: effect or guard)."""
    domain, _, func = name.partition(".")
    if not domain or not func:
        raise WorkflowError(f"{where}: {kind} '{name}' must be written '<domain>.<name>'")
    try:
        module = importlib.import_module(f"service.{domain}.{kind}s")
    except ModuleNotFoundError as exc:
        raise WorkflowError(f"{where}: unknown {kind} '{name}' (no module service.{domain}.{kind}s)") from exc
    fn = getattr(module, func, None)
    if not callable(fn):
        raise WorkflowError(f"{where}: unknown {kind} '{name}' (service.{domain}.{kind}s has no '{func}')")
    return fn


def load_workflow(path: Path | str) -> Workflow:
    """Read and validate a workflow file; raises WorkflowError naming the first problem found."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise WorkflowError(f"cannot read workflow file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise WorkflowError(f"workflow file {path} is not valid YAML: {exc}") from exc
    try:
        spec = WorkflowSpec.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise WorkflowError(f"workflow file {path.name}: {loc}: {first['msg']}") from None
    return _build(spec, path)


def _build(spec: WorkflowSpec, path: Path) -> Workflow:
    states = spec.states
    where_file = path.name

    def fail(message: str) -> WorkflowError:
        return WorkflowError(f"workflow file {where_file}: {message}")

    def days(value: Days, where: str) -> int:
        if isinstance(value, int):
            if value < 0:
                raise fail(f"{where}: days must not be negative")
            return value
        if value not in spec.settings:
            raise fail(f"{where}: unknown setting '{value}' (declare it under settings)")
        return spec.settings[value]

    initial = [n for n, s in states.items() if s.initial]
    if len(initial) != 1:
        raise fail(f"exactly one state must be initial (found {initial or 'none'})")
    finals = {n for n, s in states.items() if s.final}
    if not finals:
        raise fail("no final state")
    open_states = [n for n in states if n not in finals]

    for name, reason in spec.closure_reasons.items():
        if not reason.label.nl.strip() or not reason.label.fr.strip():
            raise fail(f"closure reason '{name}' needs a label in nl and fr")

    transitions: dict[str, Transition] = {}
    for name, t in spec.transitions.items():
        where = f"transition '{name}'"
        raw_sources = [t.source] if isinstance(t.source, str) else list(t.source)
        sources: list[str] = []
        for src in raw_sources:
            if src == ANY_OPEN:
                sources.extend(open_states)
            elif src not in states:
                raise fail(f"{where}: unknown state '{src}' in from")
            elif src in finals:
                raise fail(f"{where}: starts from final state '{src}'")
            else:
                sources.append(src)
        sources = list(dict.fromkeys(sources))
        if isinstance(t.to, dict):
            for src in t.to:
                if src not in sources:
                    raise fail(f"{where}: target given for '{src}', which is not in from")
            missing = [src for src in sources if src not in t.to]
            if missing:
                raise fail(f"{where}: no target for source state(s) {', '.join(missing)}")
            targets = dict(t.to)
        else:
            targets = {src: (src if t.to == SAME else t.to) for src in sources}
        for tgt in targets.values():
            if tgt not in states:
                raise fail(f"{where}: unknown state '{tgt}' in to")
        internal = t.to == SAME
        to_final = {tgt in finals for tgt in targets.values()}
        if len(to_final) > 1:
            raise fail(f"{where}: goes to a final state from some sources only; split it")
        target_is_final = to_final == {True}
        if not t.roles:
            raise fail(f"{where}: no role may fire it (roles is empty)")
        if (t.organisation == "system") != (t.roles == [SYSTEM_ROLE]):
            raise fail(f"{where}: organisation 'system' goes with roles [system] and only with them")
        if SYSTEM_ROLE in t.roles and t.organisation != "system":
            raise fail(f"{where}: role 'system' is only for organisation 'system'")
        if target_is_final:
            if t.closure is None:
                raise fail(f"{where}: goes to a final state without a closure reason")
        elif t.closure is not None:
            raise fail(f"{where}: has a closure but does not go to a final state")
        if isinstance(t.closure, str) and t.closure not in spec.closure_reasons:
            raise fail(f"{where}: unknown closure reason '{t.closure}'")
        if isinstance(t.closure, ClosureMap):
            for reason in (t.closure.map or {}).values():
                if reason not in spec.closure_reasons:
                    raise fail(f"{where}: unknown closure reason '{reason}' in closure map")
            if t.closure.fallback_event and t.closure.fallback_event not in spec.transitions:
                raise fail(
                    f"{where}: closure fallback_event '{t.closure.fallback_event}' is not a transition"
                )
        for fname in t.payload.choices:
            if not t.payload.choices[fname]:
                raise fail(f"{where}: payload choices for '{fname}' are empty")
        transitions[name] = Transition(
            name=name,
            sources=tuple(sources),
            targets=targets,
            internal=internal,
            roles=frozenset(t.roles),
            organisation=t.organisation,
            guards=tuple((g, _resolve("guard", g, where)) for g in t.guards),
            required=tuple(t.payload.required),
            choices={k: tuple(v) for k, v in t.payload.choices.items()},
            effects=tuple((e, _resolve("effect", e, where)) for e in t.effects),
            closure=t.closure,
            label=t.label or Labels(nl=name, fr=name),
        )

    on_enter: dict[str, tuple[tuple[str, Effect], ...]] = {}
    reminders: dict[str, tuple[tuple[str, Effect], ...]] = {}
    for name, s in states.items():
        where = f"state '{name}'"
        if s.final and (s.timer or s.deadline):
            raise fail(f"{where}: a final state cannot have a timer or a deadline")
        if s.timer and s.deadline:
            raise fail(f"{where}: has both a timer and a deadline; choose one")
        if s.timer:
            days(s.timer.after_days, f"{where} timer")
            days(s.timer.grace_days, f"{where} timer grace")
            fired = transitions.get(s.timer.fire)
            if fired is None:
                raise fail(f"{where}: timer fires unknown transition '{s.timer.fire}'")
            if name not in fired.sources:
                raise fail(f"{where}: timer fires '{s.timer.fire}', which does not start from this state")
            if fired.required:
                raise fail(f"{where}: timer transition '{s.timer.fire}' cannot require payload")
        if s.deadline:
            total = days(s.deadline.days, f"{where} deadline")
            before = days(s.deadline.reminder_before_days, f"{where} reminder_before_days")
            if before > total:
                raise fail(f"{where}: reminder_before_days is longer than the deadline")
            reminders[name] = tuple(
                (e, _resolve("effect", e, f"{where} reminder")) for e in s.deadline.reminder_effects
            )
        on_enter[name] = tuple((e, _resolve("effect", e, f"{where} on_enter")) for e in s.on_enter)

    # Every state must be reachable from the initial one, and every open state must lead somewhere.
    reachable = {initial[0]}
    frontier = [initial[0]]
    while frontier:
        state = frontier.pop()
        for t in transitions.values():
            if state in t.sources:
                nxt = t.target_from(state)
                if nxt not in reachable:
                    reachable.add(nxt)
                    frontier.append(nxt)
    unreachable = [n for n in states if n not in reachable]
    if unreachable:
        raise fail(f"unreachable state(s): {', '.join(unreachable)}")
    for name in open_states:
        if not any(t.target_from(name) != name for t in transitions.values() if name in t.sources):
            raise fail(f"state '{name}' has no transition out of it")

    for label, tname, must_be_system in (
        ("age.ended", spec.age.ended, True),
        ("age.margin_fire", spec.age.margin_fire, True),
        ("late_information.match", spec.late_information.match, True),
        ("late_information.relinked_match", spec.late_information.relinked_match, True),
    ):
        if tname is None:
            continue
        t = transitions.get(tname)
        if t is None:
            raise fail(f"{label}: unknown transition '{tname}'")
        if must_be_system and t.organisation != "system":
            raise fail(f"{label}: transition '{tname}' must be a system transition")
    for tname in (spec.age.ended, spec.late_information.match):
        missing = [s for s in open_states if s not in transitions[tname].sources]
        if missing:
            raise fail(
                f"transition '{tname}' must start from every open state (missing: {', '.join(missing)})"
            )
    days(spec.age.parket_margin_days, "age.parket_margin_days")
    for s in spec.age.margin_states:
        if s not in states:
            raise fail(f"age.margin_states: unknown state '{s}'")
        if spec.age.margin_fire is None or s not in transitions[spec.age.margin_fire].sources:
            raise fail(f"age.margin_states: '{s}' needs age.margin_fire to start from it")

    machine = _machine_class(spec.name, states, transitions, fail)
    return Workflow(spec, path, transitions, on_enter, reminders, machine)


def _machine_class(
    name: str,
    states: dict[str, StateSpec],
    transitions: dict[str, Transition],
    fail: Callable[[str], Exception],
) -> type:
    """The python-statemachine class that performs the state changes the YAML declares."""
    from statemachine.exceptions import InvalidDefinition
    from statemachine.io import create_machine_class_from_definition

    definition: dict[str, dict[str, Any]] = {
        s: {"name": s, "initial": spec.initial, "final": spec.final, "on": {}} for s, spec in states.items()
    }
    for t in transitions.values():
        for src in t.sources:
            entry: dict[str, Any] = {"target": t.target_from(src)}
            if t.internal:
                entry["internal"] = True
            definition[src]["on"].setdefault(t.name, []).append(entry)
    try:
        return create_machine_class_from_definition(
            "".join(p.title() for p in name.split("_")) + "Machine",
            states=definition,
            allow_event_without_transition=False,
            enable_self_transition_entries=False,
            atomic_configuration_update=True,
            catch_errors_as_events=False,
        )
    except InvalidDefinition as exc:
        raise fail(f"state machine rejected the definition: {exc}") from exc


# -- the workflow in force -------------------------------------------------------------------

_override: list[Workflow] = []


@lru_cache
def _configured() -> Workflow:
    path = _WorkflowSettings().workflow_file or DEFAULT_FILE
    return load_workflow(path)


def get_workflow() -> Workflow:
    """The workflow in force (loaded and validated once; `using_workflow` swaps it in tests)."""
    return _override[-1] if _override else _configured()


@contextmanager
def using_workflow(source: Workflow | Path | str) -> Iterator[Workflow]:
    """Run with another workflow file (tests, simulations of a changed procedure)."""
    wf = source if isinstance(source, Workflow) else load_workflow(source)
    _override.append(wf)
    try:
        yield wf
    finally:
        _override.remove(wf)


def diagram(wf: Workflow, fmt: str = "mermaid") -> str:
    """The procedure as a Mermaid state diagram (or Graphviz DOT when pydot is installed)."""
    if fmt == "mermaid":
        from statemachine.contrib.diagram import MermaidGraphMachine

        return MermaidGraphMachine(wf.machine_class)()
    if fmt == "dot":
        try:
            from statemachine.contrib.diagram import DotGraphMachine

            return DotGraphMachine(wf.machine_class)().to_string()
        except ImportError as exc:
            raise WorkflowError("DOT output needs the pydot package; use --format mermaid") from exc
    raise WorkflowError(f"unknown diagram format '{fmt}' (mermaid or dot)")
