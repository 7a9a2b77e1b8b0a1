"""Per-process caches of data that changes rarely, invalidated by a version stamp.

Report sections, routing rules, departments, holiday overrides, State Council notices and the
enabled webhook endpoints are read on every submission but change only when an administrator
edits them (or the worker disables a failing endpoint). Each cached value is kept with the
stamp it was read under: a random token in the `settings` table
(REFERENCE_STAMP). Any write to one of those tables through a session — a flush of such an
object, or an insert / update / delete statement on its table — replaces the token in the
same transaction, so every process (and every app server) reads the new data on its next use.
Reading the stamp is one primary-key query per transaction instead of the queries it saves.

Writes that go around SQLAlchemy sessions (raw SQL in a database console) are not seen:
restart the app servers after such a change, or make any change in the admin pages.

Caches are held per engine (one per app), so a new app never sees another app's values.
"""

from __future__ import annotations

import secrets
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar, cast

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from enquiry.models import (
    CalendarNotice,
    CalendarNoticeDay,
    Department,
    HolidayOverride,
    Report,
    ReportSection,
    RoutingRule,
    SessionLike,
    Setting,
    WebhookEndpoint,
    utcnow,
)

REFERENCE_STAMP = "reference_data_stamp"
CACHED_MODELS: tuple[type[Any], ...] = (
    CalendarNotice,
    CalendarNoticeDay,
    Department,
    HolidayOverride,
    Report,
    ReportSection,
    RoutingRule,
    WebhookEndpoint,
)
CACHED_TABLES = frozenset(model.__table__.name for model in CACHED_MODELS)
_STAMP_IN_SESSION = "enquiry.reference_stamp"
_MISSING = object()

T = TypeVar("T")

_caches: weakref.WeakKeyDictionary[Any, dict[str, tuple[Any, Any]]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_settings = cast(sa.Table, Setting.__table__)
# Built once: the first statement of nearly every transaction.
_READ_STAMP = sa.select(_settings.c.value).where(_settings.c.key == REFERENCE_STAMP)


def stamp(session: SessionLike) -> Any:
    """The current stamp (read once per transaction), or None if nothing was ever changed."""
    info = session.info
    value = info.get(_STAMP_IN_SESSION, _MISSING)
    if value is _MISSING:
        value = session.execute(_READ_STAMP).scalar()
        info[_STAMP_IN_SESSION] = value
    return value


def cached(session: SessionLike, name: str, build: Callable[[SessionLike], T]) -> T:
    """Return build(session) as read under the current stamp, building it at most once.

    While the session holds unflushed changes to the cached tables, build afresh.
    """
    if _touches_cached(session):
        return build(session)
    current = stamp(session)
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    with _lock:
        cache = _caches.setdefault(engine, {})
        hit = cache.get(name)
    if hit is not None and hit[0] == current:
        return hit[1]
    value = build(session)
    with _lock:
        cache[name] = (current, value)
    return value


def bump(session: Session) -> None:
    """Replace the stamp in the session's transaction: every process reads afresh."""
    token, now = secrets.token_hex(8), utcnow()
    connection = session.connection()
    changed = connection.execute(
        sa.update(Setting).where(Setting.key == REFERENCE_STAMP).values(value=token, updated_at=now)
    ).rowcount
    if not changed:
        connection.execute(
            sa.insert(Setting).values(key=REFERENCE_STAMP, value=token, updated_at=now)
        )
    session.info[_STAMP_IN_SESSION] = token


def _touches_cached(session: SessionLike) -> bool:
    return any(
        isinstance(instance, CACHED_MODELS)
        for instance in (*session.new, *session.dirty, *session.deleted)
    )


def _before_flush(session: Session, _flush_context: UOWTransaction, _instances: Any) -> None:
    if _touches_cached(session):
        session.info["enquiry.reference_changed"] = True


def _after_flush(session: Session, _flush_context: UOWTransaction) -> None:
    if session.info.pop("enquiry.reference_changed", False):
        bump(session)


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) in CACHED_TABLES:
        bump(state.session)


def _forget_stamp(session: Session, *_args: Any) -> None:
    session.info.pop(_STAMP_IN_SESSION, None)


def listen() -> None:
    """Bump the stamp on every session's writes to the cached tables (idempotent)."""
    for name, listener in (
        ("before_flush", _before_flush),
        ("after_flush", _after_flush),
        ("do_orm_execute", _on_execute),
        ("after_commit", _forget_stamp),
        ("after_rollback", _forget_stamp),
        ("after_soft_rollback", _forget_stamp),
    ):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
