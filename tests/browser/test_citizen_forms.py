"""The citizen's forms in a real browser: one-click rating (and none from a plain GET), the
enquiry form keeping every word through a 429 and a refused field, links from mail opening in
the enquiry's language, and axe-core on every public page and the staff overview pages."""

from __future__ import annotations

import re
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import select

from enquiry import audit
from enquiry.domain import tickets
from enquiry.domain.policy import policy_from_config
from enquiry.extensions import db
from enquiry.models import (
    Channel,
    Kind,
    OutboundEmail,
    Rating,
    SatisfactionRating,
    Ticket,
    utcnow,
)
from tests.browser.citizen import RATE_LINK, assert_language
from tests.browser.conftest import Live
from tests.browser.pages import inspect, png_file, staff_sign_in

if TYPE_CHECKING:
    from playwright.sync_api import Page

MIN_SECONDS = 2


@pytest.fixture
def live_config() -> dict[str, Any]:
    """Sending is limited (2 an hour), and a form sent within 2 s of showing is refused."""
    return {
        "RATELIMIT_ENABLED": True,
        "SUBMIT_RATE_LIMIT": "2 per hour",
        "FORM_MIN_SECONDS": MIN_SECONDS,
    }


def open_enquiry(live: Live, locale: str, subject: str = "关于供暖时间") -> tuple[str, str]:
    """An enquiry as the web form opens it, in a language: return (reference, access code)."""
    with live.app.app_context(), live.app.test_request_context():
        opened = tickets.open_ticket(
            db.session,
            tickets.NewEnquiry(
                kind=Kind.QUESTION,
                subject=subject,
                body="今年何时开始供暖？",
                citizen_name="买买提·艾力",
                citizen_email="memet@example.com",
                channel=Channel.WEB,
                locale=locale,
            ),
            policy=policy_from_config(live.app.config, session=db.session),
            actor=audit.Actor.citizen("192.0.2.1"),
            now=utcnow(),
        )
        db.session.commit()
        return opened.ticket.reference, opened.access_code


def outbox_text(live: Live, reference: str, template: str) -> str:
    with live.app.app_context():
        mail = db.session.scalars(
            select(OutboundEmail)
            .join(Ticket, Ticket.id == OutboundEmail.ticket_id)
            .where(Ticket.reference == reference, OutboundEmail.template == template)
        ).one()
        return mail.body_text


def rating_urls(live: Live, reference: str) -> dict[str, str]:
    found = {
        rating: url for url, rating in RATE_LINK.findall(outbox_text(live, reference, "reply"))
    }
    assert set(found) == {r.value for r in Rating}, found
    return found


def stored_ratings(live: Live) -> list[tuple[Rating, str | None]]:
    with live.app.app_context():
        rows = db.session.execute(select(SatisfactionRating.rating, SatisfactionRating.comment))
        return [(rating, comment) for rating, comment in rows]


# --- Rating ----------------------------------------------------------------------------------


def test_one_click_records_the_rating_and_a_plain_get_records_nothing(
    live: Live, open_page: Callable[..., Page]
) -> None:
    reference, _ = open_enquiry(live, "zh_Hans")
    live.answer(reference, "10月10日开始供暖。")
    urls = rating_urls(live, reference)

    # A mail scanner: fetches the link (and the page's script) but runs nothing.
    with urllib.request.urlopen(urls["very_dissatisfied"], timeout=10) as response:
        assert response.status == 200
        assert "data-autosubmit" in response.read().decode("utf-8")
    with urllib.request.urlopen(live.url + "/static/js/citizen.js", timeout=10) as response:
        assert response.status == 200
    assert stored_ratings(live) == []

    # A person: one click in the mail, and the grade is recorded.
    page = open_page("zh_Hans")
    page.goto(urls["satisfied"])
    page.wait_for_selector(".rate-recorded.alert-success")
    assert stored_ratings(live) == [(Rating.SATISFIED, None)]
    inspect(page, "rate-phone-zh", docs=True)
    page.fill("textarea[name=comment]", "答复很清楚，谢谢。")
    page.click("form.rate-comment button[type=submit]")
    page.wait_for_selector(".rate-comment-thanks")
    assert stored_ratings(live) == [(Rating.SATISFIED, "答复很清楚，谢谢。")]

    # Another click on another link of the same mail changes nothing: one rating per answer.
    again = open_page("zh_Hans")
    again.goto(urls["very_dissatisfied"])
    again.wait_for_selector(".rate-recorded")
    assert "满意" in again.locator(".rate-recorded").inner_text()
    assert again.locator("form.rate-comment").count() == 0  # the comment was given
    assert stored_ratings(live) == [(Rating.SATISFIED, "答复很清楚，谢谢。")]


def test_without_script_the_rating_waits_for_the_visible_button(
    live: Live, open_page: Callable[..., Page]
) -> None:
    reference, _ = open_enquiry(live, "ug")
    live.answer(reference, "خەرىتە شەھەر تور بېتىدە.")
    page = open_page("zh_Hans", script=False)
    page.goto(rating_urls(live, reference)["dissatisfied"])
    assert_language(page, "ug")  # the link carries the enquiry's language
    assert stored_ratings(live) == []
    page.click("form.rate-one-click button[type=submit]")
    page.wait_for_selector(".rate-recorded")
    assert stored_ratings(live) == [(Rating.DISSATISFIED, None)]


def test_the_tracking_page_offers_the_rating(live: Live, open_page: Callable[..., Page]) -> None:
    reference, code = open_enquiry(live, "zh_Hans")
    live.answer(reference, "10月10日开始供暖。")
    page = open_page("zh_Hans")
    page.goto(f"/track/{reference}/{code}")
    page.click(".rate-offer a >> nth=0")  # 非常满意, the first grade
    page.wait_for_selector(".rate-recorded")
    assert stored_ratings(live) == [(Rating.VERY_SATISFIED, None)]
    page.goto(f"/track/{reference}")
    assert page.locator(".rate-given").is_visible()  # the rating given, no more links
    assert page.locator(".rate-offer").count() == 0


# --- Language from the mail -------------------------------------------------------------------


def test_a_uyghur_enquiry_s_mail_links_open_in_uyghur(
    live: Live, open_page: Callable[..., Page]
) -> None:
    reference, _code = open_enquiry(live, "ug", subject="ئىسسىق قاچان كېلىدۇ؟")
    link = re.search(r"http://\S+/track/\S+", outbox_text(live, reference, "acknowledgement"))
    assert link is not None and link.group(0).endswith("?lang=ug")
    page = open_page("zh_Hans")  # a phone set to Chinese
    page.goto(link.group(0))
    page.wait_for_url(re.compile(rf"/track/{reference}$"))
    assert_language(page, "ug")
    page.goto("/ask")  # and the site stays in Uyghur
    assert_language(page, "ug")


# --- The enquiry form never loses text ------------------------------------------------------


def fill_question(page: Page, message: str, email: str = "memet@example.com") -> None:
    page.check("input[name=kind][value=question]")
    page.fill("input[name=subject]", "供暖时间")
    page.fill("textarea[name=message]", message)
    page.fill("input[name=name]", "买买提·艾力")
    page.fill("input[name=email]", email)
    page.set_input_files("input[name=attachments]", files=[png_file("暖气片.png")])


def send(page: Page) -> None:
    page.wait_for_timeout(MIN_SECONDS * 1000 + 200)  # a person takes longer than a bot
    page.click("form.ask-form button[type=submit]")
    page.wait_for_load_state()


def test_a_refused_form_keeps_the_text_and_is_accepted_once_fixed(
    live: Live, open_page: Callable[..., Page]
) -> None:
    page = open_page("zh_Hans")
    page.goto("/ask")
    message = "请问今年的供暖从哪一天开始？" * 20
    fill_question(page, message, email="not-an-address")
    send(page)
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.input_value("textarea[name=message]") == message
    assert "暖气片.png" in page.locator("#error-summary").inner_text()  # attach it again
    inspect(page, "ask-refused-phone-zh")
    page.fill("input[name=email]", "memet@example.com")
    page.set_input_files("input[name=attachments]", files=[png_file("暖气片.png")])
    # Sent at once: the minimum fill time counts from the first showing of the form.
    page.click("form.ask-form button[type=submit]")
    page.wait_for_url("**/ask/submitted")


def test_a_429_re_shows_the_form_with_everything_typed(
    live: Live, open_page: Callable[..., Page]
) -> None:
    page = open_page("ug")
    for number in range(2):
        page.goto("/ask")
        fill_question(page, f"بىرىنچى سوئال {number}")
        send(page)
        page.wait_for_url("**/ask/submitted")
    page.goto("/ask")
    message = " ".join(["ئۈچىنچى سوئال: بۇ تېكىستنى ساقلاپ قېلىڭ."] * 10)
    fill_question(page, message)
    send(page)
    assert page.locator("h1").count() == 1
    assert page.input_value("textarea[name=message]") == message
    assert page.input_value("input[name=name]") == "买买提·艾力"
    summary = page.locator("#error-summary").inner_text()
    assert "暖气片.png" in summary
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert_language(page, "ug")
    inspect(page, "ask-429-phone-ug")


def test_the_counter_warns_before_the_limit_and_nothing_is_cut(
    live: Live, open_page: Callable[..., Page]
) -> None:
    page = open_page("zh_Hans")
    page.goto("/ask")
    counter = page.locator("#message-counter")
    assert counter.is_visible()
    page.fill("textarea[name=message]", "字" * 19_000)
    assert counter.get_attribute("data-state") == "near"
    page.fill("textarea[name=message]", "字" * 20_005)
    assert counter.get_attribute("data-state") == "over"
    assert len(page.input_value("textarea[name=message]")) == 20_005  # not cut
    assert "20005" in counter.inner_text()


def test_the_application_fields_appear_only_for_an_application(
    live: Live, open_page: Callable[..., Page]
) -> None:
    page = open_page("zh_Hans")
    page.goto("/ask")
    section = page.locator("fieldset.info-application")
    page.check("input[name=kind][value=question]")
    assert not section.is_visible()
    page.check("input[name=kind][value=info_application]")
    assert section.is_visible()
    plain = open_page("zh_Hans", script=False)
    plain.goto("/ask")  # without script: a clearly headed section, always there
    assert plain.locator("fieldset.info-application legend").is_visible()


# --- axe-core on every page -----------------------------------------------------------------


@pytest.mark.parametrize("locale", ["zh_Hans", "ug"])
def test_axe_finds_nothing_serious_on_public_and_staff_pages(
    live: Live, open_page: Callable[..., Page], locale: str
) -> None:
    short = {"zh_Hans": "zh", "ug": "ug"}[locale]
    reference, code = open_enquiry(live, locale)
    live.answer(reference, "10月10日开始供暖。")
    page = open_page(locale)
    for path, name in [
        ("/", "home"),
        ("/ask", "ask"),
        ("/report/2013", "report"),
        ("/track", "track-form"),
        (f"/track/{reference}/{code}", "track"),
        (rating_urls(live, reference)["basically_satisfied"], "rate"),
        ("/rate/not-a-token", "rate-invalid"),
    ]:
        page.goto(path)
        if name == "rate":
            page.wait_for_selector(".rate-recorded")
        inspect(page, f"axe-{name}-{short}")
    staff = open_page(locale, phone=False)
    staff_sign_in(staff, live.app.config["DEMO_ADMIN_EMAIL"])
    for path in [
        "/staff/dashboard",
        "/staff/supervision",
        "/staff/admin",
        "/staff/admin/users",
        "/staff/admin/departments",
        "/staff/admin/replies",
        "/staff/admin/rules",
        "/staff/admin/calendar",
        "/staff/admin/webhooks",
        "/staff/admin/tokens",
        "/staff/admin/audit",
        "/staff/admin/security",
    ]:
        staff.goto(path)
        inspect(staff, f"axe-staff{path.replace('/staff', '').replace('/', '-')}-{short}")
