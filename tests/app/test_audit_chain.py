"""The audit chain: every event carries the previous hash; an edited event is detected."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise

from flask import Flask
from sqlalchemy import select, update

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import AuditEvent

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def write_events(app: Flask, count: int) -> None:
    with app.app_context():
        for i in range(count):
            audit.record(
                db.session,
                action="test.event",
                actor=audit.Actor.system(),
                now=NOW + timedelta(seconds=i),
                detail={"i": i, "text": "办结"},
            )
        db.session.commit()


def test_intact_chain_verifies(app: Flask) -> None:
    write_events(app, 5)
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert "5 events verified" in result.output
    with app.app_context():
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert events[0].prev_hash == audit.GENESIS_HASH
        assert all(b.prev_hash == a.hash for a, b in pairwise(events))


def test_edited_event_is_detected(app: Flask) -> None:
    write_events(app, 4)
    with app.app_context():
        third = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[2]
        db.session.execute(
            update(AuditEvent).where(AuditEvent.id == third.id).values(detail={"i": 99})
        )
        db.session.commit()
        third_id = third.id
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"event {third_id}" in result.output


def test_deleted_event_is_detected(app: Flask) -> None:
    write_events(app, 4)
    with app.app_context():
        second = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()[1]
        db.session.delete(second)
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert "previous hash" in result.output
