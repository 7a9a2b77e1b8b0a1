"""The inbox in a real browser: ten and more tickets above the fold, keyboard shortcuts, the
list refreshing itself with the count of new tickets in the title, and axe in zh and ug."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import Channel, Kind, Role, utcnow
from tests.browser.conftest import Live
from tests.browser.pages import check_accessibility, screenshot, staff_sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

SUBJECTS = [
    "关于煤改气补贴发放的咨询",
    "田字路路灯不亮",
    "垃圾分类试点小区名单",
    "申请公开2013年财政预算",
    "小区供暖温度不达标",
    "公交线路调整建议",
    "学区划分政策问题",
    "道路施工噪音投诉",
    "公租房申请进度",
    "社保卡补办流程",
    "菜市场占道经营",
    "不动产登记时限",
]


def open_enquiries(live: Live, subjects: list[str], tail: str = "请问具体怎么办理？谢谢。") -> None:
    """Citizens send enquiries (through the domain verb, as the web form does)."""
    with live.app.app_context(), live.app.test_request_context():
        policy = policy_from_config(live.app.config, session=db.session)
        for number, subject in enumerate(subjects):
            tickets.open_ticket(
                db.session,
                tickets.NewEnquiry(
                    kind=Kind.QUESTION,
                    subject=subject,
                    body=f"{subject}。{tail}",
                    citizen_name="居民",
                    citizen_email=f"resident{number}.{len(subject)}@example.com",
                    channel=Channel.WEB,
                    locale="zh_Hans",
                ),
                policy=policy,
                actor=audit.Actor.citizen("192.0.2.9"),
                now=utcnow(),
            )
        db.session.commit()


def title_count(page: Page) -> int:
    match = re.match(r"\((\d+)\)", page.title())
    return int(match.group(1)) if match else 0


def signed_in_inbox(live: Live, open_page: Callable[..., Page], locale: str) -> Page:
    supervisor = live.staff_user(Role.SUPERVISOR, email=f"lead-{locale}@enquiry.test")
    page = open_page(locale, phone=False)
    page.set_viewport_size({"width": 1440, "height": 900})
    staff_sign_in(page, supervisor.email)
    page.wait_for_selector("#inbox-list tr.inbox-row")
    return page


def test_keyboard_shortcuts_and_the_title_count_follow_new_tickets(
    live: Live, open_page: Callable[..., Page]
) -> None:
    live.app.config["INBOX_POLL_SECONDS"] = 1
    open_enquiries(live, SUBJECTS)
    page = signed_in_inbox(live, open_page, "zh_Hans")
    unread = title_count(page)
    assert unread >= len(SUBJECTS)  # and the demo's open enquiries

    # Ten and more tickets show above the fold at 1440 x 900.
    visible = page.evaluate(
        """() => [...document.querySelectorAll('#inbox-list tr.inbox-row')]
              .filter(row => row.getBoundingClientRect().bottom <= window.innerHeight).length"""
    )
    assert visible >= 10, f"only {visible} rows above the fold"
    screenshot(page, "staff-inbox-desktop-zh", docs=True)

    # j/k move the cursor, o opens the ticket under it.
    rows = page.locator("#inbox-list tr.inbox-row")
    page.keyboard.press("j")
    page.keyboard.press("j")
    assert "inbox-current" in (rows.nth(1).get_attribute("class") or "")
    page.keyboard.press("k")
    assert "inbox-current" in (rows.nth(0).get_attribute("class") or "")
    assert "inbox-current" not in (rows.nth(1).get_attribute("class") or "")
    # The list refreshes itself (every second here) and keeps the cursor and the focus on it.
    page.evaluate("() => { document.getElementById('inbox-list').dataset.drawn = 'before'; }")
    page.wait_for_function("() => !document.getElementById('inbox-list').dataset.drawn")
    assert "inbox-current" in (rows.nth(0).get_attribute("class") or "")
    assert page.evaluate("() => document.activeElement.classList.contains('inbox-current')")
    first_url = rows.nth(0).get_attribute("data-ticket-url") or ""
    page.keyboard.press("?")
    assert page.locator("#inbox-help").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#inbox-help").is_visible()
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "inbox-search-q"
    page.locator("#inbox-search-q").blur()
    page.keyboard.press("o")
    page.wait_for_url(re.compile(re.escape(first_url) + "$"))

    # Back in the inbox, the ticket just read no longer counts; a new one arrives and the
    # list and the title follow without a reload.
    page.goto("/staff")
    page.wait_for_selector("#inbox-list tr.inbox-row")
    before = title_count(page)
    assert before == unread - 1
    open_enquiries(live, ["新来的咨询：办证大厅几点开门"])
    page.wait_for_function(f"() => document.title.startsWith('({before + 1})')", timeout=10_000)
    assert "新来的咨询" in page.locator("#inbox-list").inner_text()


def test_the_inbox_passes_axe_in_chinese_and_uyghur(
    live: Live, open_page: Callable[..., Page]
) -> None:
    open_enquiries(live, SUBJECTS[:4])
    open_enquiries(live, ["<img src=x onerror=alert(1)>"], tail="<script>alert(2)</script>")
    for locale in ("zh_Hans", "ug"):
        page = signed_in_inbox(live, open_page, locale)
        check_accessibility(page, f"staff-inbox-views-{locale}")
        assert "<script>alert(2)</script>" in page.locator("#inbox-list").inner_text()
        page.locator(".inbox-more-filters > summary").click()
        page.locator(".staff-bell > summary").click()
        check_accessibility(page, f"staff-inbox-open-{locale}")
        page.keyboard.press("Escape")
        page.locator("body").click(position={"x": 5, "y": 890})
        page.keyboard.press("?")
        check_accessibility(page, f"staff-inbox-help-{locale}")
        page.goto("/staff/notifications")
        check_accessibility(page, f"staff-notifications-{locale}")
