"""PostgreSQL restarted under load: gunicorn keeps serving once the database is back, without
anyone touching it, and no enquiry that was confirmed to a citizen is lost.

The cluster is a throw-away one of the test's own (never the machine's), restarted with
`pg_ctl restart -m fast`, which cuts every open connection the app's pools hold.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import create_engine, select

from enquiry.models import Ticket
from tests.app.test_ask import CONFIRMATION, valid_form
from tests.conftest import hidden_fields
from tests.faults.processes import (
    Browser,
    Cluster,
    Processes,
    app_env,
    create_schema,
    wait_for_http,
    wait_until,
)
from tests.smtp_server import free_port


@dataclass(frozen=True)
class Attempt:
    """One HTTP request of the load: when it started, and its status (None: no answer)."""

    started: float
    path: str
    status: int | None


@dataclass
class Load:
    """Citizens sending enquiries back to back from a few threads, each in a fresh browser."""

    port: int
    threads: int = 2
    attempts: list[Attempt] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)  # subjects answered 303
    confirmed: dict[str, str] = field(default_factory=dict)  # subject -> reference shown
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> list[threading.Thread]:
        workers = [threading.Thread(target=self._loop, args=(n,)) for n in range(self.threads)]
        for worker in workers:
            worker.start()
        return workers

    def confirmed_since(self, moment: float) -> int:
        with self.lock:
            return sum(a.path == "/ask/submitted" and a.status == 200 for a in self.after(moment))

    def after(self, moment: float) -> list[Attempt]:
        return [attempt for attempt in list(self.attempts) if attempt.started > moment]

    def _loop(self, thread: int) -> None:
        number = 0
        while not self.stop.is_set():
            number += 1
            self.submit(f"重启测试 {thread}-{number}")

    def _request(
        self, browser: Browser, path: str, data: dict[str, str] | None = None
    ) -> tuple[int | None, str]:
        started, status, body = time.monotonic(), None, ""
        try:
            response = browser.post(path, data) if data is not None else browser.get(path)
            status, body = response.status, response.text
        except OSError:
            time.sleep(0.05)  # refused or cut: the server itself is unreachable
        with self.lock:
            self.attempts.append(Attempt(started, path, status))
        return status, body

    def submit(self, subject: str) -> None:
        browser = Browser(self.port, timeout=20)
        status, page = self._request(browser, "/ask")
        if status != 200:
            return
        form = hidden_fields(page) | valid_form(subject=subject, email="restart@example.com")
        status, _ = self._request(browser, "/ask", form)
        if status != 303:
            return
        with self.lock:
            self.accepted.append(subject)
        status, page = self._request(browser, "/ask/submitted")
        if status == 200 and (found := CONFIRMATION.findall(page)):
            with self.lock:
                self.confirmed[subject] = found[0]


def test_the_app_recovers_by_itself_after_postgres_restarts(
    cluster: Cluster, processes: Processes, tmp_path: Path
) -> None:
    instance = tmp_path / "instance"
    create_schema(cluster.url, instance)
    port = free_port()
    processes.env = app_env(
        cluster.url,
        instance,
        FORM_MIN_SECONDS=0,
        SUBMIT_RATE_LIMIT="100000 per minute",
        MAIL_SUPPRESS_SEND="true",
    )
    web = processes.gunicorn("web", port, workers=2)
    wait_for_http(port, web)

    load = Load(port)
    threads = load.run()
    try:
        wait_until(lambda: load.confirmed_since(0) >= 4, 60, "enquiries before the restart")
        cluster.restart()
        back = time.monotonic()  # pg_ctl -w returned: the server accepts connections again
        wait_until(lambda: load.confirmed_since(back) >= 6, 60, "enquiries after the restart")
    finally:
        load.stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert failures(load.after(back)) == [], diagnosis(cluster, processes)

    # A restart while nobody is asking leaves dead connections idle in every worker's pool:
    # the very first request after it must already succeed.
    cluster.restart()
    quiet = time.monotonic()
    for number in range(4):
        load.submit(f"重启后 {number}")
    assert load.confirmed_since(quiet) == 4, failures(load.after(quiet))
    assert failures(load.after(quiet)) == [], diagnosis(cluster, processes)

    assert stored_subjects(cluster.url, load) == load.confirmed


def failures(attempts: list[Attempt]) -> list[Attempt]:
    return [attempt for attempt in attempts if attempt.status is None or attempt.status >= 500]


def diagnosis(cluster: Cluster, processes: Processes) -> str:
    return f"{cluster.server_log()}\n{processes.report()}"


def stored_subjects(url: str, load: Load) -> dict[str, str]:
    """Subject -> reference of every ticket the load sent (accepted or confirmed)."""
    engine = create_engine("postgresql+psycopg://" + url.split("://", 1)[1])
    try:
        with engine.connect() as connection:
            rows = connection.execute(select(Ticket.subject, Ticket.reference)).all()
    finally:
        engine.dispose()
    stored = dict(rows)
    missing = [subject for subject in load.accepted if subject not in stored]
    assert missing == [], "accepted (303) but not stored"
    return {subject: stored[subject] for subject in load.confirmed}
