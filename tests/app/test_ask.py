"""The enquiry form at /ask: a valid submission, every bad input, anti-spam and attachments."""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from itsdangerous import URLSafeSerializer
from markupsafe import escape
from sqlalchemy import event, func, select
from werkzeug.test import TestResponse

from enquiry.domain import formtoken
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.mail import outbound
from enquiry.models import (
    Attachment,
    AuditEvent,
    Blob,
    Department,
    Message,
    MessageKind,
    OutboundEmail,
    Report,
    ReportSection,
    Status,
    Ticket,
    UsedFormToken,
    utcnow,
)
from enquiry.public import ask
from enquiry.rules import references
from tests.conftest import hidden_fields

REFERENCE = re.compile(r"^WLMQ-\d{4}-\d{6}$")
CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(?:-[0-9A-HJKMNP-TV-Z]{4}){4}$")
CONFIRMATION = re.compile(r'<dd class="[^"]*code-box"><bdi dir="ltr">([^<]+)</bdi></dd>')
COUNTED = (Ticket, Message, Attachment, Blob, OutboundEmail, AuditEvent, UsedFormToken)


# Helpers shared with the tracking and concurrency tests ----------------------------------------


def add_default_department(app: Flask) -> None:
    """Give an app built with make_app(...) the default department the `app` fixture has."""
    with app.app_context():
        db.session.add(
            Department(
                code="egov",
                name_zh="电子政务办公室",
                name_en="E-Government Office",
                is_default=True,
            )
        )
        db.session.commit()


def app_with(make_app: Callable[..., Flask], **config: Any) -> Flask:
    """An app with the given settings, an empty schema and the default department."""
    app = make_app(**config)
    add_default_department(app)
    return app


def in_locale(app: Flask, locale: str, text: Any) -> str:
    """Render a lazy string as a reader of that locale sees it."""
    with app.test_request_context(headers={"Accept-Language": locale}):
        return str(escape(str(text)))


def english(client: FlaskClient) -> FlaskClient:
    """Make the client's requests ask for English, so messages read as written in the code."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def valid_form(**overrides: Any) -> dict[str, Any]:
    """The fields of a valid question; overrides replace or add fields."""
    data: dict[str, Any] = {
        "kind": "question",
        "section": "",
        "subject": "关于2013年报告的问题",
        "message": "请问依申请公开的答复时限是多少个工作日？",
        "name": "买买提·艾力",
        "email": "maimaiti@example.com",
        "phone": "13912345678",
    }
    data.update(overrides)
    return data


def post_enquiry(client: FlaskClient, **overrides: Any) -> TestResponse:
    """Open the form like a browser (for its hidden fields), then send it."""
    page = client.get("/ask")
    assert page.status_code == 200
    data = {**hidden_fields(page.get_data(as_text=True)), **valid_form(**overrides)}
    return client.post("/ask", data=data)


@dataclass(frozen=True)
class Confirmation:
    reference: str
    code: str
    html: str


def read_confirmation(client: FlaskClient) -> Confirmation:
    """Read the reference and code the confirmation page shows."""
    page = client.get("/ask/submitted")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    reference, code = CONFIRMATION.findall(html)
    return Confirmation(reference=reference, code=code, html=html)


def submit_enquiry(client: FlaskClient, **overrides: Any) -> Confirmation:
    """Send a valid enquiry and return what the confirmation page shows."""
    response = post_enquiry(client, **overrides)
    assert response.status_code == 303, response.get_data(as_text=True)
    return read_confirmation(client)


def stored_counts(app: Flask) -> dict[str, int]:
    """Rows in every table a submission writes to."""
    with app.app_context():
        return {
            model.__tablename__: db.session.scalar(select(func.count()).select_from(model)) or 0
            for model in COUNTED
        }


def only_ticket(app: Flask) -> Ticket:
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        db.session.expunge(ticket)
        return ticket


def png_bytes(width: int = 1, height: int = 1, seed: int = 0) -> bytes:
    """A valid PNG; different seeds give different pixels, hence different files."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes([seed % 256, 0, 0]) * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


PDF = (
    b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
    b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
    b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
)
# A Windows executable's header (MZ, then the DOS stub) with no NUL byte in it.
EXECUTABLE = b"MZ\x90\x01\x03\x01\x04\x01" + b"\xff\xff\x01\x01" * 16 + b"This program"


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return (io.BytesIO(data), name)


def assert_kept(html: str, data: dict[str, Any], *fields: str) -> None:
    """What the citizen typed in these fields is in the re-shown form."""
    for name in fields:
        assert str(escape(data[name])) in html, f"{name} was not kept"


@contextmanager
def counting_commits(app: Flask) -> Iterator[list[object]]:
    """Record every COMMIT the app's engine sends while the block runs."""
    with app.app_context():
        engine = db.engine
    commits: list[object] = []

    def on_commit(connection: object) -> None:
        commits.append(connection)

    event.listen(engine, "commit", on_commit)
    try:
        yield commits
    finally:
        event.remove(engine, "commit", on_commit)


@pytest.fixture
def citizen(client: FlaskClient) -> FlaskClient:
    """A browser reading the site in English."""
    return english(client)


# The form ---------------------------------------------------------------------------------------


def test_form_offers_the_five_kinds_a_honeypot_and_a_fresh_token(
    app: Flask, citizen: FlaskClient
) -> None:
    response = citizen.get("/ask")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    kinds = re.findall(r'<input[^>]*name="kind"[^>]*type="radio" value="([^"]+)"', html)
    assert kinds == ["question", "suggestion", "complaint", "info_application", "other"]
    for label in ("Question", "Suggestion", "Complaint", "Application for government", "Other"):
        assert label in html
    assert re.search(r'<div class="hp-field" aria-hidden="true">\s*<label for="website">', html)
    assert re.search(r'<input[^>]*name="website"[^>]*tabindex="-1"[^>]*value=""', html)
    token = hidden_fields(html)["form_token"]
    nonce = formtoken.check(
        token, secret=app.config["SECRET_KEY"], now=utcnow(), min_seconds=0, max_seconds=60
    )
    assert nonce
    assert hidden_fields(citizen.get("/ask").get_data(as_text=True))["form_token"] != token
    consent = re.search(r'<input[^>]*id="consent_publish"[^>]*>', html)
    assert consent is not None and "checked" not in consent.group(0)  # opt-in, off by default


def selected_section(html: str) -> str:
    select_box = re.search(r'<select[^>]*id="section".*?</select>', html, re.DOTALL)
    assert select_box is not None
    [value] = re.findall(r'<option selected value="(\d*)"', select_box.group(0))
    return value


def add_report_section(app: Flask) -> int:
    with app.app_context():
        report = Report(year=2013, title="乌鲁木齐市人民政府机关2013年度政府信息公开工作报告")
        report.sections = [
            ReportSection(
                anchor="s1", number="一、", level=1, position=0, heading="概述", body="…"
            ),
            ReportSection(
                anchor="s1-1", number="(一)", level=2, position=1, heading="加强领导", body="…"
            ),
        ]
        db.session.add(report)
        db.session.commit()
        return report.sections[1].id


def test_report_and_section_in_the_query_preselect_the_section(
    app: Flask, citizen: FlaskClient
) -> None:
    section_id = add_report_section(app)
    html = citizen.get("/ask?report=2013&section=s1-1").get_data(as_text=True)
    assert selected_section(html) == str(section_id)
    assert '<optgroup label="2013 report">' in html
    assert "\u2068(一) 加强领导\u2069" in html  # isolated: reads right inside Uyghur too

    for query in ("report=2013&section=nowhere", "report=2012&section=s1-1", "section=s1-1"):
        html = citizen.get(f"/ask?{query}").get_data(as_text=True)
        assert selected_section(html) == "", query

    submit_enquiry(citizen, section=str(section_id))
    assert only_ticket(app).report_section_id == section_id


def test_an_unknown_section_is_refused(app: Flask, citizen: FlaskClient) -> None:
    add_report_section(app)
    before = stored_counts(app)
    response = post_enquiry(citizen, section="999999")
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert stored_counts(app) == before


# A valid submission -----------------------------------------------------------------------------


def test_a_valid_submission_opens_a_ticket_and_confirms_it(
    app: Flask, citizen: FlaskClient
) -> None:
    response = post_enquiry(citizen)
    assert response.status_code == 303
    assert response.headers["Location"] == "/ask/submitted"

    confirmation = read_confirmation(citizen)
    assert REFERENCE.match(confirmation.reference)
    assert CODE.match(confirmation.code)
    link = f"http://enquiry.test/track/{confirmation.reference}/{confirmation.code}"
    assert f'href="{link}"' in confirmation.html
    assert "Keep the reference number and the retrieval code." in confirmation.html

    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        assert ticket.reference == confirmation.reference
        assert ticket.status is Status.RECEIVED
        assert ticket.department.code == "egov"
        assert ticket.subject == "关于2013年报告的问题"
        assert ticket.citizen_name == "买买提·艾力"
        assert ticket.citizen_email == "maimaiti@example.com"
        assert ticket.citizen_phone == "+8613912345678"
        assert ticket.locale == "en"
        assert ticket.is_publication_consented is False
        assert ticket.applicant_type is None
        assert ticket.due_on is not None and ticket.due_on > ticket.received_on
        [message] = ticket.messages
        assert message.kind is MessageKind.CITIZEN
        assert message.body == "请问依申请公开的答复时限是多少个工作日？"

        [opened] = db.session.scalars(select(AuditEvent)).all()
        assert opened.action == "ticket.opened"
        assert opened.ticket_id == ticket.id
        assert opened.actor_label == "citizen"
        assert opened.detail["reference"] == ticket.reference

        [mail] = db.session.scalars(select(OutboundEmail)).all()
        domain = app.config["MAIL_DOMAIN"]
        assert mail.ticket_id == ticket.id
        assert mail.template == "acknowledgement"
        assert mail.to_addr == "maimaiti@example.com"
        assert ticket.reference in mail.subject
        assert confirmation.code in mail.body_text
        assert mail.body_html is not None and confirmation.code in mail.body_html
        assert mail.message_id.startswith("<") and mail.message_id.endswith(f"@{domain}>")
        assert mail.reply_to is not None and mail.reply_to.endswith(f"@{domain}")
        assert ticket.reference in mail.reply_to
        assert mail.is_automatic


def test_the_acknowledgement_is_the_mail_rendered_for_the_numbered_ticket(
    app: Flask, citizen: FlaskClient
) -> None:
    """It is rendered before the reference is taken (with a stand-in), then named: the outbox
    holds exactly what rendering it for the stored ticket gives, a long subject cut the same."""
    long_subject = "关于2013年政府信息公开工作年度报告中依申请公开数据的问题" * 6
    confirmation = submit_enquiry(citizen, subject=long_subject[:200])
    with app.app_context():
        ticket = db.session.scalars(select(Ticket)).one()
        [mail] = db.session.scalars(select(OutboundEmail)).all()
        identity = policy_from_config(app.config, session=db.session).mail
        context = {"access_code": confirmation.code}
        again = outbound.render_for(ticket, "acknowledgement", identity, context)
    assert len(mail.subject) == outbound.SUBJECT_MAX and ticket.reference in mail.subject
    assert mail.subject == outbound.header_safe(again.subject)
    assert (mail.body_text, mail.body_html) == (again.text, again.html)
    assert not re.search(r"\[[0-9a-f]{24}\]", mail.subject + mail.body_text + mail.body_html)


def test_the_view_writes_everything_in_one_transaction(app: Flask, citizen: FlaskClient) -> None:
    page = citizen.get("/ask")
    data = {**hidden_fields(page.get_data(as_text=True)), **valid_form()}
    with counting_commits(app) as commits:
        response = citizen.post("/ask", data=data)
    assert response.status_code == 303
    assert len(commits) == 1
    counts = stored_counts(app)
    assert counts == {
        "tickets": 1,
        "messages": 1,
        "attachments": 0,
        "blobs": 0,
        "outbound_emails": 1,
        "audit_events": 1,
        "used_form_tokens": 1,
    }


def test_a_failure_while_queueing_the_mail_leaves_nothing_behind(
    app: Flask, citizen: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_queue(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the outbox is unavailable")

    monkeypatch.setattr(outbound, "queue", broken_queue)
    before = stored_counts(app)
    with pytest.raises(RuntimeError, match="outbox"):
        post_enquiry(citizen, attachments=[upload(png_bytes(), "scan.png")])
    assert stored_counts(app) == before


def test_each_submission_gets_the_next_reference_and_its_own_code(
    app: Flask, citizen: FlaskClient
) -> None:
    first = submit_enquiry(citizen)
    second = submit_enquiry(citizen)
    year = first.reference.split("-")[1]
    assert first.reference == f"WLMQ-{year}-000001"
    assert second.reference == f"WLMQ-{year}-000002"
    assert first.code != second.code


def test_the_code_is_stored_only_as_its_hash(app: Flask, citizen: FlaskClient) -> None:
    confirmation = submit_enquiry(citizen)
    bare = confirmation.code.replace("-", "")
    with app.app_context():
        row = db.session.execute(select(Ticket.__table__)).one()
        for column, value in row._mapping.items():
            assert confirmation.code not in str(value), column
            assert bare not in str(value), column
        assert row.access_code_hash == references.hash_code(confirmation.code)
        assert len(row.access_code_hash) == 64
        for detail in db.session.scalars(select(AuditEvent.detail)):
            assert bare not in str(detail).replace("-", "")


def test_the_confirmation_page_needs_a_submission(citizen: FlaskClient) -> None:
    response = citizen.get("/ask/submitted")
    assert response.status_code == 302
    assert response.headers["Location"] == "/ask"


def test_an_information_application_records_what_the_law_requires(
    app: Flask, citizen: FlaskClient
) -> None:
    submit_enquiry(
        citizen,
        kind="info_application",
        applicant_type="research",
        info_description="2013年政府信息公开工作年度报告的统计附表",
        delivery_form="email",
        consent_publish="y",
    )
    ticket = only_ticket(app)
    assert ticket.kind.value == "info_application"
    assert ticket.applicant_type is not None and ticket.applicant_type.value == "research"
    assert ticket.info_description == "2013年政府信息公开工作年度报告的统计附表"
    assert ticket.delivery_form is not None and ticket.delivery_form.value == "email"
    assert ticket.is_publication_consented is True


@pytest.mark.parametrize(
    ("locale", "kind", "heading", "registered"),
    [
        ("zh-CN", "question", "您的留言已收到", "您的留言我们已收到并登记"),
        ("zh-CN", "info_application", "您的申请已收到", "您的政府信息公开申请我们已收到并登记"),
        ("en", "info_application", "Your application has been received", "your application for"),
        ("ug", "info_application", "ئىلتىماسىڭىز تاپشۇرۇۋېلىندى", "ئاشكارىلاش ئىلتىماسىڭىزنى"),
    ],
)
def test_the_confirmation_and_acknowledgement_name_an_application_as_one(
    app: Flask, client: FlaskClient, locale: str, kind: str, heading: str, registered: str
) -> None:
    """A question is a 留言; an application for government information is a 申请, and the date
    in the acknowledgement is the neutral 收到日期 (the 登记回执 names 收到申请日期)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    fields = {**APPLICATION, "info_description": APPLICATION_TEXT} if kind != "question" else {}
    confirmation = submit_enquiry(client, **fields)
    assert f'<h1 class="h4">{heading}</h1>' in confirmation.html
    if locale == "zh-CN":
        see = "查看申请" if kind == "info_application" else "查看留言"
        assert f">{see}</a>" in confirmation.html
    with app.app_context():
        [mail] = db.session.scalars(select(OutboundEmail)).all()
    colon = "：" if locale.startswith("zh") else ": "  # full width in Chinese, as in the letters
    assert mail.subject.startswith(f"[{confirmation.reference}] {heading}{colon}")
    assert registered in mail.body_text and mail.body_html is not None
    assert registered in mail.body_html
    if locale == "zh-CN":
        assert "收到日期：" in mail.body_text and ": " not in mail.body_text.split("=====")[0]
        added = "补充申请内容" if kind == "info_application" else "补充留言内容"
        assert added in mail.body_text and added in mail.body_html
        assert "收到申请日期" not in mail.body_text.split("登记回执")[0]


@pytest.mark.parametrize(("locale", "colon"), [("zh-CN", "："), ("en", ": "), ("ug", ": ")])
def test_the_error_summary_puts_the_colon_of_the_language_after_each_label(
    client: FlaskClient, locale: str, colon: str
) -> None:
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = locale
    html = post_enquiry(client, subject="").get_data(as_text=True)
    [item] = re.findall(r'<li><a href="#subject">([^<]+)</a></li>', html)
    label, _, message = item.partition(colon)
    assert label and message and "：" not in label + message and ": " not in label + message


# Bad input --------------------------------------------------------------------------------------

APPLICATION = {"kind": "info_application", "applicant_type": "citizen", "delivery_form": "paper"}
APPLICATION_TEXT = "2013年度报告中依申请公开的统计数据"

BAD_FIELDS = [
    pytest.param({"subject": ""}, "subject", "Enter a subject.", id="missing-subject"),
    pytest.param({"message": ""}, "message", "Enter your message.", id="missing-message"),
    pytest.param({"name": " "}, "name", "Enter your name.", id="missing-name"),
    pytest.param({"email": ""}, "email", "Enter your e-mail address", id="missing-email"),
    pytest.param({"subject": "问" * 201}, "subject", "At most 200 characters.", id="long-subject"),
    pytest.param(
        {"message": "字" * 20_001},
        "message",
        "Your text has 20001 characters, 1 more than the limit of 20000.",
        id="long-message",
    ),
    pytest.param({"name": "阿" * 101}, "name", "At most 100 characters.", id="long-name"),
    pytest.param(
        {"email": "maimaiti.example.com"}, "email", "Enter a valid e-mail", id="invalid-email"
    ),
    pytest.param(
        {"email": "a@example.com\r\nBcc: b@example.com"},
        "email",
        "Enter a valid e-mail",
        id="email-with-header",
    ),
    *[
        pytest.param({"email": address}, "email", "We cannot send e-mail to this address", id=name)
        for name, address in [
            ("email-encoded-word", "=?utf-8?q?a=0D=0ABcc=3A_x?=@example.com"),
            ("email-encoded-word-b", "=?gb18030?b?1tDOxA==?=@example.com"),
            ("email-quoted-local-part", '"a b"@example.com'),
            ("email-chinese-local-part", "张三@example.com"),
            ("email-chinese-domain", "zhangsan@例子.中国"),
        ]
    ],
    pytest.param({"phone": "12345"}, "phone", "Enter a valid phone number", id="invalid-phone"),
    pytest.param({"phone": "电话"}, "phone", "Enter a valid phone number", id="phone-not-digits"),
    pytest.param(
        {**APPLICATION, "applicant_type": "", "info_description": APPLICATION_TEXT},
        "applicant_type",
        "Choose the applicant type.",
        id="application-without-applicant-type",
    ),
    pytest.param(
        {**APPLICATION, "info_description": ""},
        "info_description",
        "Describe the information you seek.",
        id="application-without-description",
    ),
    pytest.param(
        {**APPLICATION, "delivery_form": "", "info_description": APPLICATION_TEXT},
        "delivery_form",
        "Choose how the information is delivered.",
        id="application-without-delivery-form",
    ),
    pytest.param({"kind": "lawsuit"}, "kind", "Not a valid choice", id="unknown-kind"),
]


@pytest.mark.parametrize(("overrides", "field", "message"), BAD_FIELDS)
def test_a_bad_field_is_refused_with_a_message_and_nothing_is_stored(
    app: Flask, citizen: FlaskClient, overrides: dict[str, str], field: str, message: str
) -> None:
    submit_enquiry(citizen)  # something already stored, which a failure must not touch
    before = stored_counts(app)
    stored = only_ticket(app)

    response = post_enquiry(citizen, **overrides)

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="error-summary"' in html
    assert f'href="#{field}"' in html  # the summary links to the field
    assert message in html
    assert f'id="{field}-error"' in html
    data = valid_form(**overrides)
    kept = [name for name in ("subject", "message", "name", "email") if data[name].strip()]
    assert_kept(html, data, *kept)
    assert hidden_fields(html)["form_token"]  # a fresh token to send the corrected form
    assert stored_counts(app) == before
    assert only_ticket(app).updated_at == stored.updated_at


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("买买提.艾力", "买买提·艾力"),
        ("阿依古丽・买买提", "阿依古丽·买买提"),
        ("Ayiguli • Maimaiti", "Ayiguli·Maimaiti"),
        ("J. Smith", "J. Smith"),
        ("Ｚｈａｎｇ　Ｗｅｉ", "Zhang Wei"),
    ],
)
def test_the_name_is_normalised_before_it_is_stored(
    app: Flask, citizen: FlaskClient, typed: str, stored: str
) -> None:
    submit_enquiry(citizen, name=typed)
    assert only_ticket(app).citizen_name == stored


def test_a_name_of_fifty_characters_is_accepted(app: Flask, citizen: FlaskClient) -> None:
    name = "新疆维吾尔自治区乌鲁木齐市天山区某某街道某某社区居民委员会" * 2 + "阿卜杜热合曼·买买提"
    assert len(name) >= 50
    submit_enquiry(citizen, name=name)
    assert only_ticket(app).citizen_name == name


def test_too_many_attachments_are_refused_with_413(app: Flask, citizen: FlaskClient) -> None:
    before = stored_counts(app)
    files = [upload(png_bytes(seed=n), f"photo{n}.png") for n in range(6)]
    response = post_enquiry(citizen, attachments=files)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "You can attach at most 5 files." in html
    assert_kept(html, valid_form(), "subject", "message", "name", "email")
    assert stored_counts(app) == before


def test_an_attachment_over_the_size_limit_is_refused_with_413(
    make_app: Callable[..., Flask],
) -> None:
    app = app_with(make_app, MAX_ATTACHMENT_BYTES=1024)
    citizen = english(app.test_client())
    before = stored_counts(app)
    big = PDF + b"%" + b"x" * 1024 + b"\n"
    response = post_enquiry(citizen, attachments=[upload(big, "big.pdf")])
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "The file big.pdf is larger than" in html
    assert_kept(html, valid_form(), "subject", "message", "name", "email")
    assert stored_counts(app) == before

    submit_enquiry(citizen, attachments=[upload(PDF, "small.pdf")])  # under the limit: accepted
    assert stored_counts(app)["attachments"] == 1


def test_an_executable_named_pdf_is_refused(app: Flask, citizen: FlaskClient) -> None:
    before = stored_counts(app)
    files = [upload(PDF, "fine.pdf"), upload(EXECUTABLE, "report.pdf")]
    response = post_enquiry(citizen, attachments=files)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "The file report.pdf is not an accepted type" in html
    assert_kept(html, valid_form(), "subject", "message", "name", "email")
    assert stored_counts(app) == before


def test_a_filled_honeypot_is_refused(app: Flask, citizen: FlaskClient) -> None:
    before = stored_counts(app)
    response = post_enquiry(citizen, website="http://spam.example")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Your enquiry could not be accepted." in html
    assert_kept(html, valid_form(), "subject", "message", "name", "email")
    assert stored_counts(app) == before


# The form token ---------------------------------------------------------------------------------


def assert_token_refused(app: Flask, response: TestResponse, message: str) -> None:
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html
    assert_kept(html, valid_form(), "subject", "message", "name", "email")
    new_token = hidden_fields(html)["form_token"]
    formtoken.check(
        new_token, secret=app.config["SECRET_KEY"], now=utcnow(), min_seconds=0, max_seconds=60
    )


def test_a_form_sent_too_fast_is_refused(make_app: Callable[..., Flask]) -> None:
    app = app_with(make_app, FORM_MIN_SECONDS=60)
    citizen = english(app.test_client())
    before = stored_counts(app)
    response = post_enquiry(citizen)
    assert_token_refused(app, response, "The form was sent too quickly.")
    assert stored_counts(app) == before


def test_a_stale_form_is_refused(app: Flask, citizen: FlaskClient) -> None:
    before = stored_counts(app)
    stale = formtoken.issue(app.config["SECRET_KEY"], utcnow() - timedelta(hours=5))
    response = citizen.post("/ask", data=valid_form(form_token=stale))
    assert_token_refused(app, response, "The form was open for too long.")
    assert stored_counts(app) == before


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-token", id="garbage"),
        pytest.param("", id="missing"),
        pytest.param(formtoken.issue("another-secret", utcnow()), id="other-secret"),
    ],
)
def test_a_forged_token_is_refused(app: Flask, citizen: FlaskClient, token: str) -> None:
    before = stored_counts(app)
    response = citizen.post("/ask", data=valid_form(form_token=token))
    assert_token_refused(app, response, "The form could not be verified.")
    assert stored_counts(app) == before


def test_a_replayed_token_is_refused_and_only_one_ticket_exists(
    app: Flask, citizen: FlaskClient
) -> None:
    page = citizen.get("/ask")
    data = {**hidden_fields(page.get_data(as_text=True)), **valid_form()}
    assert citizen.post("/ask", data=data).status_code == 303
    after_first = stored_counts(app)

    response = citizen.post("/ask", data=data)

    assert_token_refused(app, response, "This form has already been sent.")
    assert stored_counts(app) == after_first
    assert after_first["tickets"] == 1


# CSRF and rate limits ---------------------------------------------------------------------------


def test_csrf_token_is_required_when_csrf_is_on(make_app: Callable[..., Flask]) -> None:
    app = app_with(make_app, WTF_CSRF_ENABLED=True)
    citizen = english(app.test_client())
    fields = hidden_fields(citizen.get("/ask").get_data(as_text=True))
    assert set(fields) == {"csrf_token", "form_token"}
    before = stored_counts(app)

    response = citizen.post("/ask", data=valid_form(form_token=fields["form_token"]))
    assert response.status_code == 400
    assert "The form has expired." in response.get_data(as_text=True)
    assert stored_counts(app) == before

    response = citizen.post("/ask", data={**fields, **valid_form()})
    assert response.status_code == 303
    assert stored_counts(app)["tickets"] == 1


def test_submissions_are_rate_limited_per_address(make_app: Callable[..., Flask]) -> None:
    app = app_with(make_app, RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="2 per hour")
    citizen = app.test_client()
    citizen.environ_base["HTTP_ACCEPT_LANGUAGE"] = "ug"
    assert post_enquiry(citizen).status_code == 303
    assert post_enquiry(citizen).status_code == 303
    before = stored_counts(app)

    response = post_enquiry(citizen, message="第三条咨询，请保留我写的字。")  # sending is limited

    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 3600  # within the hour's window
    html = response.get_data(as_text=True)
    assert '<html lang="ug" dir="rtl"' in html  # in the reader's language
    assert in_locale(app, "ug", ask.RATE_LIMITED) in html  # the form, re-shown
    assert "第三条咨询，请保留我写的字。" in html  # with everything typed
    assert "Traceback" not in html
    assert stored_counts(app) == before


def test_refused_forms_do_not_count_towards_the_submission_limit(
    make_app: Callable[..., Flask],
) -> None:
    app = app_with(make_app, RATELIMIT_ENABLED=True, SUBMIT_RATE_LIMIT="2 per hour")
    citizen = english(app.test_client())
    for _ in range(4):  # a citizen fixing mistakes is not flooding us
        assert post_enquiry(citizen, email="not-an-address").status_code == 400
    assert post_enquiry(citizen).status_code == 303
    assert post_enquiry(citizen).status_code == 303
    assert post_enquiry(citizen).status_code == 429


def test_the_minimum_fill_time_counts_from_the_first_showing(
    make_app: Callable[..., Flask],
) -> None:
    app = app_with(make_app, FORM_MIN_SECONDS=3)
    citizen = english(app.test_client())
    page = citizen.get("/ask").get_data(as_text=True)
    first = hidden_fields(page)
    refused = citizen.post("/ask", data={**first, **valid_form(email="bad")})
    assert refused.status_code == 400
    again = hidden_fields(refused.get_data(as_text=True))["form_token"]
    secret = app.config["SECRET_KEY"]
    issued = URLSafeSerializer(secret, salt=formtoken.SALT).loads(again)["t"]
    assert issued == URLSafeSerializer(secret, salt=formtoken.SALT).loads(first["form_token"])["t"]
    assert again != first["form_token"]  # a fresh nonce all the same


def test_over_long_message_is_refused_not_cut(client: FlaskClient) -> None:
    page = client.get("/ask").get_data(as_text=True)
    textarea = re.search(r"<textarea[^>]*name=\"message\"[^>]*>", page)
    assert textarea is not None
    assert "maxlength" not in textarea.group(0)  # a browser would cut pasted text silently
    assert 'data-maxchars="20000"' in textarea.group(0)


# Attachments ------------------------------------------------------------------------------------


def stored_attachments(app: Flask) -> list[tuple[str, str, int, str]]:
    with app.app_context():
        columns = (Attachment.filename, Attachment.content_type, Attachment.size)
        rows = db.session.execute(
            select(*columns, Attachment.blob_sha256).order_by(Attachment.id)
        ).all()
        return [(row[0], row[1], row[2], row[3]) for row in rows]


def test_valid_files_are_stored_as_content_addressed_blobs(
    app: Flask, citizen: FlaskClient
) -> None:
    import hashlib

    png = png_bytes(2, 2)
    gb_text = "乌鲁木齐市政府信息公开申请表\n申请人：买买提·艾力\n".encode("gb18030")
    utf8_text = "Plain notes, UTF-8: 乌鲁木齐\n".encode()
    files = [
        upload(png, "照片.png"),
        upload(PDF, "申请.pdf"),
        upload(utf8_text, "notes.txt"),
        upload(gb_text, "申请表.txt"),
        upload(png, "same-photo-again.png"),
    ]
    submit_enquiry(citizen, attachments=files)

    attachments = stored_attachments(app)
    assert [(name, kind, size) for name, kind, size, _ in attachments] == [
        ("照片.png", "image/png", len(png)),
        ("申请.pdf", "application/pdf", len(PDF)),
        ("notes.txt", "text/plain", len(utf8_text)),
        ("申请表.txt", "text/plain", len(gb_text)),
        ("same-photo-again.png", "image/png", len(png)),
    ]
    assert attachments[0][3] == attachments[4][3] == hashlib.sha256(png).hexdigest()
    with app.app_context():
        blobs = {blob.sha256: blob.data for blob in db.session.scalars(select(Blob))}
    assert len(blobs) == 4
    assert blobs[hashlib.sha256(gb_text).hexdigest()] == gb_text  # bytes kept as sent

    submit_enquiry(citizen, attachments=[upload(png, "again.png")])  # a later enquiry, same file
    assert stored_counts(app)["blobs"] == 4
    assert stored_counts(app)["attachments"] == 6


@pytest.mark.parametrize(
    ("sent_name", "data", "stored_name"),
    [
        pytest.param("../../etc/passwd.png", png_bytes(), "passwd.png", id="parent-path"),
        pytest.param("/home/me/扫描件.png", png_bytes(), "扫描件.png", id="absolute-path"),
        pytest.param("a\x07b\x1b[31m\tc\x7f.png", png_bytes(), "ab[31mc.png", id="control"),
        pytest.param("invoice\u202egnp.exe", png_bytes(), "invoicegnp.png", id="rtl-override"),
        pytest.param("\u2067报告\u2069\u200f.pdf", PDF, "报告.pdf", id="bidi-isolates"),
        pytest.param("scan.pdf", png_bytes(), "scan.png", id="extension-follows-content"),
        pytest.param("letter", PDF, "letter.pdf", id="no-extension"),
        pytest.param("／etc／ｓｃａｎ．ｐｎｇ", png_bytes(), "scan.png", id="full-width"),
        pytest.param("...", png_bytes(), "attachment.png", id="only-dots"),
    ],
)
def test_file_names_are_made_safe(
    app: Flask, citizen: FlaskClient, sent_name: str, data: bytes, stored_name: str
) -> None:
    submit_enquiry(citizen, attachments=[upload(data, sent_name)])
    [(name, _, _, _)] = stored_attachments(app)
    assert name == stored_name


def test_expired_csrf_token_keeps_what_the_citizen_typed(make_app: Callable[..., Flask]) -> None:
    app = make_app(WTF_CSRF_ENABLED=True)
    with app.app_context():
        db.session.add(Department(code="egov", name_zh="电子政务办公室", is_default=True))
        db.session.commit()
    client = app.test_client()
    fields = hidden_fields(client.get("/ask").get_data(as_text=True))
    fields["csrf_token"] = "expired-or-forged"
    response = client.post(
        "/ask",
        data={
            **fields,
            "kind": "question",
            "subject": "关于煤改气补贴",
            "message": "请问补贴标准？",
            "name": "王五",
            "email": "wang@example.com",
        },
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "关于煤改气补贴" in html and "请问补贴标准？" in html
    assert "The form has expired" in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
