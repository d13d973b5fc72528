"""A small generated year in its own SQLite file, for the browser tests and the web bench.

The one place the web tests reach the synthetic-year generator (it may move out of the product:
change the import here).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from service.auth import service as auth
from service.auth.models import Role
from service.auth.service import Actor
from service.cases import service as cases
from service.core import clock, db, migrate
from service.core.settings import reset_settings_cache
from service.ingest.models import SourceKind
from service.ingest.service import IngestRejected, ingest_file
from service.linkage.service import run_linkage
from service.web.demo import DEMO_PASSWORD, DEMO_USERS
from sim.generate.brussels import GeneratorConfig, generate_year
from sim.generate.errors import ErrorRates
from sim.generate.writers import YEAR_LISTS

PASSWORD = DEMO_PASSWORD
# username -> (role, organisation, language): the demo's users, and a second gemeente
USERS: dict[str, tuple[Role, str, str]] = {
    **DEMO_USERS,
    "gemeente-21001": (Role.GEMEENTE_USER, "21001", "nl"),
}


def current_school_year(today: date) -> tuple[str, date]:
    """The school year running today and a reference date in it (1 October, or today if earlier)."""
    start = today.year if today.month >= 9 else today.year - 1
    return f"{start}-{start + 1}", min(date(start, 10, 1), today)


@dataclass
class WebYear:
    url: str
    folder: Path
    school_year: str
    reference_date: date
    run_id: int
    users: dict[str, tuple[Role, str, str]] = field(default_factory=lambda: dict(USERS))


@contextmanager
def pointed_at(url: str, output_dir: Path) -> Iterator[None]:
    """Point the process's settings at `url` for a while (the population step runs here)."""
    old = {k: os.environ.get(k) for k in ("TANDEM_DATABASE_URL", "TANDEM_OUTPUT_DIR")}
    os.environ.update({"TANDEM_DATABASE_URL": url, "TANDEM_OUTPUT_DIR": str(output_dir)})
    reset_settings_cache()
    db.reset_engine_cache()
    try:
        yield
    finally:
        db.get_engine().dispose()
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        reset_settings_cache()
        db.reset_engine_cache()


# Messier than the generator's defaults, so that a small year still has pairs for review.
ERRORS = ErrorRates(nn_missing=0.6, name_typo=0.2, dm_swap=0.1, date_digit=0.08, translit=0.5)


def build_year(folder: Path, children: int = 1500, seed: int = 7) -> WebYear:
    """Generate, ingest and link a small year, open its cases, and create a user of each role."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'tandem.sqlite3'}"
    school_year, reference = current_school_year(clock.now().date())
    lists = folder / "lists"
    generate_year(
        lists,
        GeneratorConfig(
            children=children,
            seed=seed,
            school_year=school_year,
            errors=ERRORS,
            list_scale=0.05,
            workers=1,
        ),
    )
    actor = Actor.system("web-tests")
    with pointed_at(url, folder / "output"):
        migrate.upgrade(url)
        with db.session_scope() as session:
            for name, kind in YEAR_LISTS:
                path = lists / name
                if path.exists():
                    try:
                        ingest_file(session, SourceKind(kind), path, school_year, actor)
                    except IngestRejected:
                        pass  # a generated list may carry a fatal error by design; the year goes on
            run = run_linkage(session, school_year, reference, actor)
            cases.open_cases_for_run(session, run.id, actor)
            for username, (role, org, lang) in USERS.items():
                auth.create_user(session, username, role, org, PASSWORD, username, language=lang)
            run_id = run.id
    return WebYear(url, folder, school_year, reference, run_id)
