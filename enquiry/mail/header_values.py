"""Header values for outgoing mail, written by us and never re-read by the email package. Pure.

A citizen can type a literal RFC 2047 encoded word, "=?utf-8?q?Notice=0D=0ABcc=3A_x=40evil?=".
Passed through as ASCII, every reader decodes it to "Notice\\r\\nBcc: x@evil", and before
3.11.10 / 3.12.5 (CVE-2024-6923) the standard library did so itself while writing the message,
turning it into a real Bcc header. So no value here is handed to the email package as text:

- user text is cleaned of control characters and line separators, then written either as plain
  words (printable ASCII holding no "=?") or entirely as our own base64 UTF-8 encoded words,
  whose decoded text is exactly the cleaned text: a literal "=?...?=" is itself encoded and
  decodes to inert characters;
- addresses and Message-IDs are checked against a strict grammar and written as they are;
- each value is a `PreFolded`, which the email policy writes through its own `fold()`.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable
from email.policy import Policy

LINE_LIMIT = 78  # RFC 5322: lines SHOULD be no longer
WORD_BYTES = 42  # base64 of 42 bytes is 56 characters: "Subject: =?utf-8?b?…?=" is 77
PLAIN_WORD_MAX = LINE_LIMIT - 2  # a plain word on a continuation line: " word"
ID_MAX = 250  # one Message-ID on its own line stays far below SMTP's 998
ADDRESS_MAX = 254

# Replaced by a space in user text: C0 and C1 controls, DEL, the Unicode line and paragraph
# separators (U+0085 is C1) and lone surrogates (undecodable bytes kept by surrogateescape).
CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*")
_MESSAGE_ID = re.compile(r"<[A-Za-z0-9!#$%&'*+/=?^_`{|}~.@-]+>")
_ATOMS = re.compile(rf"{_ATOM}(?: {_ATOM})*")
ENCODED_WORD_START = "=?"


class UnsafeHeaderError(ValueError):
    """A value cannot be written into a header safely."""


class PreFolded(str):
    """A header value encoded and folded here; email.policy passes objects with a name through.

    Every character, spaces included, sits inside an encoded word, so the only white space
    between words is folding white space, which RFC 2047 readers drop: the text survives.
    Plain parts are words that were separated by one space, which folding keeps.
    """

    name: str
    parts: tuple[str, ...]

    def __new__(cls, name: str, text: str, parts: Iterable[str]) -> PreFolded:
        value = super().__new__(cls, text)
        value.name, value.parts = name, tuple(parts)
        return value

    def fold(self, *, policy: Policy) -> str:
        """Return "Name: part part" folded at LINE_LIMIT columns, lines ending in linesep."""
        lines = [f"{self.name}:"]
        for part in self.parts:
            if len(lines[-1]) + 1 + len(part) > LINE_LIMIT and len(lines[-1]) > len(self.name) + 1:
                lines.append("")
            lines[-1] += " " + part
        return policy.linesep.join(lines) + policy.linesep


def clean_text(text: str) -> str:
    """Return text fit for a header: controls and separators made spaces, white space collapsed."""
    return " ".join(CONTROLS.sub(" ", text).split())


def is_plain(text: str) -> bool:
    """True when cleaned text may go out as it is: printable ASCII words with no encoded word."""
    return (
        text.isascii()
        and text.isprintable()
        and ENCODED_WORD_START not in text
        and all(len(word) <= PLAIN_WORD_MAX for word in text.split(" "))
    )


def encoded_words(text: str) -> list[str]:
    """Split text into base64 UTF-8 encoded words of whole characters, each fitting a line."""
    chunks: list[bytes] = []
    for char in text:
        data = char.encode()
        if not chunks or len(chunks[-1]) + len(data) > WORD_BYTES:
            chunks.append(b"")
        chunks[-1] += data
    return [f"=?utf-8?b?{base64.b64encode(chunk).decode('ascii')}?=" for chunk in chunks]


def unstructured(name: str, text: str) -> PreFolded:
    """Return a free-text header (Subject) carrying the cleaned text and nothing else."""
    text = clean_text(text)
    return PreFolded(name, text, text.split() if is_plain(text) else encoded_words(text))


def is_address(value: str) -> bool:
    """True for an ASCII dot-atom address we can write as is (no quoting, no encoded word)."""
    return (
        len(value) <= ADDRESS_MAX
        and ENCODED_WORD_START not in value
        and _ADDRESS.fullmatch(value) is not None
    )


def checked_address(value: str) -> str:
    """Return the address, or raise UnsafeHeaderError."""
    if not is_address(value):
        raise UnsafeHeaderError(f"not an address we can write safely: {value[:300]!r}")
    return value


def mailbox(name: str, display_name: str, address: str) -> PreFolded:
    """Return "Display Name <address>" (From) with the name plain or as encoded words."""
    address = checked_address(address)
    display = clean_text(display_name)
    if not display:
        return PreFolded(name, address, [address])
    plain = is_plain(display) and _ATOMS.fullmatch(display) is not None
    words = display.split() if plain else encoded_words(display)
    return PreFolded(name, f"{display} <{address}>", [*words, f"<{address}>"])


def address_only(name: str, address: str) -> PreFolded:
    """Return a header holding one bare address (To, Reply-To)."""
    address = checked_address(address)
    return PreFolded(name, address, [address])


def is_message_id(value: str) -> bool:
    """True for "<id>" of printable ASCII atom characters, with no encoded word inside."""
    return (
        len(value) <= ID_MAX
        and ENCODED_WORD_START not in value
        and _MESSAGE_ID.fullmatch(value) is not None
    )


def message_ids(name: str, ids: Iterable[str]) -> PreFolded:
    """Return a Message-ID, In-Reply-To or References header; every id must be checked."""
    found = list(ids)
    for value in found:
        if not is_message_id(value):
            raise UnsafeHeaderError(f"not a Message-ID we can write safely: {value[:300]!r}")
    return PreFolded(name, " ".join(found), found)


def fixed(name: str, value: str) -> PreFolded:
    """Return a header whose value is ours (Date, Auto-Submitted): printable ASCII, no "=?"."""
    if not is_plain(value):
        raise UnsafeHeaderError(f"unexpected {name} value {value!r}")
    return PreFolded(name, value, [value])
