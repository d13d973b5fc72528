"""The API's input bounds and error responses, in one place for every route (issue 12, 14-15).

Fuzzing found integers of 2^63 reaching the database (HTTP 500), negative limits accepted and
numbers taken for dates (`until=0.5`, `"letter_date": 4.33e-225`, read as Unix timestamps). Rather
than trust every route to say so, `harden(app)` walks every API route once at start-up and

- bounds every integer path, query and body parameter: ids (`*_id`, `id`, `child`) 1..2^31-1,
  `limit` 1..10,000, `offset` 0..2^31-1, any other integer within a 32-bit signed range; a tighter
  bound the route gives stays;
- refuses numbers where a date or a date-time is expected;
- declares the error answers the API really gives (400, 401, 403, 404, 409, 422, and 429 for the
  login) in the OpenAPI document, with their JSON shapes.

The bounds are part of each parameter's schema, so the OpenAPI document shows them and a client
generated from it respects them.
"""

from __future__ import annotations

import copy
import inspect
import re
import types
import typing
from datetime import date, datetime
from typing import Annotated, Any

import annotated_types as at
from fastapi.routing import APIRoute
from pydantic import BaseModel, BeforeValidator, ConfigDict
from pydantic.fields import FieldInfo

INT32_MAX = 2**31 - 1
LIMIT_MAX = 10_000
ID_NAMES = {"id", "child"}
_NUMBER = re.compile(r"\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*")


class ErrorOut(BaseModel):
    """Every refusal: what went wrong, in words; an ingest report when a file was refused."""

    model_config = ConfigDict(extra="allow")
    detail: str
    report: dict[str, Any] | None = None


class ValidationItem(BaseModel):
    type: str | None = None
    loc: list[str | int]
    msg: str


class ValidationErrorOut(BaseModel):
    """A request that breaks the schema: which field and which rule, never the value sent."""

    detail: list[ValidationItem]


ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "The request cannot be carried out (the reason says why)"},
    401: {"model": ErrorOut, "description": "No valid token"},
    403: {"model": ErrorOut, "description": "Your role may not use this operation"},
    404: {"model": ErrorOut, "description": "Not found, or outside your organisation's scope"},
    409: {"model": ErrorOut, "description": "Conflicts with the current state (for example a stale version)"},
    422: {"model": ValidationErrorOut | ErrorOut, "description": "Invalid input, or a refused step"},
}
THROTTLED = {429: {"model": ErrorOut, "description": "Too many failed logins; see Retry-After"}}


class _Hardened:
    """Marks a field already bounded: routers live at module level, and every app shares them."""


_MARK = _Hardened()


def _not_a_number(value: Any) -> Any:
    if isinstance(value, int | float) or (isinstance(value, str) and _NUMBER.fullmatch(value)):
        raise ValueError("give a date as YYYY-MM-DD (a date-time in ISO 8601), not a number")
    return value


def _args(annotation: Any) -> tuple[Any, ...]:
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return typing.get_args(annotation)
    return (annotation,)


def _int_range(name: str) -> tuple[int, int]:
    if name == "limit":
        return 1, LIMIT_MAX
    if name == "offset":
        return 0, INT32_MAX
    if name.endswith("_id") or name in ID_NAMES:
        return 1, INT32_MAX
    return -INT32_MAX - 1, INT32_MAX


def _rules(name: str, annotation: Any, given: list[Any]) -> list[Any]:
    """The bounds (integers) or the date rule a parameter or field needs; `given`: its own metadata."""
    if any(m is _MARK for m in given):
        return []
    kinds = _args(annotation)
    if any(k is int for k in kinds):
        lo, hi = _int_range(name)
        for m in given:
            lo = max(lo, getattr(m, "ge", lo), getattr(m, "gt", lo - 1) + 1)
            hi = min(hi, getattr(m, "le", hi), getattr(m, "lt", hi + 1) - 1)
        return [at.Ge(lo), at.Le(hi), _MARK]
    if any(k in (date, datetime) for k in kinds):
        return [BeforeValidator(_not_a_number), _MARK]
    return []


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    found = []
    for kind in _args(annotation):
        for inner in (kind, *typing.get_args(kind)):
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                found.append(inner)
    return found


def _harden_model(model: type[BaseModel]) -> None:
    """Bound the model's fields in place (its nested models first), then rebuild its validator."""
    if model.__dict__.get("__tandem_hardened__"):
        return
    model.__tandem_hardened__ = True  # type: ignore[attr-defined]  # set first: models may nest themselves
    for name, info in model.model_fields.items():
        for inner in _models_in(info.annotation):
            _harden_model(inner)
        info.metadata += _rules(info.alias or name, info.annotation, info.metadata)
    model.model_rebuild(force=True)


def _harden_endpoint(endpoint: Any) -> None:
    """Give the endpoint a signature whose parameters carry the bounds: FastAPI builds every route
    of every application from it (routers are included lazily, per application)."""
    if getattr(endpoint, "__tandem_hardened__", False):
        return
    signature = inspect.signature(endpoint, eval_str=True)
    params = []
    for param in signature.parameters.values():
        annotation = param.annotation
        for model in _models_in(annotation):
            _harden_model(model)
        given = list(getattr(param.default, "metadata", None) or [])
        if typing.get_origin(annotation) is typing.Annotated:
            given += list(annotation.__metadata__)
        rules = _rules(param.name, annotation, given) if annotation is not inspect.Parameter.empty else []
        default = param.default
        if rules and isinstance(default, FieldInfo):  # Query(...) / Path(...): FastAPI reads its metadata
            default = copy.copy(default)
            default.metadata = [*default.metadata, *rules]
        elif rules:
            annotation = Annotated[annotation, *rules]
        params.append(param.replace(annotation=annotation, default=default))
    endpoint.__signature__ = signature.replace(parameters=params)
    endpoint.__tandem_hardened__ = True


def harden(routes: list[APIRoute]) -> None:
    """Bound every parameter and declare the error answers of every route; call it before the
    application serves its first request (the routes it serves are built from the endpoints then)."""
    for route in routes:
        _harden_endpoint(route.endpoint)
        for status, answer in ERRORS.items():
            route.responses.setdefault(status, answer)
