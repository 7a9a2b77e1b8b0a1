"""What the ticket page shows and offers: permissions per action and role, thread, history."""

from __future__ import annotations

import logging
from typing import Any

from flask import current_app, url_for
from flask_babel import force_locale, format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from enquiry.domain import correction
from enquiry.domain.policy import policy_from_config
from enquiry.domain.queries import access, choices
from enquiry.domain.queries import tickets as loaded
from enquiry.extensions import db
from enquiry.labels import CHANNEL_LABELS, KIND_LABELS
from enquiry.mail.parse.quotes import fold_for_display
from enquiry.models import (
    CannedReply,
    Channel,
    Department,
    Kind,
    Message,
    MessageKind,
    Role,
    Ticket,
    User,
    utcnow,
)
from enquiry.public.forms import APPLICANT_LABELS, DELIVERY_LABELS
from enquiry.rules import clock, workflow
from enquiry.staff import event_labels
from enquiry.staff.forms import STATUS_LABELS
from enquiry.staff.ticket_forms import fill_placeholders
from enquiry.templating import current_locale

logger = logging.getLogger(__name__)

Action = workflow.Action
LEADS = choices.LEADS

MESSAGE_LABELS = {
    MessageKind.CITIZEN: _l("Citizen"),
    MessageKind.REPLY: _l("Reply"),
    MessageKind.NOTE: _l("Internal note"),
    MessageKind.EVENT: _l("Event"),
}


def default_department() -> Department:
    """Return the routing office (the default department)."""
    department = choices.routing_office(db.session)
    if department is None:
        raise RuntimeError("no default department: run `flask init`")
    return department


def is_routing_office(user: User) -> bool:
    return user.department_id is not None and user.department_id == default_department().id


def role_permits(user: User, ticket: Ticket, action: Action) -> bool:
    """True when the user's role and department allow the action (the API asks the same)."""
    return access.may_act(db.session, user, ticket, action)


def may_assign_others(user: User) -> bool:
    return user.role in LEADS


def may_take(user: User, ticket: Ticket) -> bool:
    """True when the user may assign the ticket to themselves (if its state allows)."""
    return user.role is Role.ADMIN or user.department_id == ticket.department_id


def offered_actions(user: User, ticket: Ticket) -> list[Action]:
    """The workflow actions the ticket's state allows and the user's role permits, in order."""
    allowed = workflow.allowed_actions(ticket.status)
    if ticket.kind is Kind.INFO_APPLICATION:  # concluded with an outcome instead (handling.refuse)
        allowed = [action for action in allowed if action is not Action.REFUSE]
        if Action.REQUEST_INFO in allowed and not correction_allowed(ticket):
            allowed.remove(Action.REQUEST_INFO)
    return [action for action in allowed if role_permits(user, ticket, action)]


def correction_allowed(ticket: Ticket) -> bool:
    """补正 is offered once, within 7 working days of receipt (art. 30)."""
    calendar = policy_from_config(current_app.config, session=db.session).calendar
    return correction.may_request(ticket, calendar, clock.beijing_today(utcnow()))


def correction_default_limit() -> Any:
    """The time limit proposed for a 补正: 15 working days from today."""
    calendar = policy_from_config(current_app.config, session=db.session).calendar
    return correction.default_limit(clock.beijing_today(utcnow()), calendar)


def transfer_choices(locale: str) -> list[tuple[str, str]]:
    departments = choices.active_department_choices(db.session)
    return [(str(d.id), d.name_for(locale)) for d in departments]


def colleague_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """Active users of the ticket's department: who it can be assigned to."""
    return [(str(u.id), u.display_name) for u in choices.colleagues(db.session, ticket)]


def canned_replies(user: User, ticket: Ticket) -> list[CannedReply]:
    """Active canned replies of the user's department or global; the ticket's locale first."""
    return choices.canned_replies(db.session, user, ticket)


def placeholder_values(ticket: Ticket, locale: str | None = None) -> dict[str, str]:
    """The values a canned reply may use, in its own language (by default the citizen's): a
    Chinese reply to an enquiry made in English still reads "2026年12月14日", not "December 14"."""
    locale = locale or ticket.locale
    with force_locale(locale):
        due = format_date(ticket.due_on, "long") if ticket.due_on else ""
    section = ticket.report_section
    return {
        "reference": ticket.reference,
        "citizen_name": ticket.citizen_name,
        "subject": ticket.subject,
        "department": ticket.department.name_for(locale),
        "section": f"{section.number} {section.heading}" if section else "",
        "due_date": due,
        "due_on": due,
    }


def canned_text(reply: CannedReply, ticket: Ticket) -> str:
    return fill_placeholders(reply.body, placeholder_values(ticket, reply.locale))


def due_badge(ticket: Ticket) -> dict[str, Any]:
    """The arguments of the shared `due_badge` macro: due date, working days left, caveats."""
    calendar = policy_from_config(current_app.config, session=db.session).calendar
    today = clock.beijing_today(utcnow())
    pause = clock.pause_state(ticket)
    return {
        "due_on": ticket.due_on,
        "remaining": clock.remaining_working_days(ticket, today, calendar),
        "is_verified": ticket.is_calendar_verified,
        "is_overdue": clock.is_overdue(ticket, today),
        "pause": pause.value if pause else None,
    }


def header_view(ticket: Ticket) -> dict[str, Any]:
    """Ready-to-show values of the ticket's header."""
    locale = current_locale()
    rule = loaded.routing_rule(db.session, ticket)
    section = ticket.report_section
    merged_into = loaded.merged_into(db.session, ticket)
    return {
        "kind": KIND_LABELS[ticket.kind],
        "status": STATUS_LABELS[ticket.status],
        "department": ticket.department.name_for(locale),
        "assignee": ticket.assignee.display_name if ticket.assignee else None,
        "channel": CHANNEL_LABELS[ticket.channel],
        "received": format_date(ticket.received_on, "long"),
        "due": due_badge(ticket),
        "section": f"{section.number} {section.heading}" if section else None,
        "rule": rule.name if rule else None,
        "merged_into": merged_into.reference if merged_into else None,
        "applicant_type": APPLICANT_LABELS[applicant]
        if (applicant := ticket.applicant_type)
        else None,
        "delivery_form": DELIVERY_LABELS[ticket.delivery_form] if ticket.delivery_form else None,
    }


def thread_view(ticket: Ticket) -> list[dict[str, Any]]:
    """Every message of the thread, oldest first, with staff download links."""
    return [_message_view(message, ticket) for message in loaded.thread(db.session, ticket)]


def _message_view(message: Message, ticket: Ticket) -> dict[str, Any]:
    body, quoted = fold_for_display(message.body, is_email=message.channel is Channel.EMAIL)
    return {
        "id": message.id,
        "kind": message.kind.value,
        "label": MESSAGE_LABELS[message.kind],
        "author": _author(message, ticket),
        "time": format_datetime(message.created_at, "medium"),
        "iso_time": message.created_at.isoformat(),
        "channel": CHANNEL_LABELS[message.channel] if message.channel else None,
        "flag_reason": (message.flag_reason or _("Flagged")) if message.is_flagged else None,
        "is_after_close": message.kind is MessageKind.CITIZEN
        and ticket.closed_at is not None
        and message.created_at > ticket.closed_at,
        "body": body,
        "quoted": quoted,
        "attachments": [
            {
                "url": url_for("staff.attachment", attachment_id=attachment.id),
                "filename": attachment.filename,
                "size": attachment.size,
                "content_type": attachment.content_type,
            }
            for attachment in message.attachments
        ],
    }


def _author(message: Message, ticket: Ticket) -> str:
    if message.kind is MessageKind.CITIZEN:
        return ticket.citizen_name
    return message.author.display_name if message.author else _("System")


def history_view(ticket: Ticket) -> list[dict[str, Any]]:
    """The ticket's audit events, oldest first: what, who, when, before and after."""
    return [
        {
            "action": event_labels.event_label(event.action),
            "actor": event_labels.actor_label(event.actor_label),
            "time": format_datetime(event.created_at, "medium"),
            "iso_time": event.created_at.isoformat(),
            "changes": event_labels.detail_rows(event.detail, in_thread=True),
        }
        for event in loaded.history(db.session, ticket)
    ]
