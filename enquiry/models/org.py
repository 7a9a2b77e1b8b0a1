"""Departments and staff users."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, str_enum, utcnow

DEPARTMENT_NAME_MAX = 120
DEPARTMENT_CODE_MAX = 40


class Role(enum.StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Department(Base):
    """A unit that tickets are routed to; exactly one is the default (the e-government office)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(DEPARTMENT_CODE_MAX), unique=True)
    name_zh: Mapped[str] = mapped_column(sa.String(DEPARTMENT_NAME_MAX))
    name_en: Mapped[str] = mapped_column(sa.String(DEPARTMENT_NAME_MAX), default="")
    name_ug: Mapped[str] = mapped_column(sa.String(DEPARTMENT_NAME_MAX), default="")
    email: Mapped[str | None] = mapped_column(sa.String(254))
    is_default: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        # At most one default department.
        sa.Index(
            "uq_departments_one_default",
            "is_default",
            unique=True,
            sqlite_where=sa.text("is_default"),
            postgresql_where=sa.text("is_default"),
        ),
    )

    def name_for(self, locale: str) -> str:
        """Return the department's name in the given locale, falling back to Chinese."""
        if locale.startswith("en") and self.name_en:
            return self.name_en
        if locale.startswith("ug") and self.name_ug:
            return self.name_ug
        return self.name_zh

    def __repr__(self) -> str:
        return f"<Department {self.code}>"


class User(Base):
    """A member of staff; also the Flask-Login user (is_active is the column below)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role, "user_role"), default=Role.AGENT)
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("departments.id"))
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hans")
    is_active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64))  # set once confirmed
    # The secret shown during enrolment, until a code confirms it (kept here, not in the cookie).
    totp_pending_secret: Mapped[str | None] = mapped_column(sa.String(64))
    totp_last_step: Mapped[int | None]  # the 30 s step of the last accepted code: no replay
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of the session id: raised to end every session of the user (sign-out, new password,
    # new role, deactivation), copies of the cookie included.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    department: Mapped[Department | None] = relationship()

    # Flask-Login's protocol, written out rather than inherited from UserMixin, whose __eq__
    # would make two unsaved users compare equal.
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        """Return the session identifier: the id, the session generation and a fingerprint of
        the password hash."""
        # Raising the generation, or changing the password (even outside the app), changes the
        # identifier, which ends every session that holds the old one.
        fingerprint = hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]
        return f"{self.id}:{self.session_generation}:{fingerprint}"

    @property
    def has_totp(self) -> bool:
        """True once the user has confirmed a one-time-password enrolment."""
        return self.totp_secret is not None

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role.value}>"
