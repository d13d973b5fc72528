"""The notifications API's read model: one notification, in Dutch and French."""

from __future__ import annotations

from service.core.readmodels import FromRow, Timestamp


class NotificationOut(FromRow):
    id: int
    organisation: str  # AGODI, SCOS, PARKET or a NIS code
    kind: str
    case_id: int | None
    created_at: Timestamp
    read_at: Timestamp | None
    emailed_at: Timestamp | None
    subject_nl: str
    subject_fr: str
    body_nl: str
    body_fr: str
