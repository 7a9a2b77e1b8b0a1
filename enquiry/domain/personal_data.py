"""Requests about one's own personal data (PIPL arts. 46, 47): correct it, or delete it.

A request is a ticket of kind personal_data (its own reference, department, clock of
DEADLINE_DAYS_PERSONAL_DATA working days, thread and reply), plus a PersonalDataRequest row
that says which enquiry it is about and what was asked. A supervisor or an administrator
decides it (DECIDE_ROLES; other staff see it read-only): an approved correction
changes that enquiry's contact details, an approved deletion anonymises it now (unless a legal
hold keeps it); a rejected request changes nothing. Either way the decision is recorded and
audited, and staff answer the citizen on the request ticket as on any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import Policy
from enquiry.domain.retention import holds
from enquiry.domain.retention.anonymise import anonymise_ticket
from enquiry.models import Channel, Kind, PersonalDataRequest, Role, SessionLike, Ticket, User
from enquiry.models.privacy import REQUEST_NOTE_MAX

CORRECT, DELETE = "correct", "delete"
APPROVED, REJECTED = "approved", "rejected"
CITIZEN_REQUEST_RULE = "citizen_request"
# Approving changes or erases a citizen's data for good: a supervisor's or an administrator's call.
DECIDE_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class PersonalDataRequestError(ValueError):
    """A request that cannot be made or decided (nothing to correct, decided already, held)."""


@dataclass(frozen=True)
class Correction:
    """The contact details the citizen wants instead; None leaves a detail as it is."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None

    def is_empty(self) -> bool:
        return not (self.name or self.email or self.phone)


def _body(subject: Ticket, action: str, correction: Correction, note: str) -> str:
    if action == DELETE:
        lines = [f"申请删除咨询 {subject.reference} 中的个人信息。"]
    else:
        lines = [f"申请更正咨询 {subject.reference} 中的联系方式："]
        for label, value in (
            ("姓名", correction.name),
            ("电子邮箱", correction.email),
            ("电话", correction.phone),
        ):
            if value:
                lines.append(f"{label}：{value}")
    if note:
        lines += ["", note]
    return "\n".join(lines)


def request_change(
    session: SessionLike,
    subject: Ticket,
    *,
    action: str,
    correction: Correction,
    note: str,
    channel: Channel,
    policy: Policy,
    actor: audit.Actor,
    now: datetime,
) -> tuple[tickets.Opened, PersonalDataRequest]:
    """Open a personal data request about an enquiry; return the new ticket and the request."""
    if action not in (CORRECT, DELETE):
        raise PersonalDataRequestError("unknown request")
    if action == CORRECT and correction.is_empty():
        raise PersonalDataRequestError("say which contact details to correct")
    if subject.anonymised_at is not None:
        raise PersonalDataRequestError("this enquiry holds no personal data any more")
    note = note.strip()[:REQUEST_NOTE_MAX]
    opened = tickets.open_ticket(
        session,
        tickets.NewEnquiry(
            kind=Kind.PERSONAL_DATA,
            subject=f"个人信息请求：{subject.reference}",
            body=_body(subject, action, correction, note),
            citizen_name=subject.citizen_name,
            citizen_email=subject.citizen_email,
            citizen_phone=subject.citizen_phone,
            channel=channel,
            locale=subject.locale,
        ),
        policy=policy,
        actor=actor,
        now=now,
    )
    request = PersonalDataRequest(
        request_ticket_id=opened.ticket.id,
        subject_ticket_id=subject.id,
        action=action,
        new_name=correction.name or None if action == CORRECT else None,
        new_email=correction.email or None if action == CORRECT else None,
        new_phone=correction.phone or None if action == CORRECT else None,
        created_at=now,
    )
    session.add(request)
    session.flush()
    detail = {"request": request.id, "about": subject.reference, "action": action}
    audit.record(
        session,
        action="personal_data.requested",
        actor=actor,
        now=now,
        ticket=opened.ticket,
        detail=detail,
    )
    return opened, request


def may_decide(user: User | None) -> bool:
    """True when the user may approve or reject a personal data request."""
    return user is not None and user.role in DECIDE_ROLES


def request_for(session: SessionLike, request_ticket: Ticket) -> PersonalDataRequest | None:
    """Return the request a personal_data ticket carries, or None."""
    return session.scalar(
        sa.select(PersonalDataRequest).where(
            PersonalDataRequest.request_ticket_id == request_ticket.id
        )
    )


def _apply(
    session: SessionLike,
    request: PersonalDataRequest,
    subject: Ticket,
    actor: audit.Actor,
    now: datetime,
) -> dict[str, object]:
    if request.action == DELETE:
        if holds.is_held(session, subject, now.date()):
            raise PersonalDataRequestError("a legal hold keeps this enquiry's personal data")
        removed = anonymise_ticket(
            session, subject, rule=CITIZEN_REQUEST_RULE, actor=actor, now=now
        )
        return {"removed": sum(removed.values())}
    changed = []
    for field, value in (
        ("citizen_name", request.new_name),
        ("citizen_email", request.new_email),
        ("citizen_phone", request.new_phone),
    ):
        if value and getattr(subject, field) != value:
            setattr(subject, field, value)
            changed.append(field)
    subject.updated_at = now
    audit.record(
        session,
        action="ticket.contact_corrected",
        actor=actor,
        now=now,
        ticket=subject,
        detail={"request": request.id, "fields": changed},
    )
    return {"fields": changed}


def decide(
    session: SessionLike,
    request: PersonalDataRequest,
    *,
    approve: bool,
    note: str,
    actor: audit.Actor,
    now: datetime,
) -> None:
    """Record staff's decision; an approval corrects or anonymises the enquiry it is about."""
    if not may_decide(actor.user):
        raise PersonalDataRequestError("only a supervisor or an administrator decides a request")
    assert actor.user is not None
    if request.decision is not None:
        raise PersonalDataRequestError("this request was decided already")
    subject = session.get(Ticket, request.subject_ticket_id)
    assert subject is not None
    done = _apply(session, request, subject, actor, now) if approve else {}
    request.decision = APPROVED if approve else REJECTED
    request.decision_note = note.strip()[:REQUEST_NOTE_MAX] or None
    request.decided_by_id, request.decided_at = actor.user.id, now
    # The corrected values themselves stay out of the chain: the request row holds them.
    if request.action == CORRECT:
        request.new_name = request.new_email = request.new_phone = None
    ticket = session.get(Ticket, request.request_ticket_id)
    audit.record(
        session,
        action="personal_data.decided",
        actor=actor,
        now=now,
        ticket=ticket,
        detail={
            "request": request.id,
            "decision": request.decision,
            "role": actor.user.role.value,
            **done,
        },
    )
    session.flush()
