"""The mailroom shows a supervisor only their department's mail: a message follows its ticket's
department; mail with no ticket belongs to the routing office; admins see everything. What a
user may not see answers 404, and a refused reprocess changes nothing."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.intake.ingest import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.models import (
    AuditEvent,
    Department,
    InboundEmail,
    InboundOutcome,
    InboundSource,
    Role,
    Ticket,
)
from tests.app.conftest import english

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"
NOW = datetime(2026, 2, 2, 2, 21, 40, tzinfo=UTC)


@dataclass(frozen=True)
class Mail:
    office: int  # appended to a ticket of the routing office
    housing: int  # its ticket was transferred to the housing bureau
    loose: int  # quarantined before it reached a ticket


def take(app: Flask, name: str, **kwargs: Any) -> int:
    with app.app_context():
        settings = IntakeSettings.from_config(app.config, db.session)
        raw = (DATA / name).read_bytes()
        result = ingest(
            db.session, raw, source=InboundSource.PIPE, now=NOW, settings=settings, **kwargs
        )
        return result.inbound_email_id


@pytest.fixture
def mail(app: Flask, make_department: Callable[..., Department]) -> Mail:
    housing = make_department("housing")

    def fail(_session: Any) -> None:
        raise RuntimeError("simulated failure")

    office = take(app, "intake-gbk-new.eml")
    moved = take(app, "intake-uyghur.eml")
    loose = take(app, "intake-attachments.eml", before_commit=fail)
    with app.app_context():
        row = db.session.get(InboundEmail, moved)
        assert row is not None and row.ticket_id is not None
        ticket = db.session.get(Ticket, row.ticket_id)
        assert ticket is not None
        ticket.department_id = housing.id
        db.session.commit()
        quarantined = db.session.get(InboundEmail, loose)
        assert quarantined is not None and quarantined.outcome is InboundOutcome.QUARANTINED
        assert quarantined.ticket_id is None
    return Mail(office=office, housing=moved, loose=loose)


def signed_in(app: Flask, staff_login: Callable[..., Any], **fields: Any) -> FlaskClient:
    client = english(app.test_client())
    staff_login(client, **fields)
    return client


def listed(client: FlaskClient, **args: str) -> set[int]:
    page = client.get("/staff/mailroom", query_string=args)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return {number for number in range(1, 50) if f'href="/staff/mailroom/{number}"' in html}


def reachable(client: FlaskClient, inbound_id: int) -> tuple[int, int]:
    detail = client.get(f"/staff/mailroom/{inbound_id}").status_code
    raw = client.get(f"/staff/mailroom/{inbound_id}/raw").status_code
    return detail, raw


def snapshot(app: Flask) -> tuple[Any, ...]:
    """Everything a reprocess or a download would change."""
    with app.app_context():
        rows = db.session.execute(
            select(
                InboundEmail.id,
                InboundEmail.outcome,
                InboundEmail.ticket_id,
                InboundEmail.detail,
                InboundEmail.processed_at,
            ).order_by(InboundEmail.id)
        ).all()
        tickets = db.session.scalars(select(Ticket.id).order_by(Ticket.id)).all()
        audit = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
        return tuple(rows), tuple(tickets), tuple(audit)


def test_a_supervisor_elsewhere_sees_only_mail_of_their_department(
    app: Flask, mail: Mail, staff_login: Callable[..., Any]
) -> None:
    client = signed_in(app, staff_login, role=Role.SUPERVISOR, department="housing")
    assert listed(client) == {mail.housing}
    assert listed(client, outcome="quarantined") == set()
    assert reachable(client, mail.housing) == (200, 200)
    before = snapshot(app)
    assert reachable(client, mail.office) == (404, 404)
    assert reachable(client, mail.loose) == (404, 404)
    assert snapshot(app) == before  # no download recorded for what was refused
    page = client.get("/staff/mailroom").get_data(as_text=True)
    assert "intake-gbk" not in page and "wangrz@example.cn" not in page


def test_the_routing_office_sees_its_own_and_unthreaded_mail(
    app: Flask, mail: Mail, staff_login: Callable[..., Any]
) -> None:
    client = signed_in(app, staff_login, role=Role.SUPERVISOR, department="egov")
    assert listed(client) == {mail.office, mail.loose}
    assert listed(client, outcome="quarantined") == {mail.loose}
    assert reachable(client, mail.office) == (200, 200)
    assert reachable(client, mail.loose) == (200, 200)
    assert reachable(client, mail.housing) == (404, 404)


def test_an_admin_sees_all_mail(app: Flask, mail: Mail, staff_login: Callable[..., Any]) -> None:
    client = signed_in(app, staff_login, role=Role.ADMIN, department=None)
    assert listed(client) == {mail.office, mail.housing, mail.loose}
    for inbound_id in (mail.office, mail.housing, mail.loose):
        assert reachable(client, inbound_id) == (200, 200)


def outcome_counts(client: FlaskClient) -> dict[str, int]:
    html = client.get("/staff/mailroom").get_data(as_text=True)
    found = re.findall(r'outcome=(\w+)"[^>]*>\s*[^<]*<span class="[^"]*inbox-count">(\d+)<', html)
    return {outcome: int(number) for outcome, number in found}


def test_the_outcome_counts_count_only_visible_mail(
    app: Flask, mail: Mail, staff_login: Callable[..., Any]
) -> None:
    housing = signed_in(app, staff_login, role=Role.SUPERVISOR, department="housing")
    office = signed_in(app, staff_login, role=Role.SUPERVISOR, department="egov")
    admin = signed_in(app, staff_login, role=Role.ADMIN, department=None)
    assert (outcome_counts(housing)["quarantined"], outcome_counts(housing)["created"]) == (0, 1)
    assert (outcome_counts(office)["quarantined"], outcome_counts(office)["created"]) == (1, 1)
    assert (outcome_counts(admin)["quarantined"], outcome_counts(admin)["created"]) == (1, 2)


def test_a_refused_reprocess_is_404_and_changes_nothing(
    app: Flask, mail: Mail, staff_login: Callable[..., Any]
) -> None:
    client = signed_in(app, staff_login, role=Role.SUPERVISOR, department="housing")
    before = snapshot(app)
    assert client.post(f"/staff/mailroom/{mail.loose}/reprocess").status_code == 404
    assert client.post(f"/staff/mailroom/{mail.office}/reprocess").status_code == 404
    assert snapshot(app) == before


def test_the_routing_office_may_reprocess_unthreaded_mail(
    app: Flask, mail: Mail, staff_login: Callable[..., Any]
) -> None:
    client = signed_in(app, staff_login, role=Role.SUPERVISOR, department="egov")
    response = client.post(f"/staff/mailroom/{mail.loose}/reprocess")
    assert response.status_code == 302
    with app.app_context():
        row = db.session.get(InboundEmail, mail.loose)
        assert row is not None and row.outcome is InboundOutcome.CREATED


def test_a_supervisor_without_a_department_sees_no_mail(
    app: Flask, mail: Mail, staff_login: Callable[..., Any]
) -> None:
    client = signed_in(app, staff_login, role=Role.SUPERVISOR, department=None)
    assert listed(client) == set()
    assert reachable(client, mail.loose) == (404, 404)
