"""API tokens: issue a named token bound to a user, revoke it, and recognise it on a request.

Only the SHA-256 of a token is stored: a 32-byte random secret cannot be guessed, so a plain
fast hash is enough, and a stolen database row does not let anyone call the API.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from enquiry.audit import Actor
from enquiry.domain.admin.common import N_, InvalidInputError, clean_text, record_change
from enquiry.models import ApiToken, SessionLike, User
from enquiry.models.api_token import API_TOKEN_NAME_MAX, API_TOKEN_PREFIX_LENGTH

logger = logging.getLogger(__name__)

TOKEN_BYTES = 32
# Recognisable in logs and secret scanners; not part of the secret's strength.
TOKEN_MARK = "enq_"  # noqa: S105  (a fixed label, not a secret)


@dataclass(frozen=True)
class IssuedToken:
    """A new token and its secret, which is shown once and never stored."""

    token: ApiToken
    secret: str


def hash_secret(secret: str) -> str:
    """Return the stored form of a token secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _target(token: ApiToken) -> dict[str, object]:
    return {"token_id": token.id, "name": token.name, "prefix": token.prefix}


def create_token(
    session: SessionLike, *, name: str, user: User | None, actor: Actor, now: datetime
) -> IssuedToken:
    """Issue a token that acts as the user; return it with its secret."""
    name = clean_text(name, "name", API_TOKEN_NAME_MAX, required=True)
    if user is None or not user.is_active:
        raise InvalidInputError(N_("Choose an active user."), field="user")
    secret = TOKEN_MARK + secrets.token_urlsafe(TOKEN_BYTES)
    prefix = secret[len(TOKEN_MARK) : len(TOKEN_MARK) + API_TOKEN_PREFIX_LENGTH]
    token = ApiToken(
        name=name, user=user, prefix=prefix, token_hash=hash_secret(secret), created_at=now
    )
    session.add(token)
    session.flush()
    after = {"user": user.email, "name": name}
    record_change(session, "api_token.created", _target(token), None, after, actor=actor, now=now)
    return IssuedToken(token, secret)


def revoke_token(session: SessionLike, token: ApiToken, *, actor: Actor, now: datetime) -> bool:
    """Revoke a token for good; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now
    session.flush()
    record_change(session, "api_token.revoked", _target(token), None, None, actor=actor, now=now)
    return True


def authenticate(session: SessionLike, secret: str, now: datetime) -> ApiToken | None:
    """Return the live token with this secret, its use recorded; None for any other secret."""
    if not secret.startswith(TOKEN_MARK) or len(secret) > 128:
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_secret(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    token.last_used_at = now
    session.flush()
    return token


def list_tokens(session: SessionLike) -> list[ApiToken]:
    """Return every token, the live ones first, newest first."""
    query = sa.select(ApiToken).order_by(
        ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc()
    )
    return list(session.scalars(query))
