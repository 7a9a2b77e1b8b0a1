"""classify(): auto-replies, bounces, receipts, lists and loops are never answered."""

from __future__ import annotations

from pathlib import Path

import pytest

from enquiry.mail.parse.classify import MailClass, classify
from enquiry.mail.parse.inbound import ParsedMail, parse

DATA = Path(__file__).resolve().parent.parent / "data" / "mail"
OWN_ADDRESSES = frozenset({"enquiry@enquiry.localhost"})
OWN_DOMAINS = frozenset({"enquiry.localhost"})


def classify_mail(mail: ParsedMail) -> MailClass:
    return classify(mail, own_addresses=OWN_ADDRESSES, own_message_id_domains=OWN_DOMAINS)


def classify_file(name: str) -> MailClass:
    return classify_mail(parse((DATA / name).read_bytes()))


def classify_raw(headers: str, body: str = "hello\r\n") -> MailClass:
    raw = "Date: Mon, 5 Jan 2026 10:00:00 +0800\r\nTo: enquiry@enquiry.localhost\r\n" + headers
    return classify_mail(parse((raw + "\r\n" + body).encode()))


@pytest.mark.parametrize(
    "name",
    [
        "gb2312-gbk-names.eml",
        "qq-reply.eml",
        "outlook-chinese-reply.eml",
        "coremail-8bit-from.eml",
        "gbk-8bit-subject.eml",
        "html-only.eml",
        "big5.eml",
        "uyghur.eml",
        "forwarded.eml",
        "signed.eml",
        "inline-image.eml",
        "rfc2231-filename.eml",
    ],
)
def test_citizen_mail_is_not_automatic(name: str) -> None:
    assert classify_file(name) == MailClass(is_automatic=False, is_bounce=False, reasons=())


def test_rfc3834_auto_reply() -> None:
    result = classify_file("auto-replied.eml")
    assert result.is_automatic and not result.is_bounce and not result.is_weak
    assert result.reasons == ("auto-submitted:auto-replied", "subject:auto-reply")


def test_vacation_reply_marked_by_x_autoreply() -> None:
    result = classify_file("vacation-x-autoreply.eml")
    assert result.is_automatic and not result.is_bounce
    assert result.reasons == ("header:x-autoreply",)


def test_delivery_status_bounce_names_our_message_and_the_recipient() -> None:
    result = classify_file("bounce-dsn.eml")
    assert result.is_automatic and result.is_bounce
    assert result.bounced_message_ids == ("WLMQ-2026-000001.abc@enquiry.localhost",)
    assert result.bounced_recipients == ("nobody@example.cn",)
    assert "multipart/report:delivery-status" in result.reasons
    assert "null-return-path" in result.reasons


def test_read_receipt_is_automatic_but_not_a_bounce() -> None:
    result = classify_file("read-receipt.eml")
    assert result.is_automatic and not result.is_bounce
    assert "multipart/report:disposition-notification" in result.reasons


def test_mailing_list_message() -> None:
    result = classify_file("mailing-list.eml")
    assert result.is_automatic and not result.is_bounce
    assert result.reasons == (
        "precedence:list",
        "header:list-id",
        "header:list-unsubscribe",
        "header:list-post",
    )


def test_qmail_bounce_from_mailer_daemon_with_null_sender() -> None:
    result = classify_file("mailer-daemon-null-sender.eml")
    assert result.is_automatic and result.is_bounce
    assert result.reasons == ("null-return-path", "from-daemon", "bounce-subject")
    assert result.bounced_message_ids == ("WLMQ-2026-000002.def@enquiry.localhost",)
    assert result.bounced_recipients == ("gone@example.net",)


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (
            "From: a@example.org\r\nAuto-Submitted: auto-generated\r\n",
            "auto-submitted:auto-generated",
        ),
        (
            "From: a@example.org\r\nAuto-Submitted: Auto-Replied; x=1\r\n",
            "auto-submitted:auto-replied",
        ),
        ("From: a@example.org\r\nX-Auto-Response-Suppress: All\r\n", "x-auto-response-suppress"),
        ("From: a@example.org\r\nPrecedence: bulk\r\n", "precedence:bulk"),
        ("From: a@example.org\r\nPrecedence: junk\r\n", "precedence:junk"),
        ("From: a@example.org\r\nPrecedence: auto_reply\r\n", "precedence:auto_reply"),
        (
            "From: a@example.org\r\nList-Unsubscribe: <mailto:x@example.org>\r\n",
            "header:list-unsubscribe",
        ),
        ("From: a@example.org\r\nList-Post: <mailto:x@example.org>\r\n", "header:list-post"),
        ("From: a@example.org\r\nX-Autorespond: yes\r\n", "header:x-autorespond"),
        ("From: a@example.org\r\nReturn-Path: <>\r\n", "null-return-path"),
        ("From: MAILER-DAEMON@mx.example.org\r\n", "from-daemon"),
        ("From: Mail Delivery System <mailer-daemon@example.org>\r\n", "from-daemon"),
        ("From: MAILER-DAEMON\r\n", "from-daemon"),
        ("From: postmaster@qq.com\r\n", "from-daemon"),
        ("From: no-reply@bank.example.cn\r\n", "from-daemon"),
        ("From: NoReply@example.org\r\n", "from-daemon"),
        ("From: do-not-reply@example.org\r\n", "from-daemon"),
        ("From: enquiry@enquiry.localhost\r\n", "loop:from-own-address"),
        ("From: Enquiry+WLMQ-2026-000001.ab12@enquiry.localhost\r\n", "loop:from-own-address"),
        ("From: a@example.org\r\nMessage-ID: <x.1@ENQUIRY.localhost>\r\n", "loop:own-message-id"),
    ],
)
def test_each_sign_alone_makes_mail_automatic(headers: str, reason: str) -> None:
    result = classify_raw(headers + "Subject: hello\r\n")
    assert result.is_automatic
    assert reason in result.reasons
    assert not result.is_weak


@pytest.mark.parametrize(
    "subject",
    [
        "Auto Reply: [WLMQ-2026-000123] 已受理",
        "Automatic reply: your message",
        "自动回复: 关于供暖",
        "自动回复：关于供暖",
        "Out of Office: hello",
        "Undeliverable: [WLMQ-2026-000123]",
        "Delivery Status Notification (Failure)",
        "系统退信",
        "退信：关于供暖",
        "Read: [WLMQ-2026-000123] 已受理",
        "已读：[WLMQ-2026-000123] 已受理",
        "Returned mail: see transcript for details",
    ],
)
def test_machine_subject_alone_is_a_weak_sign(subject: str) -> None:
    result = classify_raw(f"From: someone@example.org\r\nSubject: {subject}\r\n")
    assert result.is_automatic and result.is_weak and not result.is_bounce
    assert len(result.reasons) == 1 and result.reasons[0].startswith("subject:")


@pytest.mark.parametrize(
    "headers",
    [
        "From: a@example.org\r\nAuto-Submitted: no\r\nSubject: hi\r\n",
        "From: a@example.org\r\nPrecedence: normal\r\nSubject: hi\r\n",
        "From: a@example.org\r\nSubject: Out of office hours service is poor\r\n",
        "From: a@example.org\r\nSubject: 关于退信的问题咨询\r\n",
        "From: a@example.org\r\nSubject: 退信问题怎么解决\r\n",
        "From: a@example.org\r\nSubject: Read-only access to records\r\n",
        "From: a@example.org\r\nSubject: 外出：办理证件需要什么\r\n",
        "From: noreply-fan@example.org\r\nSubject: hi\r\n",
    ],
)
def test_people_are_not_mistaken_for_machines(headers: str) -> None:
    assert not classify_raw(headers).is_automatic


def test_delayed_delivery_report_is_automatic_but_not_a_bounce() -> None:
    body = (
        "--r\r\nContent-Type: text/plain\r\n\r\nstill trying\r\n"
        "--r\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx\r\n\r\n"
        "Final-Recipient: rfc822; late@example.org\r\nAction: delayed\r\nStatus: 4.4.7\r\n"
        "--r--\r\n"
    )
    result = classify_raw(
        "From: MAILER-DAEMON@mx.example.org\r\nSubject: Delayed Mail\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="r"\r\n',
        body,
    )
    assert result.is_automatic and not result.is_bounce
    assert result.bounced_recipients == ()


def test_bounce_with_x_failed_recipients_and_rfc822_headers_part() -> None:
    body = (
        "--r\r\nContent-Type: text/plain\r\n\r\nfailed\r\n"
        "--r\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        "Message-ID: <WLMQ-2026-000009.f00@enquiry.localhost>\r\nTo: x@example.org\r\n"
        "--r--\r\n"
    )
    result = classify_raw(
        "From: Mail Delivery System <Mailer-Daemon@mx.example.org>\r\n"
        "Subject: Mail delivery failed: returning message to sender\r\n"
        "X-Failed-Recipients: X@Example.org\r\n"
        'Content-Type: multipart/mixed; boundary="r"\r\n',
        body,
    )
    assert result.is_bounce
    assert result.bounced_message_ids == ("WLMQ-2026-000009.f00@enquiry.localhost",)
    assert result.bounced_recipients == ("x@example.org",)


def test_forwarded_bounce_from_a_citizen_is_not_a_bounce() -> None:
    bounce = (DATA / "bounce-dsn.eml").read_bytes()
    raw = (
        b"From: citizen@example.org\r\nTo: enquiry@enquiry.localhost\r\nSubject: Fw: why?\r\n"
        b'Content-Type: multipart/mixed; boundary="f"\r\n\r\n'
        b"--f\r\nContent-Type: text/plain\r\n\r\nWhy did your mail bounce?\r\n"
        b"--f\r\nContent-Type: message/rfc822\r\n\r\n" + bounce + b"\r\n--f--\r\n"
    )
    assert not classify_mail(parse(raw)).is_automatic


def test_parse_failure_classifies_without_error() -> None:
    result = classify_mail(parse(b""))
    assert not result.is_bounce
