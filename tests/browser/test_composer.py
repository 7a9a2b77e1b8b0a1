"""The clerk's answer loop at 1440×900: open a new ticket, insert a canned reply, send and close
— three clicks, one full page load — while a colleague on the same ticket is warned and their
stale reply is refused (409) with their text kept."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import Role, Status, Ticket
from tests.browser.citizen import mail_to, text_of
from tests.browser.conftest import Live
from tests.browser.pages import check_accessibility, inspect, screenshot, staff_sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page, Route

pytestmark = pytest.mark.allow_smtp

WIDE = {"width": 1440, "height": 900}
NEW_SUBJECT = "煤改气专题的补贴标准在哪里查询？"  # the demo's newest enquiry, from 王建国
UYGHUR_SUBJECT = "دوكلاتنىڭ ئۇيغۇرچە نۇسخىسى بارمۇ؟"
CANNED_TITLE = "信息已公开：指引查询"
STALE_TEXT = "同事也在写的答复。"


def ticket_of(live: Live, subject: str) -> tuple[int, str, str]:
    with live.app.app_context():
        ticket = db.session.scalars(select(Ticket).filter_by(subject=subject)).one()
        return ticket.id, ticket.citizen_email, ticket.status.value


def status_of(live: Live, ticket_id: int) -> Status:
    with live.app.app_context():
        ticket = db.session.get(Ticket, ticket_id)
        assert ticket is not None
        return ticket.status


def signed_in(open_page: Callable[..., Page], email: str, locale: str = "zh_Hans") -> Page:
    page = open_page(locale, phone=False)
    page.set_viewport_size(WIDE)
    staff_sign_in(page, email)
    return page


def test_a_clerk_answers_and_closes_in_three_clicks_and_a_colleague_is_stopped(
    live: Live, open_page: Callable[..., Page]
) -> None:
    ticket_id, citizen_email, _ = ticket_of(live, NEW_SUBJECT)
    clerk = live.staff_user(display_name="张办理")
    colleague = live.staff_user(email="colleague@enquiry.test", display_name="李同事")
    office = signed_in(open_page, clerk.email)
    other = signed_in(open_page, colleague.email)

    loads: list[str] = []
    office.on("load", lambda: loads.append(office.url))
    clicks = 0

    # Click 1: open the new ticket from the inbox (the one full page load).
    office.click(f"main a[href='/staff/tickets/{ticket_id}']")
    clicks += 1
    office.wait_for_url(f"**/staff/tickets/{ticket_id}")
    office.locator("textarea[name='reply-body']").wait_for()

    # The colleague opens it too: each sees the other (htmx heartbeat).
    other.goto(f"/staff/tickets/{ticket_id}")
    notice = other.locator(".ticket-presence-notice")
    notice.wait_for()
    assert "张办理" in notice.inner_text()
    other.fill("textarea[name='reply-body']", STALE_TEXT)

    # Click 2: insert a canned reply in place: no reload, scroll and cursor kept, filled in.
    office.evaluate("() => window.scrollTo(0, 400)")
    scrolled = office.evaluate("() => window.scrollY")
    office.get_by_role("button", name=CANNED_TITLE).click()
    clicks += 1
    area = office.locator("textarea[name='reply-body']")
    text = area.input_value()
    assert "政府信息公开" in text and "{" not in text and "}" not in text
    assert office.evaluate("() => window.scrollY") == scrolled
    caret = office.evaluate("() => document.querySelector('#reply-body').selectionStart")
    assert caret == len(text)
    office.locator("#draft-status:not(:empty)").wait_for()  # saved as typed
    inspect(office, "staff-composer-zh", docs=True)

    # Click 3: send and close.
    office.click("#reply button.composer-send-close")
    clicks += 1
    office.locator(".alert[role=status]").first.wait_for()
    assert (clicks, len(loads)) == (3, 1), loads
    assert status_of(live, ticket_id) is Status.CLOSED

    # The citizen's mail: the acknowledgement, then the answer with exactly one greeting.
    _, answer = mail_to(live, citizen_email, 2)
    body = text_of(answer)
    assert body.count("尊敬的") == 1 and body.count("王建国") == 1
    assert "政府信息公开" in body

    # The colleague's reply was written against the old thread: 409, text kept, nothing sent.
    with other.expect_response(lambda r: r.url.endswith("/answer")) as refused:
        other.click("#reply button.composer-send")
    assert refused.value.status == 409
    other.locator("#ticket-error").wait_for()
    assert other.locator("textarea[name='reply-body']").input_value() == STALE_TEXT
    assert "政府信息公开" in other.locator(".staff-thread").inner_text()  # the newer answer
    assert len(mail_to(live, citizen_email, 2)) == 2  # never two answers


def test_a_reply_sent_before_its_draft_is_saved_is_confirmed_and_the_draft_save_dropped(
    live: Live, open_page: Callable[..., Page]
) -> None:
    """The draft is saved 800 ms after the last key. A clerk who types and sends at once, on a
    slow line (the send takes 1.5 s here), sees the confirmation; the pending draft save is not
    sent, since it would be refused (the ticket moved on) and would race the send's reply."""
    ticket_id, citizen_email, _ = ticket_of(live, NEW_SUBJECT)
    clerk = live.staff_user(display_name="张办理")
    office = signed_in(open_page, clerk.email)
    office.goto(f"/staff/tickets/{ticket_id}")
    office.locator("textarea[name='reply-body']").wait_for()

    late_drafts: list[str] = []
    sending: list[bool] = []
    office.on(
        "request", lambda r: late_drafts.append(r.url) if sending and "/draft" in r.url else None
    )

    def slow_line(route: Route) -> None:
        time.sleep(1.5)
        route.continue_()

    office.route("**/answer", slow_line)
    office.fill("textarea[name='reply-body']", "您好，煤改气补贴标准见年度报告第三部分。")
    sending.append(True)
    office.click("#reply button.composer-send")
    office.locator(".alert[role=status]").first.wait_for()
    assert "已发送" in office.locator(".alert[role=status]").first.inner_text()
    office.wait_for_timeout(1_000)  # past the draft's delay, counted from the page swap
    assert late_drafts == []
    _, answer = mail_to(live, citizen_email, 2)
    assert "煤改气补贴标准见年度报告第三部分" in text_of(answer)


def test_the_composer_in_uyghur_is_accessible_and_keeps_its_draft(
    live: Live, open_page: Callable[..., Page]
) -> None:
    ticket_id, _, _ = ticket_of(live, UYGHUR_SUBJECT)
    clerk = live.staff_user(role=Role.AGENT, email="agent@enquiry.test", display_name="ئايگۈل")
    office = signed_in(open_page, clerk.email, locale="ug")
    office.goto(f"/staff/tickets/{ticket_id}")
    office.locator(".composer-insert").first.click()
    office.locator("#draft-status:not(:empty)").wait_for()
    written = office.locator("textarea[name='reply-body']").input_value()
    assert written and "{" not in written
    check_accessibility(office, "staff-composer-ug")
    screenshot(office, "staff-composer-ug", docs=True)

    office.reload()
    assert office.locator("textarea[name='reply-body']").input_value() == written


def test_the_supervision_and_audit_pages_pass_axe(
    live: Live, open_page: Callable[..., Page]
) -> None:
    admin = live.staff_user(role=Role.ADMIN, email="root@enquiry.test", display_name="管理员")
    office = signed_in(open_page, admin.email)
    office.goto("/staff/supervision")
    check_accessibility(office, "staff-supervision-zh")
    office.goto("/staff/admin/audit")
    office.locator("details.audit-raw").first.evaluate("node => node.open = true")
    check_accessibility(office, "staff-audit-zh")
    office.goto("/staff/admin/calendar")
    assert "xinjiang" not in office.locator("main").inner_text()
    assert "README" not in office.locator("main").inner_text()
    check_accessibility(office, "staff-calendar-zh")
