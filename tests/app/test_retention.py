"""The retention policy: past its period a ticket's personal data is gone from every table,
blob and file, its figures stay, the audit chain still verifies; holds and the plan are kept."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import handling, tickets
from enquiry.domain.policy import policy_from_config
from enquiry.domain.retention import holds
from enquiry.domain.retention.plan import build_plan
from enquiry.domain.retention.settings import load_periods
from enquiry.extensions import db
from enquiry.intake.ingest import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.models import (
    ApplicantType,
    AuditEvent,
    Base,
    Blob,
    Channel,
    Department,
    InboundEmail,
    InboundOutcome,
    InboundSource,
    Kind,
    LegalHold,
    ReplyDraft,
    Role,
    Status,
    Ticket,
    User,
)
from enquiry.reporting import figures
from enquiry.rules.anonymisation import ANONYMISED
from enquiry.rules.uploads import Upload

OPENED = datetime(2021, 3, 1, 2, 0, tzinfo=UTC)
CLOSED = datetime(2021, 3, 10, 2, 0, tzinfo=UTC)
LATER = datetime(2024, 6, 1, 2, 0, tzinfo=UTC)  # past 3 years, not yet 5
MUCH_LATER = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # past 5 years
NAME, EMAIL, PHONE, ID_NUMBER = (
    "欧阳明珠",
    "oyangmz@example.org",
    "13987654321",
    "65010219800101123X",
)
IP = "203.0.113.9"
NEEDLES = (NAME, EMAIL, PHONE, ID_NUMBER, IP)


def pdf(name: str, id_number: str = ID_NUMBER) -> bytes:
    return b"%PDF-1.4\n" + f"申请人{name} 身份证{id_number}".encode() + b"\n%%EOF\n"


PDF = pdf(NAME)


def _open(
    app: Flask,
    kind: Kind = Kind.QUESTION,
    *,
    name: str = NAME,
    email: str = EMAIL,
    phone: str = PHONE,
    id_number: str = ID_NUMBER,
    ip: str = IP,
) -> int:
    extra: dict[str, Any] = {}
    if kind is Kind.INFO_APPLICATION:
        extra = {"applicant_type": ApplicantType.CITIZEN, "info_description": f"{name}申请的信息"}
    opened = tickets.open_ticket(
        db.session,
        tickets.NewEnquiry(
            kind=kind,
            subject=f"{name}关于小区供暖的问题",
            body=f"我是{name}，电话{phone}，身份证{id_number}，邮箱{email}。暖气不热。",
            citizen_name=name,
            citizen_email=email,
            citizen_phone=phone,
            channel=Channel.WEB,
            locale="zh_Hans",
            attachments=(Upload("证明.pdf", "application/pdf", pdf(name, id_number)),),
            **extra,
        ),
        policy=policy_from_config(app.config),
        actor=audit.Actor.citizen(ip),
        now=OPENED,
    )
    return opened.ticket.id


def _answer_and_close(app: Flask, ticket_id: int, outcome: str | None = None) -> None:
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket is not None
    ticket.status = Status.IN_PROGRESS
    handling.reply(
        db.session,
        ticket,
        f"尊敬的{ticket.citizen_name}：供暖公司已检修。如有问题请拨打{ticket.citizen_phone}。",
        identity=policy_from_config(app.config).mail,
        actor=audit.Actor.system(),
        now=CLOSED,
    )
    handling.close(db.session, ticket, actor=audit.Actor.system(), now=CLOSED, outcome=outcome)


def _mail(app: Flask, sender: str, subject: str) -> bytes:
    return (
        f"From: {NAME} <{sender}>\r\nTo: enquiry@enquiry.localhost\r\n"
        f"Subject: {subject}\r\nMessage-ID: <m{abs(hash(subject))}@mail.example.org>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"我是{NAME}，电话{PHONE}，身份证{ID_NUMBER}。\r\n"
    ).encode()


def _take(app: Flask, raw: bytes) -> Any:
    return ingest(
        db.session,
        raw,
        source=InboundSource.PIPE,
        now=OPENED,
        settings=IntakeSettings.from_config(app.config, db.session),
    )


def _transfer_with_a_note(ticket_id: int) -> None:
    """Staff free text that quotes the citizen: an event's detail, a lifted hold, a draft."""
    housing = Department(code="housing", name_zh="住建局", name_en="Housing", is_active=True)
    db.session.add(housing)
    ticket = db.session.get(Ticket, ticket_id)
    assert ticket is not None
    note = f"{NAME}来电（{PHONE}，身份证{ID_NUMBER}）要求住建局答复"
    handling.transfer(db.session, ticket, housing, note, actor=audit.Actor.system(), now=OPENED)
    clerk = User(
        email="clerk@example.gov.cn", display_name="科员", password_hash="x", role=Role.SUPERVISOR
    )
    db.session.add(clerk)
    db.session.flush()
    db.session.add(ReplyDraft(ticket_id=ticket_id, user_id=clerk.id, body=f"{NAME}您好"))
    hold = holds.place_hold(
        db.session, ticket, reason=note, until_on=None, actor=audit.Actor.staff(clerk), now=OPENED
    )
    holds.lift_hold(db.session, hold, actor=audit.Actor.staff(clerk), now=OPENED)


@pytest.fixture
def world(app: Flask) -> dict[str, int]:
    """A closed web question, a closed e-mail question, a closed application, spam, a held one,
    quarantined mail; each with the same personal data in it."""
    with app.app_context():
        ids = {"web": _open(app), "application": _open(app, Kind.INFO_APPLICATION)}
        _transfer_with_a_note(ids["web"])
        _answer_and_close(app, ids["web"])
        _answer_and_close(app, ids["application"], outcome="disclosed")
        by_mail = _take(app, _mail(app, EMAIL, "供暖问题"))
        ids["mail"] = by_mail.ticket_id
        assert by_mail.outcome is InboundOutcome.CREATED
        _answer_and_close(app, ids["mail"])
        ids["held"] = _open(
            app,
            name="李四海",
            email="lisihai@example.org",
            phone="13700001111",
            id_number="650102198001011111",
            ip="198.51.100.7",
        )
        _answer_and_close(app, ids["held"])
        ids["spam"] = _open(app, name="垃圾王", email="spam@example.org", phone="13800002222")
        spam = db.session.get(Ticket, ids["spam"])
        assert spam is not None
        handling.mark_spam(db.session, spam, "广告", actor=audit.Actor.system(), now=OPENED)
        quarantined = _take(app, b"To: enquiry@enquiry.localhost\r\nSubject: x\r\n\r\n" + PDF)
        assert quarantined.outcome is InboundOutcome.QUARANTINED
        ids["quarantined"] = quarantined.inbound_email_id
        db.session.commit()
    return ids


def _place_hold(app: Flask, make_user: Any, ticket_id: int) -> None:
    supervisor = make_user(role=Role.SUPERVISOR)
    with app.app_context():
        user = db.session.get(type(supervisor), supervisor.id)
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        holds.place_hold(
            db.session,
            ticket,
            reason="行政复议进行中",
            until_on=date(2030, 1, 1),
            actor=audit.Actor.staff(user),
            now=OPENED,
        )
        db.session.commit()


def _found_in_database(needles: tuple[str, ...], skip_ticket: int | None = None) -> list[str]:
    """Every column of every table, read through the models' metadata: where do needles occur?"""
    found = []
    for table in Base.metadata.sorted_tables:
        for row in db.session.execute(select(table)).mappings():
            if skip_ticket is not None and _belongs_to(table.name, row, skip_ticket):
                continue
            for column, value in row.items():
                text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
                found += [
                    f"{table.name}.{column}: {n}" for n in needles if n.lower() in text.lower()
                ]
    return found


def _belongs_to(table: str, row: Any, ticket_id: int) -> bool:
    """Rows of the held ticket, which must keep its data (its own name is not a needle)."""
    return table == "tickets" and row["id"] == ticket_id


def _database_files(app: Flask) -> bytes:
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if not uri.startswith("sqlite:///"):
        return b""
    path = Path(uri.removeprefix("sqlite:///"))
    return b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))


def _annual(year: int) -> Any:
    return figures.annual_table(db.session, year)


def test_a_ticket_past_its_period_is_anonymised_everywhere(
    app: Flask, world: dict[str, int], make_user: Any
) -> None:
    _place_hold(app, make_user, world["held"])
    with app.app_context():
        annual_before = _annual(2021)
        rows_before = db.session.scalar(select(db.func.count()).select_from(Ticket))
    result = app.test_cli_runner().invoke(
        args=["retention", "run", "--now", MUCH_LATER.isoformat()]
    )
    assert result.exit_code == 0, result.output
    assert "Removing personal data" in result.output  # the progress bar of a long run
    with app.app_context():
        found = _found_in_database(NEEDLES)
        assert found == [], "\n".join(found)
        assert _annual(2021) == annual_before
        assert db.session.scalar(select(db.func.count()).select_from(Ticket)) == rows_before
        for key in ("web", "application", "mail"):
            ticket = db.session.get(Ticket, world[key])
            assert ticket is not None and ticket.anonymised_at is not None
            assert ticket.citizen_name == ANONYMISED and ticket.status is Status.CLOSED
            assert ticket.closed_at == CLOSED and ticket.kind is not None
        event = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "ticket.anonymised", AuditEvent.ticket_id == world["web"]
            )
        ).one()
        assert event.detail["removed"]["attachments"] == 1
        assert event.detail["removed"]["contact_fields"] == 3
        assert db.session.get(InboundEmail, world["quarantined"]) is None
        assert all(b.size == 0 or PDF not in b.data for b in db.session.scalars(select(Blob)))
    files = _database_files(app)
    for needle in NEEDLES:
        assert needle.encode() not in files, needle
    verify = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output


def test_a_held_ticket_is_untouched(app: Flask, world: dict[str, int], make_user: Any) -> None:
    _place_hold(app, make_user, world["held"])
    result = app.test_cli_runner().invoke(
        args=["retention", "run", "--now", MUCH_LATER.isoformat()]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        held = db.session.get(Ticket, world["held"])
        assert held is not None and held.anonymised_at is None
        assert held.citizen_name == "李四海" and held.citizen_email == "lisihai@example.org"
        assert held.messages[0].attachments
        placed = select(AuditEvent).filter_by(action="ticket.hold_placed", ticket_id=held.id)
        assert len(db.session.scalars(placed).all()) == 1
        assert (
            db.session.scalars(select(LegalHold).filter_by(ticket_id=held.id)).one().lifted_at
            is None
        )


def test_spam_is_purged_after_30_days_and_other_kinds_wait(
    app: Flask, world: dict[str, int]
) -> None:
    soon = OPENED + timedelta(days=40)
    result = app.test_cli_runner().invoke(args=["retention", "run", "--now", soon.isoformat()])
    assert result.exit_code == 0, result.output
    with app.app_context():
        spam = db.session.get(Ticket, world["spam"])
        assert spam is not None and spam.anonymised_at is not None
        assert "垃圾王" not in spam.citizen_name and spam.citizen_email == ""
        web = db.session.get(Ticket, world["web"])
        assert web is not None and web.anonymised_at is None and web.citizen_name == NAME
        assert db.session.get(InboundEmail, world["quarantined"]) is None


def test_information_applications_keep_five_years(app: Flask, world: dict[str, int]) -> None:
    app.test_cli_runner().invoke(args=["retention", "run", "--now", LATER.isoformat()])
    with app.app_context():
        web = db.session.get(Ticket, world["web"])
        application = db.session.get(Ticket, world["application"])
        assert web is not None and web.anonymised_at is not None
        assert application is not None and application.anonymised_at is None


def test_the_plan_lists_exactly_what_the_run_does(app: Flask, world: dict[str, int]) -> None:
    runner = app.test_cli_runner()
    shown = runner.invoke(args=["retention", "plan", "--list", "--now", LATER.isoformat()])
    assert shown.exit_code == 0, shown.output
    with app.app_context():
        plan = build_plan(db.session, load_periods(db.session), LATER)
        planned = {(item.target, item.id) for item in plan.items}
        db.session.rollback()
    assert planned == {
        ("ticket", world["web"]),
        ("ticket", world["mail"]),
        ("ticket", world["held"]),
        ("ticket", world["spam"]),
        ("mail", world["quarantined"]),
    }
    assert "question" in shown.output and "anonymise" in shown.output
    runner.invoke(args=["retention", "run", "--now", LATER.isoformat()])
    with app.app_context():
        done = {("ticket", t.id) for t in db.session.scalars(select(Ticket)) if t.anonymised_at} | {
            ("mail", i) for i in (world["quarantined"],) if db.session.get(InboundEmail, i) is None
        }
        run = db.session.scalars(select(AuditEvent).filter_by(action="retention.run")).one()
    assert done == planned
    assert run.detail["counts"] == {"mail:purge": 1, "question:anonymise": 3, "spam:purge": 1}


def test_redacted_events_are_vouched_for_and_tampering_still_shows(
    app: Flask, world: dict[str, int]
) -> None:
    runner = app.test_cli_runner()
    assert runner.invoke(args=["retention", "run", "--now", MUCH_LATER.isoformat()]).exit_code == 0
    with app.app_context():
        anonymised = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "ticket.anonymised", AuditEvent.ticket_id == world["web"]
            )
        ).one()
        vouched = anonymised.detail["events"]
        assert anonymised.detail["removed"]["ip_addresses"] >= 1
        transfer = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.ticket_id == world["web"], AuditEvent.action == "ticket.transfer"
            )
        ).one()
        assert str(transfer.id) in vouched and transfer.detail["note"] == ANONYMISED
        assert transfer.detail["department"] == ["egov", "housing"]  # the record of the work
        transfer.detail = transfer.detail | {"note": "改写"}
        db.session.commit()
        transfer_id = transfer.id
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code != 0 and f"event {transfer_id}" in verify.output


def test_an_event_tampered_before_anonymisation_is_not_vouched_for(
    app: Flask, world: dict[str, int]
) -> None:
    with app.app_context():
        opened = db.session.scalars(
            select(AuditEvent).where(
                AuditEvent.ticket_id == world["web"], AuditEvent.action == "ticket.opened"
            )
        ).one()
        opened.detail = opened.detail | {"kind": "complaint"}
        db.session.commit()
        opened_id = opened.id
    runner = app.test_cli_runner()
    assert runner.invoke(args=["retention", "run", "--now", MUCH_LATER.isoformat()]).exit_code == 0
    with app.app_context():
        event = db.session.get(AuditEvent, opened_id)
        assert event is not None and event.remote_addr == IP  # left for verification to report
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code != 0 and f"event {opened_id}" in verify.output


def test_an_open_review_or_lawsuit_holds_the_application_automatically(
    app: Flask, world: dict[str, int]
) -> None:
    from enquiry.domain import remedies
    from enquiry.models import Remedy, RemedyKind, RemedyResult

    with app.app_context():
        application = db.session.get(Ticket, world["application"])
        assert application is not None
        remedies.record_remedy(
            db.session,
            application,
            kind=RemedyKind.REVIEW,
            filed_on=date(2021, 4, 1),
            body="市人民政府",
            after_review=None,
            actor=audit.Actor.system(),
            now=CLOSED + timedelta(days=30),
        )
        db.session.commit()
        plan = build_plan(db.session, load_periods(db.session), MUCH_LATER)
        db.session.rollback()
    assert [(h.id, h.reason) for h in plan.held if h.id == world["application"]] == [
        (world["application"], holds.REMEDY_REASONS[RemedyKind.REVIEW])
    ]
    assert ("ticket", world["application"]) not in {(i.target, i.id) for i in plan.items}
    runner = app.test_cli_runner()
    assert runner.invoke(args=["retention", "run", "--now", MUCH_LATER.isoformat()]).exit_code == 0
    with app.app_context():
        application = db.session.get(Ticket, world["application"])
        assert application is not None and application.anonymised_at is None
        remedy = db.session.scalars(select(Remedy)).one()
        remedies.set_result(
            db.session,
            application,
            remedy,
            result=RemedyResult.UPHELD,
            concluded_on=date(2021, 6, 1),
            actor=audit.Actor.system(),
            now=MUCH_LATER,
        )
        db.session.commit()
    later = (MUCH_LATER + timedelta(days=1)).isoformat()
    assert runner.invoke(args=["retention", "run", "--now", later]).exit_code == 0
    with app.app_context():
        application = db.session.get(Ticket, world["application"])
        assert application is not None and application.anonymised_at is not None


def test_the_worker_runs_retention_daily_at_its_hour(app: Flask, world: dict[str, int]) -> None:
    import threading

    from enquiry.cli import retention as retention_cli
    from enquiry.cli.deadlines import DailyAt
    from enquiry.rules.deadlines import BEIJING

    with app.app_context():
        (job,) = retention_cli.worker_jobs(app.config)
        assert job.name == "retention" and isinstance(job.run, DailyAt)
        moments = iter(
            [
                datetime(2026, 6, 1, 1, 0, tzinfo=BEIJING),
                datetime(2026, 6, 1, 1, 31, tzinfo=BEIJING),
                datetime(2026, 6, 1, 9, 0, tzinfo=BEIJING),
            ]
        )
        job.run.clock = lambda: next(moments)
        stop = threading.Event()
        assert job.run(stop) == "not due"
        assert job.run(stop).startswith("6 of 6 removed")
        assert job.run(stop) == "not due"  # once a day
        web = db.session.get(Ticket, world["web"])
        assert web is not None and web.anonymised_at is not None


def test_enquiries_anonymised_before_the_upgrade_get_their_events_redacted(
    app: Flask, world: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    from enquiry.domain.retention import anonymise

    monkeypatch.setattr(anonymise, "redact_events", lambda *_args: {})  # the old behaviour
    runner = app.test_cli_runner()
    assert runner.invoke(args=["retention", "run", "--now", MUCH_LATER.isoformat()]).exit_code == 0
    with app.app_context():
        assert any(IP in found for found in _found_in_database((IP,)))
    monkeypatch.undo()
    redacted = runner.invoke(args=["retention", "redact-events"])
    assert redacted.exit_code == 0, redacted.output
    assert "4 enquiries' audit events redacted, 0 refused" in redacted.output
    with app.app_context():
        assert _found_in_database((IP, PHONE, ID_NUMBER)) == []
    again = runner.invoke(args=["retention", "redact-events"])
    assert "0 enquiries' audit events redacted" in again.output
    verify = runner.invoke(args=["audit", "verify"])
    assert verify.exit_code == 0, verify.output
