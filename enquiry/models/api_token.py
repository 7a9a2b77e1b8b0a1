"""API tokens: a named secret that acts as a staff user in /api/v1."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, utcnow
from enquiry.models.org import User

API_TOKEN_NAME_MAX = 100
API_TOKEN_PREFIX_LENGTH = 8


class ApiToken(Base):
    """A bearer token bound to a user; only the SHA-256 of the secret is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(API_TOKEN_NAME_MAX))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    # The first characters of the secret, shown to tell tokens apart; not enough to use one.
    prefix: Mapped[str] = mapped_column(sa.String(API_TOKEN_PREFIX_LENGTH))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.prefix}>"
