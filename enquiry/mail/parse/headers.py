"""Header decoding: encoded words, raw 8-bit bytes, addresses, message ids and dates."""

from __future__ import annotations

import base64
import binascii
import functools
import re
import unicodedata
from datetime import UTC, datetime
from email import policy
from email.headerregistry import HeaderRegistry
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from enquiry.mail.parse.charsets import decode_text, decode_unlabelled, recover

# The payload may hold white space: broken clients send "=?utf-8?Q?hello world?=", and a
# fold inside a base64 word leaves a space in it. It never holds "?", so one match never
# runs on into the next word.
_WORD_RE = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_BASE64_JUNK_RE = re.compile(rb"[^A-Za-z0-9+/]")
_QP_ESCAPE_RE = re.compile(rb"=([0-9A-Fa-f]{2})")
_NEWLINE_RE = re.compile(rb"\r\n|\r|\n")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]")
_SPACES_RE = re.compile(r"\s+")
_ID_RE = re.compile(r"<\s*([^<>\s]+?)\s*>")
# Bounded parts (RFC 5321: 64 and 255) that start at a delimiter: a long run without "@" in
# a hostile header would otherwise cost quadratic time (50 KB of From took half a minute).
_ADDR_RE = re.compile(
    r"(?<![^\s<>()\[\],;:\"'@])[^\s<>()\[\],;:\"'@]{1,64}@[^\s<>()\[\],;:\"'@]{1,255}"
)
_VALID_ADDR_RE = re.compile(r"[^\s<>()\[\],;:\"@]+@[^\s<>()\[\],;:\"@]+")
# A domain with an empty label ("a@b..cn", "a@.cn"): no relay accepts it.
_EMPTY_LABEL_RE = re.compile(r"@\.|\.\.[^@]*$")
# Dot-like separators that mean the name separator "·" (U+00B7) between name parts.
_NAME_DOTS = str.maketrans({"\u30fb": "\u00b7", "\uff65": "\u00b7", "\u2027": "\u00b7"})


HEADER_PARSE_MAX = 2000  # characters of one header value given to the structured parsers


class _BoundedHeaders(HeaderRegistry):
    """The standard header registry, parsing at most HEADER_PARSE_MAX characters of a value.

    Its structured parsers take quadratic time on long values (a 100 KB Content-Type took
    minutes); ParsedMail's own header fields come from raw_items() and are not cut.
    """

    def __init__(self) -> None:
        super().__init__()
        # The parser and the walk over the parts ask for a part's Content-Type many times, and
        # each asking parses the value afresh. Header objects are immutable (a str, read-only
        # properties), so one parse per name and value is shared.
        self._parsed = functools.lru_cache(maxsize=512)(self._parse)

    def _parse(self, name: str, value: str) -> Any:
        return super().__call__(name, value)

    def __call__(self, name: str, value: str) -> Any:
        return self._parsed(name, value[:HEADER_PARSE_MAX])


PARSING_POLICY = policy.default.clone(header_factory=_BoundedHeaders())


def forgiving_base64(data: bytes) -> bytes | None:
    """Decode base64 with junk, missing or extra padding; None when hopeless."""
    data = _BASE64_JUNK_RE.sub(b"", data)
    if len(data) % 4 == 1:
        data = data[:-1]
    try:
        return base64.b64decode(data + b"=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None


def _word_bytes(encoding: bytes, payload: bytes) -> bytes | None:
    """Decode the payload of one encoded word to bytes, or None when it is not decodable."""
    if encoding in b"qQ":
        payload = payload.replace(b"_", b" ")
        return _QP_ESCAPE_RE.sub(lambda match: bytes([int(match.group(1), 16)]), payload)
    return forgiving_base64(payload)


def _tokens(data: bytes) -> list[tuple[str | None, bytes]]:
    """Split header bytes into (charset, bytes) runs; charset None marks literal text."""
    tokens: list[tuple[str | None, bytes]] = []
    position = 0
    for match in _WORD_RE.finditer(data):
        decoded = _word_bytes(match.group(2), match.group(3))
        if decoded is None:
            continue
        literal = data[position : match.start()]
        previous_is_word = bool(tokens) and tokens[-1][0] is not None
        if literal and not (previous_is_word and not literal.strip()):
            tokens.append((None, literal))
        charset = match.group(1).decode("ascii", "replace").split("*")[0].lower()
        if tokens and tokens[-1][0] == charset:
            # Adjacent words of one charset are joined on the bytes: a character may be split.
            tokens[-1] = (charset, tokens[-1][1] + decoded)
        else:
            tokens.append((charset, decoded))
        position = match.end()
    if position < len(data):
        tokens.append((None, data[position:]))
    return tokens


def clean_line(text: str) -> str:
    """Remove line breaks and control characters and collapse runs of white space."""
    return _SPACES_RE.sub(" ", _CONTROL_RE.sub(" ", text)).strip()


def decode_header(raw: str) -> str:
    """Decode a raw header value (encoded words, raw UTF-8 or GBK) to one clean line."""
    data = _NEWLINE_RE.sub(b"", recover(raw))
    parts = [
        decode_unlabelled(chunk) if charset is None else decode_text(chunk, charset)[0]
        for charset, chunk in _tokens(data)
    ]
    return clean_line("".join(parts).replace("\ufeff", ""))


def clean_name(name: str) -> str:
    """Tidy a display name: unquote and use "·" as the name separator."""
    name = name.strip().strip("\"'").strip()
    return name.translate(_NAME_DOTS)


def address_key(address: str) -> str:
    """Return the form of an address to compare: NFKC, trimmed, lower-cased, no final dot.

    "name@yahoo.com." names the same mailbox as "name@yahoo.com" (the root of the DNS), but
    relays refuse it with 553: the dot is dropped.
    """
    return unicodedata.normalize("NFKC", address).strip().lower().rstrip(".")


def clean_address(raw: str) -> str | None:
    """Return a lower-cased address, or None when it is not a plausible address."""
    addr = address_key(decode_unlabelled(recover(raw)).strip().strip("<>"))
    if not _VALID_ADDR_RE.fullmatch(addr) or _EMPTY_LABEL_RE.search(addr):
        return None
    return addr


ADDRESS_CACHE_MAX = 500  # characters: the office's own To: arrives with every message


def parse_addresses(raw: str) -> tuple[tuple[str, str], ...]:
    """Parse an address-list header into (display name, lower-cased address) pairs."""
    if len(raw) <= ADDRESS_CACHE_MAX:
        return _parse_addresses_cached(raw)
    return _parse_addresses(raw)


@functools.lru_cache(maxsize=512)
def _parse_addresses_cached(raw: str) -> tuple[tuple[str, str], ...]:
    return _parse_addresses(raw)


def _parse_addresses(raw: str) -> tuple[tuple[str, str], ...]:
    unfolded = raw.replace("\r", "").replace("\n", "")
    try:
        pairs = getaddresses([unfolded])
    except Exception:  # the standard library parser is not hardened against every input
        pairs = []
    result = []
    for name, addr in pairs:
        clean = clean_address(addr)
        if clean:
            result.append((clean_name(decode_header(name)), clean))
    if not result:
        text = decode_header(unfolded)
        found = (address_key(found) for found in _ADDR_RE.findall(text))
        result = [("", addr) for addr in found if not _EMPTY_LABEL_RE.search(addr)]
    return tuple(result)


def parse_ids(raw: str) -> tuple[str, ...]:
    """Return the message ids in a Message-ID, In-Reply-To or References value, unbracketed."""
    value = decode_header(raw)
    ids = _ID_RE.findall(value)
    if not ids:
        ids = [token.strip("<>,;") for token in value.split() if "@" in token]
    return tuple(dict.fromkeys(found for found in ids if found))


def parse_date(raw: str) -> datetime | None:
    """Parse a Date header to an aware datetime (UTC when the zone is unknown), or None."""
    try:
        date = parsedate_to_datetime(decode_header(raw))
        if date.tzinfo is None:
            date = date.replace(tzinfo=UTC)
        date.astimezone(UTC)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return date


def parse_return_path(raw: str) -> str | None:
    """Return "" for the null sender <>, the lower-cased address, or None if unparseable."""
    value = decode_header(raw)
    if not value.replace("<", "").replace(">", "").strip():
        return ""
    addresses = parse_addresses(raw)
    return addresses[0][1] if addresses else None
