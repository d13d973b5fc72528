"""Names the interface shows that come from data files in both languages, in the reader's language:
gemeenten (`core/gemeenten.csv`), states, transitions and closure reasons (the workflow file), and
the procedure's vocabulary (`core/labels.py`)."""

from __future__ import annotations

from dataclasses import dataclass

from service.cases import service as cases
from service.core import labels
from service.core.reference import gemeenten


@dataclass(frozen=True)
class LabelReader:
    lang: str

    def _pick(self, nl: str, fr: str) -> str:
        return fr if self.lang == "fr" else nl

    def gemeente(self, nis_code: str | None) -> str:
        ref = gemeenten().get(nis_code or "")
        return self._pick(ref.name_nl, ref.name_fr) if ref else (nis_code or "-")

    def gemeenten(self) -> list[tuple[str, str]]:
        """(NIS code, name) of the 19 gemeenten, sorted by name in the reader's language."""
        return sorted(((nis, self.gemeente(nis)) for nis in gemeenten()), key=lambda pair: pair[1])

    def state(self, state: str | None) -> str:
        spec = cases.get_workflow().states.get(state or "")
        return self._pick(spec.label.nl, spec.label.fr) if spec else (state or "-")

    def closure(self, reason: str | None) -> str:
        spec = cases.get_workflow().closure_reasons.get(reason or "")
        return self._pick(spec.label.nl, spec.label.fr) if spec else (reason or "-")

    def transition(self, name: str) -> str:
        t = cases.get_workflow().transitions.get(name)
        return self._pick(t.label.nl, t.label.fr) if t else name

    def term(self, key: str | None) -> str:
        """A word of the procedure's vocabulary (`home_visit`, `moved_abroad`, ...)."""
        return labels.fr(key) if self.lang == "fr" else labels.nl(key)

    def date(self, value: object) -> str:
        return labels.fmt_date(value)  # type: ignore[arg-type]

    def datetime(self, value: object) -> str:
        return labels.fmt_datetime(value)  # type: ignore[arg-type]
