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
from enquiry.labels import ADOPTION_LABELS, CHANNEL_LABELS, KIND_LABELS
from enquiry.models import Adoption, Channel, Kind, Rating, Role, Status
from enquiry.rules import outcomes
from enquiry.staff.forms import ROLE_LABELS, STATUS_LABELS
from enquiry.templating import current_locale

EVENT_LABELS = {
    "ticket.opened": _l("Opened"),
    "ticket.route": _l("Routed"),
    "ticket.transfer": _l("Transferred"),
    "ticket.acknowledge": _l("Acknowledged"),
    "ticket.start": _l("Work started"),
    "ticket.request_info": _l("Information requested"),
    "ticket.answer": _l("Replied"),
    "ticket.close": _l("Closed"),
    "ticket.return": _l("Returned to the routing office"),
    "ticket.refuse": _l("Refused"),
    "ticket.mark_spam": _l("Marked as spam"),
    "ticket.merge": _l("Merged"),
    "ticket.answer_forwarded": _l("Answer given under the ticket it was merged into"),
    "ticket.assign": _l("Assigned"),
    "ticket.note": _l("Internal note added"),
    "ticket.citizen_follow_up": _l("Citizen follow-up"),
    "ticket.reopen": _l("Reopened"),
    "ticket.abandon": _l("Concluded as withdrawn"),
    "ticket.withdraw": _l("Withdrawn by the applicant"),
    "letter.posted": _l("Letter posted to the applicant"),
    "ticket.taken_by_api": _l("Taken through the API"),
    "ticket.remind": _l("Reminder sent"),
    "ticket.rated": _l("Rated by the citizen"),
    "ticket.extend": _l("Time limit extended"),
    "ticket.escalate": _l("Escalated to the supervisor"),
    "ticket.due_recomputed": _l("Due date recomputed"),
    "ticket.consultation_paused": _l("Paused for a third-party consultation"),
    "ticket.consultation_resumed": _l("Third-party consultation ended"),
    "ticket.clock_restarted": _l("Time limit restarted"),
    "consultation.opened": _l("Consultation sent"),
    "consultation.answered": _l("Opinion received"),
    "consultation.no_answer": _l("No opinion in time: the office decides"),
    "consultation.deemed_agreed": _l(
        "No opinion in time: deemed to agree (逾期未提出意见视为同意)"
    ),
    "consultation.reminded": _l("Consulted department reminded"),
    "consultation.withdrawn": _l("Consultation withdrawn"),
    "ticket.remedy_recorded": _l("Review or lawsuit recorded"),
    "ticket.remedy_result_set": _l("Result of a review or lawsuit recorded"),
    "ticket.evidence_exported": _l("Evidence bundle exported"),
    "mail.sent": _l("E-mail sent"),
    "mail.failed": _l("E-mail could not be delivered"),
    "mail.suppressed": _l("E-mail not sent (suppressed)"),
    "mail.retried": _l("E-mail sent again"),
    "mail.reprocessed": _l("Incoming e-mail processed again"),
    "mail.mentions_ticket": _l("Incoming e-mail mentions this ticket"),
    "mail.downloaded": _l("Incoming e-mail downloaded"),
    "mail.bounced": _l("E-mail bounced"),
    "auth.login": _l("Signed in"),
    "auth.logout": _l("Signed out"),
    "auth.login_failed": _l("Sign-in failed"),
    "auth.login_locked": _l("Sign-in refused: account locked"),
    "auth.lockout": _l("Account locked"),
    "auth.rate_limited": _l("Too many attempts"),
    "auth.session_expired": _l("Session expired"),
    "auth.password_changed": _l("Password changed"),
    "auth.password_change_failed": _l("Password change failed"),
    "auth.totp_enrolled": _l("Two-step sign-in set up"),
    "audit.verified": _l("Audit record verified"),
    "calendar.override_added": _l("Calendar day changed"),
    "calendar.override_deleted": _l("Calendar change removed"),
    "settings.changed": _l("Settings changed"),
    "department.created": _l("Department created"),
    "department.updated": _l("Department changed"),
    "department.deactivated": _l("Department disabled"),
    "department.reactivated": _l("Department enabled"),
    "department.deleted": _l("Department deleted"),
    "department.made_default": _l("Department made the routing office"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "user.deactivated": _l("User disabled"),
    "user.reactivated": _l("User enabled"),
    "user.totp_reset": _l("Two-step sign-in reset"),
    "user.unlocked": _l("User unlocked"),
    "reply.created": _l("Canned reply created"),
    "reply.updated": _l("Canned reply changed"),
    "reply.deactivated": _l("Canned reply withdrawn"),
    "reply.reactivated": _l("Canned reply offered again"),
    "rule.created": _l("Routing rule created"),
    "rule.updated": _l("Routing rule changed"),
    "rule.deleted": _l("Routing rule deleted"),
    "api_token.created": _l("API token created"),
    "api_token.revoked": _l("API token revoked"),
    "webhook.created": _l("Webhook created"),
    "webhook.deleted": _l("Webhook deleted"),
    "webhook.enabled": _l("Webhook enabled"),
    "webhook.disabled": _l("Webhook disabled"),
    "webhook.auto_disabled": _l("Webhook disabled after repeated failures"),
    "webhook.ping_queued": _l("Webhook test queued"),
    "calendar.notice_entered": _l("State Council holiday notice entered"),
    "letter.issued": _l("Formal letter issued"),
    "personal_data.requested": _l("Personal data request received"),
    "personal_data.decided": _l("Personal data request decided"),
    "publication.prepare": _l("Public copy prepared"),
    "publication.edit": _l("Public copy edited"),
    "publication.submit": _l("Public copy submitted for approval"),
    "publication.publish": _l("Published"),
    "publication.unpublish": _l("Unpublished"),
    "publication.consent_withdrawn": _l("Consent to publication withdrawn"),
    "rating.rectification_opened": _l("Rectification (整改) opened"),
    "rating.followed_up": _l("Follow-up call (回访) recorded"),
    "rating.misrated": _l("Rating set aside as mistaken (误评)"),
    "retention.periods_changed": _l("Retention periods changed"),
    "retention.run": _l("Personal data removed by the retention policy"),
    "suggestion.adoption": _l("Adoption of the suggestion recorded"),
    "ticket.contact_corrected": _l("Contact details corrected"),
    "ticket.hold_placed": _l("Legal hold placed"),
    "ticket.hold_lifted": _l("Legal hold lifted"),
}
FAMILY_LABELS = {
    "ticket": _l("Ticket changed"),
    "mail": _l("E-mail"),
    "auth": _l("Sign-in"),
    "calendar": _l("Calendar"),
}
DETAIL_LABELS = {
    "status": _l("Status"),
    "department": _l("Department"),
    "assignee": _l("Assignee"),
    "note": _l("Note"),
    "reason": _l("Reason"),
    "message": _l("Message"),
    "message_id": _l("Message"),
    "into": _l("Merged into"),
    "reference": _l("Reference"),
    "kind": _l("Kind"),
    "channel": _l("Channel"),
    "routing_rule": _l("Routing rule"),
    "due_on": _l("Due"),
    "outcome": _l("Outcome"),
    "outbound_id": _l("Outgoing e-mail"),
    "answer": _l("Mail server"),
    "error": _l("Error"),
    "title": _l("Title"),
    "body": _l("Text"),
    "locale": _l("Language"),
    "is_active": _l("Enabled"),
    "email": _l("E-mail address"),
    "role": _l("Role"),
    "display_name": _l("Name"),
    "rating": _l("Rating"),
    "comment": _l("Comment"),
    "days": _l("Working days"),
    "received_on": _l("Received on"),
    "sent_on": _l("Request sent on"),
    "party": _l("Third party (name)"),
    "adverse": _l("Adverse decision"),
    "api_token": _l("API token"),
    "approved_by": _l("Approved by"),
    "attachment": _l("Attachment"),
    "called_on": _l("Called on"),
    "consultation": _l("Consultation"),
    "days_off": _l("Days off"),
    "workdays": _l("Make-up working days"),
    "decision": _l("Decision"),
    "action": _l("Request"),
    "excluded_working_days": _l("Working days not counted"),
    "fields": _l("Fields changed"),
    "files": _l("Files"),
    "from": _l("Answered under"),
    "grade": _l("Grade"),
    "hold": _l("Legal hold"),
    "is_calendar_verified": _l("Calendar confirmed by the State Council notice"),
    "letter": _l("Letter"),
    "mentions": _l("Mentions"),
    "paused_on": _l("Paused on"),
    "replaced": _l("Replaced an earlier notice"),
    "request": _l("Request record"),
    "sender": _l("Sender"),
    "source": _l("Source"),
    "ticket_events": _l("Events of the ticket"),
    "time_limit": _l("Time limit"),
    "to": _l("To"),
    "via": _l("Found by"),
    "year": _l("Year"),
    "removed": _l("Items removed"),
    "failures": _l("Failed attempts"),
    "until": _l("Until"),
    "until_on": _l("Until"),
    "key": _l("Key"),
    "before": _l("Before"),
    "after": _l("After"),
    "event_id": _l("Event"),
    "adoption": _l("Adoption"),
    "about": _l("About the enquiry"),
    "restored": _l("Spans shown again"),
    "extra": _l("Spans hidden by hand"),
    "was": _l("Previously"),
    "counts": _l("Counts"),
    "planned": _l("Planned"),
    "held": _l("Held"),
    "mail_purged": _l("Mails purged"),
    "has_comment": _l("With a comment"),
    "limit": _l("Limit"),
    "endpoint": _l("Page"),
    "endpoint_id": _l("Webhook"),
    "inbound_email_id": _l("Incoming e-mail"),
    "url": _l("Address"),
    "address": _l("Postal address"),
    "by": _l("Withdrawn by"),
    "posted_on": _l("Posted on"),
    "template": _l("Mail"),
}
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
    if key == "template" and value in MAIL_LABELS:
        return str(MAIL_LABELS[value])
    if key == "role" and value in Role._value2member_map_:
        return str(ROLE_LABELS[Role(value)])
    if key in NUMBERED_KEYS and value.isdigit():
        return _("No. %(number)s", number=value)
    return None
