"""The blank form is rendered once and kept: each visit still gets its own tokens and news."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Flask

from enquiry.domain import formtoken
from enquiry.extensions import db
from enquiry.models import Ticket, utcnow
from enquiry.public import form_page
from tests.app.test_ask import add_report_section, app_with, english, valid_form
from tests.conftest import hidden_fields

TOKENS = re.compile(
    r'(name="csrf_token"[^>]*value=|name="form_token"[^>]*value=|data-csrf=)"[^"]*"'
)


def without_tokens(html: str) -> str:
    return TOKENS.sub(r"\1", html)


def test_every_visit_of_the_kept_form_gets_its_own_tokens_and_can_be_sent(
    make_app: Callable[..., Flask],
) -> None:
    app = app_with(make_app, WTF_CSRF_ENABLED=True)
    first, second = english(app.test_client()), english(app.test_client())
    pages = [client.get("/ask").get_data(as_text=True) for client in (first, second)]
    assert len(app.extensions[form_page._EXTENSION]) == 1  # one page kept
    tokens = [hidden_fields(page) for page in pages]
    assert tokens[0]["csrf_token"] != tokens[1]["csrf_token"]
    assert tokens[0]["form_token"] != tokens[1]["form_token"]
    assert f'data-csrf="{tokens[1]["csrf_token"]}"' in pages[1]
    assert without_tokens(pages[0]) == without_tokens(pages[1])
    assert "\x00" not in pages[1]
    nonce = formtoken.check(
        tokens[1]["form_token"],
        secret=app.config["SECRET_KEY"],
        now=utcnow(),
        min_seconds=0,
        max_seconds=60,
    )
    assert nonce
    for client, fields in ((second, tokens[1]), (first, tokens[0])):
        response = client.post("/ask", data={**fields, **valid_form()})
        assert response.status_code == 303, response.get_data(as_text=True)
    with app.app_context():
        assert db.session.query(Ticket).count() == 2


def test_a_new_report_section_and_another_language_show_at_once(app: Flask) -> None:
    citizen = english(app.test_client())
    assert "2013 report" not in citizen.get("/ask").get_data(as_text=True)
    add_report_section(app)  # an admin's change: the reference stamp moves
    html = citizen.get("/ask").get_data(as_text=True)
    assert '<optgroup label="2013 report">' in html
    chinese = app.test_client()
    chinese.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    assert "2013年度报告" in chinese.get("/ask").get_data(as_text=True)
    assert '<optgroup label="2013 report">' in citizen.get("/ask").get_data(as_text=True)


def test_a_flashed_message_is_shown_on_the_form(app: Flask) -> None:
    citizen = english(app.test_client())
    citizen.get("/ask")
    with citizen.session_transaction() as session:
        session["_flashes"] = [("warning", "A note for this visitor only")]
    assert "A note for this visitor only" in citizen.get("/ask").get_data(as_text=True)
    assert "A note for this visitor only" not in citizen.get("/ask").get_data(as_text=True)


def test_the_kept_pages_are_few_whatever_the_query_strings(app: Flask) -> None:
    citizen = english(app.test_client())
    for n in range(form_page.MAX_PAGES + 10):
        html = citizen.get(f"/ask?x={n}").get_data(as_text=True)
        assert f"x%3D{n}" in html  # the language links go back to this very address
    assert len(app.extensions[form_page._EXTENSION]) == form_page.MAX_PAGES


def test_a_changed_setting_shows_on_the_next_visit(app: Flask) -> None:
    citizen = english(app.test_client())
    assert "Up to 5 files" in citizen.get("/ask").get_data(as_text=True)
    app.config["MAX_ATTACHMENTS"] = 3
    assert "Up to 3 files" in citizen.get("/ask").get_data(as_text=True)
