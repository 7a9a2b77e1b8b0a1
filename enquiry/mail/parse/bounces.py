"""Read delivery reports: which recipients failed and which of our messages bounced."""

from __future__ import annotations

import re
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser

from enquiry.mail.parse.attachments import ParsedAttachment, raw_header
from enquiry.mail.parse.charsets import decode_unlabelled
from enquiry.mail.parse.headers import PARSING_POLICY, clean_address, parse_addresses, parse_ids

STATUS_TYPES = frozenset({"message/delivery-status", "message/global-delivery-status"})
ORIGINAL_TYPES = frozenset(
    {
        "message/rfc822",
        "message/global",
        "text/rfc822-headers",
        "text/rfc822-header",
        "message/rfc822-headers",
        "message/global-headers",
    }
)
_FIELD_RE = re.compile(r"^([A-Za-z-]+)\s*:\s*(.*)$")
_QMAIL_RECIPIENT_RE = re.compile(r"^\s*<([^<>\s]+@[^<>\s]+)>\s*:?\s*$", re.MULTILINE)
_INLINE_ID_RE = re.compile(r"^\s*Message-ID\s*:\s*(<[^<>\s]+>)", re.IGNORECASE | re.MULTILINE)
STATUS_SCAN_MAX = 20_000  # characters of the first text read for SMTP status lines
# "550 5.1.1 <x@example.cn>: Recipient address rejected", "452-4.2.2 Mailbox full": a reply
# code with the enhanced status code of its class, anywhere in a line.
_ENHANCED_STATUS_RE = re.compile(r"(?<![\w.])([45])\d\d[ -]\1\.\d{1,3}\.\d{1,3}(?![\w.])")
# "554 delivery error: ...", "host mx said: 550 No such user": a reply code that opens a line
# (or follows "said:" / "smtp;") and is followed by words.
_REPLY_LINE_RE = re.compile(
    r"(?:^[ \t>]*|\bsaid:[ \t]*|\bsmtp;[ \t]*)([45][0-5]\d)[ -](?=[^\n]*[^\W\d_])",
    re.IGNORECASE | re.MULTILINE,
)


@dataclass(frozen=True)
class DeliveryReport:
    """What the delivery-status parts of a report say."""

    failed: tuple[str, ...]
    other: tuple[str, ...]  # delayed, delivered, relayed or expanded

    @property
    def has_failure(self) -> bool:
        """Say whether the report tells of a failed delivery (or gives no action at all)."""
        return bool(self.failed) or not self.other


def _field_blocks(text: str) -> list[dict[str, str]]:
    """Split delivery-status text into blocks of lower-cased field names to values."""
    blocks: list[dict[str, str]] = [{}]
    for line in text.replace("\r", "").split("\n"):
        if not line.strip():
            if blocks[-1]:
                blocks.append({})
            continue
        match = _FIELD_RE.match(line)
        if match:
            blocks[-1].setdefault(match.group(1).lower(), match.group(2).strip())
    return [block for block in blocks if block]


def _recipient(block: dict[str, str]) -> str | None:
    for name in ("final-recipient", "original-recipient", "x-actual-recipient"):
        value = block.get(name, "")
        address = clean_address(value.split(";", 1)[-1])
        if address:
            return address
    return None


def read_report(attachments: tuple[ParsedAttachment, ...]) -> DeliveryReport:
    """Collect failed and other recipients from message/delivery-status attachments."""
    failed: list[str] = []
    other: list[str] = []
    for attachment in attachments:
        if attachment.content_type not in STATUS_TYPES:
            continue
        for block in _field_blocks(decode_unlabelled(attachment.data)):
            address = _recipient(block)
            action = block.get("action", "").split()[0].lower() if block.get("action") else ""
            status = block.get("status", "")
            if address is None:
                continue
            if action == "failed" or (not action and status[:1] in ("4", "5")):
                failed.append(address)
            else:
                other.append(address)
    return DeliveryReport(tuple(dict.fromkeys(failed)), tuple(dict.fromkeys(other)))


def _originals(attachments: tuple[ParsedAttachment, ...]) -> list[Message]:
    """Parse the headers of the returned original message(s) attached to a report."""
    parser = BytesParser(policy=PARSING_POLICY)
    return [
        parser.parsebytes(attachment.data, headersonly=True)
        for attachment in attachments
        if attachment.content_type in ORIGINAL_TYPES
    ]


def original_message_ids(attachments: tuple[ParsedAttachment, ...], text: str) -> tuple[str, ...]:
    """Return the Message-IDs of the returned original: attached, header part, or inline."""
    found: list[str] = []
    for original in _originals(attachments):
        value = raw_header(original, "message-id")
        found.extend(parse_ids(value) if value else ())
    if not found:
        found = [found_id for raw in _INLINE_ID_RE.findall(text) for found_id in parse_ids(raw)]
    return tuple(dict.fromkeys(found))


def original_recipients(attachments: tuple[ParsedAttachment, ...]) -> tuple[str, ...]:
    """Return the To addresses of the returned original (our mail has one recipient)."""
    found: list[str] = []
    for original in _originals(attachments):
        value = raw_header(original, "to")
        found.extend(address for _, address in parse_addresses(value or ""))
    return tuple(dict.fromkeys(found))


def inline_recipients(text: str) -> tuple[str, ...]:
    """Return recipients listed qmail-style ("<user@example.com>:") in a bounce text."""
    return tuple(dict.fromkeys(found.lower() for found in _QMAIL_RECIPIENT_RE.findall(text)))


def smtp_status_line(text: str) -> str | None:
    """Return the first SMTP 4xx/5xx reply line ("550 5.1.1 ...") of a bounce's text."""
    head = text[:STATUS_SCAN_MAX]
    found = _ENHANCED_STATUS_RE.search(head) or _REPLY_LINE_RE.search(head)
    if found is None:
        return None
    start = found.start(1) if found.re is _REPLY_LINE_RE else found.start()
    line = head[start:].split("\n", 1)[0]
    return " ".join(line.split())
