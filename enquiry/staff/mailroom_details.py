"""What became of a received message, in the reader's language.

The intake writes a short technical detail on each message, which the worker's log and
`flask mail ingest` print as it is. The mailroom reads it back line by line and says each line
it knows in the reader's language; a line it does not know (or the sender's own text, such as
a delivery report's diagnostic) is shown as written. The detail page keeps the original below.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from enquiry.intake.dedupe import COLLISION_NOTE
from enquiry.intake.rawstore import REJECTED_PREFIX
from enquiry.intake.threading import Via
from enquiry.intake.tries import STOPPED_PREFIX, TWIN_PREFIX
from enquiry.models import InboundOutcome

HOW = {
    Via.REPLY_ADDRESS.value: _l("the ticket's own reply address"),
    Via.MESSAGE_ID.value: _l("a reply to our mail (its Message-ID)"),
    Via.EARLIER_MESSAGE.value: _l("an earlier message of the same thread"),
    Via.SUBJECT.value: _l("the reference in the subject"),
    Via.BODY.value: _l("the reference marker in the text"),
    Via.TYPED_REFERENCE.value: _l("a reference the sender typed"),
}
ATTACHMENT_PROBLEMS = {
    "too_many": _l("too many attachments"),
    "too_large": _l("too large"),
    "type_not_allowed": _l("a type that is not accepted"),
}

Rule = tuple[re.Pattern[str], Callable[[re.Match[str]], str]]


def _how(via: str) -> str:
    return str(HOW.get(via, via))


def _attachment(match: re.Match[str]) -> str:
    problem = str(ATTACHMENT_PROBLEMS.get(match["why"], match["why"]))
    return _(
        "Attachment %(name)s not kept (%(problem)s); it stays in the original message.",
        name=match["name"],
        problem=problem,
    )


RULES: list[Rule] = [
    (
        re.compile(r"via (?P<via>\w+)"),
        lambda m: _("Matched to its ticket by %(how)s.", how=_how(m["via"])),
    ),
    (
        re.compile(r"via (?P<via>\w+); not reopened"),
        lambda m: _(
            "Matched to its ticket by %(how)s; added without reopening it (see the ticket).",
            how=_how(m["via"]),
        ),
    ),
    (
        re.compile(r"same as (?P<earlier>#\d+)(?: \(after \w+\))?"),
        lambda m: _("A copy of message %(earlier)s, received before.", earlier=m["earlier"]),
    ),
    (
        re.compile(r"no acknowledgement: (?P<signs>.*)"),
        lambda m: _(
            "No acknowledgement sent: the subject looks automatic (%(signs)s).", signs=m["signs"]
        ),
    ),
    (
        re.compile(re.escape(COLLISION_NOTE) + r" (?P<earlier>#\d+)"),
        lambda m: _(
            "Message %(earlier)s came earlier with the same Message-ID but other content; "
            "this one was taken in on its own.",
            earlier=m["earlier"],
        ),
    ),
    (re.compile(r"attachment not kept: (?P<name>.*): (?P<why>\w+)"), _attachment),
    (
        re.compile(r"not one of ours \((?P<to>.*)\): (?P<reason>.*)"),
        lambda m: _(
            "A delivery failure report for mail we did not send (to %(to)s): %(reason)s",
            to=m["to"],
            reason=m["reason"],
        ),
    ),
    (
        re.compile(r"outbound (?P<numbers>#\d+(?:, #\d+)*): (?P<reason>.*)"),
        lambda m: _(
            "Our mail %(numbers)s could not be delivered: %(reason)s",
            numbers=m["numbers"],
            reason=m["reason"],
        ),
    ),
    (
        re.compile(r"mentions (?P<reference>\S+) \(via \w+\); sender is not its citizen"),
        lambda m: _(
            "Names ticket %(reference)s, but the sender is not its citizen: opened as a new "
            "ticket.",
            reference=m["reference"],
        ),
    ),
    (
        re.compile(
            re.escape(REJECTED_PREFIX)
            + r"(?P<size>\d+) bytes is over the limit of (?P<limit>\d+); "
            r"left in (?P<mailbox>.*) as UID (?P<uid>\d+)"
        ),
        lambda m: _(
            "Too large (%(size)s bytes; the limit is %(limit)s): only its header was kept. "
            "The message is still in the mailbox %(mailbox)s (UID %(uid)s).",
            size=m["size"],
            limit=m["limit"],
            mailbox=m["mailbox"],
            uid=m["uid"],
        ),
    ),
    (
        re.compile(
            re.escape(REJECTED_PREFIX)
            + r"over the limit of (?P<limit>\d+) bytes; only the headers were kept"
        ),
        lambda m: _(
            "Too large (the limit is %(limit)s bytes): only its header was kept.",
            limit=m["limit"],
        ),
    ),
    (
        re.compile(re.escape(STOPPED_PREFIX) + r".*", re.DOTALL),
        lambda _m: _("Set aside unread: every try to take it in stopped the worker."),
    ),
    (
        re.compile(re.escape(TWIN_PREFIX) + r".*", re.DOTALL),
        lambda _m: _("Not read: an earlier copy of it stopped the process taking it in."),
    ),
]
_ERROR = re.compile(r"(?P<kind>[A-Z]\w*(?:Error|Exception|Exit)): (?P<text>.*)", re.DOTALL)


def explain(outcome: InboundOutcome, detail: str | None) -> list[str]:
    """The detail's lines, each in the reader's language where it is one the intake writes."""
    if not detail:
        return []
    if detail.startswith((STOPPED_PREFIX, TWIN_PREFIX)):  # one line, whatever follows
        return [_line(outcome, detail, first=True)]
    lines = [line for line in detail.splitlines() if line.strip()]
    return [_line(outcome, line, first=n == 0) for n, line in enumerate(lines)]


def _line(outcome: InboundOutcome, line: str, *, first: bool) -> str:
    for pattern, say in RULES:
        match = pattern.fullmatch(line)
        if match:
            return say(match)
    if first and outcome is InboundOutcome.AUTO_REPLY:
        return _("Signs of an automatic message: %(signs)s", signs=line)
    if first and outcome is InboundOutcome.QUARANTINED:
        error = _ERROR.fullmatch(line)
        if error:
            return _(
                "Taking it in failed (%(error)s). Process it again once the cause is mended.",
                error=error["kind"],
            )
        return _("The message could not be read: %(defects)s", defects=line)
    return line
