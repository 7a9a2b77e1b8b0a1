"""The public copy of a question and its answer: detected spans, staff choices, redacted text.

The original messages are never changed. The copy is rebuilt from them and the editor's
choices each time staff save, so detection improvements apply to drafts, and an e-mail address
never reaches the copy whatever was chosen.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from enquiry.models import Attachment, MessageKind, Ticket
from enquiry.rules import redaction
from enquiry.rules.redaction import Span, SpanKind

PARTS = ("title", "question", "answer")
EXTRA_MAX = 20  # extra strings per copy
EXTRA_LENGTH_MAX = 200


@dataclass(frozen=True)
class Found:
    """A detected span in one part of the copy, and whether it is hidden."""

    part: str
    span: Span
    is_hidden: bool
    is_restorable: bool

    @property
    def key(self) -> str:
        return f"{self.part}:{self.span.start}-{self.span.end}"


def source_texts(ticket: Ticket) -> dict[str, str]:
    """The original question (the citizen's first message) and answer (the latest reply)."""
    asked = [m.body for m in ticket.messages if m.kind is MessageKind.CITIZEN]
    replies = [m.body for m in ticket.messages if m.kind is MessageKind.REPLY]
    return {
        "title": ticket.subject,
        "question": asked[0] if asked else ticket.subject,
        "answer": replies[-1] if replies else "",
    }


def answer_attachments(ticket: Ticket) -> list[Attachment]:
    """The attachments staff may choose to publish: those of the replies, never the citizen's."""
    return [a for m in ticket.messages if m.kind is MessageKind.REPLY for a in m.attachments]


def detect(ticket: Ticket, texts: dict[str, str], restored: Collection[str]) -> list[Found]:
    """Every detected span of every part, hidden unless restored (e-mail is always hidden)."""
    found = []
    for part in PARTS:
        for span in redaction.find_personal_data(texts[part], known_names=[ticket.citizen_name]):
            restorable = span.kind not in redaction.NEVER_RESTORED
            key = f"{part}:{span.start}-{span.end}"
            found.append(Found(part, span, not (restorable and key in restored), restorable))
    return found


def clean_extras(raw: Iterable[str]) -> list[str]:
    """The extra strings to hide: stripped, unique, non-empty, bounded."""
    seen: list[str] = []
    for item in raw:
        text = item.strip()[:EXTRA_LENGTH_MAX]
        if text and text not in seen:
            seen.append(text)
    return seen[:EXTRA_MAX]


def build(
    texts: dict[str, str], found: Sequence[Found], extras: Sequence[str], marker: str
) -> dict[str, str]:
    """The redacted public text of each part."""
    copy = {}
    for part in PARTS:
        spans = [f.span for f in found if f.part == part and f.is_hidden]
        spans += redaction.find_exact(texts[part], extras)
        copy[part] = _without_email(redaction.redact(texts[part], spans, marker), marker)
    return copy


def _without_email(text: str, marker: str) -> str:
    """A last pass: whatever staff chose, no e-mail address is published."""
    emails = [s for s in redaction.find_personal_data(text) if s.kind is SpanKind.EMAIL]
    return redaction.redact(text, emails, marker) if emails else text
