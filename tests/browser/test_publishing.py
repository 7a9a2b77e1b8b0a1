"""公开 in a real browser: redaction editor, approval, the public page, and similar answers
appearing on the ask form as the citizen types (and nothing breaking without them)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Channel, Kind, Publication, Role, utcnow
from tests.browser.conftest import Live
from tests.browser.pages import inspect, staff_sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.allow_smtp

QUESTION = "我是王建国，手机13812345678，邮箱wangjg@example.com。请问社区垃圾站异味什么时候整改？"


def answered_enquiry(live: Live) -> tuple[int, str]:
    with live.app.app_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject="垃圾站异味整改",
                body=QUESTION,
                citizen_name="王建国",
                citizen_email="wangjg@example.com",
                channel=Channel.WEB,
                locale="zh_Hans",
                is_publication_consented=True,
            ),
            policy=policy_from_config(live.app.config),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=utcnow(),
        )
        db.session.commit()
        ticket_id, reference = opened.ticket.id, opened.ticket.reference
    live.answer(reference, "王建国同志：垃圾站将于本月完成整改。")
    return ticket_id, reference


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
        counted = db.session.scalar(sa.select(Publication.helpful_count))
    assert counted == 1
