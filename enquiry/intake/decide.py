"""Phase two's choice for a parsed message: a duplicate, a bounce of our own mail, automatic
mail, a reply to a ticket or a new ticket; then carry it out (flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from enquiry.intake import actions, bounces, dedupe, mentions
from enquiry.intake.settings import IntakeSettings
from enquiry.intake.threading import ThreadMatch, envelope_recipients, find_ticket
from enquiry.mail.parse.classify import classify
from enquiry.mail.parse.inbound import ParsedMail
from enquiry.models import InboundEmail, InboundOutcome, SessionLike


@dataclass
class Context:
    """Phase two's inputs, passed to the actions."""

    session: SessionLike
    inbound: InboundEmail
    mail: ParsedMail
    raw: bytes
    now: datetime
    settings: IntakeSettings
    notes: list[str] = field(default_factory=list)


def decide(context: Context) -> actions.Decision:
    """Choose and carry out what to do with a parsed message."""
    if context.mail.is_parse_failure:
        return actions.Decision(InboundOutcome.QUARANTINED, detail="; ".join(context.mail.defects))
    key = dedupe.dedupe_key(context.inbound, context.mail)
    twins = dedupe.look_up(context.session, context.inbound, key)
    if twins.duplicate is not None:
        earlier = dedupe.earlier(context.session, twins.duplicate)
        return actions.Decision(
            InboundOutcome.DUPLICATE, ticket=earlier.ticket, detail=f"same as {earlier.label}"
        )
    collision = twins.collision
    dedupe.claim(context.session, context.inbound, key)
    decision = _act(context)
    if collision is not None:
        context.notes.append(f"{dedupe.COLLISION_NOTE} #{collision}")
        if decision.ticket is not None and decision.outcome in dedupe.TAKEN_IN:
            dedupe.note_collision(context.session, decision.ticket, collision, context.now)
    return decision


def _act(context: Context) -> actions.Decision:
    """Record a bounce, ignore machine mail, or take a person's message in."""
    mail, settings, session = context.mail, context.settings, context.session
    kind = classify(
        mail, own_addresses=settings.own_addresses, own_message_id_domains=settings.own_domains
    )
    if kind.is_bounce:
        return bounces.record_bounce(session, mail, kind, context.now)
    match = find_ticket(
        session,
        mail,
        identity=settings.policy.mail,
        prefix=settings.policy.reference_prefix,
        envelope_to=envelope_recipients(context.raw),
    )
    reasons = ", ".join(kind.reasons)
    if kind.is_automatic and (match is not None or not kind.is_weak):
        ticket = match.ticket if match else None
        return actions.Decision(InboundOutcome.AUTO_REPLY, ticket=ticket, detail=reasons)
    if kind.is_automatic:  # only the subject looks automatic: keep it, but do not answer
        context.notes.append(f"no acknowledgement: {reasons}")
    return _take_in(context, match, acknowledge=not kind.is_automatic)


def _take_in(context: Context, match: ThreadMatch | None, *, acknowledge: bool) -> actions.Decision:
    """Add a person's message to its ticket, or open one (also when it names a stranger's)."""
    mail, settings, session = context.mail, context.settings, context.session
    uploads = actions.uploads_from(
        mail,
        limit=settings.max_attachments,
        max_bytes=settings.max_attachment_bytes,
        notes=context.notes,
    )
    if (
        match is not None
        and match.is_guessable
        and not mentions.is_from_citizen(mail, match.ticket)
    ):
        return mentions.open_mentioning(
            session,
            context.inbound,
            mail,
            match,
            uploads,
            settings.policy,
            context.now,
            acknowledge=acknowledge,
        )
    if match is not None:
        return actions.append_reply(
            session, context.inbound, mail, match, uploads, settings.policy, context.now
        )
    return actions.open_from_mail(
        session,
        context.inbound,
        mail,
        uploads,
        settings.policy,
        context.now,
        acknowledge=acknowledge,
    )
