"""The whole journey in a real browser, with real mail: a citizen asks on a phone, the office
answers, the citizen answers back by e-mail, the office closes, the citizen rates the answer."""

from __future__ import annotations

import re
from collections.abc import Callable
from email.message import EmailMessage
from email.utils import make_msgid
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select

from enquiry.extensions import db
from enquiry.models import Rating, SatisfactionRating, Status, Ticket, utcnow
from enquiry.rules.clock import beijing_today
from tests.browser.citizen import (
    Question,
    Receipt,
    mail_to,
    rating_links,
    read_report_and_ask,
    text_of,
    track,
)
from tests.browser.conftest import Live
from tests.browser.pages import inspect, screenshot, staff_sign_in
from tests.smtp_server import Received

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.allow_smtp

QUESTION = Question(
    section="s1-3",
    subject="征地拆迁补偿方案在哪里公开？",
    message=(
        "报告说征地拆迁情况都已向社会公开。请问米东区今年的征地拆迁补偿方案在哪里可以查到？"
        "附上社区张贴的通知照片。"
    ),
    name="买买提·艾力",
    email="maimaiti.aili@example.com",
    attachment_name="社区通知.png",
)
SEARCH_WORD = "征地拆迁"
FIRST_ANSWER = "您好：米东区征地拆迁补偿方案已在区政府网站“信息公开”栏目公布。<感谢来信>"
CITIZEN_MAIL = "谢谢答复。请问纸质版在哪里可以查阅？"
SECOND_ANSWER = "纸质版可在米东区政务服务中心一楼查阅点查阅，工作日10:00至19:30开放。"


def answer_by_email(live: Live, answer: Received, text: str) -> str:
    """The citizen presses "Reply" in their mail program; the MTA pipes it to `mail ingest`."""
    original = answer.message
    reply = EmailMessage()
    reply["From"] = f"{QUESTION.name} <{QUESTION.email}>"
    reply["To"] = str(original["Reply-To"] or original["From"])
    reply["Subject"] = f"回复：{original['Subject']}"
    reply["Message-ID"] = make_msgid(domain="example.com")
    reply["In-Reply-To"] = str(original["Message-ID"])
    reply["References"] = str(original["Message-ID"])
    quoted = "\n".join(f"> {line}" for line in text_of(answer).splitlines())
    said = f"在 {original['Date']}，{original['From'].addresses[0].addr_spec} 写道："
    reply.set_content(f"{text}\n\n{said}\n{quoted}\n")
    stored = live.cli("mail", "ingest", input=bytes(reply))  # "#12 stored; the worker takes it in"
    return live.cli("mail", "reprocess", stored.split()[0].lstrip("#"))  # the worker's intake job


def office_answers(page: Page, text: str) -> None:
    page.fill("textarea[name='reply-body']", text)
    page.click("#reply button.composer-send")  # htmx swaps the page in; no full reload
    page.locator(".alert[role=status]").first.wait_for()
    assert page.locator(".alert[role=status]").count() == 1


def find_by_search(page: Page, receipt: Receipt) -> None:
    """Type a Chinese word into the inbox's search box; open the one hit."""
    page.fill("form[role=search] input[name=q]", SEARCH_WORD)
    page.click("form[role=search] button[type=submit]")
    page.wait_for_url(re.compile(r"/staff/search\?q="))
    hits = page.locator(".search-hit")
    assert hits.count() == 1
    assert hits.locator("mark").first.inner_text() == SEARCH_WORD
    inspect(page, "staff-search-zh")
    hits.locator(f"a:has-text('{receipt.reference}')").click()
    page.wait_for_url(re.compile(r"/staff/tickets/\d+$"))


def stored_ticket(live: Live, reference: str) -> tuple[Status, list[tuple[Rating, str | None]]]:
    with live.app.app_context():
        ticket = db.session.scalars(select(Ticket).filter_by(reference=reference)).one()
        ratings = db.session.execute(
            select(SatisfactionRating.rating, SatisfactionRating.comment).where(
                SatisfactionRating.ticket_id == ticket.id
            )
        ).all()
        return ticket.status, [(rating, comment) for rating, comment in ratings]


def test_ask_answer_reply_by_mail_close_and_rate(
    live: Live, open_page: Callable[..., Page]
) -> None:
    # A citizen on a phone reads the report, asks about a section with a photo, tracks it.
    citizen = open_page("zh_Hans", phone=True)
    receipt = read_report_and_ask(citizen, QUESTION, "zh_Hans")
    track(citizen, receipt, "zh_Hans")
    assert QUESTION.attachment_name in citizen.locator(".thread").inner_text()

    # The acknowledgement reaches the SMTP server, with the reference and the code.
    (acknowledgement,) = mail_to(live, QUESTION.email, 1)
    assert receipt.reference in str(acknowledgement.message["Subject"])
    assert receipt.code in text_of(acknowledgement)

    # A supervisor signs in, finds the enquiry by a Chinese word, answers it.
    supervisor = live.staff_user()
    office = open_page("zh_Hans", phone=False)
    staff_sign_in(office, supervisor.email, check_as="staff-login-zh")
    assert receipt.reference in office.locator("main").inner_text()
    inspect(office, "staff-inbox-zh")
    find_by_search(office, receipt)
    ticket_url = office.url
    assert QUESTION.attachment_name in office.locator("main").inner_text()
    inspect(office, "staff-ticket-zh")
    office_answers(office, FIRST_ANSWER)

    # The answer reaches the citizen; they answer it from their mail program.
    _, answer = mail_to(live, QUESTION.email, 2)
    assert "米东区征地拆迁补偿方案已在区政府网站" in text_of(answer)
    outcome = answer_by_email(live, answer, CITIZEN_MAIL)
    assert f"appended {receipt.reference}" in outcome, outcome

    # It lands on the same ticket: the office sees it in the thread, answers again, closes.
    office.goto(ticket_url)
    assert CITIZEN_MAIL in office.locator("main").inner_text()
    office_answers(office, SECOND_ANSWER)
    office.click("form.ticket-close button[type=submit]")
    office.wait_for_load_state()
    assert stored_ticket(live, receipt.reference) == (Status.CLOSED, [])
    screenshot(office, "staff-ticket-zh", docs=True)
    office.goto(f"/staff/reports/annual/{beijing_today(utcnow()).year}")
    assert office.locator("table.annual-table").count() >= 1
    inspect(office, "annual-table-zh", docs=True)

    # The citizen clicks the rating link in the last answer (recorded at once) and comments.
    *_, last_answer = mail_to(live, QUESTION.email, 3)
    citizen.goto(rating_links(last_answer)["satisfied"])
    citizen.wait_for_selector(".rate-recorded.alert-success")
    inspect(citizen, "rate-phone-zh")
    citizen.fill("textarea[name=comment]", "答复很及时")
    citizen.click("form.rate-comment button[type=submit]")
    citizen.wait_for_selector(".rate-comment-thanks")
    assert stored_ticket(live, receipt.reference) == (
        Status.CLOSED,
        [(Rating.SATISFIED, "答复很及时")],
    )
    screenshot(citizen, "rated-phone-zh")

    # The tracking page shows both answers, escaped, and the closed status.
    track(citizen, receipt, "zh_Hans", docs=True, check=False)
    thread = citizen.locator(".thread").inner_text()
    assert FIRST_ANSWER in thread and SECOND_ANSWER in thread and CITIZEN_MAIL in thread
