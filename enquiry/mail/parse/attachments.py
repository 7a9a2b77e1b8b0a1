"""Attachments of inbound mail: safe file names, payload bytes, embedded messages."""

from __future__ import annotations

import quopri
import re
import unicodedata
from dataclasses import dataclass, field
from email.generator import BytesGenerator
from email.message import EmailMessage, Message
from email.parser import BytesParser
from io import BytesIO

from enquiry.mail.parse.charsets import (
    NOT_8BIT_PREFIXES,
    codec_for,
    decode_raw,
    decode_unlabelled,
    has_surrogates,
    recover,
    relabel,
)
from enquiry.mail.parse.headers import PARSING_POLICY, decode_header, forgiving_base64, parse_ids

EMBEDDED_TYPES = frozenset({"message/rfc822", "message/global"})
# Serialise embedded messages as they arrived: no refolding, raw 8-bit bytes kept.
RAW_POLICY = PARSING_POLICY.clone(refold_source="none", linesep="\r\n")
MAX_FILENAME = 180
EXTENSIONS = {
    "message/rfc822": ".eml",
    "message/global": ".eml",
    "message/delivery-status": ".txt",
    "message/disposition-notification": ".txt",
    "message/feedback-report": ".txt",
    "text/rfc822-headers": ".txt",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/calendar": ".ics",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "application/pdf": ".pdf",
    "application/pgp-signature": ".asc",
    "application/pkcs7-signature": ".p7s",
    "application/x-pkcs7-signature": ".p7s",
    "application/pkcs7-mime": ".p7m",
    "application/ms-tnef": ".dat",
}
# Names for machine-readable report parts that come without one.
DEFAULT_NAMES = {
    "message/delivery-status": "delivery-status.txt",
    "message/global-delivery-status": "delivery-status.txt",
    "message/disposition-notification": "disposition-notification.txt",
    "message/feedback-report": "feedback-report.txt",
    "text/rfc822-headers": "original-headers.txt",
}
_RAW_NAME_RE = re.compile(
    r"""(?:^|;)\s*(?:file)?name\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]+))""", re.I
)
# RFC 2231 parameters: name*=charset'lang'%XX, and the numbered pieces name*0*=, name*1="...".
_EXTENDED_NAME_RE = re.compile(
    r"""(?:^|;)\s*(?:file)?name\*(\d{1,3})?(\*)?\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))""", re.I
)
_PERCENT_RE = re.compile(rb"%([0-9A-Fa-f]{2})")
_CONTENT_TYPE_RE = re.compile(
    r"\s*([^\s/;()<>@,:\\\"\[\]?=]+/[^\s/;()<>@,:\\\"\[\]?=]+)\s*(?:[;(]|$)"
)
_UNSAFE_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069\u061c]")


@dataclass(frozen=True)
class ParsedAttachment:
    """One attached or inline part, with a file name safe to show and store."""

    filename: str
    content_type: str
    data: bytes = field(repr=False)
    is_inline: bool = False
    content_id: str | None = None

    @property
    def size(self) -> int:
        """Return the size of the data in bytes."""
        return len(self.data)


def raw_header(part: Message, name: str) -> str | None:
    """Return the first raw (undecoded) value of a header of one part."""
    wanted = name.lower()
    for key, value in part.raw_items():
        if isinstance(key, str) and key.strip().lower() == wanted:
            return str(value)
    return None


def safe_filename(name: str | None, content_type: str, index: int) -> str:
    """Strip paths, control and bidi characters; fall back to attachment-N.ext."""
    name = decode_header(name) if name else ""
    name = unicodedata.normalize("NFC", _UNSAFE_RE.sub("", name))
    name = re.split(r"[\\/]", name)[-1].strip(" .\t")
    if len(name) > MAX_FILENAME:
        _, dot, extension = name.rpartition(".")
        keep = extension if dot and len(extension) <= 10 else ""
        name = name[: MAX_FILENAME - len(keep) - 1].rstrip(" .") + ("." + keep if keep else "")
    if not name:
        name = DEFAULT_NAMES.get(content_type) or (
            f"attachment-{index}{EXTENSIONS.get(content_type, '.bin')}"
        )
    return name


def _raw_filename(part: Message) -> str | None:
    """Read filename=/name= from the raw headers (unquoted encoded words, unquoted spaces)."""
    for header in ("content-disposition", "content-type"):
        match = _RAW_NAME_RE.search((raw_header(part, header) or "").replace("\n", ""))
        value = (match.group(1) or match.group(2) or "").strip() if match else ""
        if value:
            return value
    return None


def _extended_pieces(value: str) -> list[tuple[int, bool, str]]:
    """Return the (number, is_encoded, text) pieces of an RFC 2231 file name, in order."""
    pieces: dict[int, tuple[int, bool, str]] = {}
    for match in _EXTENDED_NAME_RE.finditer(value):
        number = int(match.group(1) or 0)
        text = match.group(3) if match.group(3) is not None else match.group(4)
        pieces.setdefault(number, (number, match.group(2) is not None or not match.group(1), text))
    return [pieces[number] for number in sorted(pieces)]


def _unquote_percent(data: bytes) -> bytes:
    return _PERCENT_RE.sub(lambda match: bytes([int(match.group(1), 16)]), data)


def _decode_extended(data: bytes, label: str | None) -> str:
    """Decode the bytes of an RFC 2231 value: by its label if they fit it, else as raw bytes."""
    codec = codec_for(label)
    if codec is not None and not codec.startswith(NOT_8BIT_PREFIXES):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            pass
    return decode_raw(data, label)


def _extended_filename(part: Message) -> str | None:
    """Decode an RFC 2231 file name from the raw header bytes; None if the name is not one.

    The standard library decodes each piece of a continued name on its own (a character split
    between two pieces is lost) and puts U+FFFD in for bytes its label does not fit. Here the
    pieces are joined as bytes first, then decoded by the label or, failing that, as raw header
    bytes are (UTF-8, then GB18030).
    """
    for header in ("content-disposition", "content-type"):
        value = (raw_header(part, header) or "").replace("\r", "").replace("\n", "")
        pieces = _extended_pieces(value)
        if not pieces:
            if _RAW_NAME_RE.search(value):  # a plain name here comes first, as in get_filename()
                return None
            continue
        label, data = None, b""
        for position, (_, encoded, text) in enumerate(pieces):
            chunk = recover(text)
            if encoded and position == 0 and chunk.count(b"'") >= 2:
                charset, _, chunk = chunk.split(b"'", 2)
                label = charset.decode("ascii", "replace") or None
            data += _unquote_percent(chunk) if encoded else chunk
        return _decode_extended(data, label).strip() or None
    return None


def filename_of(part: EmailMessage) -> str | None:
    """Return the declared file name of a part (RFC 2231 or encoded word), undecoded."""
    extended = _extended_filename(part)
    if extended:
        return extended
    try:
        name = part.get_filename()
    except Exception:  # a broken Content-Disposition must not lose the attachment
        name = None
    name = name.strip() if isinstance(name, str) else None
    raw = _raw_filename(part)
    lossy = name is not None and ("\ufffd" in name or has_surrogates(name))
    if raw and (not name or lossy or (len(raw) > len(name) and raw.startswith(name))):
        return raw  # the raw bytes, which the standard library's decoding lost, or more of them
    return name or None


def content_type_of(part: Message) -> str:
    """Return the lower-case content type of a part, as the standard library would."""
    # Read the raw header: the header registry is slow on messages with thousands of parts.
    raw = raw_header(part, "content-type")
    if raw is None:
        return part.get_default_type()
    match = _CONTENT_TYPE_RE.match(decode_unlabelled(recover(raw)))
    return match.group(1).lower() if match else "text/plain"


def disposition_of(part: EmailMessage) -> str | None:
    """Return "inline", "attachment" or None (also for values nobody defined)."""
    try:
        disposition = part.get_content_disposition()
    except Exception:  # malformed Content-Disposition headers
        return None
    value = disposition.lower() if isinstance(disposition, str) else None
    return value if value in ("inline", "attachment") else None


def payload_of(part: EmailMessage) -> bytes:
    """Return the transfer-decoded payload of a leaf part (empty if it has none)."""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def serialise_body(part: EmailMessage) -> bytes:
    """Return the body of a message/* part as bytes (an embedded message with its headers)."""
    buffer = BytesIO()
    BytesGenerator(buffer, mangle_from_=False, policy=RAW_POLICY).flatten(part)
    output = buffer.getvalue()
    if output.startswith(b"\r\n"):
        return output[2:]
    _, _, body = output.partition(b"\r\n\r\n")
    return body


def embedded_message(part: EmailMessage) -> tuple[bytes, EmailMessage | None]:
    """Return the bytes and the parsed form of an attached message (message/rfc822)."""
    data = serialise_body(part)
    encoding = (raw_header(part, "content-transfer-encoding") or "").strip().lower()
    if encoding in ("base64", "quoted-printable"):
        # Not allowed for message/rfc822 (RFC 2046), but sent: decode and parse again.
        data = (
            (forgiving_base64(data) or b"") if encoding == "base64" else quopri.decodestring(data)
        )
        return data, BytesParser(policy=PARSING_POLICY).parsebytes(relabel(data))
    payload = part.get_payload()
    inner = payload[0] if isinstance(payload, list) and payload else None
    return data, inner if isinstance(inner, EmailMessage) else None


def _embedded_name(data: bytes) -> str:
    headers = BytesParser(policy=PARSING_POLICY).parsebytes(data, headersonly=True)
    subject = raw_header(headers, "subject")
    return re.sub(r"[\\/]", "_", decode_header(subject))[:100] if subject else ""


def make_attachment(
    part: EmailMessage, content_type: str, data: bytes, *, inline: bool, index: int
) -> ParsedAttachment:
    """Build a ParsedAttachment from a part and its (transfer-decoded) data."""
    name = filename_of(part)
    if not name and content_type in EMBEDDED_TYPES:
        name = (_embedded_name(data) or "message") + ".eml"
    raw_id = raw_header(part, "content-id")
    ids = parse_ids(raw_id) if raw_id else ()
    disposition = disposition_of(part)
    is_inline = disposition == "inline" or (
        disposition is None and (inline or (bool(ids) and content_type.startswith("image/")))
    )
    return ParsedAttachment(
        filename=safe_filename(name, content_type, index),
        content_type=content_type,
        data=data,
        is_inline=is_inline,
        content_id=ids[0] if ids else None,
    )
