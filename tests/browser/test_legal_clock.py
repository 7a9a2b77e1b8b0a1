"""The legal clock's pages in a real browser, checked with axe-core: the State Council notice
form (errors listed, text kept), a paper application recorded by staff, the consultations."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from enquiry.models import Role, utcnow
from enquiry.rules import deadlines
from enquiry.rules.clock import beijing_today
from tests.browser.conftest import Live
from tests.browser.pages import inspect, staff_sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

YEAR = max(deadlines.verified_years()[1] + 1, beijing_today(utcnow()).year)


def test_admin_enters_the_notice_on_one_page(live: Live, open_page: Callable[..., Page]) -> None:
    admin = live.staff_user(Role.ADMIN, email="notice-admin@enquiry.test")
    page = open_page("en", phone=False)
    staff_sign_in(page, admin.email)
    page.goto("/staff/admin/calendar/notice")
    inspect(page, "staff-calendar-notice-en")
    bad = f"{YEAR}-01-01 休 元旦\n{YEAR}-02-30 休 春节\n"
    page.fill("input[name=year]", str(YEAR))
    page.fill("input[name=source]", "国务院办公厅通知")
    page.fill("textarea[name=text]", bad)
    page.click("form.calendar-notice-form button[type=submit]")
    page.wait_for_load_state()
    assert "Line 2" in page.locator("#error-summary").inner_text()
    assert page.input_value("textarea[name=text]") == bad  # nothing typed is lost
    inspect(page, "staff-calendar-notice-errors-en")
    page.fill(
        "textarea[name=text]", f"{YEAR}-01-01 休 元旦\n{YEAR}-10-01 至 {YEAR}-10-07 休 国庆节\n"
    )
    page.click("form.calendar-notice-form button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/admin/calendar/notice$"))
    assert f"Notice for {YEAR} saved" in page.locator("main").inner_text()


def test_staff_record_a_post_application_and_consult(
    live: Live, open_page: Callable[..., Page]
) -> None:
    agent = live.staff_user(Role.AGENT, email="paper-agent@enquiry.test")
    page = open_page("zh_Hans", phone=False)
    staff_sign_in(page, agent.email)
    page.click("a[href$='/staff/tickets/paper']")
    inspect(page, "staff-paper-application-zh")
    signed = beijing_today(utcnow()) - timedelta(days=2)
    page.fill("input[name=received_on]", signed.isoformat())
    page.fill("input[name=name]", "阿依古丽·买买提")
    page.fill("input[name=email]", "ayigul@example.com")
    page.fill("input[name=subject]", "申请公开老旧小区改造资金")
    page.fill("textarea[name=message]", "请公开2026年老旧小区改造资金使用情况。")
    page.select_option("select[name=applicant_type]", "citizen")
    page.fill("textarea[name=info_description]", "2026年老旧小区改造资金使用明细")
    page.select_option("select[name=delivery_form]", "email")
    page.click("form.paper-form button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/tickets/\d+$"))
    page.locator("summary", has_text="征求第三方意见").first.click()
    page.locator("summary", has_text="会商").first.click()
    inspect(page, "staff-ticket-consultation-forms-zh")  # the open forms, labelled
    page.fill("input[name=party]", "某物业公司")
    page.fill("textarea[name=question]", "是否同意公开？")
    page.click("form[action$='/consultations/third-party'] button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/tickets/\d+$"))
    assert "某物业公司" in page.locator(".consultations").inner_text()
    inspect(page, "staff-ticket-consultation-zh")
