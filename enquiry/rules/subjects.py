"""Subjects and bodies: strip reply prefixes, find the ticket reference a citizen replies to."""

from __future__ import annotations

import re
import unicodedata

# The line our outgoing mail carries so that a reply finds its ticket even when the subject
# was rewritten: "[ref:WLMQ-2026-000123]". Use reference_marker() to write it.
REFERENCE_MARKER = "[ref:{reference}]"

_PREFIX_WORDS = (
    "re",
    "fw",
    "fwd",
    "aw",
    "wg",
    "sv",
    "vs",
    "vl",
    "tr",
    "rv",
    "enc",
    "res",
    "antw",
    "odp",
    "ynt",
    "回复",
    "回覆",
    "答复",
    "答覆",
    "转发",
    "轉發",
    "转寄",
    "轉寄",
)
_PREFIX_RE = re.compile(
    r"^\s*(?:"
    + "|".join(sorted(map(re.escape, _PREFIX_WORDS), key=len, reverse=True))
    + r")\s*(?:\[\d+\]|\(\d+\)|\^\d+)?\s*[:：]\s*",
    re.IGNORECASE,
)
_DASH = r"[-\u2010-\u2015\u2212]"
# As people type a reference: any dash (after NFKC a full-width "－" is "-"), an underscore,
# spaces around it, or only spaces, or nothing at all: "WLMQ - 2026 - 000010", "WLMQ2026000010".
_LOOSE_SEPARATOR = r"[ \t]*(?:[-_\u2010-\u2015\u2212\u30fc\uff70][ \t]*)?"


def _prefix_pattern(prefix: str) -> str:
    if not re.fullmatch(r"[A-Z]+", prefix):
        raise ValueError(f"a reference prefix is upper-case letters, not {prefix!r}")
    return rf"(?<![A-Za-z0-9]){re.escape(prefix)}{_DASH}(\d{{4}}){_DASH}(\d{{6}})(?!\d)"


def _loose_pattern(prefix: str) -> str:
    _prefix_pattern(prefix)  # validates the prefix
    sep = _LOOSE_SEPARATOR
    return rf"(?<![A-Za-z0-9]){re.escape(prefix)}{sep}(\d{{4}}){sep}(\d{{6}})(?!\d)"


def _ascii_digits(digits: str) -> str:
    return "".join(str(unicodedata.digit(char)) for char in digits)


def strip_reply_prefixes(subject: str) -> str:
    """Remove any number of Re:/回复：/Fw:/转发: (and similar) prefixes from a subject."""
    previous = None
    while previous != subject:
        previous = subject
        subject = _PREFIX_RE.sub("", subject, count=1)
    return subject.strip()


def reference_marker(reference: str) -> str:
    """Return the body marker line for a ticket reference."""
    return REFERENCE_MARKER.format(reference=reference)


def find_reference(subject: str, prefix: str) -> str | None:
    """Find a ticket reference (PREFIX-YYYY-NNNNNN) in a subject, bracketed ones first."""
    text = unicodedata.normalize("NFKC", strip_reply_prefixes(subject))
    body = _prefix_pattern(prefix)
    for pattern in (rf"[\[【〔]\s*{body}\s*[\]】〕]", body):
        match = re.search(pattern, text, re.IGNORECASE)
        if match:
            return f"{prefix}-{match.group(1)}-{match.group(2)}"
    return None


def find_reference_in_body(text: str, prefix: str) -> str | None:
    """Find the reference marker ("[ref:PREFIX-YYYY-NNNNNN]") anywhere in a body text."""
    pattern = r"\[\s*ref\s*:\s*" + _prefix_pattern(prefix) + r"\s*\]"
    match = re.search(pattern, unicodedata.normalize("NFKC", text), re.IGNORECASE)
    return f"{prefix}-{match.group(1)}-{match.group(2)}" if match else None


def find_bare_reference(text: str, prefix: str) -> str | None:
    """Find a reference as people type it in a subject or body ("留言编号：ＷＬＭＱ－２０２６－…").

    Anyone can type a reference: a match is a hint that the sender must confirm (by being the
    ticket's citizen), never proof on its own.
    """
    pattern = _loose_pattern(prefix)
    match = re.search(pattern, unicodedata.normalize("NFKC", text), re.IGNORECASE)
    if match is None:
        return None
    return f"{prefix}-{_ascii_digits(match.group(1))}-{_ascii_digits(match.group(2))}"
