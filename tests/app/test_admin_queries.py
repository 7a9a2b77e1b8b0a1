"""The administration's queries called directly: whose replies a user manages, which
departments a form offers or a user oversees, and the audit record's filters and pages."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select

from enquiry.audit import Actor, record
from enquiry.domain.queries import admin as admin_queries
from enquiry.domain.queries.audit import AuditFilter, audit_page, event_count
from enquiry.domain.queries.supervision import supervised_departments
from enquiry.extensions import db
from enquiry.models import CannedReply, Department, Role, User
from enquiry.reporting.scope import department_names, figure_departments

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.app_context():
        yield


@pytest.fixture
def departments(ctx: None, make_department: Callable[..., Department]) -> dict[str, Department]:
    make_department("housing")
    make_department("closed", is_active=False)
    found = db.session.scalars(select(Department))
    return {department.code: department for department in found}


def staff(make_user: Callable[..., Any], role: Role, department: str | None) -> User:
    made = make_user(role=role, department=department)
    user = db.session.get(User, made.id)
    assert user is not None
    return user


def codes(found: list[Department]) -> list[str]:
    return [department.code for department in found]


def test_a_supervisor_manages_the_replies_of_their_department_only(
    departments: dict[str, Department], make_user: Callable[..., Any]
) -> None:
    replies = {
        name: CannedReply(title=name, body="…", department=department)
        for name, department in [
            ("everyone", None),
            ("egov", departments["egov"]),
            ("housing", departments["housing"]),
        ]
    }
    db.session.add_all(replies.values())
    db.session.commit()  # before make_user writes from a session of its own
    supervisor = staff(make_user, Role.SUPERVISOR, "housing")
    admin = staff(make_user, Role.ADMIN, None)
    lost = staff(make_user, Role.SUPERVISOR, None)

    def titles(user: User) -> list[str]:
        return [reply.title for reply in admin_queries.manageable_replies(db.session, user)]

    assert titles(supervisor) == ["housing"]
    assert titles(admin) == ["egov", "everyone", "housing"]
    assert titles(lost) == []
    housing, egov = replies["housing"].id, replies["egov"].id
    assert admin_queries.manageable_reply(db.session, supervisor, housing) is replies["housing"]
    assert admin_queries.manageable_reply(db.session, supervisor, egov) is None


def test_forms_offer_active_departments_and_keep_the_current_one(
    departments: dict[str, Department],
) -> None:
    closed = departments["closed"].id
    assert codes(admin_queries.choosable_departments(db.session)) == ["egov", "housing"]
    kept = admin_queries.choosable_departments(db.session, keep=closed)
    assert codes(kept) == ["closed", "egov", "housing"]
    only = admin_queries.choosable_departments(db.session, only=departments["housing"].id)
    assert codes(only) == ["housing"]
    everyone = admin_queries.departments_by_code(db.session)
    assert codes(everyone) == ["closed", "egov", "housing"]


def test_who_oversees_which_departments(
    departments: dict[str, Department], make_user: Callable[..., Any]
) -> None:
    admin = staff(make_user, Role.ADMIN, None)
    supervisor = staff(make_user, Role.SUPERVISOR, "housing")
    lost = staff(make_user, Role.SUPERVISOR, None)
    assert codes(supervised_departments(db.session, admin)) == ["egov", "housing"]
    assert codes(supervised_departments(db.session, supervisor)) == ["housing"]
    assert supervised_departments(db.session, lost) == []
    assert codes(figure_departments(db.session, admin)) == ["closed", "egov", "housing"]
    assert codes(figure_departments(db.session, supervisor)) == ["housing"]
    assert figure_departments(db.session, lost) == []
    names = department_names(db.session, "en")
    assert names[departments["housing"].id] == "housing"


def test_the_audit_record_is_filtered_and_paged_newest_first(ctx: None) -> None:
    start = datetime(2025, 6, 1, 16, 0, tzinfo=UTC)  # 00:00 on 2 June in Beijing time
    for hour in range(5):
        actor = Actor(label=f"clerk{hour % 2}@enquiry.test", remote_addr=f"10.0.0.{hour}")
        action = "user.created" if hour % 2 else "auth.login"
        record(db.session, action=action, actor=actor, now=start + timedelta(hours=hour))
    db.session.flush()
    assert event_count(db.session) == 5

    def actions(wanted: AuditFilter, size: int = 10) -> tuple[list[str], int | None]:
        rows, cursor = audit_page(db.session, wanted, size)
        return [f"{event.action}@{event.remote_addr}" for event, _reference in rows], cursor

    everything = AuditFilter(timezone=SHANGHAI)
    first, cursor = actions(everything, size=2)
    assert first == ["auth.login@10.0.0.4", "user.created@10.0.0.3"]
    assert cursor is not None
    rest, _ = actions(AuditFilter(timezone=SHANGHAI, before=cursor))
    assert rest == ["auth.login@10.0.0.2", "user.created@10.0.0.1", "auth.login@10.0.0.0"]
    by_action, _ = actions(AuditFilter(timezone=SHANGHAI, action="user."))
    assert by_action == ["user.created@10.0.0.3", "user.created@10.0.0.1"]
    by_actor, _ = actions(AuditFilter(timezone=SHANGHAI, actor="CLERK0", remote_addr="10.0.0.4"))
    assert by_actor == ["auth.login@10.0.0.4"]
    day = date(2025, 6, 1)  # the events fall on 2 June in Beijing time, none on 1 June
    assert actions(AuditFilter(timezone=SHANGHAI, date_from=day, date_to=day)) == ([], None)
    on_the_day, _ = actions(AuditFilter(timezone=SHANGHAI, date_from=day + timedelta(days=1)))
    assert len(on_the_day) == 5
