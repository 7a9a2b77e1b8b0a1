"""References stay unique and gap-free when many citizens send enquiries at the same moment."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from enquiry import audit
from enquiry.domain import references
from enquiry.extensions import db
from enquiry.models import OutboundEmail, Ticket
from tests.app.test_ask import read_confirmation, stored_counts, valid_form
from tests.conftest import hidden_fields

SUBMISSIONS = 50
THREADS = 10


def test_fifty_concurrent_submissions_get_fifty_distinct_references(app: Flask) -> None:
    # Every round of THREADS requests is released together, so they really overlap.
    barrier = threading.Barrier(THREADS, timeout=60)
    local = threading.local()

    def send(n: int) -> tuple[str, str]:
        if not hasattr(local, "client"):
            local.client = app.test_client()  # each thread its own browser
        client: FlaskClient = local.client
        page = client.get("/ask")  # a fresh form token for every request
        data = {**hidden_fields(page.get_data(as_text=True)), **valid_form(subject=f"并发测试 {n}")}
        barrier.wait()
        response = client.post("/ask", data=data)
        assert response.status_code == 303, response.get_data(as_text=True)
        return f"并发测试 {n}", read_confirmation(client).reference

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        confirmed = dict(pool.map(send, range(SUBMISSIONS)))

    year = next(iter(confirmed.values())).split("-")[1]
    expected = {f"WLMQ-{year}-{number:06d}" for number in range(1, SUBMISSIONS + 1)}
    assert set(confirmed.values()) == expected
    with app.app_context():
        stored = dict(db.session.execute(select(Ticket.subject, Ticket.reference)).all())
        assert stored == confirmed  # each citizen was shown the reference of their own enquiry
        by_id = dict(db.session.execute(select(Ticket.id, Ticket.reference)).all())
        mails = db.session.scalars(select(OutboundEmail)).all()
        assert sorted(m.ticket_id for m in mails if m.ticket_id) == sorted(by_id)
        assert all(by_id[m.ticket_id] in m.subject for m in mails if m.ticket_id)
        assert audit.verify_chain(db.session) is None  # concurrent writers kept the chain intact
    counts = stored_counts(app)
    assert counts["tickets"] == counts["messages"] == counts["used_form_tokens"] == SUBMISSIONS


def test_next_reference_hands_out_each_number_once_across_sessions(app: Flask) -> None:
    workers = 8
    barrier = threading.Barrier(workers, timeout=60)
    with app.app_context():
        engine = db.engine

    def take(_: int) -> list[str]:
        taken = []
        for _round in range(3):
            with Session(engine) as session:
                barrier.wait()
                taken.append(references.next_reference(session, "WLMQ", 2026))
                time.sleep(0.02)  # hold the counter while the others wait for it
                session.commit()
        return taken

    with ThreadPoolExecutor(max_workers=workers) as pool:
        taken = [reference for batch in pool.map(take, range(workers)) for reference in batch]

    assert sorted(taken) == [f"WLMQ-2026-{n:06d}" for n in range(1, workers * 3 + 1)]
    with Session(engine) as session:
        assert references.next_reference(session, "WLMQ", 2027) == "WLMQ-2027-000001"
        assert references.next_reference(session, "QT", 2026) == "QT-2026-000001"
        session.rollback()
        assert references.next_reference(session, "WLMQ", 2026) == "WLMQ-2026-000025"


def test_a_rolled_back_transaction_gives_its_number_back(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
    with Session(engine) as session:
        assert references.next_reference(session, "WLMQ", 2026) == "WLMQ-2026-000001"
        session.commit()
    with Session(engine) as session:
        assert references.next_reference(session, "WLMQ", 2026) == "WLMQ-2026-000002"
        session.rollback()
    with Session(engine) as session:
        assert references.next_reference(session, "WLMQ", 2026) == "WLMQ-2026-000002"
        session.commit()
