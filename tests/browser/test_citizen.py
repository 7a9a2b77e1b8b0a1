"""The citizen's part in English and in Uyghur (right to left), on a phone: read the report,
ask about a section with a file, keep reference and code, track the enquiry, rate the answer."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from tests.browser.citizen import (
    Question,
    assert_language,
    mail_to,
    rating_links,
    read_report_and_ask,
    text_of,
    track,
)
from tests.browser.conftest import Live
from tests.browser.pages import SHORT_NAMES, inspect

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.allow_smtp

QUESTIONS = {
    "en": Question(
        section="s2-i4",
        subject="Where is the 3D map of Urumqi?",
        message="The report says a 3D simulated map of Urumqi was published. Where can I find it?",
        name="Anna Schmidt",
        email="anna.schmidt@example.org",
        attachment_name="screenshot.png",
    ),
    "ug": Question(
        section="s2-i4",
        subject="ئۈرۈمچىنىڭ 3D خەرىتىسى قەيەردە؟",
        message="دوكلاتتا ئۈرۈمچىنىڭ 3D خەرىتىسى ئېلان قىلىندى دېيىلگەن. ئۇنى قەيەردىن تاپالايمەن؟",
        name="ئايگۈل·مەمەت",
        email="aygul.memet@example.com",
        attachment_name="رەسىم.png",
    ),
}
ANSWERS = {
    "en": "The map is on the city portal under Maps. <Thank you>",
    "ug": "خەرىتە شەھەر تور بېتىدە. رەھمەت!",
}
# Where a line of text sits across a 390 px wide phone screen.
TEXT_BOX = """selector => {
    const range = document.createRange();
    range.selectNodeContents(document.querySelector(selector));
    const box = range.getBoundingClientRect();
    return {left: box.left, right: box.right, width: document.documentElement.clientWidth};
}"""


def text_edges(page: Page, selector: str) -> tuple[float, float]:
    """How far the text of `selector` stays from the left and from the right edge."""
    box = page.evaluate(TEXT_BOX, selector)
    return box["left"], box["width"] - box["right"]


def assert_reading_direction(page: Page, locale: str) -> None:
    """Uyghur is laid out right to left: text starts at the right edge; English at the left."""
    assert page.evaluate("getComputedStyle(document.body).direction") == (
        "rtl" if locale == "ug" else "ltr"
    )
    from_left, from_right = text_edges(page, "main h1")
    start, end = (from_right, from_left) if locale == "ug" else (from_left, from_right)
    assert start < 30 < end, (locale, from_left, from_right)


@pytest.mark.parametrize("locale", ["en", "ug"])
def test_a_citizen_asks_and_tracks_in_their_language(
    live: Live, open_page: Callable[..., Page], locale: str
) -> None:
    question = QUESTIONS[locale]
    page = open_page("zh_Hans" if locale == "ug" else locale, phone=True)
    if locale == "ug":  # a phone set to Chinese: the citizen picks Uyghur in the page
        page.goto("/")
        page.click("nav .language-switch a[hreflang=ug]")
        page.wait_for_url("**/")
    receipt = read_report_and_ask(page, question, locale)
    page.goto("/ask")
    assert_reading_direction(page, locale)

    track(page, receipt, locale, docs=locale == "ug")
    thread = page.locator(".thread").inner_text()
    assert question.message in thread and question.attachment_name in thread

    # The acknowledgement is in the citizen's language; the office answers; the citizen rates.
    (acknowledgement,) = mail_to(live, question.email, 1)
    assert receipt.code in text_of(acknowledgement)
    live.answer(receipt.reference, ANSWERS[locale])
    page.reload()
    assert ANSWERS[locale] in page.locator(".thread").inner_text()
    _, answer = mail_to(live, question.email, 2)
    page.goto(rating_links(answer)["basically_satisfied"])  # one click records the grade
    page.wait_for_selector(".rate-recorded.alert-success")
    assert_language(page, locale)
    inspect(page, f"rate-phone-{SHORT_NAMES[locale]}", docs=locale == "ug")
