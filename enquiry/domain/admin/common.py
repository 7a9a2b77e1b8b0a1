"""What every administration verb shares: named errors, value cleaning, audit records."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from email_validator import EmailNotValidError, validate_email

from enquiry import audit
from enquiry.models import Department, RoutingRule, SessionLike, User


def N_(message: str) -> str:  # the name pybabel extracts by default
    """Mark a message for translation; it is translated where it is shown."""
    return message


def column_max(column: Any) -> int:
    """Return the declared length of a string column."""
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), column
    return length


EMAIL_MAX = column_max(User.__table__.c.email)
DOMAIN_MAX = column_max(RoutingRule.__table__.c.sender_domain)
DOMAIN_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")


class AdminError(ValueError):
    """An administrative change that cannot be made as asked; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(message % params if params else message)
        self.message = message  # an English msgid, translated by the view
        self.params = params
        self.field = field  # the form field the message belongs to, if any


class InvalidInputError(AdminError):
    """A value the domain does not accept."""


class ConflictError(AdminError):
    """The change is not possible in the current state."""


def clean_text(value: str | None, field: str, limit: int, *, required: bool = False) -> str:
    """Strip a text; refuse it when required and empty, or when longer than the limit."""
    cleaned = (value or "").strip()
    if required and not cleaned:
        raise InvalidInputError(N_("This field is required."), field=field)
    if len(cleaned) > limit:
        raise InvalidInputError(N_("At most %(max)d characters."), field=field, max=limit)
    return cleaned


def clean_email(value: str | None, field: str = "email") -> str:
    """Return a valid e-mail address, lower-cased."""
    address = clean_text(value, field, EMAIL_MAX, required=True)
    try:
        validate_email(address, check_deliverability=False, test_environment=True)
    except EmailNotValidError as error:
        message = N_("Enter a valid e-mail address, e.g. name@example.com.")
        raise InvalidInputError(message, field=field) from error
    return address.lower()


def clean_domain(value: str | None, field: str = "sender_domain") -> str | None:
    """Return a domain name (a leading @ is dropped), or None when empty."""
    domain = unicodedata.normalize("NFKC", value or "").strip().lower().removeprefix("@")
    domain = domain.rstrip(".")
    if not domain:
        return None
    if len(domain) > DOMAIN_MAX or not all(DOMAIN_LABEL.match(p) for p in domain.split(".")):
        message = N_("Enter a domain such as xjwlmq.gov.cn (a leading @ is allowed).")
        raise InvalidInputError(message, field=field)
    return domain


def active_department(session: SessionLike, department_id: int | None, field: str) -> Department:
    """Return an active department, or refuse."""
    department = session.get(Department, department_id) if department_id is not None else None
    if department is None or not department.is_active:
        raise InvalidInputError(N_("Choose an active department."), field=field)
    return department


def department_code(department: Department | None) -> str | None:
    return department.code if department is not None else None


def changes(
    before: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the values of the changed keys, before and after (both empty: no change)."""
    keys = [key for key in after if before.get(key) != after[key]]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def record_change(
    session: SessionLike,
    action: str,
    target: Mapping[str, Any],
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    *,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Write the audit event of an administrative change."""
    detail = {**target, "before": before, "after": after}
    audit.record(session, action=action, actor=actor, now=now, detail=detail)
