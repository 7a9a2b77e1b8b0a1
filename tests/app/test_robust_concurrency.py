"""Concurrent staff posts on a real SQLite file, concurrent department creation, and the 500
page after a database error: a clear answer every time, never "database is locked" or a crash.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import Department, Message, MessageKind, OutboundEmail, Role, Status, Ticket
from tests.app.conftest import english
from tests.app.test_delivery import open_enquiry

THREADS = 8


# Only SQLite has a file lock and a busy timeout: no PostgreSQL copy of these tests.
SQLITE_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


def signed_in_clients(app: Flask, staff_login: Callable[..., Any], role: Role) -> list[Any]:
    clients = []
    for _ in range(THREADS):
        client = english(app.test_client())
        staff_login(client, role=role)
        clients.append(client)
    return clients


def run_together(work: Callable[[int], Any]) -> list[Any]:
    """Run work(0..THREADS-1) in threads released at the same moment."""
    barrier = threading.Barrier(THREADS, timeout=60)

    def start(n: int) -> Any:
        barrier.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(start, range(THREADS)))


def test_eight_concurrent_staff_posts_all_succeed(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    ticket_ids = [open_enquiry(app, subject=f"并发 {n}").ticket_id for n in range(THREADS)]
    shared = ticket_ids[0]
    clients = signed_in_clients(app, staff_login, Role.SUPERVISOR)

    def post(n: int) -> list[int]:
        note = clients[n].post(f"/staff/tickets/{shared}/note", data={"note-body": f"备注 {n}"})
        reply = clients[n].post(
            f"/staff/tickets/{ticket_ids[n]}/reply", data={"reply-body": f"答复 {n}"}
        )
        return [note.status_code, reply.status_code]

    answers = run_together(post)
    assert answers == [[302, 302]] * THREADS
    with app.app_context():
        notes = db.session.scalars(
            select(Message.body).where(
                Message.ticket_id == shared, Message.kind == MessageKind.NOTE
            )
        ).all()
        assert sorted(notes) == sorted(f"备注 {n}" for n in range(THREADS))
        statuses = db.session.scalars(select(Ticket.status).where(Ticket.id.in_(ticket_ids)))
        assert set(statuses) == {Status.ANSWERED}
        replies = db.session.scalar(select(func.count()).where(OutboundEmail.template == "reply"))
        assert replies == THREADS
        assert audit.verify_chain(db.session) is None


def test_concurrent_creation_of_one_department_code(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    clients = signed_in_clients(app, staff_login, Role.ADMIN)
    form = {"code": "water", "name_zh": "市水务局", "name_en": "Water", "name_ug": "", "email": ""}

    def create(n: int) -> tuple[int, str]:
        response = clients[n].post("/staff/admin/departments/new", data=form)
        return response.status_code, response.get_data(as_text=True)

    answers = run_together(create)
    codes = sorted(status for status, _ in answers)
    assert codes.count(302) == 1, codes
    assert all(code in {400, 409} for code in codes if code != 302), codes
    for status, body in answers:
        if status != 302:
            assert "Another department already has this code." in body
    with app.app_context():
        count = db.session.scalar(select(func.count()).where(Department.code == "water"))
        assert count == 1


def add_two_departments_with_one_code() -> None:
    db.session.add_all([Department(code="dup", name_zh="一"), Department(code="dup", name_zh="二")])
    db.session.flush()  # IntegrityError: the session now needs a rollback


@pytest.fixture
def failing_app(make_app: Callable[..., Flask]) -> Flask:
    """An app with pages that break the database session, as a failed flush does."""
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/broken")
    def broken() -> str:
        try:
            add_two_departments_with_one_code()
        except IntegrityError as error:
            raise RuntimeError("a bug after a failed flush") from error
        return "unreachable"

    @app.get("/conflict")
    def conflict() -> str:
        add_two_departments_with_one_code()  # a race lost to another request, unhandled
        return "unreachable"

    return app


def test_a_database_error_renders_the_500_page(
    failing_app: Flask, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    client = english(failing_app.test_client())
    assert login(client, make_user(role=Role.AGENT)).status_code == 302
    response = client.get("/broken")  # the page loads the signed-in user: needs a clean session
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    # The session was rolled back: the next request on the same app works.
    assert client.get("/ask").status_code == 200


def test_an_unhandled_constraint_violation_is_a_409(
    failing_app: Flask, make_user: Callable[..., Any], login: Callable[..., Any]
) -> None:
    client = english(failing_app.test_client())
    assert login(client, make_user(role=Role.AGENT)).status_code == 302
    response = client.get("/conflict")
    assert response.status_code == 409
    assert "not possible in the current state" in response.get_data(as_text=True)
    assert client.get("/ask").status_code == 200


@SQLITE_ONLY
def test_sqlite_writers_wait_fifteen_seconds_for_the_lock(app: Flask) -> None:
    with app.app_context(), db.engine.connect() as connection:
        timeout = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
    assert timeout == 15_000


@SQLITE_ONLY
@pytest.mark.parametrize(("setting", "level"), [(None, 1), ("FULL", 2), ("full", 2)])
def test_sqlite_syncs_each_commit_only_when_asked(
    make_app: Callable[..., Flask], setting: str | None, level: int
) -> None:
    """NORMAL (1) by default; FULL (2) for an office that wants every answered submission to
    survive a power cut, at about a tenth of the throughput (bench/README, ninth round)."""
    app = make_app(**({"SQLITE_SYNCHRONOUS": setting} if setting else {}))
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == level


@SQLITE_ONLY
def test_an_unknown_sqlite_synchronous_setting_stops_the_start(
    make_app: Callable[..., Flask],
) -> None:
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS must be NORMAL or FULL, not 'OFF'"):
        make_app(SQLITE_SYNCHRONOUS="off")


@SQLITE_ONLY
def test_a_lock_held_past_the_busy_timeout_is_a_503_to_retry(
    app: Flask,
    make_app: Callable[..., Flask],
    make_user: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    busy = make_app(SQLITE_BUSY_TIMEOUT_SECONDS=0.2, PROPAGATE_EXCEPTIONS=False)
    ticket_id = open_enquiry(busy).ticket_id
    client = english(busy.test_client())
    assert login(client, make_user(role=Role.SUPERVISOR)).status_code == 302
    holder = sqlite3.connect(uri.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")  # another process writing for a long time
    try:
        response = client.post(f"/staff/tickets/{ticket_id}/note", data={"note-body": "备注"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "The service is busy" in response.get_data(as_text=True)
    again = client.post(f"/staff/tickets/{ticket_id}/note", data={"note-body": "备注"})
    assert again.status_code == 302
    with busy.app_context():
        notes = db.session.scalars(
            select(Message.body).where(Message.kind == MessageKind.NOTE)
        ).all()
    assert notes == ["备注"]
