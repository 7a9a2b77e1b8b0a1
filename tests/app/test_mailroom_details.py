"""The mailroom says what became of each message in the reader's language.

Messages go through the real intake; the mailroom's list and detail pages are read in Chinese
(the default), Uyghur and English. The intake's own technical line stays on the detail page,
folded, for whoever must dig.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from enquiry.models import InboundOutcome, Role
from enquiry.staff.mailroom_details import explain
from tests.app.conftest import english
from tests.app.test_intake import eml, take


def reader(app: Flask, staff_login: Callable[..., Any], language: str | None = None) -> Any:
    client = app.test_client()
    if language:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    staff_login(client, role=Role.SUPERVISOR)
    return client


def listed_detail(client: Any, inbound_id: int) -> str:
    """The detail line under the outcome in the mailroom's row for this message."""
    html = client.get("/staff/mailroom").get_data(as_text=True)
    row = re.search(rf'href="/staff/mailroom/{inbound_id}".*?</tr>', html, re.DOTALL)
    assert row is not None, f"no row for #{inbound_id}"
    found = re.search(r'<div class="small text-body-secondary inbox-subject">(.*?)</div>', row[0])
    return found[1] if found else ""


@pytest.mark.parametrize(
    ("message", "outcome", "chinese"),
    [
        (
            "intake-attachments.eml",
            InboundOutcome.CREATED,
            "附件 setup.exe 未保存（文件类型不在受理范围内），仍保留在原始邮件中。",
        ),
        (
            "intake-subject-looks-automatic.eml",
            InboundOutcome.CREATED,
            "未发送受理回执：邮件主题像是自动发送的（subject:auto-reply）。",
        ),
        ("intake-garbage.bin", InboundOutcome.QUARANTINED, "无法读取此邮件："),
        ("intake-out-of-office.eml", InboundOutcome.AUTO_REPLY, "自动邮件的迹象："),
        ("intake-bounce.eml", InboundOutcome.BOUNCE, "退信报告，所退邮件并非本系统发出（收件人"),
    ],
)
def test_each_outcome_reads_in_chinese_in_the_list_and_on_the_page(
    app: Flask,
    staff_login: Callable[..., Any],
    message: str,
    outcome: InboundOutcome,
    chinese: str,
) -> None:
    result = take(app, eml(message))
    assert result.outcome is outcome and result.detail
    client = reader(app, staff_login)
    line = listed_detail(client, result.inbound_email_id)
    assert line.startswith(chinese) and line != result.detail.splitlines()[0]
    page = client.get(f"/staff/mailroom/{result.inbound_email_id}").get_data(as_text=True)
    assert chinese in page
    assert "按接收程序的原始记录" in page  # the intake's own words, folded below
    assert result.detail.splitlines()[0].split(":")[0] in page


def test_a_copy_and_a_failure_in_uyghur_and_english(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    first = take(app, eml("intake-gbk-new.eml"))
    copy = take(app, eml("intake-gbk-new.eml"))
    assert copy.outcome is InboundOutcome.DUPLICATE
    no_sender = take(app, b"To: enquiry@enquiry.localhost\r\nSubject: hi\r\n\r\nnobody\r\n")
    assert (no_sender.detail or "").startswith("NoSenderError")

    uyghur = reader(app, staff_login, "ug")
    assert listed_detail(uyghur, copy.inbound_email_id) == (
        f"ئىلگىرى تاپشۇرۇۋېلىنغان #{first.inbound_email_id} ئېلخەتنىڭ نۇسخىسى."
    )
    assert "(NoSenderError)" in listed_detail(uyghur, no_sender.inbound_email_id)
    reader_en = english(app.test_client())
    staff_login(reader_en, role=Role.ADMIN)
    assert listed_detail(reader_en, copy.inbound_email_id) == (
        f"A copy of message #{first.inbound_email_id}, received before."
    )
    assert listed_detail(reader_en, no_sender.inbound_email_id) == (
        "Taking it in failed (NoSenderError). Process it again once the cause is mended."
    )


@pytest.mark.parametrize(
    ("outcome", "detail", "expected"),
    [
        (InboundOutcome.APPENDED, "via subject", "已按邮件主题中的受理编号并入其工单。"),
        (
            InboundOutcome.APPENDED,
            "via message_id; not reopened",
            "已按本系统所发邮件的回复（Message-ID）并入其工单，未重新打开工单（详见工单）。",
        ),
        (
            InboundOutcome.BOUNCE,
            "outbound #7, #9: 550 5.1.1 user unknown",
            "本系统发出的邮件 #7, #9 未能送达：550 5.1.1 user unknown",
        ),
        (
            InboundOutcome.CREATED,
            "mentions WLMQ-2026-000012 (via subject); sender is not its citizen",
            "邮件提及工单 WLMQ-2026-000012，但发件人不是该工单的留言人：已作为新工单受理。",
        ),
        (
            InboundOutcome.CREATED,
            "Message-ID collision: a different message was taken in under it before, as #4",
            "此前收到的邮件 #4 与本邮件 Message-ID 相同而内容不同；本邮件已单独处理。",
        ),
        (
            InboundOutcome.QUARANTINED,
            "rejected: 31457280 bytes is over the limit of 26214400; left in INBOX as UID 812",
            "邮件过大（31457280 字节，上限 26214400）：仅保存了邮件头。"
            "原邮件仍在邮箱 INBOX 中（UID 812）。",
        ),
        (
            InboundOutcome.QUARANTINED,
            "rejected: over the limit of 26214400 bytes; only the headers were kept",
            "邮件过大（上限 26214400 字节）：仅保存了邮件头。",
        ),
        (InboundOutcome.CREATED, "something the intake will write one day", None),
    ],
)
def test_every_line_the_intake_writes_has_words_in_chinese(
    app: Flask, outcome: InboundOutcome, detail: str, expected: str | None
) -> None:
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert explain(outcome, detail) == [expected or detail]
    with app.test_request_context(headers={"Accept-Language": "ug"}):
        [uyghur] = explain(outcome, detail)
        assert (uyghur == detail) is (expected is None)


def test_the_senders_words_in_a_detail_are_escaped(
    app: Flask, staff_login: Callable[..., Any]
) -> None:
    """A delivery report's diagnostic is the remote server's text, shown as it is, escaped."""
    raw = eml("intake-bounce.eml").replace(
        b"Diagnostic-Code: smtp; 550 5.1.1", b"Diagnostic-Code: smtp; 550 <b>bold</b> 5.1.1"
    )
    assert raw != eml("intake-bounce.eml")
    result = take(app, raw)
    assert result.outcome is InboundOutcome.BOUNCE and "<b>bold</b>" in (result.detail or "")
    client = reader(app, staff_login)
    for path in ("/staff/mailroom", f"/staff/mailroom/{result.inbound_email_id}"):
        page = client.get(path).get_data(as_text=True)
        assert "550 &lt;b&gt;bold&lt;/b&gt; 5.1.1" in page and "<b>bold</b>" not in page
