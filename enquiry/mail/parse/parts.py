"""Walk a parsed MIME tree into body text, sanitised HTML and attachments."""

from __future__ import annotations

import html as html_lib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage

from enquiry.mail.parse.attachments import (
    EMBEDDED_TYPES,
    ParsedAttachment,
    content_type_of,
    disposition_of,
    embedded_message,
    filename_of,
    make_attachment,
    payload_of,
    raw_header,
    serialise_body,
)
from enquiry.mail.parse.charsets import decode_text
from enquiry.mail.parse.headers import decode_header, parse_ids
from enquiry.mail.parse.html import meta_charset, sanitise, to_text

logger = logging.getLogger(__name__)

MAX_DEPTH = 25
BODY_TYPES = frozenset({"text/plain", "text/html"})
MAX_FORWARD_LEVEL = 3
FORWARD_SEPARATOR = "---------- Forwarded message ----------"


@dataclass(frozen=True)
class Body:
    """One readable body: its text, its sanitised HTML if it had any, and its origin."""

    text: str
    html: str | None = None
    from_plain: bool = True


@dataclass
class Collector:
    """What a walk over (part of) a MIME tree found."""

    bodies: list[Body] = field(default_factory=list)
    attachments: list[ParsedAttachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    forwarded: list[str] = field(default_factory=list)  # text of attached messages
    forward_level: int = 0  # how many attached messages deep this collector reads

    def text(self) -> str:
        """Return the readable text of all bodies."""
        return "\n\n".join(body.text for body in self.bodies if body.text.strip())

    def html(self) -> str | None:
        """Return the sanitised HTML of all bodies, or None when none was HTML."""
        if all(body.html is None for body in self.bodies):
            return None
        return "\n".join(
            body.html if body.html is not None else f"<pre>{html_lib.escape(body.text)}</pre>"
            for body in self.bodies
        )

    def absorb(self, other: Collector) -> None:
        """Take over another collector's attachments, forwarded texts and defects (no bodies)."""
        self.attachments.extend(other.attachments)
        self.defects.extend(other.defects)
        self.forwarded.extend(other.forwarded)


def _unflow(text: str, delsp: bool) -> str:
    """Join the soft line breaks of format=flowed text (RFC 3676)."""
    lines: list[str] = []
    pending: tuple[int, str] | None = None
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:].removeprefix(" ")
        if pending is not None and pending[0] == depth:
            content = pending[1] + content
        elif pending is not None:
            lines.append(">" * pending[0] + (" " if pending[0] else "") + pending[1])
        pending = None
        if content.endswith(" ") and content != "-- ":
            pending = (depth, content[:-1] if delsp else content)
        else:
            lines.append(">" * depth + (" " if depth and content else "") + content)
    if pending is not None:
        lines.append(">" * pending[0] + (" " if pending[0] else "") + pending[1])
    return "\n".join(lines)


def _param(part: EmailMessage, name: str) -> str:
    """Return a Content-Type parameter, lower-cased, read from the raw header ("" if none)."""
    raw = raw_header(part, "content-type") or ""
    pattern = rf"""(?:^|;)\s*{name}\s*=\s*(?:"([^"]*)"|([^;\s]*))"""
    match = re.search(pattern, raw.replace("\r", "").replace("\n", ""), re.IGNORECASE)
    if match is None:
        return ""
    return (match.group(1) if match.group(1) is not None else match.group(2)).strip().lower()


def _leaf_text(part: EmailMessage, content_type: str, out: Collector) -> str:
    """Decode the text of a text/* leaf, forgiving wrong or missing charsets."""
    data = payload_of(part)
    label = _param(part, "charset") or None
    if label is None and content_type == "text/html":
        label = meta_charset(data)
    text, defect = decode_text(data, label)
    if defect:
        out.defects.append(f"{content_type}: {defect}")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if content_type == "text/plain" and _param(part, "format") == "flowed":
        text = _unflow(text, _param(part, "delsp") == "yes")
    return text


def _add_body(part: EmailMessage, content_type: str, out: Collector) -> None:
    text = _leaf_text(part, "text/plain" if content_type != "text/html" else content_type, out)
    if content_type == "text/html":
        out.bodies.append(Body(to_text(text), sanitise(text) or None, from_plain=False))
    else:
        out.bodies.append(Body(text.rstrip()))


def _is_body(part: EmailMessage, content_type: str) -> bool:
    if content_type.startswith("multipart/"):  # declared multipart without a boundary
        return True
    if content_type not in BODY_TYPES:
        return False
    disposition = disposition_of(part)
    return disposition == "inline" or (disposition is None and filename_of(part) is None)


def _children(part: EmailMessage) -> list[EmailMessage]:
    payload = part.get_payload()
    if not isinstance(payload, list):
        return []
    return [child for child in payload if isinstance(child, EmailMessage)]


def _forwarded_text(inner: EmailMessage | None, out: Collector, depth: int) -> str:
    """Render an attached message as text: a separator, its main headers, its body."""
    if inner is None or depth >= MAX_DEPTH or out.forward_level >= MAX_FORWARD_LEVEL:
        return ""
    sub = Collector(forward_level=out.forward_level + 1)
    walk(inner, sub, depth + 1)
    lines = [FORWARD_SEPARATOR]
    for name in ("From", "Date", "Subject", "To"):
        raw = raw_header(inner, name)
        if raw:
            lines.append(f"{name}: {decode_header(raw)}")
    return "\n\n".join(["\n".join(lines), sub.text(), *sub.forwarded]).strip()


def _attach(
    part: EmailMessage, content_type: str, out: Collector, depth: int, *, inline: bool = False
) -> None:
    if content_type not in EMBEDDED_TYPES:
        data = payload_of(part) if not part.is_multipart() else serialise_body(part)
        inner = None
    else:
        data, inner = embedded_message(part)
        out.forwarded.append(_forwarded_text(inner, out, depth))
    if out.forward_level == 0:  # attachments inside attached messages stay in their .eml
        index = len(out.attachments) + 1
        attachment = make_attachment(part, content_type, data, inline=inline, index=index)
        out.attachments.append(attachment)


def attach_all(part: EmailMessage, out: Collector, depth: int, *, inline: bool = False) -> None:
    """Keep every leaf below a part as an attachment (signatures, reports, encrypted data)."""
    content_type = content_type_of(part)
    if content_type.startswith("multipart/") and part.is_multipart() and depth < MAX_DEPTH:
        for child in _children(part):
            attach_all(child, out, depth + 1, inline=inline)
    else:
        _attach(part, content_type, out, depth, inline=inline)


def _walk_mixed(part: EmailMessage, out: Collector, depth: int) -> None:
    for child in _children(part):
        walk(child, out, depth + 1)


def _walk_alternative(part: EmailMessage, out: Collector, depth: int) -> None:
    """Take the text from the plain alternative and the HTML from the richest one."""
    subs = []
    for child in _children(part):
        sub = Collector(forward_level=out.forward_level)
        walk(child, sub, depth + 1)
        out.absorb(sub)
        subs.append(sub)
    plain = next((s for s in subs if all(b.from_plain for b in s.bodies) and s.text()), None)
    text_source = plain or next((s for s in reversed(subs) if s.text().strip()), None)
    rich = next((s for s in reversed(subs) if s.html()), None)
    text = text_source.text() if text_source else ""
    markup = rich.html() if rich else None
    if text or markup:
        out.bodies.append(Body(text, markup, from_plain=plain is not None))


def _walk_related(part: EmailMessage, out: Collector, depth: int) -> None:
    """Walk the root of multipart/related; keep the other parts as inline attachments."""
    children = _children(part)
    start = parse_ids(_param(part, "start"))
    root = next((c for c in children if start and _content_ids(c) == start), None)
    if root is None and children:
        root = children[0]
    for child in children:
        if child is root:
            walk(child, out, depth + 1)
        else:
            attach_all(child, out, depth + 1, inline=True)


def _content_ids(part: EmailMessage) -> tuple[str, ...]:
    raw = raw_header(part, "content-id")
    return tuple(found.lower() for found in parse_ids(raw)) if raw else ()


def _walk_first_then_attach(part: EmailMessage, out: Collector, depth: int) -> None:
    """Walk the first part (signed content, report text); keep the rest as attachments."""
    for position, child in enumerate(_children(part)):
        if position == 0:
            walk(child, out, depth + 1)
        else:
            attach_all(child, out, depth + 1)


def _walk_encrypted(part: EmailMessage, out: Collector, depth: int) -> None:
    attach_all(part, out, depth)


MULTIPART_HANDLERS: dict[str, Callable[[EmailMessage, Collector, int], None]] = {
    "multipart/alternative": _walk_alternative,
    "multipart/related": _walk_related,
    "multipart/signed": _walk_first_then_attach,
    "multipart/report": _walk_first_then_attach,
    "multipart/encrypted": _walk_encrypted,
}


def _walk_part(part: EmailMessage, content_type: str, out: Collector, depth: int) -> None:
    out.defects.extend(type(defect).__name__ for defect in part.defects)
    if content_type.startswith("message/"):
        _attach(part, content_type, out, depth)
    elif content_type.startswith("multipart/") and part.is_multipart():
        MULTIPART_HANDLERS.get(content_type, _walk_mixed)(part, out, depth)
    elif _is_body(part, content_type):
        _add_body(part, content_type, out)
    else:
        _attach(part, content_type, out, depth)


def walk(part: EmailMessage, out: Collector, depth: int = 0) -> None:
    """Collect the bodies and attachments of a part and everything below it."""
    if depth > MAX_DEPTH:
        out.defects.append("MIME nesting too deep; deeper parts ignored")
        return
    content_type = content_type_of(part)
    try:
        _walk_part(part, content_type, out, depth)
    except Exception as error:  # one unreadable part must not lose the rest of the message
        logger.info("unreadable %s part", content_type, exc_info=True)
        out.defects.append(f"unreadable {content_type} part: {type(error).__name__}")
