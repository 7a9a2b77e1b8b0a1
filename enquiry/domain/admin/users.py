"""Staff users: create, change role and department, deactivate, reset TOTP, unlock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from enquiry.audit import Actor
from enquiry.domain.accounts.passwords import MIN_PASSWORD_LENGTH, create_user
from enquiry.domain.accounts.sessions import end_sessions
from enquiry.domain.admin.common import (
    N_,
    ConflictError,
    InvalidInputError,
    active_department,
    changes,
    clean_email,
    clean_text,
    column_max,
    department_code,
    record_change,
)
from enquiry.models import Department, Role, SessionLike, User

DISPLAY_NAME_MAX = column_max(User.__table__.c.display_name)
ROLES_WITH_DEPARTMENT = frozenset({Role.AGENT, Role.SUPERVISOR})


class SelfChangeError(ConflictError):
    """An admin tried to deactivate their own account or change their own role."""


class LastAdminError(ConflictError):
    """The change would leave no active admin."""


@dataclass(frozen=True)
class UserFields:
    """What an admin sets on a user."""

    display_name: str
    role: Role
    department_id: int | None = None


def user_state(user: User) -> dict[str, Any]:
    """Return what the audit record shows of a user."""
    return {
        "email": user.email,
        "display_name": user.display_name,
        "role": user.role.value,
        "department": department_code(user.department),
        "is_active": user.is_active,
    }


def _target(user: User) -> dict[str, Any]:
    return {"user_id": user.id, "email": user.email}


def _department(session: SessionLike, fields: UserFields, current: int | None) -> Department | None:
    """Return the user's department: required for agents and supervisors, active when new."""
    if fields.department_id is None:
        if fields.role in ROLES_WITH_DEPARTMENT:
            message = N_("Agents and supervisors need a department.")
            raise InvalidInputError(message, field="department")
        return None
    if fields.department_id == current:
        return session.get(Department, current)  # kept, even if deactivated since
    return active_department(session, fields.department_id, "department")


def _require_another_admin(session: SessionLike, user: User) -> None:
    """Refuse a change that would leave no active admin."""
    # Locks the active admins' rows: two admins demoting each other cannot both succeed.
    admins = session.scalars(
        sa.select(User.id)
        .where(User.role == Role.ADMIN, User.is_active.is_(True))
        .with_for_update()
    ).all()
    if not any(admin_id != user.id for admin_id in admins):
        message = N_("%(email)s is the last active admin. Make another user an admin first.")
        raise LastAdminError(message, email=user.email)


def _is_self(actor: Actor, user: User) -> bool:
    return actor.user is not None and actor.user.id == user.id


def create_account(
    session: SessionLike,
    email: str,
    fields: UserFields,
    password: str,
    *,
    actor: Actor,
    now: datetime,
) -> User:
    """Create a staff user with an initial password."""
    address = clean_email(email)
    if session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == address)):
        raise InvalidInputError(
            N_("A user with this e-mail address already exists."), field="email"
        )
    name = clean_text(fields.display_name, "display_name", DISPLAY_NAME_MAX, required=True)
    department = _department(session, fields, None)
    if len(password) < MIN_PASSWORD_LENGTH:
        message = N_("Use at least %(n)d characters.")
        raise InvalidInputError(message, field="password", n=MIN_PASSWORD_LENGTH)
    user = create_user(
        session,
        email=address,
        display_name=name,
        password=password,
        role=fields.role,
        department=department,
    )
    user.created_at = now
    record_change(
        session, "user.created", _target(user), None, user_state(user), actor=actor, now=now
    )
    return user


def update_account(
    session: SessionLike, user: User, fields: UserFields, *, actor: Actor, now: datetime
) -> bool:
    """Change a user's name, role and department; False when nothing changed."""
    name = clean_text(fields.display_name, "display_name", DISPLAY_NAME_MAX, required=True)
    department = _department(session, fields, user.department_id)
    if fields.role is not user.role:
        if _is_self(actor, user):
            raise SelfChangeError(N_("You cannot change your own role."), field="role")
        if user.role is Role.ADMIN and user.is_active:
            _require_another_admin(session, user)
    before = user_state(user)
    if fields.role is not user.role:
        end_sessions(session, user)  # signed in again, the user works in the new role
    user.display_name, user.role, user.department = name, fields.role, department
    old, new = changes(before, user_state(user))
    if new:
        record_change(session, "user.updated", _target(user), old, new, actor=actor, now=now)
    return bool(new)


def set_account_active(
    session: SessionLike, user: User, is_active: bool, *, actor: Actor, now: datetime
) -> bool:
    """Deactivate a user (who can then no longer sign in) or reactivate one."""
    if user.is_active == is_active:
        return False
    if not is_active:
        if _is_self(actor, user):
            raise SelfChangeError(N_("You cannot deactivate your own account."))
        if user.role is Role.ADMIN:
            _require_another_admin(session, user)
    user.is_active = is_active
    if not is_active:
        end_sessions(session, user)
    action = "user.reactivated" if is_active else "user.deactivated"
    before, after = {"is_active": not is_active}, {"is_active": is_active}
    record_change(session, action, _target(user), before, after, actor=actor, now=now)
    return True


def reset_totp(session: SessionLike, user: User, *, actor: Actor, now: datetime) -> bool:
    """Remove a user's one-time-password enrolment, so that they set it up again."""
    if user.totp_secret is None and user.totp_last_step is None:
        return False
    user.totp_secret = None
    user.totp_last_step = None
    end_sessions(session, user)  # a reset follows a lost phone: its sessions end with it
    before, after = {"has_totp": True}, {"has_totp": False}
    record_change(session, "user.totp_reset", _target(user), before, after, actor=actor, now=now)
    return True


def unlock_account(session: SessionLike, user: User, *, actor: Actor, now: datetime) -> bool:
    """Clear a user's failed sign-ins and lockout."""
    if user.failed_logins == 0 and user.locked_until is None:
        return False
    before = {
        "failed_logins": user.failed_logins,
        "locked_until": user.locked_until.isoformat() if user.locked_until else None,
    }
    user.failed_logins = 0
    user.locked_until = None
    after = {"failed_logins": 0, "locked_until": None}
    record_change(session, "user.unlocked", _target(user), before, after, actor=actor, now=now)
    return True
