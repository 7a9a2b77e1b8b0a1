"""tests/db_state.py sees a changed row, a new row and a new audit event; not a sign-in."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import update

from enquiry import audit
from enquiry.extensions import db
from enquiry.models import Department, utcnow
from tests.db_state import changed_tables, database_state


def test_every_change_but_sign_in_bookkeeping_shows(app: Flask) -> None:
    before = database_state(app)
    with app.app_context():
        audit.record(db.session, action="auth.login", actor=audit.Actor.system(), now=utcnow())
        db.session.commit()
    assert database_state(app) == before

    with app.app_context():
        audit.record(db.session, action="ticket.close", actor=audit.Actor.system(), now=utcnow())
        db.session.commit()
    after_event = database_state(app)
    assert changed_tables(before, after_event) == ["audit_events"]

    with app.app_context():
        db.session.execute(update(Department).values(name_en="Renamed"))
        db.session.commit()
    assert changed_tables(after_event, database_state(app)) == ["departments"]
