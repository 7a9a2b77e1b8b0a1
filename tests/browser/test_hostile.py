"""Hostile input in a real browser: whatever a citizen or a colleague types, no script of theirs
ever runs (a listener catches every dialog) and the text is shown as text, escaped."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlencode

import pytest

from tests.browser.citizen import Receipt
from tests.browser.conftest import BROWSER_LOCALES, Guard, Live
from tests.browser.pages import check_accessibility, inspect, png_file, staff_sign_in
from tests.hostile_strings import HOSTILE_STRINGS, SCRIPT_MARKER

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

SCRIPTS = tuple(s for s in HOSTILE_STRINGS if SCRIPT_MARKER in s)
MARKUP = tuple(s for s in HOSTILE_STRINGS if SCRIPT_MARKER in s or "<" in s or "{{" in s)
# Text that is hard to lay out: direction overrides, invisible and combining marks, emoji and
# characters beyond the Basic Multilingual Plane.
LAYOUT = tuple(
    s
    for s in HOSTILE_STRINGS
    if s not in MARKUP
    and any(unicodedata.category(c) in {"Cf", "Mn"} or ord(c) > 0xFFFF for c in s)
)
# The rest (SQL, CR/LF, control characters, long text, paths) matters to the server more than
# to the browser: tests/hostile sends each alone; here they go together in one message.
REST = tuple(s for s in HOSTILE_STRINGS if s not in MARKUP + LAYOUT)
FILL_FORM = """fields => {
    const form = document.querySelector("form.ask-form");
    for (const [name, value] of Object.entries(fields)) form.elements[name].value = value;
}"""
HOSTILE_FILENAME = f"<img src=x onerror=alert('{SCRIPT_MARKER}')>.png"


WATCH_HTMX = """() => {
  window.enquiryHtmxTrouble = [];
  const names = ["htmx:responseError", "htmx:sendError", "htmx:swapError", "htmx:targetError",
                 "htmx:timeout", "htmx:abort", "htmx:afterRequest"];
  for (const name of names) {
    document.addEventListener(name, event => {
      const xhr = event.detail && event.detail.xhr;
      window.enquiryHtmxTrouble.push([name, xhr ? xhr.status : null, xhr ? xhr.responseURL : null]);
    });
  }
}"""


def shown(text: str) -> str:
    """What the page should show for `text`: the form's filters trim and NFC-normalise."""
    return unicodedata.normalize("NFC", text).strip()


def ask(
    page: Page, text: str, *, attach: bool = False, message: str | None = None
) -> tuple[int, Receipt | None]:
    """Send the enquiry form with `text` as name, subject and message; return the status.

    The fields are set in one call rather than typed one by one (the journeys type): this
    loop sends many forms, and what is tested is how the pages show what was sent.
    """
    page.goto("/ask")
    fields = {"subject": text, "message": text if message is None else message, "name": text}
    page.evaluate(FILL_FORM, fields | {"email": "hostile@example.com"})
    if attach:
        page.set_input_files(
            "input[name=attachments]",
            files=[png_file(HOSTILE_FILENAME)],
        )
    with page.expect_navigation() as navigation:
        page.click("form.ask-form button[type=submit]")
    response = navigation.value
    assert response is not None
    if not page.url.endswith("/ask/submitted"):
        return response.status, None
    reference, code = (t.strip() for t in page.locator("dd.code-box bdi").all_inner_texts())
    return response.status, Receipt(reference, code)


def test_no_hostile_string_runs_as_script_anywhere(
    live: Live, open_page: Callable[..., Page], guard: Guard
) -> None:
    citizen = open_page("en", phone=False)

    # Hostile strings through the real form: accepted, or refused with a 4xx form that shows
    # back what was typed, as typed. Markup goes one string per enquiry, in every field.
    accepted: dict[str, Receipt] = {}
    for number, text in enumerate(MARKUP):
        status, receipt = ask(citizen, text, attach=number == 0)
        assert status == 200 and receipt is not None, "markup is ordinary text: it is accepted"
        accepted[text] = receipt
    # Text that is hard to lay out goes together; so does the rest, refused or not.
    status, layout = ask(citizen, LAYOUT[0], message="\n".join(LAYOUT))
    assert status == 200 and layout is not None
    status, _ = ask(citizen, "其余的恶意字符串", message="\n".join(REST))
    assert status == 400  # a NUL character, and 100,000 characters, are refused

    # The citizen's tracking pages show each one as text.
    for text in MARKUP:
        citizen.goto(f"/track/{accepted[text].reference}")  # this browser sent them: no code
        assert citizen.locator("main h1").inner_text() == shown(text)
        assert citizen.locator(".thread .message-body").first.inner_text() == shown(text)
    citizen.goto(f"/track/{layout.reference}")
    assert citizen.locator(".thread .message-body").first.inner_text() == shown("\n".join(LAYOUT))
    first = accepted[MARKUP[0]]
    citizen.goto(f"/track/{first.reference}")
    assert HOSTILE_FILENAME in citizen.locator(".thread").inner_text()

    # Staff (in Uyghur, right to left) see them in the inbox, in search results, in the ticket;
    # they answer and note with hostile text too.
    supervisor = live.staff_user()
    office = open_page("ug", phone=False)
    staff_sign_in(office, supervisor.email, check_as="staff-login-ug")
    inbox = office.locator("main").inner_text()
    assert all(shown(text) in inbox for text in SCRIPTS)
    inspect(office, "staff-inbox-hostile-ug")

    office.fill("form[role=search] input[name=q]", SCRIPT_MARKER)
    office.click("form[role=search] button[type=submit]")
    office.wait_for_url(re.compile(r"/staff/search\?q="))
    assert office.locator(".search-hit").count() >= len(SCRIPTS)
    inspect(office, "staff-search-hostile-ug")
    for text in SCRIPTS:  # the query itself is shown back on the page
        office.goto("/staff/search?" + urlencode({"q": text}))
        assert office.locator("form[role=search] input[name=q]").input_value() == shown(text)

    office.goto("/staff/search?" + urlencode({"q": first.reference}))  # jumps to the ticket
    office.wait_for_url(re.compile(r"/staff/tickets/\d+$"))
    ticket_url = office.url
    assert HOSTILE_FILENAME in office.locator(".thread").inner_text()
    reply, note = SCRIPTS[1], SCRIPTS[2]
    office.fill("textarea[name='reply-body']", reply)
    # The composer sends in place (htmx), without a page load; the confirmation is swapped in.
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    office.evaluate(WATCH_HTMX)
    with office.expect_response(lambda r: r.url.endswith("/answer")) as sent:
        office.click("#reply button.composer-send")
    assert sent.value.status in (200, 302, 303)  # htmx follows the redirect itself
    try:
        office.locator(".alert[role=status]").first.wait_for(timeout=20_000)
    except PlaywrightTimeoutError as error:  # say what htmx saw, should it ever happen again
        trouble = office.evaluate("() => window.enquiryHtmxTrouble")
        raise AssertionError(f"no confirmation; htmx: {trouble}; url: {office.url}") from error
    office.fill("textarea[name='note-body']", note)
    with office.expect_navigation():
        office.click(".ticket-note-form button[type=submit]")
    office.goto(ticket_url)
    bodies = office.locator(".thread .message-body").all_inner_texts()
    assert reply in bodies and note in bodies
    inspect(office, "staff-ticket-hostile-ug")

    # The citizen sees the answer as text, and never the internal note.
    citizen.goto(f"/track/{first.reference}")
    bodies = citizen.locator(".thread .message-body").all_inner_texts()
    assert reply in bodies and note not in bodies
    check_accessibility(citizen, "track-hostile-en")

    assert guard.dialogs == [] and guard.page_errors == []


def test_the_dialog_listener_catches_a_script_that_runs(browser: Browser) -> None:
    """The check above could fail: a script that does run is caught."""
    watched = Guard()
    context = browser.new_context(locale=BROWSER_LOCALES["en"])
    watched.watch(context)
    try:
        page = context.new_page()
        page.set_content(f"<p>x</p><img src=x onerror=\"alert('{SCRIPT_MARKER}')\">")
        page.wait_for_function("() => document.images[0].complete")
        page.evaluate("() => new Promise(resolve => setTimeout(resolve, 50))")
    finally:
        context.close()
    assert watched.dialogs == [f"alert: {SCRIPT_MARKER}"]
    with pytest.raises(AssertionError, match="opened dialogs"):
        watched.check()


def test_axe_reports_a_page_that_is_not_accessible(browser: Browser) -> None:
    """axe really runs: a button without a name and an image without text are serious."""
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_content(
            '<!doctype html><html lang="en"><title>t</title><main>'
            '<button></button><img src="data:,"></main></html>'
        )
        with pytest.raises(AssertionError) as failure:
            check_accessibility(page, "axe-self-test")
    finally:
        context.close()
    assert "button-name" in str(failure.value) and "image-alt" in str(failure.value)
