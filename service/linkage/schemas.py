"""Read models of the linkage routes: the contract the web interface and the OpenAPI document share."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from service.linkage.settings import LinkSettings


class RunRequest(BaseModel):
    school_year: str = Field(examples=["2025-2026"])
    reference_date: date
    wait: bool = False  # run in the request (tests, small years) instead of as a background job
    link_probability: float = Field(LinkSettings.link_probability, gt=0, lt=1)
    review_probability: float = Field(LinkSettings.review_probability, gt=0, lt=1)
    em_max_pairs: int = Field(LinkSettings.em_max_pairs, ge=1000)

    def settings(self) -> LinkSettings:
        return LinkSettings(
            link_probability=self.link_probability,
            review_probability=self.review_probability,
            em_max_pairs=self.em_max_pairs,
        ).checked()


class Decision(BaseModel):
    decision: str = Field(pattern="^(accept|reject)$")
    note: str = ""


class ModelHealth(BaseModel):
    verdict: str = "ok"  # ok / implausible
    problems: list[str] = []
    used: str = "trained"


class RunOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    school_year_id: int
    reference_date: date
    status: str
    created_at: datetime
    created_by: str
    finished_at: datetime | None
    batch_ids: list[int]
    counts: dict[str, Any]
    model: dict[str, Any]
    health: ModelHealth

    @classmethod
    def of(cls, run: Any) -> RunOut:
        health = ModelHealth(**(run.counts or {}).get("model_health", {}))
        fields = {k: getattr(run, k) for k in cls.model_fields if k != "health"}
        return cls(**fields, health=health)


class JobStarted(BaseModel):
    model_config = ConfigDict(extra="allow")  # the job's status fields (see service/jobs)

    job_id: int


class Child(BaseModel):
    person_id: int
    last_name: str | None
    first_names: str | None
    birth_date: date | None
    sex: str | None
    postcode: str | None
    nis_code: str | None
    address: str


class Record(BaseModel):
    model_config = ConfigDict(extra="allow")  # community, school, reason: per kind of list

    record_kind: str
    record_id: int
    list: str | None
    row: int | None
    national_number: str  # the status of the number, never the number
    last_name: str | None
    first_names: str | None
    birth_date: date | None
    sex: str | None
    postcode: str | None
    valid_from: date | None
    valid_until: date | None


class WaterfallStep(BaseModel):
    step: str
    level: int | None = None
    label: str
    weight: float
    total: float


class Waterfall(BaseModel):
    steps: list[WaterfallStep]
    match_weight: float
    probability: float
    swapped: bool


class PairView(BaseModel):
    pair_id: int
    run_id: int
    outcome: str
    method: str
    probability: float | None
    child: Child
    record: Record
    waterfall: Waterfall | None


class ReviewQueue(BaseModel):
    run_id: int
    total: int
    children: int = 0  # register children of the run, the queue's size is read against
    pairs: list[PairView]


class Explanation(BaseModel):
    run_id: int
    school_year_reference_date: date
    child: Child
    status: str
    method: str | None
    record_kind: str | None
    record_id: int | None
    probability: float | None
    reason: str | None
    summary: str
    pairs: list[PairView]
