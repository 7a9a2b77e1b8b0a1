"""Departments: create, edit, deactivate, make the default, delete when nothing refers to it.

Exactly one department is the default (the e-government office, where unmatched tickets go):
the first one created becomes it, it cannot be deactivated or deleted, and another department
takes its place only through make_default.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from enquiry.audit import Actor
from enquiry.domain.admin.common import (
    N_,
    ConflictError,
    InvalidInputError,
    changes,
    clean_email,
    clean_text,
    record_change,
)
from enquiry.models import Base, Department, SessionLike
from enquiry.models.org import DEPARTMENT_CODE_MAX, DEPARTMENT_NAME_MAX

CODE_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class DefaultDepartmentError(ConflictError):
    """The default department cannot be deactivated or deleted; an inactive one cannot lead."""


class DepartmentInUseError(ConflictError):
    """Rows still refer to the department; `references` counts them per table."""

    def __init__(self, references: Mapping[str, int]) -> None:
        super().__init__(
            N_(
                "The department cannot be deleted while tickets, users, routing rules or canned"
                " replies refer to it. Deactivate it instead."
            )
        )
        self.references = dict(references)


@dataclass(frozen=True)
class DepartmentFields:
    """What an admin sets on a department (the code is set once, at creation)."""

    name_zh: str
    name_en: str = ""
    name_ug: str = ""
    email: str | None = None


def department_state(department: Department) -> dict[str, Any]:
    """Return what the audit record shows of a department."""
    return {
        "code": department.code,
        "name_zh": department.name_zh,
        "name_en": department.name_en,
        "name_ug": department.name_ug,
        "email": department.email,
        "is_active": department.is_active,
        "is_default": department.is_default,
    }


def _target(department: Department) -> dict[str, Any]:
    return {"department_id": department.id, "code": department.code}


def _clean(fields: DepartmentFields) -> dict[str, Any]:
    return {
        "name_zh": clean_text(fields.name_zh, "name_zh", DEPARTMENT_NAME_MAX, required=True),
        "name_en": clean_text(fields.name_en, "name_en", DEPARTMENT_NAME_MAX),
        "name_ug": clean_text(fields.name_ug, "name_ug", DEPARTMENT_NAME_MAX),
        "email": clean_email(fields.email) if (fields.email or "").strip() else None,
    }


def clean_code(session: SessionLike, value: str | None) -> str:
    """Return a new, unused code of lower-case letters, digits and hyphens."""
    code = clean_text(
        unicodedata.normalize("NFKC", value or "").lower(), "code", DEPARTMENT_CODE_MAX
    )
    if not CODE_PATTERN.match(code):
        message = N_("Use lower-case letters, digits and single hyphens, e.g. housing-bureau.")
        raise InvalidInputError(message, field="code")
    if session.scalar(sa.select(Department.id).where(Department.code == code)) is not None:
        raise InvalidInputError(N_("Another department already has this code."), field="code")
    return code


def current_default(session: SessionLike) -> Department | None:
    return session.scalar(sa.select(Department).where(Department.is_default.is_(True)))


def create_department(
    session: SessionLike, code: str, fields: DepartmentFields, *, actor: Actor, now: datetime
) -> Department:
    """Create a department; the first one becomes the default."""
    department = Department(code=clean_code(session, code), created_at=now, **_clean(fields))
    department.is_default = current_default(session) is None
    department.is_active = True
    session.add(department)
    session.flush()
    after = department_state(department)
    record_change(
        session, "department.created", _target(department), None, after, actor=actor, now=now
    )
    return department


def update_department(
    session: SessionLike,
    department: Department,
    fields: DepartmentFields,
    *,
    actor: Actor,
    now: datetime,
) -> bool:
    """Change a department's names and e-mail address; False when nothing changed."""
    values = _clean(fields)
    before = department_state(department)
    for name, value in values.items():
        setattr(department, name, value)
    old, new = changes(before, department_state(department))
    if new:
        target = _target(department)
        record_change(session, "department.updated", target, old, new, actor=actor, now=now)
    return bool(new)


def set_department_active(
    session: SessionLike, department: Department, is_active: bool, *, actor: Actor, now: datetime
) -> bool:
    """Deactivate a department (no new tickets, rules or users) or reactivate it."""
    if department.is_active == is_active:
        return False
    if department.is_default:
        message = N_(
            "The default department cannot be deactivated. Make another department the default"
            " first."
        )
        raise DefaultDepartmentError(message)
    department.is_active = is_active
    action = "department.reactivated" if is_active else "department.deactivated"
    before, after = {"is_active": not is_active}, {"is_active": is_active}
    record_change(session, action, _target(department), before, after, actor=actor, now=now)
    return True


def make_default(
    session: SessionLike, department: Department, *, actor: Actor, now: datetime
) -> bool:
    """Make the department the one unmatched tickets go to, in place of the current one."""
    if department.is_default:
        return False
    if not department.is_active:
        raise DefaultDepartmentError(N_("Only an active department can be the default."))
    previous = current_default(session)
    if previous is not None:
        previous.is_default = False
        session.flush()  # at most one default at any moment: a unique index says so
    department.is_default = True
    session.flush()
    before, after = {"default": previous.code if previous else None}, {"default": department.code}
    target = _target(department)
    record_change(session, "department.made_default", target, before, after, actor=actor, now=now)
    return True


def department_references(session: SessionLike, department: Department) -> dict[str, int]:
    """Count, per table, the rows that refer to the department (every foreign key to it)."""
    counts: dict[str, int] = {}
    for table in Base.metadata.sorted_tables:
        for key in table.foreign_keys:
            if key.column.table.name != Department.__tablename__:
                continue
            query = sa.select(sa.func.count()).select_from(table).where(key.parent == department.id)
            count = session.scalar(query) or 0
            if count:
                counts[table.name] = counts.get(table.name, 0) + count
    return counts


def delete_department(
    session: SessionLike, department: Department, *, actor: Actor, now: datetime
) -> None:
    """Delete a department nothing refers to (a mistake, say); otherwise deactivate it."""
    if department.is_default:
        raise DefaultDepartmentError(N_("The default department cannot be deleted."))
    references = department_references(session, department)
    if references:
        raise DepartmentInUseError(references)
    before = department_state(department)
    target = _target(department)
    session.delete(department)
    session.flush()
    record_change(session, "department.deleted", target, before, None, actor=actor, now=now)
