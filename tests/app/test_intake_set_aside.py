"""A message whose every try stops the worker is set aside, not taken up at every pass.

The worker counts a try, and commits the count, before it takes a message in. A message that
crashes the process (here: a real child process that dies with os._exit while parsing it) is
quarantined unread after MAX_ATTEMPTS, and the messages behind it are taken in.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from enquiry import ROOT
from enquiry.extensions import db
from enquiry.intake import ingest, tries, waiting
from enquiry.intake.ingest import IngestResult, store
from enquiry.intake.settings import IntakeSettings
from enquiry.models import InboundEmail, InboundOutcome, InboundSource, Role, Ticket, utcnow
from tests.app.conftest import english
from tests.app.test_intake import count, eml
from tests.app.test_intake_pipe import take_in
from tests.app.test_intake_sources import child_env

MARK = b"X-Test-Stops-The-Worker: yes\r\n"

# A fresh process whose parser kills it, as a crash in a C library or the out-of-memory killer
# would, when it meets the marked message: one pass of the worker's intake job or, with
# TEST_MESSAGE, a message received and taken in within the process (the SMTP server's way).
CHILD = """
import os
from datetime import timedelta
from enquiry import create_app
from enquiry.extensions import db
from enquiry.intake import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.intake.waiting import take_in_waiting
from enquiry.models import InboundSource, utcnow

real_parse = ingest.parse

def parse(raw):
    if b"X-Test-Stops-The-Worker" in raw:
        os._exit(70)
    return real_parse(raw)

ingest.parse = parse
app = create_app()
later = timedelta(minutes=int(os.environ.get("TEST_CLOCK_AHEAD_MINUTES", "0")))
with app.app_context():
    settings = lambda: IntakeSettings.from_config(app.config, db.session)
    if "TEST_MESSAGE" in os.environ:  # received by SMTP and taken in within this process
        raw = open(os.environ["TEST_MESSAGE"], "rb").read()
        ingest.ingest(db.session, raw, source=InboundSource.SMTP, now=utcnow(), settings=settings())
    else:  # one pass of the worker's intake job
        take_in_waiting(
            db.session,
            clock=lambda: utcnow() + later,
            settings=settings,
            should_stop=lambda: False,
        )
"""


def dies_in_child(app: Flask, **env: str) -> None:
    """Run CHILD; it must die inside the parser."""
    child = subprocess.run(
        [sys.executable, "-c", CHILD],
        cwd=ROOT,
        env={**child_env(app), **env},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert child.returncode == 70, child.stderr.decode()


def mailroom_reader(
    app: Flask, staff_login: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> FlaskClient:
    """A supervisor in the mailroom, whose pages must not parse any message."""
    from enquiry.staff import mailroom

    def must_not_parse(_raw: bytes) -> None:
        raise AssertionError("the mailroom parsed a message that stops the process reading it")

    monkeypatch.setattr(mailroom, "parse", must_not_parse)
    client = english(app.test_client())
    staff_login(client, role=Role.SUPERVISOR)
    return client


def stored(app: Flask, *raws: bytes) -> list[int]:
    with app.app_context():
        return [store(db.session, raw, source=InboundSource.PIPE, now=utcnow()) for raw in raws]


def rows(app: Flask) -> list[tuple[InboundOutcome, int]]:
    with app.app_context():
        found = db.session.query(InboundEmail).order_by(InboundEmail.id).all()
        return [(row.outcome, row.attempts) for row in found]


def test_a_message_that_stops_the_worker_is_set_aside_after_three_tries(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison, good = stored(app, MARK + eml("intake-gbk-new.eml"), eml("intake-uyghur.eml"))
    for so_far in (1, 2, 3):
        dies_in_child(app)
        # Oldest first: the message behind it waits, and nothing of the try was kept.
        assert rows(app) == [(InboundOutcome.PENDING, so_far), (InboundOutcome.PENDING, 0)]
        assert count(app, Ticket) == 0

    read: list[bytes] = []
    real_parse = ingest.parse
    monkeypatch.setattr(ingest, "parse", lambda raw: read.append(raw) or real_parse(raw))
    taken = take_in(app)

    assert [(r.inbound_email_id, r.outcome) for r in taken] == [
        (poison, InboundOutcome.QUARANTINED),
        (good, InboundOutcome.CREATED),
    ]
    assert not any(MARK in raw for raw in read)  # set aside unread
    assert (taken[0].detail or "").startswith(f"{tries.STOPPED_PREFIX}3 tries")
    assert rows(app) == [(InboundOutcome.QUARANTINED, 4), (InboundOutcome.CREATED, 1)]
    assert take_in(app) == []  # not taken up again


def test_a_try_that_comes_back_pending_is_not_counted(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database failed even to record a quarantine: the process lived, so it is no strike."""
    stored(app, eml("intake-uyghur.eml"))

    def still_pending(_session: object, inbound_id: int, **_kwargs: object) -> IngestResult:
        return IngestResult(inbound_id, InboundOutcome.PENDING, detail="OperationalError")

    monkeypatch.setattr(waiting, "reprocess", still_pending)
    for _ in range(tries.MAX_ATTEMPTS + 1):
        assert [r.outcome for r in take_in(app)] == [InboundOutcome.PENDING]
    assert rows(app) == [(InboundOutcome.PENDING, 0)]
    monkeypatch.undo()
    assert [r.outcome for r in take_in(app)] == [InboundOutcome.CREATED]


def test_the_mailroom_shows_a_set_aside_message_without_reading_it(
    app: Flask, staff_login: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    [inbound_id] = stored(app, MARK + eml("intake-gbk-new.eml"))
    with app.app_context():
        row = db.session.get(InboundEmail, inbound_id)
        assert row is not None
        row.attempts = tries.MAX_ATTEMPTS
        db.session.commit()
    [taken] = take_in(app)
    assert taken.outcome is InboundOutcome.QUARANTINED

    client = mailroom_reader(app, staff_login, monkeypatch)
    page = client.get(f"/staff/mailroom/{inbound_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Taking this message (or an earlier copy of it) in stopped the worker" in html
    assert "3 tries to take it in did not finish" in html
    assert "Download the original (.eml)" in html and "Process again" in html
    listed = client.get("/staff/mailroom", query_string={"outcome": "quarantined"})
    assert "Set aside unread: every try to take it in stopped the worker." in listed.text
    raw = client.get(f"/staff/mailroom/{inbound_id}/raw")
    assert raw.status_code == 200 and raw.data.startswith(MARK)


def test_a_try_in_the_receiving_process_counts_too(app: Flask, tmp_path: Path) -> None:
    """Stored by the SMTP server, which died taking it in: the worker finds it stalled with one
    try behind it, and sets it aside after two more."""
    message = tmp_path / "stops.eml"
    message.write_bytes(MARK + eml("intake-gbk-new.eml"))
    dies_in_child(app, TEST_MESSAGE=str(message))
    assert rows(app) == [(InboundOutcome.PENDING, 1)]
    for so_far in (2, 3):  # once stalled, as the worker would find it ten minutes later
        dies_in_child(app, TEST_CLOCK_AHEAD_MINUTES="11")
        assert rows(app) == [(InboundOutcome.PENDING, so_far)]

    [taken] = take_in(app, clock=lambda: utcnow() + timedelta(minutes=11))
    assert taken.outcome is InboundOutcome.QUARANTINED
    assert (taken.detail or "").startswith(f"{tries.STOPPED_PREFIX}3 tries")


RETRIED = timedelta(minutes=6)  # an MTA's retry of a delivery that got no answer (Postfix: 5+)
STALLED = RETRIED + timedelta(minutes=11)  # when the worker finds the retried copy stalled


def deliver_again(app: Flask, raw: bytes) -> IngestResult:
    """The MTA got no answer, and delivers the message again to the restarted SMTP server."""
    with app.app_context():
        settings = IntakeSettings.from_config(app.config, db.session)
        now = utcnow() + RETRIED
        return ingest.ingest(db.session, raw, source=InboundSource.SMTP, now=now, settings=settings)


def test_a_copy_delivered_again_is_not_read_and_is_set_aside_with_its_twin(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    message = tmp_path / "stops.eml"
    message.write_bytes(MARK + eml("intake-gbk-new.eml"))
    dies_in_child(app, TEST_MESSAGE=str(message))
    read: list[bytes] = []
    real_parse = ingest.parse
    monkeypatch.setattr(ingest, "parse", lambda raw: read.append(raw) or real_parse(raw))

    again = deliver_again(app, message.read_bytes())
    assert again.outcome is InboundOutcome.PENDING
    assert "an earlier copy of these bytes (#1) did not finish" in (again.detail or "")
    assert rows(app) == [(InboundOutcome.PENDING, 1), (InboundOutcome.PENDING, 0)]
    other = deliver_again(app, eml("intake-uyghur.eml"))  # other mail is taken in as ever
    assert other.outcome is InboundOutcome.CREATED

    for so_far in (2, 3):  # the older copy first: it stops the worker twice more
        dies_in_child(app, TEST_CLOCK_AHEAD_MINUTES="17")
        assert rows(app)[0] == (InboundOutcome.PENDING, so_far)
    taken = take_in(app, clock=lambda: utcnow() + STALLED)

    assert [(r.inbound_email_id, r.outcome) for r in taken] == [
        (1, InboundOutcome.QUARANTINED),
        (2, InboundOutcome.QUARANTINED),
    ]
    assert (taken[1].detail or "").startswith(f"{tries.STOPPED_PREFIX}the same bytes as #1")
    assert not any(MARK in raw for raw in read)  # neither copy was parsed in this process
    assert take_in(app, clock=lambda: utcnow() + STALLED) == []


def test_a_copy_waits_while_its_twin_is_still_pending(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The twin came back pending (the database failing): the copy waits for the next pass,
    untried; once the twin is taken in, the copy is read and found a duplicate."""
    message = tmp_path / "fine.eml"
    message.write_bytes(eml("intake-gbk-new.eml"))
    with app.app_context():
        store(db.session, message.read_bytes(), source=InboundSource.SMTP, now=utcnow(), tries=1)
    assert deliver_again(app, message.read_bytes()).outcome is InboundOutcome.PENDING
    real_reprocess = waiting.reprocess

    def first_fails(session: object, inbound_id: int, **kwargs: Any) -> IngestResult:
        if inbound_id == 1:
            return IngestResult(inbound_id, InboundOutcome.PENDING, detail="OperationalError")
        return real_reprocess(session, inbound_id, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(waiting, "reprocess", first_fails)
    later = lambda: utcnow() + STALLED  # noqa: E731
    assert [r.outcome for r in take_in(app, clock=later)] == [InboundOutcome.PENDING]
    assert rows(app) == [(InboundOutcome.PENDING, 1), (InboundOutcome.PENDING, 0)]
    monkeypatch.undo()
    outcomes = [r.outcome for r in take_in(app, clock=later)]
    assert outcomes == [InboundOutcome.CREATED, InboundOutcome.DUPLICATE]


def test_the_mailroom_does_not_read_a_copy_left_for_the_worker(
    app: Flask,
    tmp_path: Path,
    staff_login: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    message = tmp_path / "stops.eml"
    message.write_bytes(MARK + eml("intake-gbk-new.eml"))
    dies_in_child(app, TEST_MESSAGE=str(message))
    copy = deliver_again(app, message.read_bytes())
    assert copy.outcome is InboundOutcome.PENDING

    client = mailroom_reader(app, staff_login, monkeypatch)
    listed = client.get("/staff/mailroom", query_string={"outcome": "pending"}).text
    assert "Not read: an earlier copy of it stopped the process taking it in." in listed
    page = client.get(f"/staff/mailroom/{copy.inbound_email_id}")
    assert page.status_code == 200
    assert "Taking this message (or an earlier copy of it) in stopped the worker" in page.text
