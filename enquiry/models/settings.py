"""Settings that administrators change at run time, stored as JSON under a key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from enquiry.models.base import Base, SessionLike, utcnow

SETTING_KEY_MAX = 64
TOTP_REQUIRED_ROLES = "totp_required_roles"  # a list of role values


class Setting(Base):
    """One administrator-controlled setting."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(sa.String(SETTING_KEY_MAX), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Setting {self.key}>"


def get_setting(session: SessionLike, key: str, default: Any = None) -> Any:
    """Return a setting's value, or the default when it was never set."""
    setting = session.get(Setting, key)
    return default if setting is None else setting.value


def put_setting(session: SessionLike, key: str, value: Any, *, now: datetime) -> None:
    """Create or replace a setting (in the caller's transaction)."""
    setting = session.get(Setting, key)
    if setting is None:
        session.add(Setting(key=key, value=value, updated_at=now))
    else:
        setting.value = value
        setting.updated_at = now
    session.flush()
