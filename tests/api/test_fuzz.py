"""Schemathesis over every operation of the API, as part of the normal suite (issue 12, "a fault,
fuzz and abuse suite in CI"): a fixed number of examples per operation and a time box, against the
application on SQLite, authenticated as a cell administrator. A server error (5xx), an undeclared
status code, a response that breaks its declared schema or media type fails the test.

Driven through schemathesis' Python API (operations, their Hypothesis strategies, the checks),
because its pytest plugin does not work with this pytest; `TANDEM_FUZZ_EXAMPLES` raises the count
for a deeper run by hand.
"""

from __future__ import annotations

import os
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import checks

from service.api.app import create_app
from service.auth.models import Role

# What the issue asks: no server error, no status the document does not declare, no response that
# breaks its declared schema, media type or headers. (`positive_data_acceptance` is left out: rules
# the workflow decides at run time, such as a case's state, refuse schema-valid requests by design.)
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]
EXAMPLES = int(os.environ.get("TANDEM_FUZZ_EXAMPLES", "8"))
TIME_BOX = float(os.environ.get("TANDEM_FUZZ_SECONDS", "90"))


def _fuzz(operation, headers: dict[str, str], failures: list[str]) -> None:  # type: ignore[no-untyped-def]
    @given(operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,  # the same examples on every run: a failure can be reproduced
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case) -> None:  # type: ignore[no-untyped-def]
        case.call_and_validate(headers=headers, checks=CHECKS)

    try:
        run()
    except (Exception, BaseExceptionGroup) as exc:  # every operation is tried, failures reported together
        first = str(exc).strip().splitlines()
        failures.append(f"{operation.label}: {type(exc).__name__}: {' | '.join(first[:6])}")


def test_every_operation_under_fuzzing(db_url: str, engine, make_user) -> None:  # type: ignore[no-untyped-def]
    if not db_url.startswith("sqlite"):
        pytest.skip("the fuzz run is bounded to SQLite; the route matrix covers both databases")
    _, headers = make_user(Role.CELL_ADMIN, "AGODI")
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    failures: list[str] = []
    started = time.monotonic()
    for operation in operations:
        if time.monotonic() - started > TIME_BOX:
            failures.append(f"time box of {TIME_BOX:.0f} s exceeded before {operation.label}")
            break
        _fuzz(operation, headers, failures)
    assert failures == [], "\n".join(failures)
