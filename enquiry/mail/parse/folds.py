"""Repair a broken top-level header block before parsing, so From and Subject survive it.

Two breakages lose every header below them to the body: a stray line break ("\\r\\r\\n" from a
double conversion, a bare LF inside a CRLF header) that the parser reads as the blank line
ending the headers, and a continuation line without leading white space (a broken fold),
which the parser takes for the first line of the body. Only the header block is touched, and
a well-formed message comes back as the very same bytes.
"""

from __future__ import annotations

import re

# The blank line that ends the headers: two line feeds with nothing but CRs between them.
# "\r\r\n" alone (one line, ended twice) is not one.
_END_RE = re.compile(rb"\n\r*\n")
_BREAKS_RE = re.compile(rb"[\r\n]+")
# What the standard library's parser accepts as a header line (email.feedparser.headerRE).
_HEADER_LINE_RE = re.compile(rb"^(?:From |[\x21-\x39\x3b-\x7e]*:|[ \t])")
# Names that show the header block goes on below a line that is not a header.
_KNOWN_HEADER_RE = re.compile(
    rb"^(?:from|to|cc|bcc|subject|date|sender|reply-to|message-id|in-reply-to|references"
    rb"|mime-version|content-[a-z-]+|received|return-path|delivered-to|x-[a-z0-9-]+"
    rb"|list-[a-z-]+|dkim-signature|arc-[a-z-]+|authentication-results|auto-submitted"
    rb"|precedence|importance|priority|thread-[a-z]+|user-agent|organization)[ \t]*:",
    re.IGNORECASE,
)


def _fold(lines: list[bytes]) -> list[bytes]:
    """Make a non-header line a continuation when real headers follow it."""
    known = [i for i, line in enumerate(lines) if _KNOWN_HEADER_RE.match(line)]
    last_known = known[-1] if known else -1
    return [
        b" " + line if 0 < i < last_known and not _HEADER_LINE_RE.match(line) else line
        for i, line in enumerate(lines)
    ]


def repair_header_block(raw: bytes) -> bytes:
    """Return the message with stray line breaks and broken folds in its headers repaired."""
    end = _END_RE.search(raw)
    if end is None:
        return raw
    block = raw[: end.start()].rstrip(b"\r")
    eol = b"\r\n" if b"\r\n" in raw[: end.end()] else b"\n"
    repaired = eol.join(_fold(_BREAKS_RE.split(block)))
    if repaired == block and end.group() in (b"\n\n", b"\n\r\n"):
        return raw
    return repaired + eol + eol + raw[end.end() :]
