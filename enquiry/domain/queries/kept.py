"""Answers kept per process while nothing is audited: the audit chain's head hash is the stamp.

Every change to a ticket that staff pages count or compare (a new ticket or message, a change
of status, department or subject, a mention) is audited in the transaction that makes it, so a
page's answer built from tickets stays right until the head moves. The hash, not the chain's
length: a transaction that read its own uncommitted event and was rolled back leaves a hash that
no later event can have, where a length would come back.

Something written around the domain verbs (a hand-edited database) is seen at the next audited
change. Answers that depend on more than tickets (a colleague's read marks) add to the stamp.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa

from enquiry.models import AuditChainHead, SessionLike

T = TypeVar("T")

KEPT_ANSWERS = 512  # per database: a few per department and ticket page, the oldest dropped

_kept: weakref.WeakKeyDictionary[Any, OrderedDict[Hashable, tuple[Any, Any]]]
_kept = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def head_hash() -> sa.ScalarSelect[Any]:
    """The audit chain's head hash, as a column to read with other stamps in one statement."""
    return sa.select(AuditChainHead.hash).where(AuditChainHead.id == 1).scalar_subquery()


def kept(session: SessionLike, key: Hashable, stamp: Any, build: Callable[[], T]) -> T:
    """Return the answer kept for `key` under `stamp`, or build() it and keep it."""
    bind = session.get_bind()
    engine = getattr(bind, "engine", bind)
    with _lock:
        answers = _kept.setdefault(engine, OrderedDict())
        hit = answers.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    value = build()
    with _lock:
        answers[key] = (stamp, value)
        answers.move_to_end(key)
        while len(answers) > KEPT_ANSWERS:
            answers.popitem(last=False)
    return value


def under_head(session: SessionLike, key: Hashable, build: Callable[[], T]) -> T:
    """Return build()'s answer as kept under the current audit head (read with one query)."""
    return kept(session, key, session.execute(sa.select(head_hash())).scalar(), build)
