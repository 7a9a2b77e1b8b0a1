"""After the upgrade that brings unread markers, the backlog counts as read: each colleague's
read horizon is the newest message at upgrade time; only what arrives later is new."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask import Flask
from flask.testing import FlaskClient

from enquiry.domain.queries import notifications as queries
from enquiry.extensions import db
from enquiry.models import Message, MessageKind, ReadHorizon, User
from tests.app.conftest import english
from tests.app.test_inbox_saved_views import add_message, row_of

WHEN = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)
REVISION = "7b3e9d1c4a58"  # read_horizons


def revision_before() -> str:
    migrations = Path(__file__).resolve().parents[2] / "migrations"
    down = ScriptDirectory(str(migrations)).get_revision(REVISION).down_revision
    assert isinstance(down, str)
    return down


def seed_before_upgrade(app: Flask) -> None:
    """A department, a colleague, a ticket and its message, written as the old schema stood.

    The message's id comes from its sequence, so later messages are numbered after it.
    """
    departments = sa.table(
        "departments",
        *(sa.column(name) for name in ("id", "code", "name_zh", "name_en", "name_ug")),
        sa.column("is_default", sa.Boolean),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    users = sa.table(
        "users",
        *(sa.column(name) for name in ("id", "email", "display_name", "password_hash", "role")),
        *(sa.column(name) for name in ("locale", "failed_logins", "department_id")),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    text = ("reference", "kind", "status", "channel", "subject", "citizen_name")
    tickets = sa.table(
        "tickets",
        *(sa.column(name) for name in ("id", *text, "citizen_email", "locale")),
        *(sa.column(name) for name in ("department_id", "access_code_hash", "extension_days")),
        sa.column("is_publication_consented", sa.Boolean),
        sa.column("is_calendar_verified", sa.Boolean),
        sa.column("received_on", sa.Date),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("updated_at", sa.DateTime(timezone=True)),
    )
    messages = sa.table(
        "messages",
        *(sa.column(name) for name in ("ticket_id", "kind", "body")),
        sa.column("is_flagged", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(
            sa.insert(departments).values(
                id=901, code="old", name_zh="旧局", name_en="Old", name_ug="كونا",
                is_default=False, is_active=True, created_at=WHEN,
            )
        )  # fmt: skip
        connection.execute(
            sa.insert(users).values(
                id=901, email="old@example.test", display_name="Old hand", password_hash="x",
                role="agent", locale="zh_Hans", failed_logins=0, department_id=901,
                is_active=True, created_at=WHEN,
            )
        )  # fmt: skip
        connection.execute(
            sa.insert(tickets).values(
                id=901, reference="WLMQ-2024-000901", kind="question", status="received",
                channel="web", subject="旧件", citizen_name="张三", citizen_email="z@example.test",
                locale="zh_Hans", department_id=901, access_code_hash="0" * 64, extension_days=0,
                is_publication_consented=False, is_calendar_verified=False,
                received_on=date(2024, 5, 6), created_at=WHEN, updated_at=WHEN,
            )
        )  # fmt: skip
        connection.execute(
            sa.insert(messages).values(
                ticket_id=901, kind="citizen", body="旧问题", is_flagged=False, created_at=WHEN,
            )
        )  # fmt: skip


def test_the_upgrade_counts_the_backlog_as_read_and_later_messages_as_new(
    make_app: Callable[..., Flask],
) -> None:
    app = make_app(create_schema=False)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["db", "upgrade", revision_before()])
    assert result.exit_code == 0, result.output
    seed_before_upgrade(app)
    result = runner.invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output

    with app.app_context():
        horizon = db.session.get(ReadHorizon, 901)
        newest = db.session.scalar(sa.select(sa.func.max(Message.id)))
        assert horizon is not None and newest is not None and horizon.last_message_id == newest
        user = db.session.get(User, 901)
        assert user is not None
        assert queries.count_unread_tickets(db.session, user) == 0  # the backlog is read
        db.session.add(
            Message(ticket_id=901, kind=MessageKind.CITIZEN, body="再问", created_at=WHEN)
        )
        db.session.commit()
        assert queries.count_unread_tickets(db.session, user) == 1  # the follow-up is new


def test_a_horizon_marks_older_tickets_read_and_keeps_new_ones_and_replies_unread(
    app: Flask,
    make_user: Callable[..., Any],
    make_ticket: Callable[..., Any],
    login: Callable[..., Any],
) -> None:
    agent = make_user()
    old, answered = make_ticket(), make_ticket()
    add_message(app, old, MessageKind.CITIZEN, "旧问题")
    add_message(app, answered, MessageKind.CITIZEN, "旧问题二")
    with app.app_context():
        newest = db.session.scalar(sa.select(sa.func.max(Message.id)))
        db.session.add(ReadHorizon(user_id=agent.id, last_message_id=newest, set_at=WHEN))
        db.session.commit()
    fresh = make_ticket()
    add_message(app, fresh, MessageKind.CITIZEN, "新问题")
    add_message(app, answered, MessageKind.CITIZEN, "追问")

    client: FlaskClient = english(app.test_client())
    assert login(client, agent).status_code == 302
    page = client.get("/staff").get_data(as_text=True)
    assert "inbox-unread" not in row_of(page, old.reference)
    assert ">New<" in row_of(page, fresh.reference)
    assert ">New reply<" in row_of(page, answered.reference)
    assert 'data-unread-count="2"' in page


def test_a_colleague_added_after_the_upgrade_has_no_horizon_and_sees_the_backlog_as_new(
    app: Flask,
    make_user: Callable[..., Any],
    make_ticket: Callable[..., Any],
) -> None:
    ticket = make_ticket()
    add_message(app, ticket, MessageKind.CITIZEN, "问题")
    newcomer = make_user()
    with app.app_context():
        user = db.session.get(User, newcomer.id)
        assert user is not None and db.session.get(ReadHorizon, user.id) is None
        assert queries.count_unread_tickets(db.session, user) == 1
