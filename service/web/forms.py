"""Form errors shown next to their fields and in an error summary (GOV.UK pattern).

    errors = FormErrors()
    errors.add("school_year", "form.required")             # a catalogue key, with values if any
    errors.add_refusal("payload", str(exc))                # the API's own refusal, shown as is
    if errors:
        return page.render("...", errors=errors, values=page.form, status=422)

Templates call `ui.error_summary(errors)` once at the top of the form and `ui.field(...)` (or the
other field macros) with `errors=errors`: each field shows its message, `aria-invalid` and
`aria-describedby`, and the summary links to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    field: str
    key: str | None = None  # a catalogue key ...
    values: dict[str, Any] = field(default_factory=dict)
    text: str | None = None  # ... or a message already written (a refusal of the service layer)


class FormErrors:
    def __init__(self) -> None:
        self._errors: dict[str, FieldError] = {}

    def add(self, field_name: str, key: str, **values: Any) -> None:
        self._errors.setdefault(field_name, FieldError(field_name, key, values))

    def add_refusal(self, field_name: str, text: str) -> None:
        """A refusal of the service layer (the same text the API answers with)."""
        self._errors.setdefault(field_name, FieldError(field_name, text=text))

    def get(self, field_name: str) -> FieldError | None:
        return self._errors.get(field_name)

    def __bool__(self) -> bool:
        return bool(self._errors)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._errors.values())

    def __len__(self) -> int:
        return len(self._errors)


def field_id(name: str) -> str:
    """The id of a field's input, which the error summary links to."""
    return "f-" + "".join(c if c.isalnum() else "-" for c in name)
