"""公开 in a real browser: redaction editor, approval, the public page, and similar answers
appearing on the ask form as the citizen types (and nothing breaking without them)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Channel, Kind, Publication, ReportSection, Role, utcnow
from tests.browser.citizen import text_of
from tests.browser.conftest import Live
from tests.browser.pages import inspect, staff_sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.allow_smtp

QUESTION = "我是王建国，手机13812345678，邮箱wangjg@example.com。请问社区垃圾站异味什么时候整改？"


def section_id(live: Live, anchor: str) -> int:
    """A section of the demo's 2013 report."""
    with live.app.app_context():
        found = db.session.scalar(sa.select(ReportSection.id).filter_by(anchor=anchor))
        assert found is not None
        return found


def open_enquiry(
    live: Live, subject: str, body: str, name: str, email: str, section: int | None = None
) -> tuple[int, str]:
    """A citizen's consented enquiry, about a report section when given: (id, reference)."""
    with live.app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject=subject,
                body=body,
                citizen_name=name,
                citizen_email=email,
                channel=Channel.WEB,
                locale="zh_Hans",
                is_publication_consented=True,
                report_section_id=section,
            ),
            policy=policy_from_config(live.app.config),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=utcnow(),
        )
        db.session.commit()
        return opened.ticket.id, opened.ticket.reference


def answered_enquiry(live: Live) -> tuple[int, str]:
    section = section_id(live, "s1-3")
    found = open_enquiry(live, "垃圾站异味整改", QUESTION, "王建国", "wangjg@example.com", section)
    live.answer(found[1], "王建国同志：垃圾站将于本月完成整改。")
    return found


def test_staff_redact_approve_and_the_citizen_finds_the_answer(
    live: Live, open_page: Callable[..., Page]
) -> None:
    ticket_id, _reference = answered_enquiry(live)
    supervisor = live.staff_user(Role.SUPERVISOR)
    page = open_page("en", phone=False)
    staff_sign_in(page, supervisor.email)
    page.goto(f"/staff/tickets/{ticket_id}")
    page.click("text=Publish (公开)")
    page.click("button:has-text('Prepare the public copy')")
    preview = page.locator(".publication-preview")
    assert "■■" in preview.inner_text()
    assert "13812345678" not in preview.inner_text()
    inspect(page, "staff-publication-editor")
    page.fill("input[name=title]", "垃圾站异味何时整改")
    page.click("button:has-text('Save and preview')")
    assert "垃圾站异味何时整改" in page.locator(".publication-preview").inner_text()
    page.click("button:has-text('Send for approval')")
    page.click("button:has-text('Approve and publish')")
    page.click("text=View the public page")
    inspect(page, "public-question")
    text = page.locator("main").inner_text()
    assert "13812345678" not in text and "wangjg@example.com" not in text and "王建国" not in text
    for locale in ("zh_Hans", "ug"):  # under its section of the report, in both languages
        reader = open_page(locale)
        reader.goto("/report/2013")
        under = reader.locator("section#s1-3 .section-answers")
        assert "垃圾站异味何时整改" in under.inner_text(), locale
        assert reader.locator("html").get_attribute("lang") in {"zh-Hans", "ug"}
        under.locator("a", has_text="垃圾站异味何时整改").click()
        reader.wait_for_url(re.compile(r"/questions/\d+$"))
        assert "13812345678" not in reader.locator("main").inner_text()
    assert reader.locator("html").get_attribute("dir") == "rtl"
    inspect(reader, "public-question-ug")

    citizen = open_page("zh_Hans")
    citizen.goto("/ask")
    citizen.fill("#subject", "垃圾站异味")
    box = citizen.locator("#similar-answers .similar-answers")
    box.wait_for()
    assert "垃圾站异味何时整改" in box.inner_text()
    inspect(citizen, "ask-similar-answers")
    citizen.click(".similar-helpful")
    citizen.locator(".similar-helpful").wait_for(state="detached")  # replaced by the thanks
    with live.app.app_context():
        counted = db.session.scalar(
            sa.select(Publication.helpful_count).where(Publication.ticket_id == ticket_id)
        )
    assert counted == 1


def test_a_cluster_answer_reaches_three_citizens_each_personally(
    live: Live, open_page: Callable[..., Page]
) -> None:
    section = section_id(live, "s3-1")
    citizens = [
        ("李明华", "lmh@example.com"),
        ("赵小红", "zxh@example.com"),
        ("马文博", "mwb@example.com"),
    ]
    references = [
        open_enquiry(
            live, "公开目录何时更新", f"请问公开目录何时更新？{name}", name, email, section
        )[1]
        for name, email in citizens
    ]
    page = open_page("en", phone=False)
    staff_sign_in(page, live.staff_user(Role.SUPERVISOR).email)
    page.goto(f"/staff/clusters?section={section}")
    for reference in references:
        page.locator("label", has_text=reference).click()
    page.fill("textarea[name=body]", "公开目录已于本月更新，可在门户网站查阅。")
    inspect(page, "staff-cluster")
    page.click("button:has-text('Answer and close the ticked tickets')")
    page.locator(".alert").first.wait_for()
    live.send_mail()
    for (name, email), reference in zip(citizens, references, strict=True):
        answers = [
            m
            for m in live.smtp.messages
            if email in m.rcpt_tos and "公开目录已于本月更新" in text_of(m)
        ]
        assert len(answers) == 1, email
        body = text_of(answers[0])
        assert name in body and "/rate/" in body  # their own greeting and rating link
        assert reference in str(answers[0].message["Subject"])
        assert not any(other in body for other, _ in citizens if other != name)
