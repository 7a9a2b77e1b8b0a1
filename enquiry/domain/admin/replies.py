"""Canned replies: create, edit, deactivate; placeholders the reply composer fills in."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from enquiry.audit import Actor
from enquiry.domain.admin.common import (
    N_,
    InvalidInputError,
    active_department,
    changes,
    clean_text,
    department_code,
    record_change,
)
from enquiry.models import CannedReply, Department, SessionLike
from enquiry.models.routing import CANNED_BODY_MAX, CANNED_TITLE_MAX

REPLY_LOCALES = ("zh_Hans", "en", "ug")
PLACEHOLDERS = (
    "reference",
    "citizen_name",
    "subject",
    "department",
    "section",
    "due_date",
    "due_on",
)
PLACEHOLDER_PATTERN = re.compile(r"\{([^{}\s]*)\}")


@dataclass(frozen=True)
class ReplyFields:
    """What staff set on a canned reply; no department: every department may use it."""

    title: str
    body: str
    locale: str
    department_id: int | None = None


def reply_state(reply: CannedReply) -> dict[str, Any]:
    """Return what the audit record shows of a canned reply."""
    return {
        "title": reply.title,
        "body": reply.body,
        "locale": reply.locale,
        "department": department_code(reply.department),
        "is_active": reply.is_active,
    }


def _target(reply: CannedReply) -> dict[str, Any]:
    return {"reply_id": reply.id, "title": reply.title}


def unknown_placeholders(body: str) -> list[str]:
    """Return the {names} in a text that are not supported placeholders."""
    found = dict.fromkeys(PLACEHOLDER_PATTERN.findall(body))
    return [name for name in found if name not in PLACEHOLDERS]


def fill_placeholders(body: str, values: Mapping[str, str]) -> str:
    """Replace the supported placeholders that have a value; leave any other braces alone."""
    return PLACEHOLDER_PATTERN.sub(lambda match: values.get(match.group(1), match.group(0)), body)


def _department(session: SessionLike, fields: ReplyFields, current: int | None) -> Any:
    if fields.department_id is None:
        return None
    if fields.department_id == current:
        return session.get(Department, current)
    return active_department(session, fields.department_id, "department")


def _clean(session: SessionLike, fields: ReplyFields, current: int | None) -> dict[str, Any]:
    body = clean_text(fields.body, "body", CANNED_BODY_MAX, required=True)
    unknown = unknown_placeholders(body)
    if unknown:
        message = N_("Unknown placeholder: %(names)s. Use only %(known)s.")
        names = ", ".join(f"{{{name}}}" for name in unknown)
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        raise InvalidInputError(message, field="body", names=names, known=known)
    if fields.locale not in REPLY_LOCALES:
        raise InvalidInputError(N_("Choose a language from the list."), field="locale")
    return {
        "title": clean_text(fields.title, "title", CANNED_TITLE_MAX, required=True),
        "body": body,
        "locale": fields.locale,
        "department": _department(session, fields, current),
    }


def create_reply(
    session: SessionLike, fields: ReplyFields, *, actor: Actor, now: datetime
) -> CannedReply:
    """Create a canned reply."""
    reply = CannedReply(created_at=now, is_active=True, **_clean(session, fields, None))
    session.add(reply)
    session.flush()
    after = reply_state(reply)
    record_change(session, "reply.created", _target(reply), None, after, actor=actor, now=now)
    return reply


def update_reply(
    session: SessionLike, reply: CannedReply, fields: ReplyFields, *, actor: Actor, now: datetime
) -> bool:
    """Change a canned reply; False when nothing changed."""
    values = _clean(session, fields, reply.department_id)
    before = reply_state(reply)
    for name, value in values.items():
        setattr(reply, name, value)
    session.flush()
    old, new = changes(before, reply_state(reply))
    if new:
        record_change(session, "reply.updated", _target(reply), old, new, actor=actor, now=now)
    return bool(new)


def set_reply_active(
    session: SessionLike, reply: CannedReply, is_active: bool, *, actor: Actor, now: datetime
) -> bool:
    """Withdraw a canned reply from the composer, or offer it again."""
    if reply.is_active == is_active:
        return False
    reply.is_active = is_active
    action = "reply.reactivated" if is_active else "reply.deactivated"
    before, after = {"is_active": not is_active}, {"is_active": is_active}
    record_change(session, action, _target(reply), before, after, actor=actor, now=now)
    return True
