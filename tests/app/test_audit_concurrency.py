"""Twenty writers at the same moment, each on its own connection, still make one linear chain."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import AuditChainHead, AuditEvent

THREADS = 20
NOW = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def busy_app(make_app: Callable[..., Flask]) -> Flask:
    """An app with a connection for every thread, so all twenty really run at once."""
    return make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True, "pool_size": THREADS + 2})


def run_together(work: Callable[[int], object]) -> list[object]:
    barrier = threading.Barrier(THREADS, timeout=60)

    def start(n: int) -> object:
        barrier.wait()
        return work(n)

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        return list(pool.map(start, range(THREADS)))


def assert_linear(app: Flask, count: int) -> None:
    with app.app_context():
        chain = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))
        head = db.session.get(AuditChainHead, 1)
        assert head is not None and (head.hash, head.length) == (chain[-1].hash, count)
    assert len(chain) == count
    assert len({event.prev_hash for event in chain}) == count  # nobody shares a predecessor
    expected = audit.GENESIS_HASH
    for event in chain:
        assert event.prev_hash == expected
        expected = event.hash
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{count} events verified" in result.output


def test_twenty_simultaneous_failed_logins_make_one_linear_chain(busy_app: Flask) -> None:
    def fail_login(n: int) -> int:
        client = busy_app.test_client()
        response = client.post(
            "/staff/login", data={"email": f"nobody{n}@example.test", "password": "wrong"}
        )
        return response.status_code

    assert run_together(fail_login) == [200] * THREADS
    assert_linear(busy_app, THREADS)


def test_twenty_simultaneous_appends_make_one_linear_chain(busy_app: Flask) -> None:
    def append(n: int) -> int:
        with busy_app.app_context():
            event = audit.record(
                db.session,
                action="test.event",
                actor=audit.Actor.system(),
                now=NOW,
                detail={"n": n},
            )
            db.session.commit()
            return event.id

    assert len(set(run_together(append))) == THREADS
    assert_linear(busy_app, THREADS)


def test_a_fork_cannot_be_committed(app: Flask) -> None:
    with app.app_context():
        first = audit.record(db.session, action="test.event", actor=audit.Actor.system(), now=NOW)
        db.session.commit()
        fork = AuditEvent(
            actor_label="system",
            action="test.fork",
            detail={},
            created_at=NOW,
            prev_hash=first.prev_hash,  # a second successor of the genesis
            hash="f" * 64,
        )
        db.session.add(fork)
        with pytest.raises(IntegrityError):
            db.session.commit()
