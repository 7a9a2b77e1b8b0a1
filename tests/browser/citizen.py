"""The citizen's part of a journey, in any language: read the report, ask with a file, track."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from enquiry.i18n import html_lang, is_rtl
from tests.browser.pages import SHORT_NAMES, inspect, png_file, screenshot
from tests.smtp_server import Received

if TYPE_CHECKING:
    from playwright.sync_api import Page

    from tests.browser.conftest import Live

REFERENCE = re.compile(r"^[A-Z]+-\d{4}-\d{6}$")
RATE_LINK = re.compile(
    r"(http://127\.0\.0\.1:\d+/rate/[A-Za-z0-9_.-]+\?rating=(\w+)&(?:amp;)?lang=\w+)"
)
RATINGS = {
    "very_satisfied",
    "satisfied",
    "basically_satisfied",
    "dissatisfied",
    "very_dissatisfied",
}


@dataclass(frozen=True)
class Question:
    """What the citizen types into the form."""

    section: str  # the report section's anchor
    subject: str
    message: str
    name: str
    email: str
    attachment_name: str


@dataclass(frozen=True)
class Receipt:
    reference: str
    code: str


def assert_language(page: Page, locale: str) -> None:
    """The page is in the citizen's language, in the right direction."""
    root = page.locator("html")
    assert root.get_attribute("lang") == html_lang(locale)
    assert root.get_attribute("dir") == ("rtl" if is_rtl(locale) else "ltr")


def read_report_and_ask(page: Page, question: Question, locale: str) -> Receipt:
    """Home → report → "ask about this section" → the form, with an attachment → confirmation."""
    suffix = f"phone-{SHORT_NAMES[locale]}"
    page.goto("/")
    assert_language(page, locale)
    inspect(page, f"home-{suffix}")
    page.click("a[href='/report/2013']")
    page.wait_for_url("**/report/2013")
    assert page.locator(f"section#{question.section}").is_visible()
    inspect(page, f"report-{suffix}")

    page.click(f"#{question.section}-ask")
    page.wait_for_url(re.compile(r"/ask\?"))
    chosen = page.locator("select[name=section] option:checked").inner_text()
    assert chosen.strip(), "the section is preselected"
    page.check("input[name=kind][value=question]")
    page.fill("input[name=subject]", question.subject)
    page.fill("textarea[name=message]", question.message)
    page.fill("input[name=name]", question.name)
    page.fill("input[name=email]", question.email)
    page.set_input_files(
        "input[name=attachments]",
        files=[png_file(question.attachment_name)],
    )
    inspect(page, f"ask-{suffix}", docs=locale == "ug")
    page.click("form.ask-form button[type=submit]")
    page.wait_for_url("**/ask/submitted")
    reference, code = (text.strip() for text in page.locator("dd.code-box bdi").all_inner_texts())
    assert REFERENCE.match(reference), reference
    assert len(code) >= 20, code
    inspect(page, f"submitted-{suffix}")
    return Receipt(reference, code)


def track(
    page: Page, receipt: Receipt, locale: str, *, docs: bool = False, check: bool = True
) -> None:
    """Look the enquiry up with reference and code on the tracking form."""
    page.goto("/track")
    page.fill("input[name=reference]", receipt.reference)
    page.fill("input[name=code]", receipt.code)
    assert_language(page, locale)
    if check:
        inspect(page, f"track-form-phone-{SHORT_NAMES[locale]}")
    page.click("form.track-form button[type=submit]")
    page.wait_for_url(re.compile(rf"/track/{receipt.reference}"))
    assert receipt.reference in page.locator("main dl").inner_text()
    if check:
        inspect(page, f"track-phone-{SHORT_NAMES[locale]}", docs=docs)
    elif docs:
        screenshot(page, f"track-phone-{SHORT_NAMES[locale]}", docs=True)


def mail_to(live: Live, address: str, count: int) -> list[Received]:
    """Send the outbox as cron would; return the messages the SMTP server got for `address`."""
    live.send_mail()  # returns once the server has answered 250 to each message
    messages = [received for received in live.smtp.messages if address in received.rcpt_tos]
    assert len(messages) == count, [m.message["Subject"] for m in messages]
    return messages


def text_of(received: Received) -> str:
    body = received.message.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def rating_links(answer: Received) -> dict[str, str]:
    """The one-click rating links in an answer: {rating: URL}."""
    links = {rating: url for url, rating in RATE_LINK.findall(text_of(answer))}
    assert set(links) == RATINGS, links
    return links
