"""The office's settings the domain needs (the Policy), built once from the configuration.

A verb that depends on them takes the Policy as an argument; none reads `current_app`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any

from enquiry.domain.admin import calendar as calendar_admin
from enquiry.domain.admin.install import RoutingOffice
from enquiry.mail.letters.settings import LetterSettings, letter_settings_from_config
from enquiry.mail.outbound import MailIdentity
from enquiry.models import Kind, SessionLike
from enquiry.rules import clock, deadlines


@dataclass(frozen=True)
class Policy:
    """The office's settings that the domain needs, taken from configuration."""

    reference_prefix: str
    calendar: deadlines.WorkCalendar
    office_hours: deadlines.OfficeHours
    deadline_days: Mapping[Kind, int]
    mail: MailIdentity
    routing_office: RoutingOffice = field(default_factory=RoutingOffice)
    letters: LetterSettings | None = None  # None: no formal letters (tests, tools)


def policy_from_config(
    config: dict[str, Any] | Any,
    *,
    session: SessionLike | None = None,
    overrides: Iterable[deadlines.Override] = (),
) -> Policy:
    """Return the office's Policy as configured.

    With a session, the calendar includes the administrators' holiday overrides (pass it
    wherever deadlines are computed); `overrides` adds entries directly (tests, previews).
    """
    sender = str(config["MAIL_DEFAULT_SENDER"])
    name = str(config["CALENDAR"])
    if session is not None and not overrides:  # the administrators' calendar, cached
        calendar = calendar_admin.calendar_for(session, name)
    else:
        extra = [
            *(calendar_admin.admin_overrides(session, name) if session is not None else ()),
            *overrides,
        ]
        notices = calendar_admin.entered_notices(session) if session is not None else ()
        calendar = deadlines.calendar_named(name, extra, notices)
    return Policy(
        reference_prefix=str(config["REFERENCE_PREFIX"]).upper(),
        calendar=calendar,
        office_hours=deadlines.OfficeHours(
            start=time.fromisoformat(str(config["OFFICE_OPENS"])),
            end=time.fromisoformat(str(config["OFFICE_CLOSES"])),
        ),
        deadline_days={kind: int(config[f"DEADLINE_DAYS_{kind.value.upper()}"]) for kind in Kind},
        mail=MailIdentity(
            sender=sender,
            domain=str(config.get("MAIL_DOMAIN") or sender.rsplit("@", 1)[-1]),
            secret=str(config["SECRET_KEY"]),
            base_url=str(config["PUBLIC_BASE_URL"]),
        ),
        routing_office=RoutingOffice.from_config(config),
        letters=letter_settings_from_config(config),
    )


def extension_rules_from_config(config: dict[str, Any] | Any) -> clock.ExtensionRules:
    """Return the longest extensions allowed, per kind, as configured."""
    return clock.ExtensionRules(
        info_application=int(
            config.get(
                "EXTENSION_MAX_DAYS_INFO_APPLICATION", clock.EXTENSION_MAX_DAYS_INFO_APPLICATION
            )
        ),
        other=int(config.get("EXTENSION_MAX_DAYS_OTHER", clock.EXTENSION_MAX_DAYS_OTHER)),
    )


def due_soon_days(config: dict[str, Any] | Any) -> int:
    """Return how many working days before the due date a ticket counts as due soon."""
    return int(config.get("DUE_SOON_DAYS", clock.DUE_SOON_DAYS))
