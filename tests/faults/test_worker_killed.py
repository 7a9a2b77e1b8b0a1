"""`flask worker` killed with SIGKILL in the middle of a batch: nothing is lost.

SMTP cannot promise exactly once (see enquiry/mail/delivery.py): the worst moment for a crash
is after the server has stored a message and before the worker has recorded its 250. The
server here holds back exactly that answer, the test kills the worker then, and a new worker
must deliver everything once its lease has expired. The bound asserted: every message
arrives, and the only one that may arrive twice is the single message in flight at the kill.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import OutboundEmail, OutboxStatus
from tests.app.test_delivery import add_row
from tests.faults.processes import Processes, app_env, wait_until
from tests.faults.smtp import SlowSmtpServer

pytestmark = pytest.mark.allow_smtp

ROWS = 30
BATCH = 10
HOLD_AT = 6  # the 6th message is stored, then its 250 is held back until after the kill
LEASE_SECONDS = 3


@pytest.fixture
def slow_smtp() -> Iterator[SlowSmtpServer]:
    server = SlowSmtpServer(delay=0.02, hold_at=HOLD_AT)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def statuses(app: Flask) -> dict[str, tuple[OutboxStatus, int]]:
    """Message-ID -> (status, attempts) of every outbox row."""
    with app.app_context():
        rows = db.session.execute(
            select(OutboundEmail.message_id, OutboundEmail.status, OutboundEmail.attempts)
        ).all()
        db.session.rollback()
    return {message_id: (status, attempts) for message_id, status, attempts in rows}


def test_a_worker_killed_mid_batch_loses_nothing(
    make_app: Callable[..., Flask],
    slow_smtp: SlowSmtpServer,
    processes: Processes,
    tmp_path: Path,
) -> None:
    app = make_app(**slow_smtp.app_config())
    message_ids = [add_row(app).message_id for _ in range(ROWS)]
    processes.env = app_env(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path / "worker-instance",
        MAIL_SERVER=slow_smtp.host,
        MAIL_PORT=slow_smtp.port,
        MAIL_SUPPRESS_SEND="false",
        MAIL_SEND_BATCH_SIZE=BATCH,
        MAIL_LEASE_SECONDS=LEASE_SECONDS,
        WORKER_POLL_SECONDS=0.2,
    )

    first = processes.flask("worker-1", "worker")
    assert slow_smtp.held.wait(timeout=60), processes.report()
    first.kill()  # SIGKILL while the server holds the 250 of a stored message
    in_flight = slow_smtp.held_message_id
    slow_smtp.release.set()

    at_kill = statuses(app)
    claimed = {mid for mid, (status, _) in at_kill.items() if status is OutboxStatus.SENDING}
    sent = {mid for mid, (status, _) in at_kill.items() if status is OutboxStatus.SENT}
    assert len(sent) == HOLD_AT - 1, at_kill
    assert in_flight in claimed and len(claimed) <= BATCH  # the rest of the killed batch

    second = processes.flask("worker-2", "worker")
    wait_until(
        lambda: all(status is OutboxStatus.SENT for status, _ in statuses(app).values()),
        timeout=60,
        what="every outbox row to be sent",
    )
    assert second.stop() == 0, second.output()

    received = slow_smtp.message_ids()
    assert set(received) == set(message_ids)  # nothing lost
    duplicates = {mid: count for mid, count in received.items() if count > 1}
    assert duplicates == {in_flight: 2}  # at least once: only the message in flight at the kill
    attempts = {mid: attempts for mid, (_, attempts) in statuses(app).items()}
    # The killed worker's claims count as a try once their lease expired; the rest took one.
    assert attempts == {mid: 2 if mid in claimed else 1 for mid in message_ids}
