"""Turn a validated `WorkflowSpec` into the engine's `Workflow`, checking everything on the way.

Effects and guards are named `<domain>.<name>` in the file; each domain registers its modules
with `register_handlers` at start-up (`service.wiring`), so the engine never imports a domain
above it. Code that names states or transitions itself declares them with `uses`, and the build
fails when the file lacks one, so a renamed state cannot break the code silently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from service.cases.workflow_spec import (
    ANY_OPEN,
    SAME,
    SYSTEM_ROLE,
    ClosureMap,
    Days,
    Effect,
    Labels,
    StateSpec,
    Transition,
    TransitionSpec,
    Workflow,
    WorkflowError,
    WorkflowSpec,
)

_handlers: dict[tuple[str, str], ModuleType] = {}  # (kind, domain) -> module
_used_names: dict[str, tuple[frozenset[str], frozenset[str]]] = {}  # where -> (states, transitions)
Fail = Callable[[str], WorkflowError]


def register_handlers(
    domain: str, *, effects: ModuleType | None = None, guards: ModuleType | None = None
) -> None:
    """Make `<domain>.<name>` in the workflow file mean `<name>` in these modules."""
    if effects is not None:
        _handlers[("effect", domain)] = effects
    if guards is not None:
        _handlers[("guard", domain)] = guards


def uses(where: str, *, states: Iterable[str] = (), transitions: Iterable[str] = ()) -> None:
    """Declare the state and transition names a module's code relies on (checked on every load)."""
    _used_names[where] = (frozenset(states), frozenset(transitions))


def _resolve(kind: str, name: str, where: str) -> Callable[..., Any]:
    domain, _, func = name.partition(".")
    if not domain or not func:
        raise WorkflowError(f"{where}: {kind} '{name}' must be written '<domain>.<name>'")
    module = _handlers.get((kind, domain))
    if module is None:
        raise WorkflowError(f"{where}: unknown {kind} '{name}' (no {kind}s registered for '{domain}')")
    fn = getattr(module, func, None)
    if not callable(fn):
        raise WorkflowError(f"{where}: unknown {kind} '{name}' ({module.__name__} has no '{func}')")
    return fn


def _days_checker(spec: WorkflowSpec, fail: Fail) -> Callable[[Days, str], int]:
    def days(value: Days, where: str) -> int:
        if isinstance(value, int):
            if value < 0:
                raise fail(f"{where}: days must not be negative")
            return value
        if value not in spec.settings:
            raise fail(f"{where}: unknown setting '{value}' (declare it under settings)")
        return spec.settings[value]

    return days


def build(spec: WorkflowSpec, path: Path) -> Workflow:
    """Check the file as a whole (states, transitions, timers, reachability, named hooks)."""

    def fail(message: str) -> WorkflowError:
        return WorkflowError(f"workflow file {path.name}: {message}")

    days = _days_checker(spec, fail)
    initial = [n for n, s in spec.states.items() if s.initial]
    if len(initial) != 1:
        raise fail(f"exactly one state must be initial (found {initial or 'none'})")
    finals = {n for n, s in spec.states.items() if s.final}
    if not finals:
        raise fail("no final state")
    for name, reason in spec.closure_reasons.items():
        if not reason.label.nl.strip() or not reason.label.fr.strip():
            raise fail(f"closure reason '{name}' needs a label in nl and fr")
    open_states = [n for n in spec.states if n not in finals]
    transitions = {
        name: _transition(spec, name, t, open_states, finals, fail) for name, t in spec.transitions.items()
    }
    on_enter, reminders = _state_hooks(spec.states, transitions, days, fail)
    _check_reachable(spec.states, initial[0], open_states, transitions, fail)
    _check_named_transitions(spec, open_states, transitions, days, fail)
    _check_used_names(spec, fail)
    return Workflow(spec, path, transitions, on_enter, reminders)


def _sources(
    name: str,
    t: TransitionSpec,
    states: dict[str, StateSpec],
    open_states: list[str],
    finals: set[str],
    fail: Fail,
) -> list[str]:
    where = f"transition '{name}'"
    sources: list[str] = []
    for src in [t.source] if isinstance(t.source, str) else list(t.source):
        if src == ANY_OPEN:
            sources.extend(open_states)
        elif src not in states:
            raise fail(f"{where}: unknown state '{src}' in from")
        elif src in finals:
            raise fail(f"{where}: starts from final state '{src}'")
        else:
            sources.append(src)
    return list(dict.fromkeys(sources))


def _targets(
    where: str, t: TransitionSpec, sources: list[str], states: dict[str, StateSpec], fail: Fail
) -> dict[str, str]:
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
    return targets


def _check_roles_and_closure(
    spec: WorkflowSpec, where: str, t: TransitionSpec, to_final: set[bool], fail: Fail
) -> None:
    if len(to_final) > 1:
        raise fail(f"{where}: goes to a final state from some sources only; split it")
    if not t.roles:
        raise fail(f"{where}: no role may fire it (roles is empty)")
    if (t.organisation == "system") != (t.roles == [SYSTEM_ROLE]):
        raise fail(f"{where}: organisation 'system' goes with roles [system] and only with them")
    if SYSTEM_ROLE in t.roles and t.organisation != "system":
        raise fail(f"{where}: role 'system' is only for organisation 'system'")
    if to_final == {True} and t.closure is None:
        raise fail(f"{where}: goes to a final state without a closure reason")
    if to_final != {True} and t.closure is not None:
        raise fail(f"{where}: has a closure but does not go to a final state")
    if isinstance(t.closure, str) and t.closure not in spec.closure_reasons:
        raise fail(f"{where}: unknown closure reason '{t.closure}'")
    if isinstance(t.closure, ClosureMap):
        for reason in (t.closure.map or {}).values():
            if reason not in spec.closure_reasons:
                raise fail(f"{where}: unknown closure reason '{reason}' in closure map")
        if t.closure.fallback_event and t.closure.fallback_event not in spec.transitions:
            raise fail(f"{where}: closure fallback_event '{t.closure.fallback_event}' is not a transition")
    for fname, allowed in t.payload.choices.items():
        if not allowed:
            raise fail(f"{where}: payload choices for '{fname}' are empty")


def _transition(
    spec: WorkflowSpec, name: str, t: TransitionSpec, open_states: list[str], finals: set[str], fail: Fail
) -> Transition:
    where = f"transition '{name}'"
    sources = _sources(name, t, spec.states, open_states, finals, fail)
    targets = _targets(where, t, sources, spec.states, fail)
    _check_roles_and_closure(spec, where, t, {tgt in finals for tgt in targets.values()}, fail)
    return Transition(
        name=name,
        sources=tuple(sources),
        targets=targets,
        internal=t.to == SAME,
        roles=frozenset(t.roles),
        organisation=t.organisation,
        guards=tuple((g, _resolve("guard", g, where)) for g in t.guards),
        required=tuple(t.payload.required),
        choices={k: tuple(v) for k, v in t.payload.choices.items()},
        effects=tuple((e, _resolve("effect", e, where)) for e in t.effects),
        closure=t.closure,
        label=t.label or Labels(nl=name, fr=name),
        via=t.via,
    )


Hooks = dict[str, tuple[tuple[str, Effect], ...]]


def _state_hooks(
    states: dict[str, StateSpec],
    transitions: dict[str, Transition],
    days: Callable[[Days, str], int],
    fail: Fail,
) -> tuple[Hooks, Hooks]:
    on_enter: Hooks = {}
    reminders: Hooks = {}
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
    return on_enter, reminders


def _check_reachable(
    states: dict[str, StateSpec],
    initial: str,
    open_states: list[str],
    transitions: dict[str, Transition],
    fail: Fail,
) -> None:
    """Every state must be reachable from the initial one, and every open state must lead somewhere."""
    reachable = {initial}
    frontier = [initial]
    while frontier:
        state = frontier.pop()
        for t in transitions.values():
            if state in t.sources and t.target_from(state) not in reachable:
                reachable.add(t.target_from(state))
                frontier.append(t.target_from(state))
    unreachable = [n for n in states if n not in reachable]
    if unreachable:
        raise fail(f"unreachable state(s): {', '.join(unreachable)}")
    for name in open_states:
        if not any(t.target_from(name) != name for t in transitions.values() if name in t.sources):
            raise fail(f"state '{name}' has no transition out of it")


def _check_named_transitions(
    spec: WorkflowSpec,
    open_states: list[str],
    transitions: dict[str, Transition],
    days: Callable[[Days, str], int],
    fail: Fail,
) -> None:
    """The transitions the age, late-information and margin settings name must exist and fit."""
    for label, tname in (
        ("age.ended", spec.age.ended),
        ("age.margin_fire", spec.age.margin_fire),
        ("late_information.match", spec.late_information.match),
        ("late_information.relinked_match", spec.late_information.relinked_match),
    ):
        if tname is None:
            continue
        t = transitions.get(tname)
        if t is None:
            raise fail(f"{label}: unknown transition '{tname}'")
        if t.organisation != "system":
            raise fail(f"{label}: transition '{tname}' must be a system transition")
    for tname in (spec.age.ended, spec.late_information.match):
        missing = [s for s in open_states if s not in transitions[tname].sources]
        if missing:
            raise fail(
                f"transition '{tname}' must start from every open state (missing: {', '.join(missing)})"
            )
    days(spec.age.parket_margin_days, "age.parket_margin_days")
    for s in spec.age.margin_states:
        if s not in spec.states:
            raise fail(f"age.margin_states: unknown state '{s}'")
        if spec.age.margin_fire is None or s not in transitions[spec.age.margin_fire].sources:
            raise fail(f"age.margin_states: '{s}' needs age.margin_fire to start from it")


def _check_used_names(spec: WorkflowSpec, fail: Fail) -> None:
    for where, (states, names) in sorted(_used_names.items()):
        for kind, wanted, known in (("state", states, spec.states), ("transition", names, spec.transitions)):
            missing = sorted(n for n in wanted if n not in known)
            if missing:
                raise fail(f"{where} relies on {kind}(s) the file does not declare: {', '.join(missing)}")


def diagram(wf: Workflow, fmt: str = "mermaid") -> str:
    """The procedure as a Mermaid state diagram, or as Graphviz DOT."""
    edges = [
        (
            src,
            t.target_from(src),
            t.label.nl if t.label.nl != t.name else t.name.replace("_", " ").capitalize(),
        )
        for t in wf.transitions.values()
        for src in t.sources
    ]
    if fmt == "mermaid":
        lines = ["stateDiagram-v2", "    direction LR", f"    [*] --> {wf.initial_state}"]
        lines += [f"    {s} --> [*]" for s in sorted(wf.final_states)]
        lines += [f"    {a} --> {b} : {label}" for a, b, label in edges]
        return "\n".join(lines) + "\n"
    if fmt == "dot":
        lines = [f"digraph {wf.spec.name} {{", "    rankdir=LR;"]
        lines += [f'    "{a}" -> "{b}" [label="{label}"];' for a, b, label in edges]
        return "\n".join([*lines, "}"]) + "\n"
    raise WorkflowError(f"unknown diagram format '{fmt}' (mermaid or dot)")
