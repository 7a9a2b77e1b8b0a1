"""The mail parser and intake under Hypothesis-mutated messages built from tests/data/mail.

`enquiry.mail.inbound.parse` documents that it never raises (hopeless input comes back with
``is_parse_failure``); `enquiry.mail.ingest.ingest` raises only ``StoreError``, when the raw bytes
themselves could not be stored. Here neither raises at all, and every message is stored first:
an InboundEmail row whose blob is byte for byte the input, whatever became of it afterwards.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from enquiry.extensions import db
from enquiry.intake.ingest import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.mail.parse.inbound import ParsedMail, parse
from enquiry.models import Blob, InboundEmail, InboundSource, utcnow
from tests.hostile.site import Site

MAIL_DIR = Path(__file__).resolve().parent.parent / "data" / "mail"
SAMPLES = sorted(path.read_bytes() for path in MAIL_DIR.glob("*.eml"))
CHARSETS = [
    "utf-8",
    "gb2312",
    "gbk",
    "gb18030",
    "big5",
    "iso-8859-1",
    "utf-16",
    "utf-7",
    "koi8-r",
    "x-unknown",
    "",
    '"',
    "utf-8\x00",
    "gb2312'zh'",
    "=?",
    "a" * 300,
    "cp65001",
    "hz-gb-2312",
]
FUZZ = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # the autouse SMTP guard: harmless per example
    ],
)
PARSE_FUZZ = settings(FUZZ, max_examples=150)


def flip(raw: bytes, data: st.DataObject) -> bytes:
    if not raw:
        return raw
    index = data.draw(st.integers(0, len(raw) - 1))
    return raw[:index] + bytes([data.draw(st.integers(0, 255))]) + raw[index + 1 :]


def truncate(raw: bytes, data: st.DataObject) -> bytes:
    return raw[: data.draw(st.integers(0, len(raw)))]


def duplicate_header(raw: bytes, data: st.DataObject) -> bytes:
    head, sep, body = (
        raw.partition(b"\n\n") if b"\r\n\r\n" not in raw else raw.partition(b"\r\n\r\n")
    )
    lines = head.splitlines(keepends=True)
    if not lines:
        return raw
    line = lines[data.draw(st.integers(0, len(lines) - 1))]
    copies = data.draw(st.integers(1, 50))
    return b"".join(lines) + line * copies + sep + body


def relabel_charset(raw: bytes, data: st.DataObject) -> bytes:
    label = data.draw(st.sampled_from(CHARSETS)).encode("latin-1", "replace")
    if b"charset=" not in raw.lower():
        return raw.replace(b"\n", b"\nContent-Type: text/plain; charset=" + label + b"\n", 1)
    return re.sub(
        rb"(?i)charset=\"?[^\s;\"]*\"?",
        b"charset=" + label,
        raw,
        count=data.draw(st.integers(0, 3)),
    )


def break_boundary(raw: bytes, data: st.DataObject) -> bytes:
    match = re.search(rb'(?i)boundary="?([^";\r\n]+)"?', raw)
    if match is None:
        return raw.replace(b"\n", b'\nContent-Type: multipart/mixed; boundary="zz"\n', 1)
    boundary = match.group(1)
    choice = data.draw(st.integers(0, 3))
    if choice == 0:  # the closing delimiter vanishes
        return raw.replace(b"--" + boundary + b"--", b"")
    if choice == 1:  # the declared boundary no longer matches the parts
        return raw.replace(match.group(0), b'boundary="' + boundary[::-1] + b'"', 1)
    if choice == 2:  # an empty boundary
        return raw.replace(match.group(0), b'boundary=""', 1)
    return raw.replace(b"--" + boundary, b"--" + boundary + b"\n--" + boundary, 2)


def huge_header(raw: bytes, data: st.DataObject) -> bytes:
    name = data.draw(st.sampled_from([b"Subject", b"From", b"X-Junk", b"References", b"To"]))
    size = data.draw(st.sampled_from([999, 10_000, 100_000]))
    filler = data.draw(st.sampled_from([b"a", b"\xe4\xb8\xad", b"=?utf-8?b?5Lit?= ", b"<x@y> "]))
    return name + b": " + filler * (size // len(filler)) + b"\r\n" + raw


def add_nuls(raw: bytes, data: st.DataObject) -> bytes:
    index = data.draw(st.integers(0, len(raw)))
    return raw[:index] + b"\x00" * data.draw(st.integers(1, 8)) + raw[index:]


MUTATIONS = [
    flip,
    truncate,
    duplicate_header,
    relabel_charset,
    break_boundary,
    huge_header,
    add_nuls,
]


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    raw = draw(st.sampled_from(SAMPLES))
    data = draw(st.data())
    for mutation in draw(st.lists(st.sampled_from(MUTATIONS), min_size=1, max_size=4)):
        raw = mutation(raw, data)
    return raw


@PARSE_FUZZ
@given(raw=mutated_messages())
def test_parse_never_raises(raw: bytes) -> None:
    result = parse(raw)
    assert isinstance(result, ParsedMail)


@FUZZ
@given(raw=mutated_messages())
def test_ingest_never_raises_and_always_keeps_the_raw_message(site: Site, raw: bytes) -> None:
    with site.app.app_context():
        settings_ = IntakeSettings.from_config(site.app.config, session=db.session)
        result = ingest(
            db.session, raw, source=InboundSource.PIPE, now=utcnow(), settings=settings_
        )
        db.session.rollback()
        stored = db.session.execute(
            sa.select(Blob.data)
            .join(InboundEmail, InboundEmail.raw_sha256 == Blob.sha256)
            .where(InboundEmail.id == result.inbound_email_id)
        ).scalar_one()
        db.session.remove()
    assert bytes(stored) == raw


def test_huge_headers_are_parsed_in_bounded_time() -> None:
    """100 KB address or Content-Type headers once took minutes (quadratic parsing)."""
    raw = (MAIL_DIR / "intake-attachments.eml").read_bytes()
    inner = b"Content-Type: " + b"<x@y> " * 16_000 + b"\r\nSubject: x\r\n\r\nbody\r\n"
    embedded = (
        b'From: a@example.com\r\nSubject: fwd\r\nContent-Type: multipart/mixed; boundary="b"'
        b"\r\n\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"--b--\r\n"
    )
    messages = [embedded] + [
        name + b": " + filler * (100_000 // len(filler)) + b"\r\n" + raw
        for name, filler in [(b"From", b"a"), (b"To", b"@a"), (b"Content-Type", b"<x@y> ")]
    ]
    for message in messages:
        started = time.monotonic()
        assert isinstance(parse(message), ParsedMail)
        assert time.monotonic() - started < 10, message[:40]
