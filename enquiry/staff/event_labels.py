"""Audit events as people read them: every event kind, detail key and coded value has a label.

The record keeps codes (`mail.sent`, `egov`, `question`, `outbound_id`); the ticket's history
and the admin audit page show these labels instead, in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from enquiry.domain.queries import choices
from enquiry.domain.satisfaction import RATING_LABELS
from enquiry.extensions import db
from enquiry.i18n import LANGUAGE_NAMES
from enquiry.labels import ADOPTION_LABELS, CHANNEL_LABELS, KIND_LABELS
from enquiry.mail.letters import wording
from enquiry.models import Adoption, Channel, Kind, Rating, Role, Status
from enquiry.rules import outcomes
from enquiry.staff.event_names import DETAIL_LABELS, EVENT_LABELS, FAMILY_LABELS
from enquiry.staff.forms import ROLE_LABELS, STATUS_LABELS
from enquiry.templating import current_locale

# The mails a citizen receives, by the template that writes them.
MAIL_LABELS = {
    "acknowledgement": _l("Acknowledgement of receipt"),
    "reply": _l("Answer"),
    "letter": _l("Formal letter"),
    "extension": _l("Extension notice"),
    "request_info": _l("Request for more information (补正)"),
    "refusal": _l("Refusal"),
    "withdrawn": _l("Withdrawal confirmed"),
    "consultation": _l("Third-party consultation notice"),
    "consultation_ended": _l("Consultation ended"),
    "abandoned": _l("Concluded as withdrawn"),
    "merged": _l("Merged with another enquiry"),
    "consent_withdrawn": _l("Consent to publication withdrawn"),
}
# Values that are codes of their own: shown by name.
VALUE_LABELS = {
    ("action", "correct"): _l("Correct the contact details"),
    ("action", "delete"): _l("Delete the personal data"),
    ("decision", "approved"): _l("Approved"),
    ("decision", "rejected"): _l("Not approved"),
    ("by", "citizen"): _l("Citizen"),
    ("by", "staff"): _l("Staff"),
    ("fields", "citizen_name"): _l("Name"),
    ("fields", "citizen_email"): _l("E-mail address"),
    ("fields", "citizen_phone"): _l("Phone"),
}
# Keys whose value is the number of a record: shown as "No. 12".
NUMBERED_KEYS = frozenset(
    {
        "outbound_id",
        "message_id",
        "message",
        "request",
        "consultation",
        "rating",
        "hold",
        "letter",
        "attachment",
        "event_id",
        "api_token",
        "inbound_email_id",
        "endpoint_id",
    }
)
# Keys whose value is a list of items, never a before→after pair.
LIST_KEYS = frozenset({"fields", "days_off", "workdays", "files", "to", "ticket_events"})
REASON_LABELS = {"dissatisfied": _l("The citizen was not satisfied")}
# Content hashes tie an event to what it names (checked by `flask audit verify`): for the chain.
HIDDEN_KEYS = frozenset(
    {
        "body_sha256",
        "attachment_sha256",
        "outbound_sha256",
        "pdf_sha256",
        "manifest_sha256",
        "ticket_events_sha256",
        "sha256",
    }
)
THREAD_KEYS = frozenset({"message", "message_id", "outbound_id"})


ACTOR_LABELS = {
    "citizen": _l("Citizen"),
    "system": _l("System"),
    "anonymous": _l("Not signed in"),
}


def actor_label(label: str) -> str:
    """Who acted, as a person reads it: a colleague's e-mail as stored, the others by name."""
    known = ACTOR_LABELS.get(label)
    return str(known) if known is not None else label


def event_label(action: str) -> str:
    """The event kind as people say it; never the code."""
    known = EVENT_LABELS.get(action) or FAMILY_LABELS.get(action.partition(".")[0])
    return str(known) if known is not None else _("Other event")


def detail_rows(detail: Mapping[str, Any], *, in_thread: bool = False) -> list[dict[str, Any]]:
    """Each detail as a label and either a before→after pair or a value; hashes left out, and
    `in_thread` (the ticket's own history) the ids of messages its thread shows anyway."""
    names = choices.department_names(db.session, current_locale())
    hidden = HIDDEN_KEYS | THREAD_KEYS if in_thread else HIDDEN_KEYS
    rows = []
    for key, value in detail.items():
        if key in hidden:
            continue
        label = str(DETAIL_LABELS.get(key, _("Other")))
        if key in LIST_KEYS and isinstance(value, list):
            items = "、".join(_value(key, item, names) for item in value) or "—"
            rows.append({"label": label, "value": items, "is_change": False})
        elif isinstance(value, list) and len(value) == 2 and value[0] != value[1]:
            before, after = (_value(key, item, names) for item in value)
            rows.append({"label": label, "before": before, "after": after, "is_change": True})
        else:
            shown = value[0] if isinstance(value, list) and len(value) == 2 else value
            rows.append({"label": label, "value": _value(key, shown, names), "is_change": False})
    return rows


def _value(key: str, value: Any, departments: Mapping[str, str]) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    coded = _coded(key, str(value), departments)
    return coded if coded is not None else str(value)


def _coded(key: str, value: str, departments: Mapping[str, str]) -> str | None:
    if (key, value) in VALUE_LABELS:
        return str(VALUE_LABELS[(key, value)])
    if key == "adoption" and value in Adoption._value2member_map_:
        return str(ADOPTION_LABELS[Adoption(value)])
    if key in ("rating", "grade") and value in Rating._value2member_map_:
        return str(RATING_LABELS[Rating(value)])
    if key == "status" and value in Status._value2member_map_:
        return str(STATUS_LABELS[Status(value)])
    if key == "kind" and value in Kind._value2member_map_:
        return str(KIND_LABELS[Kind(value)])
    if key == "channel" and value in Channel._value2member_map_:
        return str(CHANNEL_LABELS[Channel(value)])
    if key == "department":
        return departments.get(value)
    if key == "outcome" and outcomes.is_valid(value):
        return outcomes.label(value)
    if key == "reason" and value in REASON_LABELS:
        return str(REASON_LABELS[value])
    if key == "answer":
        return _("Accepted by the mail server") if value.startswith("250") else value
    if key == "letter" and value in wording.TITLES:
        return str(wording.TITLES[value])
    if key == "locale" and value in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[value]
    if key == "template" and value in MAIL_LABELS:
        return str(MAIL_LABELS[value])
    if key == "role" and value in Role._value2member_map_:
        return str(ROLE_LABELS[Role(value)])
    if key in NUMBERED_KEYS and value.isdigit():
        return _("No. %(number)s", number=value)
    return None
