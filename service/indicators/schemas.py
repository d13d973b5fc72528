"""Response models of the indicators' routes (published cells are null)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class RuleOut(BaseModel):
    threshold: int
    en: str
    nl: str
    fr: str


class IndicatorRowOut(BaseModel):
    key: str
    label_nl: str
    label_fr: str
    population: int | None
    start: int | None
    end: int | None
    share_start: float | None
    share_end: float | None


class IndicatorOut(BaseModel):
    school_year: str
    run_id: int
    reference_date: str
    at: str | None
    by: str
    published: bool
    rule: RuleOut | None
    nis_code: str | None
    rows: list[IndicatorRowOut]
    honest_count: list[dict[str, Any]]
    linkage: dict[str, Any]


class StageOut(BaseModel):
    stage: str
    label_nl: str
    label_fr: str
    entered: int
    there_now: int
    median_days: float | None
    p90_days: float | None
    past_due: int
    community: str | None = None
    gemeente: str | None = None


class GemeenteWorkOut(BaseModel):
    nis_code: str
    made: int
    answered: int
    open: int
    overdue: int
    returned: int
    withdrawn: int
    median_answer_days: float | None


class ForecastOut(BaseModel):
    week: str
    cross_checks_to_request: int
    letters_1_to_prepare: int
    replies_due: int
    letters_2_to_prepare: int
    gemeente_assignments_to_make: int
    gemeente_assignments_falling_due: int
    parket_decisions_due: int


class TimelinessOut(BaseModel):
    school_year: str
    now: str
    nis_code: str | None
    stages: list[StageOut]
    stages_by_community: list[StageOut] | None
    stages_by_gemeente: list[StageOut]
    gemeenten: list[GemeenteWorkOut]
    parket: dict[str, Any] | None
    forecast: list[ForecastOut]


class YearOut(BaseModel):
    school_year: str
    run_id: int
    reference_date: str
    population: int | None
    start: int | None
    end: int | None
    share_start: float | None
    share_end: float | None
    in_previous_residual: int | None
    cases_linked_to_last_year: int | None
    esl_enrolled_oldest: int | None
    esl_no_list_next: int | None
    esl_share: float | None
