"""Every ORM model, imported in one place so Alembic and the tests see the whole schema."""

from service.audit.models import AuditEvent  # noqa: F401
from service.auth.models import ApiToken, Organisation, User  # noqa: F401
from service.cases.models import Case, CaseEvent  # noqa: F401
from service.core.db import Base  # noqa: F401
from service.gemeenten.models import Assignment, Gemeente, HomeVisit  # noqa: F401
from service.ingest.models import (  # noqa: F401
    Enrolment,
    Exemption,
    Guardian,
    HomeEducation,
    RegisterPerson,
    SchoolYear,
    SourceBatch,
)
from service.jobs.models import Job  # noqa: F401
from service.letters.models import Letter, LetterBatch, LetterReply  # noqa: F401
from service.linkage.models import ChildStatus, LinkPair, ReviewDecision, Run  # noqa: F401
from service.notifications.models import Notification  # noqa: F401
from service.parket.models import Referral  # noqa: F401
