"""Any staff page keeps its bell, its menu count and its title current without a reload."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from enquiry.models import Role
from tests.browser.conftest import Live
from tests.browser.pages import staff_sign_in
from tests.browser.test_inbox import open_enquiries, title_count

if TYPE_CHECKING:
    from playwright.sync_api import Page


def test_the_bell_menu_count_and_title_follow_a_new_ticket_on_any_page(
    live: Live, open_page: Callable[..., Page]
) -> None:
    live.app.config["INBOX_POLL_SECONDS"] = 1
    agent = live.staff_user(Role.AGENT, email="live-counts@enquiry.test")
    page = open_page("zh_Hans", phone=False)
    staff_sign_in(page, agent.email)
    page.goto("/staff/account")
    page.evaluate("() => { window.notReloaded = true; }")
    before = title_count(page)
    bell_before = page.locator("#staff-live .staff-bell-count").count()

    open_enquiries(live, ["新来的咨询：社保卡挂失怎么办"])
    page.wait_for_function(f"() => document.title.startsWith('({before + 1})')", timeout=10_000)
    assert page.locator("#staff-inbox-count .badge").inner_text().startswith(str(before + 1))
    page.locator("#staff-live summary").click()  # the bell lists the new ticket
    assert "新来的咨询" in page.locator("#staff-live .staff-bell-menu").inner_text()
    assert page.locator("#staff-live .staff-bell-count").count() >= bell_before
    assert page.evaluate("() => window.notReloaded === true")  # all without a reload
