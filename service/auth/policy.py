"""Who may do what: the one table that maps each permission to the roles allowed to use it.

Routes declare a permission (`Depends(allow("cases:read"))`); organisation scoping (a gemeente sees
only its own data, the parket only referred cases) is decided in `service.auth.scope`.
"""

from __future__ import annotations

from service.auth.models import Role  # re-exported: other domains name roles through the policy

CELL = frozenset({Role.CELL_OPERATOR, Role.CELL_ADMIN})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # reference data that holds no personal data
    "reference:read": frozenset(Role),
    # source files and their batches
    "ingest:write": CELL,
    "batches:read": CELL | {Role.AUDITOR},
    # register children and list records (personal data)
    # The register extract as such is the cell's: a gemeente sees a child only through the
    # assignments it receives (data minimisation: no browsing of children without a case).
    "people:read": CELL,
    # linkage runs, review queue
    "runs:write": CELL,
    "runs:read": CELL | {Role.AUDITOR},
    "review:read": CELL,
    "review:write": CELL,
    # cases and their procedure
    "cases:read": CELL | {Role.GEMEENTE_USER, Role.PARKET_USER},
    "cases:write": CELL,
    "cases:transition": CELL | {Role.GEMEENTE_USER, Role.PARKET_USER},
    # letters
    "letters:read": CELL,
    "letters:write": CELL,
    # gemeente assignments
    "assignments:read": CELL | {Role.GEMEENTE_USER},
    "assignments:write": CELL | {Role.GEMEENTE_USER},
    # parket referrals
    "referrals:read": CELL | {Role.PARKET_USER},
    "referrals:write": CELL | {Role.PARKET_USER},
    # notifications, indicators, jobs
    "notifications:read": frozenset(Role) - {Role.AUDITOR},
    "indicators:read": CELL | {Role.AUDITOR},
    # published (suppressed) figures: a gemeente sees its own gemeente's (service.auth.scope)
    "indicators:published": CELL | {Role.AUDITOR, Role.GEMEENTE_USER},
    "jobs:read": CELL,
    # the joint cell's web pages (Today, Lists, Runs, Review, Cases, Letters, Gemeenten)
    "web:cell": CELL,
    # the other groups' web pages: each its own work
    "web:gemeente": frozenset({Role.GEMEENTE_USER}),
    "web:parket": frozenset({Role.PARKET_USER}),
    "web:audit": frozenset({Role.AUDITOR, Role.CELL_ADMIN}),
    "web:admin": frozenset({Role.CELL_ADMIN}),
    # administration and oversight
    "users:admin": frozenset({Role.CELL_ADMIN}),
    "audit:read": frozenset({Role.AUDITOR, Role.CELL_ADMIN}),
}

# Which organisation kinds a role may belong to (checked when a user is created).
ROLE_ORGANISATIONS: dict[Role, frozenset[str]] = {
    Role.CELL_OPERATOR: frozenset({"agodi", "scos"}),
    Role.CELL_ADMIN: frozenset({"agodi", "scos"}),
    Role.GEMEENTE_USER: frozenset({"gemeente"}),
    Role.PARKET_USER: frozenset({"parket"}),
    Role.AUDITOR: frozenset({"agodi", "scos"}),
}


def roles_for(permission: str) -> frozenset[Role]:
    try:
        return PERMISSIONS[permission]
    except KeyError as exc:  # a typo in a route must fail at import time, not let everyone in
        raise KeyError(f"unknown permission '{permission}'") from exc
