"""The letters API's read models: what a batch, a letter and a reply look like to a client
(the contract the OpenAPI document publishes). They read the stored rows' attributes."""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, Field

from service.core.readmodels import FromRow as _FromRow
from service.core.readmodels import Timestamp


class BatchOut(_FromRow):
    id: int
    kind: str
    channel: str
    status: str
    letter_date: date
    owner_community: str | None
    created_at: Timestamp
    created_by: str
    posted_at: Timestamp | None
    posted_by: str | None
    letters: int = Field(validation_alias="letter_count")
    cases: int = Field(validation_alias="case_count")
    pages: int = Field(validation_alias="page_count")
    print_sha256: str
    skipped: list[dict[str, Any]] = Field(description="Cases left out: case id and why (no values)")


class LetterOut(_FromRow):
    id: int
    batch_id: int
    case_id: int
    kind: str
    reference: str
    envelope: int = Field(validation_alias="recipient_no")
    envelopes: int = Field(validation_alias="recipients_total")
    country: str
    channel: str
    status: str
    letter_date: date
    reply_by: date
    pages: int
    sha256: str
    posted_at: Timestamp | None
    cancelled_at: Timestamp | None
    cancel_reason: str | None
    returned_at: Timestamp | None


class BatchDetailOut(BatchOut):
    letter_list: list[LetterOut]


class ReplyOut(_FromRow):
    id: int
    case_id: int
    letter_id: int | None
    kind: str
    step: str
    received_on: date
    channel: str
    answer: str | None
    school_name: str | None
    school_address: str | None
    school_community: str | None
    new_address: str | None
    moved_on: date | None
    text: str
    outcome: str
    recorded_at: Timestamp
    recorded_by: str
    decided_at: Timestamp | None
    decided_by: str | None
    decision_reason: str


class PulledOut(BaseModel):
    letter_id: int
    reference: str
    why: str | None


class PostOut(BaseModel):
    batch_id: int
    posted_letters: int
    moved_cases: int
    pulled: list[PulledOut]


class BatchRunOut(BaseModel):
    """What a batch job returns: the batch made (None when no case was due) and, when posted at
    once, the posting report; `warnings` name what was allowed by an override."""

    message: str | None = None
    batch: BatchOut | None
    posted: PostOut | None = None
    warnings: list[str] = []


class JobOut(BaseModel):
    """A started batch job (follow it at GET /api/jobs/{id}); `result` is a `BatchRunOut` once done."""

    job_id: int
    id: int
    kind: str
    status: str
    done: int | None = None
    total: int | None = None
    message: str | None = None
    result: dict[str, Any] | None = None
    created_at: Timestamp
    finished_at: Timestamp | None = None
