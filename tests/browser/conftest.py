"""Real-browser fixtures: the app on a live HTTP server, a real SMTP server, Debian's Chromium.

One Chromium per test session (launching it costs about a second); a fresh browser context
(cookies, viewport, language) per page a test opens. Every context records dialogs, page
errors and server errors; the `guard` fixture fails a test in which any of them happened, so
no test can pass while an injected script ran or a page answered 500.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask
from sqlalchemy import select
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler

import enquiry
from enquiry import audit
from enquiry.cli import demo
from enquiry.domain import handling
from enquiry.domain.accounts.passwords import create_user
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Department, Role, Ticket, User, utcnow
from tests.browser.pages import ARTIFACTS, STAFF_PASSWORD
from tests.conftest import require
from tests.smtp_server import SmtpServer

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 900}}
TRANSLATIONS = Path(enquiry.__file__).resolve().parent / "translations"
# Accept-Language a browser in each language sends.
BROWSER_LOCALES = {"zh_Hans": "zh-CN", "en": "en-US", "ug": "ug-CN"}


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, shared by the whole session."""
    require(CHROMIUM.exists(), f"{CHROMIUM} is not installed (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        require(False, "playwright is not installed (pip install -e .[dev])")
        raise
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


# --- the servers ------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    """No access log on the terminal: the tests record what matters."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _JoinedServer(ThreadedWSGIServer):
    """werkzeug's threaded server, but server_close() waits for the requests still running.

    werkzeug makes its request threads daemons that nobody joins, so a page closed mid-poll
    left one running past the test, holding a database connection past the engine's dispose
    (an unclosed sqlite3.Connection the suite counts as an error). socketserver joins
    non-daemon request threads on close.
    """

    daemon_threads = False
    block_on_close = True


class LiveServer:
    """A threaded werkzeug HTTP server on a free port, serving whatever app it is given."""

    def __init__(self) -> None:
        self.app: Flask | None = None
        self.errors: list[str] = []
        # The last requests (method, path, status, milliseconds): printed when a test fails.
        self.recent: deque[str] = deque(maxlen=40)
        self.server = _JoinedServer("127.0.0.1", 0, self.dispatch, handler=_QuietHandler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        assert self.app is not None, "no app yet"

        started = time.perf_counter()
        request = f"{environ.get('REQUEST_METHOD')} {environ.get('PATH_INFO')}"

        def record_status(status: str, headers: Any, *args: Any) -> Any:
            if status.startswith("5"):
                self.errors.append(f"{status} {environ.get('PATH_INFO')}")
            elapsed = (time.perf_counter() - started) * 1000
            self.recent.append(f"{request} -> {status.split()[0]} in {elapsed:.0f} ms")
            return start_response(status, headers, *args)

        # Read the whole body and close the iterator here: a browser that navigates away drops
        # the connection, and werkzeug's dev server then raises while draining the socket before
        # it closes the response, leaving a static file open (a ResourceWarning the suite counts
        # as an error). The app streams nothing, so buffering changes no behaviour.
        response = self.app(environ, record_status)
        try:
            return [b"".join(response)]
        finally:
            close = getattr(response, "close", None)
            if close is not None:
                close()

    def start(self, app: Flask) -> None:
        self.app = app
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@dataclass
class Live:
    """The running site: its app (for the CLI and assertions), address and mail server."""

    app: Flask
    url: str
    smtp: SmtpServer
    server: LiveServer

    def cli(self, *args: str, input: bytes | None = None) -> str:
        """Run `flask <args>` against this app, as an operator or cron would; return its output."""
        result = self.app.test_cli_runner().invoke(args=list(args), input=input)
        assert result.exit_code == 0, (result.output, result.exception)
        return result.output

    def send_mail(self) -> str:
        """Deliver the outbox to the SMTP server, the way cron runs `flask mail send`."""
        return self.cli("mail", "send")

    def answer(self, reference: str, text: str) -> None:
        """The office answers an enquiry (through the domain verb, as the staff page does)."""
        with self.app.app_context(), self.app.test_request_context():
            ticket = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
            admin = db.session.scalars(
                select(User).filter_by(email=self.app.config["DEMO_ADMIN_EMAIL"])
            ).one()
            handling.reply(
                db.session,
                ticket,
                text,
                identity=policy_from_config(self.app.config, session=db.session).mail,
                actor=audit.Actor.staff(admin),
                now=utcnow(),
            )
            db.session.commit()

    def staff_user(self, role: Role = Role.SUPERVISOR, **fields: Any) -> User:
        """Create a staff member of the default department; return it (detached)."""
        with self.app.app_context():
            department = db.session.query(Department).filter_by(is_default=True).one()
            user = create_user(
                db.session,
                email=fields.pop("email", f"{role.value}@enquiry.test"),
                display_name=fields.pop("display_name", f"{role.value} 王"),
                password=STAFF_PASSWORD,
                role=role,
                department=department,
            )
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
            return user


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer.running() as server:
        yield server


@pytest.fixture(scope="session")
def translations(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The catalogs compiled as `make translations` does, into a temporary directory.

    The .mo files are build products (gitignored); compiling them here means the pages are in
    the language asked for even when pytest runs without make, and the tree is left alone.
    """
    target = tmp_path_factory.mktemp("translations")
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        locale = po_path.parents[1].name
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file, locale=locale)
        mo_path = target / locale / "LC_MESSAGES" / "messages.mo"
        mo_path.parent.mkdir(parents=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog, use_fuzzy=True)
    return str(target)


@pytest.fixture
def live_config() -> dict[str, Any]:
    """Extra settings for the live app; a test module overrides this fixture to change them."""
    return {}


@pytest.fixture
def live(
    make_app: Callable[..., Flask],
    smtp: SmtpServer,
    translations: str,
    live_config: dict[str, Any],
) -> Iterator[Live]:
    """The app with the demo data (the 2013 report, departments, enquiries) on a live server."""
    server = LiveServer()
    app = make_app(
        BABEL_TRANSLATION_DIRECTORIES=translations,
        WTF_CSRF_ENABLED=True,
        SERVER_NAME=server.url.removeprefix("http://"),
        PUBLIC_BASE_URL=server.url,
        **smtp.app_config(),
        **live_config,
    )
    with app.app_context():
        demo.load(db.session, admin_password=STAFF_PASSWORD, progress=lambda _line: None)
        db.session.commit()
    server.start(app)
    try:
        yield Live(app=app, url=server.url, smtp=smtp, server=server)
    finally:
        server.stop()
    assert server.errors == [], f"the server answered with errors: {server.errors}"


# --- pages ------------------------------------------------------------------------------------


@dataclass
class Guard:
    """What the browser saw that must never happen: dialogs and uncaught script errors."""

    dialogs: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def watch(self, context: BrowserContext) -> None:
        context.on("dialog", self._dialog)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def check(self) -> None:
        assert self.dialogs == [], f"a script opened dialogs: {self.dialogs}"
        assert self.page_errors == [], f"scripts failed in the page: {self.page_errors}"


@pytest.fixture
def guard() -> Iterator[Guard]:
    watched = Guard()
    yield watched
    watched.check()


CALL_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether the test itself failed, so its pages can be photographed."""
    report = yield
    if report.when == "call":
        item.stash[CALL_FAILED] = report.failed
    return report


def photograph_failure(
    request: pytest.FixtureRequest, contexts: list[BrowserContext], server: LiveServer
) -> None:
    """Keep a screenshot of every page a failed test left open, and print what each showed.

    The printout (address, heading, the form's error summary and alerts, fields the browser
    holds invalid, the server's last requests) lands in the test report, so a failure on CI can be
    read from its log alone, without the screenshot.
    """
    if not request.node.stash.get(CALL_FAILED, False):
        return
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    for number, page in enumerate(page for context in contexts for page in context.pages):
        try:
            page.screenshot(path=str(ARTIFACTS / f"FAILED-{name}-{number}.png"), full_page=True)
            print(f"page {number}: {page.url}\n{page.evaluate(_DESCRIBE_PAGE)}")
        except Exception as error:  # the page may be gone; the failure itself matters more
            print(f"no screenshot of {page.url}: {error}")
    print("the live server's last requests:", *server.recent, sep="\n  ")


# What a failed test's page showed: its heading, error summary, alerts and invalid fields.
_DESCRIBE_PAGE = """() => {
  const text = (el) => el.innerText.replace(/\\s+/g, " ").trim().slice(0, 300);
  const lines = [];
  document.querySelectorAll("h1, #error-summary, .alert").forEach((el) => lines.push(
    `  ${el.tagName.toLowerCase()}${el.className ? "." + el.className : ""}: ${text(el)}`));
  document.querySelectorAll("input, select, textarea").forEach((el) => {
    if (el.willValidate && !el.checkValidity())
      lines.push(`  invalid in the browser: ${el.name}: ${el.validationMessage}`);
  });
  return lines.join("\\n") || "  (no heading, alert or invalid field)";
}"""


@pytest.fixture
def open_page(
    request: pytest.FixtureRequest, browser: Browser, live: Live, guard: Guard, artifacts: Path
) -> Iterator[Callable[..., Page]]:
    """Return a helper that opens a page in a fresh context: open_page(locale="ug", phone=True)."""
    contexts: list[BrowserContext] = []

    def opener(locale: str = "zh_Hans", *, phone: bool = True, script: bool = True) -> Page:
        context = browser.new_context(
            base_url=live.url,
            locale=BROWSER_LOCALES[locale],
            java_script_enabled=script,
            **(PHONE if phone else DESKTOP),
        )
        context.set_default_timeout(10_000)
        guard.watch(context)
        contexts.append(context)
        return context.new_page()

    yield opener
    photograph_failure(request, contexts, live.server)
    for context in contexts:
        context.close()


# --- artifacts --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """tests/browser/artifacts/, emptied once per session (gitignored)."""
    shutil.rmtree(ARTIFACTS, ignore_errors=True)
    ARTIFACTS.mkdir(parents=True)
    return ARTIFACTS
