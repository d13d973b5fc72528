"""The weekly e-mail run of the demo's simulated weeks (a no-op unless TANDEM_SMTP_HOST is set)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.notifications.service import deliver_pending
from sim.procedure.weeks import SimWeek, simulated_actor


@simulated_actor
def email_outbox(session: Session, week: SimWeek) -> None:
    result = deliver_pending(session, limit=10_000)
    if result.sent or result.failed:
        week.counters["notifications e-mailed"] += result.sent
        week.counters["notifications not e-mailed (retried)"] += result.failed
