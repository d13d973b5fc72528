"""Browser test fixtures: the app under uvicorn on a free port, a small generated year in its own
SQLite file, the system's Chromium driven by Playwright, signing in, and the screen check.

    pytestmark = pytest.mark.browser

    def test_today(signed_in, screens) -> None:
        page = signed_in("operator-agodi")                 # a Playwright page, signed in as that user
        page.goto("/today")
        screens(page, "today")                    # nl and fr: axe check + PNG of each

`screens` switches the page to Dutch and to French with the switch every page has, runs axe-core
on each (zero serious or critical violations) and saves `test-output/screenshots/<name>.<lang>.png`.
The year is shared by the tests of one process: a test that changes it uses its own cases.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.orm import Session

from service.core import db
from tests.web.data import PASSWORD, WebYear, build_year

CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "test-output" / "screenshots"
SERIOUS = {"serious", "critical"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def web_year(tmp_path_factory: pytest.TempPathFactory, _test_environment: Path) -> WebYear:
    return build_year(tmp_path_factory.mktemp("web-year"))


@pytest.fixture
def web_db(web_year: WebYear) -> Iterator[Session]:
    """A session on the browser tests' database, to check what a page did."""
    engine = db.make_engine(web_year.url)
    session = db.session_factory(engine)()
    try:
        yield session
    finally:
        session.close()
        engine.dispose()


@pytest.fixture(scope="session")
def web_server(web_year: WebYear) -> Iterator[str]:
    """The application under uvicorn, on its own port, against the year's database."""
    port = _free_port()
    env = {
        **os.environ,
        "TANDEM_DATABASE_URL": web_year.url,
        "TANDEM_OUTPUT_DIR": str(web_year.folder / "output"),
    }
    log = (web_year.folder / "uvicorn.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "service.api.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/api/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the web server did not start; see {web_year.folder / 'uvicorn.log'}")
        time.sleep(0.2)
    yield base
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `bash scripts/system-deps` installs it (package chromium)")
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, web_server: str) -> Iterator[Callable[[], object]]:  # type: ignore[no-untyped-def]
    """Open a fresh browser context (its own cookies) on the server; closed after the test."""
    contexts = []

    def make():  # type: ignore[no-untyped-def]
        context = browser.new_context(base_url=web_server, viewport={"width": 1280, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


def sign_in_page(page, username: str, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("form[action='/login'] button")


@pytest.fixture
def signed_in(new_page):  # type: ignore[no-untyped-def]
    """`signed_in("operator-agodi")`: a new browser page signed in as that user (see tests/web/data.USERS)."""

    def sign_in(username: str):  # type: ignore[no-untyped-def]
        page = new_page()
        sign_in_page(page, username)
        assert "/login" not in page.url, f"{username} could not sign in"
        return page

    return sign_in


def switch_language(page, lang: str) -> None:  # type: ignore[no-untyped-def]
    """Use the switch on the page (a signed-in form, or the links of the sign-in page)."""
    if page.locator("html").get_attribute("lang") == lang:
        return
    with page.expect_navigation():
        page.locator(f".tdm-lang [lang='{lang}']").first.click()
    assert page.locator("html").get_attribute("lang") == lang


def check_accessibility(page, name: str) -> None:  # type: ignore[no-untyped-def]
    """axe-core on the page as it is: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    bad = [v for v in results.response["violations"] if v.get("impact") in SERIOUS]
    summary = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad
    ]
    assert not bad, f"{name}: accessibility violations: {summary}"


def screenshot(page, name: str) -> Path:  # type: ignore[no-untyped-def]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    lang = page.locator("html").get_attribute("lang")
    path = SCREENSHOTS / f"{name}.{lang}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def screens() -> Callable[..., None]:
    """`screens(page, "name")`: in Dutch then French, check accessibility and save a PNG of each;
    the page is left in the language it had. A screen that is the answer to a form (an error
    shown) passes `redo`, which submits the form again after the language switch."""

    def check(page, name: str, redo: Callable[[object], None] | None = None) -> None:  # type: ignore[no-untyped-def]
        start = page.locator("html").get_attribute("lang") or "nl"
        for i, lang in enumerate((start, "fr" if start == "nl" else "nl")):
            if i:
                switch_language(page, lang)
                if redo is not None:
                    redo(page)
            check_accessibility(page, f"{name} ({lang})")
            screenshot(page, name)
        switch_language(page, start)

    return check
