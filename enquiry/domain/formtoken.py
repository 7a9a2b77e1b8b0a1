"""Signed, timestamped public-form tokens: too fast, too old or reused is refused."""

from __future__ import annotations

import enum
import functools
import secrets
from datetime import datetime
from typing import Any, cast

from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import Table, bindparam
from sqlalchemy.dialects import postgresql, sqlite

from enquiry.models import SessionLike, UsedFormToken

SALT = "enquiry.public-form"


class TokenProblem(enum.StrEnum):
    INVALID = "invalid"
    TOO_FAST = "too_fast"
    STALE = "stale"
    REPLAYED = "replayed"


class FormTokenError(Exception):
    """The form token cannot be accepted."""

    def __init__(self, problem: TokenProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


def issue(secret: str, now: datetime) -> str:
    """Return a new token recording when the form was shown."""
    payload = {"n": secrets.token_hex(16), "t": int(now.timestamp())}
    return URLSafeSerializer(secret, salt=SALT).dumps(payload)


def reissue(old: str | None, *, secret: str, now: datetime, max_seconds: int) -> str:
    """Return a new token for a re-shown form that keeps the first showing's time.

    The minimum fill time counts from when the citizen first saw the form, not from the page
    that re-shows it with a problem; an invalid or stale token starts afresh.
    """
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(old or "")
        issued = int(payload["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return issue(secret, now)
    if not 0 <= now.timestamp() - issued <= max_seconds:
        return issue(secret, now)
    fresh = {"n": secrets.token_hex(16), "t": issued}
    return URLSafeSerializer(secret, salt=SALT).dumps(fresh)


def check(token: str, *, secret: str, now: datetime, min_seconds: int, max_seconds: int) -> str:
    """Validate a token's signature and age; return its nonce."""
    try:
        payload = URLSafeSerializer(secret, salt=SALT).loads(token or "")
        nonce, issued = str(payload["n"]), int(payload["t"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise FormTokenError(TokenProblem.INVALID) from None
    age = now.timestamp() - issued
    if age < min_seconds:
        raise FormTokenError(TokenProblem.TOO_FAST)
    if age > max_seconds:
        raise FormTokenError(TokenProblem.STALE)
    return nonce


def spend(session: SessionLike, nonce: str, now: datetime) -> None:
    """Mark a nonce used, atomically; raise REPLAYED when it already was."""
    statement = _spend_statement(session.get_bind().dialect.name)
    # RETURNING, not rowcount: psycopg reports -1 for an INSERT ... ON CONFLICT DO NOTHING.
    spent = session.connection().execute(statement, {"nonce": nonce, "used_at": now})
    if spent.scalar_one_or_none() is None:
        raise FormTokenError(TokenProblem.REPLAYED)


@functools.cache  # built once per dialect: it runs under SQLite's write lock
def _spend_statement(dialect: str) -> Any:
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = cast(Table, UsedFormToken.__table__)
    return (
        insert(table)
        .values(nonce=bindparam("nonce"), used_at=bindparam("used_at"))
        .on_conflict_do_nothing(index_elements=["nonce"])
        .returning(table.c.nonce)
    )
