"""`flask init` makes a fresh install usable, once; mail to a fresh install opens a ticket."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from sqlalchemy import func, select

from enquiry.domain.accounts.passwords import verify_password
from enquiry.extensions import db
from enquiry.models import AuditEvent, Department, InboundOutcome, Role, Ticket, User
from tests.app.test_intake import eml, take

PASSWORD = "a long enough admin password"


@pytest.fixture
def fresh(make_app: Callable[..., Flask]) -> Flask:
    """An app on an empty schema: no department, no user."""
    return make_app()


def departments(app: Flask) -> list[tuple[str, str, bool]]:
    with app.app_context():
        rows = db.session.execute(
            select(Department.code, Department.name_zh, Department.is_default)
        )
        return sorted((code, name, bool(default)) for code, name, default in rows)


def admins(app: Flask) -> list[User]:
    with app.app_context():
        users = list(db.session.scalars(select(User).where(User.role == Role.ADMIN)))
        for user in users:
            db.session.expunge(user)
        return users


def test_init_with_options_creates_the_office_and_the_admin(fresh: Flask) -> None:
    arguments = [
        "init",
        "--department-code",
        "office",
        "--department-name",
        "电子政务办",
        "--admin-email",
        "Chief@Enquiry.test",
        "--admin-password",
        PASSWORD,
    ]
    result = fresh.test_cli_runner().invoke(args=arguments)
    assert result.exit_code == 0, result.output
    assert departments(fresh) == [("office", "电子政务办", True)]
    (admin,) = admins(fresh)
    assert admin.email == "chief@enquiry.test"
    assert verify_password(admin.password_hash, PASSWORD)
    with fresh.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["department.created", "user.created"]
    # Idempotent: a second run, even with other values, changes nothing.
    again = fresh.test_cli_runner().invoke(
        args=["init", "--department-code", "other", "--admin-email", "x@enquiry.test"]
    )
    assert again.exit_code == 0, again.output
    assert "exists already" in again.output
    assert departments(fresh) == [("office", "电子政务办", True)]
    assert [a.email for a in admins(fresh)] == ["chief@enquiry.test"]


def test_init_prompts_for_what_is_missing(fresh: Flask) -> None:
    answers = "\n".join(["routing", "", "boss@enquiry.test", PASSWORD, PASSWORD]) + "\n"
    result = fresh.test_cli_runner().invoke(args=["init"], input=answers)
    assert result.exit_code == 0, result.output
    assert departments(fresh) == [("routing", fresh.config["OFFICE_NAME"], True)]
    (admin,) = admins(fresh)
    assert admin.email == "boss@enquiry.test" and verify_password(admin.password_hash, PASSWORD)


def test_init_from_the_environment_generates_a_password(
    fresh: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ENQUIRY_INIT_ADMIN_EMAIL", "env@enquiry.test")
    result = fresh.test_cli_runner().invoke(args=["init", "--no-input"])
    assert result.exit_code == 0, result.output
    assert departments(fresh) == [("egov", fresh.config["OFFICE_NAME"], True)]
    (admin,) = admins(fresh)
    shown = result.output.split("password: ")[1].split()[0]
    assert verify_password(admin.password_hash, shown)


def test_init_refuses_a_weak_password_and_keeps_nothing_half_done(fresh: Flask) -> None:
    result = fresh.test_cli_runner().invoke(
        args=["init", "--no-input", "--admin-email", "a@enquiry.test", "--admin-password", "short"]
    )
    assert result.exit_code != 0
    assert "Use at least" in result.output
    assert admins(fresh) == []


def test_init_after_the_demo_changes_nothing(fresh: Flask) -> None:
    runner = fresh.test_cli_runner()
    assert runner.invoke(args=["demo", "load", "--if-empty"]).exit_code == 0
    before = departments(fresh)
    result = runner.invoke(args=["init", "--no-input"])
    assert result.exit_code == 0, result.output
    assert departments(fresh) == before
    assert len(admins(fresh)) == 1


def test_a_fresh_install_opens_a_ticket_for_mail_instead_of_quarantining_it(
    fresh: Flask,
) -> None:
    result = take(fresh, eml("intake-gbk-new.eml"))
    with fresh.app_context():
        inbound_outcome = result.outcome
        ticket = db.session.scalar(select(Ticket))
        assert ticket is not None
        assert ticket.department.code == "egov" and ticket.department.is_default
        created = db.session.scalar(
            select(func.count()).where(AuditEvent.action == "department.created")
        )
    assert inbound_outcome is InboundOutcome.CREATED
    assert created == 1
    # `flask init` afterwards finds the office and only adds the admin.
    later = fresh.test_cli_runner().invoke(
        args=["init", "--no-input", "--admin-email", "a@enquiry.test", "--admin-password", PASSWORD]
    )
    assert later.exit_code == 0, later.output
    assert departments(fresh) == [("egov", fresh.config["OFFICE_NAME"], True)]
