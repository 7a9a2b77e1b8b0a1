"""Classes of real-world mail variants, generated: a mail system's sender in any spelling with
an SMTP reply line, references typed every way people type them, and Chinese headers and file
names under every charset label, encoding and broken fold we have seen.

Pure tests run on the parser alone; the intake tests run on the seeded hostile site (SQLite and
PostgreSQL) and check the rules end to end: a bounce is never answered and opens nothing, and
a typed reference joins a ticket only when its own citizen wrote it.
"""

from __future__ import annotations

import base64
import uuid
from urllib.parse import quote_from_bytes

import sqlalchemy as sa
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from enquiry.extensions import db
from enquiry.intake.ingest import ingest
from enquiry.intake.settings import IntakeSettings
from enquiry.mail.parse.classify import classify
from enquiry.mail.parse.inbound import parse
from enquiry.models import (
    InboundOutcome,
    InboundSource,
    Message,
    MessageKind,
    OutboundEmail,
    Ticket,
    utcnow,
)
from tests.hostile.site import Site
from tests.hostile.test_mail_fuzz import FUZZ

PURE = settings(FUZZ, max_examples=150)
OWN = frozenset({"xxgk@enquiry.localhost"})
DOMAINS = frozenset({"enquiry.localhost"})

# --- generators -------------------------------------------------------------------------------

DAEMON_WORDS = [("post", "master"), ("mailer", "daemon"), ("mail", "daemon")]
SEPARATORS = ["", "-", "_", "."]
REPLY_TEXTS = [
    "<{rcpt}>: Recipient address rejected: User unknown",
    "Mailbox full",
    "delivery error: dd This user doesn't have an account",
    "用户不存在",
    "Requested action not taken: mailbox unavailable",
]
# GBK-only characters (喆 堃 镕) and common ones; letters and digits as people mix them in.
CJK = "喆堃镕王李张社区公交站更名咨询供暖申请表身份证明关于请问谢谢"
TEXT = st.text(alphabet=CJK + "ABCxyz0123456789", min_size=1, max_size=16)
FILE_STEM = st.text(alphabet=CJK + "abc123", min_size=1, max_size=12)
FULL_WIDTH = {chr(c): chr(c + 0xFEE0) for c in range(0x21, 0x7F)}
DASHES = ["-", "－", "—", "–", "‐", "_", " - ", " ", "", "\u3000", " －"]
LABELS = ["留言编号：", "留言编号: ", "编号", "Ref ", "", "（", "回复 ", "您的编号是"]
ENDINGS = ["", "。", "）", "的处理结果", ", thanks", "\n"]


@st.composite
def daemon_addresses(draw: st.DrawFn) -> str:
    first, second = draw(st.sampled_from(DAEMON_WORDS))
    local = first + draw(st.sampled_from(SEPARATORS)) + second
    local = "".join(c.upper() if draw(st.booleans()) else c for c in local)
    tag = draw(st.sampled_from(["", "+bounces", "+123"]))
    return f"{local}{tag}@{draw(st.sampled_from(['mail.example.cn', 'qq.com', 'mx.163.com']))}"


@st.composite
def reply_lines(draw: st.DrawFn) -> str:
    code = draw(st.sampled_from(["550", "551", "552", "553", "554", "450", "451", "452"]))
    enhanced = draw(st.sampled_from(["", f"{code[0]}.1.1 ", f"{code[0]}.2.2 ", f"{code[0]}.7.1 "]))
    joint = draw(st.sampled_from([" ", "-"]))
    text = draw(st.sampled_from(REPLY_TEXTS)).format(rcpt="x@example.cn")
    lead = draw(st.sampled_from(["", "    ", "> ", "host mx.example.cn said: "]))
    return f"{lead}{code}{joint}{enhanced}{text}"


def bounce_message(sender: str, line: str, subject: str) -> bytes:
    return (
        f"From: {sender}\r\nTo: xxgk@enquiry.localhost\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4()}@mail.example.cn>\r\n"
        "Content-Type: text/plain; charset=utf-8\r\n\r\n"
        f"您好，您发送的邮件未能投递。\r\n\r\n{line}\r\n\r\n本邮件由系统自动发送。\r\n"
    ).encode()


@st.composite
def typed(draw: st.DrawFn, reference: str) -> str:
    """A reference as a person might type it."""
    prefix, year, number = reference.split("-")
    dash = draw(st.sampled_from(DASHES))
    text = f"{prefix}{dash}{year}{draw(st.sampled_from([dash, *DASHES]))}{number}"
    if draw(st.booleans()):
        text = text.lower()
    if draw(st.booleans()):
        text = "".join(FULL_WIDTH.get(c, c) if draw(st.booleans()) else c for c in text)
    return draw(st.sampled_from(LABELS)) + text + draw(st.sampled_from(ENDINGS))


def encoded_words(draw: st.DrawFn, text: str) -> str:
    """The text as one or more encoded words, split anywhere, with stray spaces inside."""
    charset = draw(st.sampled_from(["gb2312", "GBK", "gb18030", "utf-8", "UTF-8"]))
    data = text.encode("gb18030" if charset.lower() != "utf-8" else "utf-8")
    cut = draw(st.integers(0, len(data)))
    words = []
    for chunk in (data[:cut], data[cut:]):
        if not chunk:
            continue
        if draw(st.booleans()):
            payload = base64.b64encode(chunk).decode()
            kind = "B"
        else:
            payload = "".join(f"={b:02X}" for b in chunk)
            kind = "Q"
        at = draw(st.integers(0, len(payload)))
        if kind == "B" and draw(st.booleans()):  # a literal space inside, as broken clients send
            payload = payload[:at] + " " + payload[at:]
        words.append(f"=?{charset}?{kind}?{payload}?=")
    fold = draw(st.sampled_from([" ", "\r\n ", "\r\n\t", "\r\n"]))  # "\r\n": a broken fold
    return fold.join(words)


@st.composite
def chinese_messages(draw: st.DrawFn) -> tuple[bytes, str, str]:
    """A message with a Chinese subject and sender name in some encoding; the texts expected."""
    subject, name = draw(TEXT), draw(TEXT)
    form = draw(st.sampled_from(["raw-gbk", "raw-utf8", "words"]))
    if form == "raw-gbk":
        for text in (subject, name):  # GBK bytes that happen to be valid UTF-8 are ambiguous
            assume(not _is_utf8(text.encode("gb18030")))
        subject_bytes, name_bytes = subject.encode("gb18030"), name.encode("gb18030")
    elif form == "raw-utf8":
        subject_bytes, name_bytes = subject.encode(), name.encode()
    else:
        subject_bytes = encoded_words(draw, subject).encode()
        name_bytes = encoded_words(draw, name).encode().replace(b"\r\n", b"")
    label = draw(st.sampled_from(["iso-8859-1", "windows-1252", "us-ascii", "utf-8", "gb2312"]))
    top = draw(st.sampled_from([b"", b"Received: from a by b;\r\r\n\tThu, 5 Feb 2026\r\n"]))
    raw = (
        top + b"Subject: " + subject_bytes + b"\r\n"
        b"From: " + name_bytes + b" <wangrz@example.cn>\r\n"
        b"To: xxgk@enquiry.localhost\r\nMessage-ID: <v@example.cn>\r\n"
        b"Content-Type: text/plain; charset=" + label.encode() + b"\r\n\r\nbody\r\n"
    )
    eol = draw(st.sampled_from([b"\r\n", b"\n"]))
    return raw.replace(b"\r\n", eol) if eol != b"\r\n" else raw, subject, name


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@st.composite
def file_name_parts(draw: st.DrawFn) -> tuple[bytes, str]:
    """A Content-Disposition carrying a Chinese file name in some raw or RFC 2231 form."""
    name = draw(FILE_STEM) + ".pdf"
    codec = draw(st.sampled_from(["gb18030", "utf-8"]))
    data = name.encode(codec)
    assume(codec == "utf-8" or not _is_utf8(data))
    form = draw(st.sampled_from(["raw", "2231", "2231-continued"]))
    if form == "raw":
        return b'attachment; filename="' + data + b'"', name
    label = draw(
        st.sampled_from(["utf-8", "", "us-ascii", "gbk"] if codec != "utf-8" else ["utf-8"])
    )
    if form == "2231":
        return f"attachment; filename*={label}''{quote_from_bytes(data, safe='')}".encode(), name
    cut = draw(st.integers(0, len(data)))  # anywhere, even inside a character
    first, rest = quote_from_bytes(data[:cut], safe=""), quote_from_bytes(data[cut:], safe="")
    return (f"attachment;\r\n filename*0*={label}''{first};\r\n filename*1*={rest}").encode(), name


# --- pure -------------------------------------------------------------------------------------


@PURE
@given(sender=daemon_addresses(), line=reply_lines(), subject=st.sampled_from(["Re: 您的留言", ""]))
def test_any_daemon_spelling_with_a_reply_line_is_a_bounce(
    sender: str, line: str, subject: str
) -> None:
    mail = parse(bounce_message(sender, line, subject))
    result = classify(mail, own_addresses=OWN, own_message_id_domains=DOMAINS)
    assert result.is_bounce and result.is_automatic, (sender, line, result.reasons)


@PURE
@given(data=st.data(), number=st.integers(1, 999_999), year=st.integers(2000, 2099))
def test_typed_reference_spellings_are_read(data: st.DataObject, number: int, year: int) -> None:
    from enquiry.rules.subjects import find_bare_reference

    reference = f"WLMQ-{year}-{number:06d}"
    text = data.draw(typed(reference))
    assert find_bare_reference(f"您好：\n{text}\n谢谢", "WLMQ") == reference, text


@PURE
@given(message=chinese_messages())
def test_chinese_headers_survive_charsets_encodings_and_broken_folds(
    message: tuple[bytes, str, str],
) -> None:
    raw, subject, name = message
    mail = parse(raw)
    assert mail.subject == subject, raw
    assert (mail.from_name, mail.from_addr) == (name, "wangrz@example.cn"), raw


@PURE
@given(disposition=file_name_parts())
def test_chinese_file_names_survive_raw_bytes_and_rfc2231(disposition: tuple[bytes, str]) -> None:
    header, name = disposition
    raw = (
        b'From: a@example.cn\r\nSubject: x\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
        b"--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: " + header + b"\r\n\r\n%PDF-1.4\r\n--b--\r\n"
    )
    assert [a.filename for a in parse(raw).attachments] == [name], header


# --- through intake ---------------------------------------------------------------------------


def _take(site: Site, raw: bytes) -> tuple[InboundOutcome, int | None]:
    settings_ = IntakeSettings.from_config(site.app.config, session=db.session)
    result = ingest(db.session, raw, source=InboundSource.PIPE, now=utcnow(), settings=settings_)
    return result.outcome, result.ticket_id


def _count(model: type) -> int:
    return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)) or 0)


@FUZZ
@given(sender=daemon_addresses(), line=reply_lines(), reference=st.booleans())
def test_daemon_bounces_open_nothing_and_are_never_answered(
    site: Site, sender: str, line: str, reference: bool
) -> None:
    with site.app.app_context():
        named = site.ids["reference_seed"]
        subject = f"Re: [{named}] 您的留言已受理" if reference else "Re: 您的留言已受理"
        before = (_count(Ticket), _count(OutboundEmail), _count(Message))
        outcome, _ = _take(site, bounce_message(sender, line, subject))
        assert outcome is InboundOutcome.BOUNCE, (sender, line)
        assert (_count(Ticket), _count(OutboundEmail), _count(Message)) == before
        db.session.remove()


@FUZZ
@given(data=st.data(), from_citizen=st.booleans(), in_subject=st.booleans())
def test_a_typed_reference_joins_a_ticket_only_for_its_citizen(
    site: Site, data: st.DataObject, from_citizen: bool, in_subject: bool
) -> None:
    named = site.fresh_ticket()
    text = data.draw(typed(named["reference"])).replace("\n", " ")
    if from_citizen:
        sender = data.draw(st.sampled_from(["zhang.san@example.com", "Zhang.San@EXAMPLE.com."]))
    else:
        sender = data.draw(st.sampled_from(["li.si@example.com", "zhang.san@example.org"]))
    subject, body = (text, "请看附件") if in_subject else ("补充材料", f"您好：\r\n{text}\r\n")
    raw = (
        f"From: {sender}\r\nTo: xxgk@enquiry.localhost\r\nSubject: {subject}\r\n"
        f"Message-ID: <{uuid.uuid4()}@example.com>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}"
    ).encode()
    with site.app.app_context():
        outcome, ticket_id = _take(site, raw)
        citizen_messages = db.session.scalar(
            sa.select(sa.func.count()).where(
                Message.ticket_id == named["ticket_id"], Message.kind == MessageKind.CITIZEN
            )
        )
        db.session.remove()
    if from_citizen:
        assert (outcome, ticket_id) == (InboundOutcome.APPENDED, named["ticket_id"]), text
        assert citizen_messages == 2
    else:
        assert outcome is InboundOutcome.CREATED and ticket_id != named["ticket_id"], text
        assert citizen_messages == 1
