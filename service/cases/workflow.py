"""The procedure as data: load workflows/absolute_truancy.yaml, validate it, keep the one in force.

The YAML is the single source of truth for states, transitions (who may fire them, guards,
mandatory payload, effects, closure), timers, deadlines, closure reasons and the ownership rule.
Everything is checked when the file is loaded (at API and CLI start-up); a problem raises a
`WorkflowError` that names the state, transition, effect or setting at fault. The file's shape is
in `workflow_spec`, the checks in `workflow_build`; this module is the public face.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

import yaml
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.cases.workflow_build import build, diagram, register_handlers, uses
from service.cases.workflow_spec import (
    ANY_OPEN,
    SAME,
    SYSTEM_ROLE,
    ClosureMap,
    Effect,
    Guard,
    Labels,
    StateSpec,
    Transition,
    Workflow,
    WorkflowError,
    WorkflowSpec,
)
from service.core import resources

__all__ = [
    "ANY_OPEN",
    "DEFAULT_FILE",
    "SAME",
    "SYSTEM_ROLE",
    "ClosureMap",
    "Effect",
    "Guard",
    "Labels",
    "StateSpec",
    "Transition",
    "Workflow",
    "WorkflowError",
    "WorkflowSpec",
    "diagram",
    "get_workflow",
    "load_workflow",
    "register_handlers",
    "using_workflow",
    "uses",
]

DEFAULT_FILE = resources.package_dir(resources.WORKFLOWS) / "absolute_truancy.yaml"


# -- loading ---------------------------------------------------------------------------------


class _WorkflowSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TANDEM_", env_file=".env", extra="ignore")
    workflow_file: Path | None = None


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
    return build(spec, path)


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
