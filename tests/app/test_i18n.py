"""Each locale renders; Uyghur is right to left; Accept-Language and the switcher choose."""

from __future__ import annotations

import pytest
from flask import Flask, render_template_string
from flask.testing import FlaskClient
from flask_babel import force_locale, gettext, lazy_gettext


@pytest.mark.parametrize(
    ("code", "lang", "direction", "ask_label"),
    [
        ("zh_Hans", "zh-Hans", "ltr", "咨询"),
        ("en", "en", "ltr", "Question"),
        ("ug", "ug", "rtl", "سوئال"),
    ],
)
def test_switcher_sets_locale_and_direction(
    client: FlaskClient, code: str, lang: str, direction: str, ask_label: str
) -> None:
    switched = client.get(f"/language/{code}?next=/ask")
    assert switched.status_code == 302
    assert switched.headers["Location"].endswith("/ask")
    html = client.get("/ask").get_data(as_text=True)
    assert f'<html lang="{lang}" dir="{direction}">' in html
    assert ask_label in html
    if direction == "rtl":
        assert "bootstrap.rtl.min.css" in html


@pytest.mark.parametrize(
    ("header", "lang"),
    [("ug-CN,ug;q=0.9", "ug"), ("en-US,en;q=0.8", "en"), ("zh-CN", "zh-Hans"), ("fr", "zh-Hans")],
)
def test_accept_language_negotiates(client: FlaskClient, header: str, lang: str) -> None:
    html = client.get("/", headers={"Accept-Language": header}).get_data(as_text=True)
    assert f'lang="{lang}"' in html


def test_chinese_is_the_default(client: FlaskClient) -> None:
    html = client.get("/ask").get_data(as_text=True)
    assert "咨询" in html and "投诉" in html and "政府信息公开申请" in html


def test_switcher_refuses_open_redirect(client: FlaskClient) -> None:
    response = client.get("/language/en?next=//evil.example/")
    assert response.headers["Location"] in {"/", "http://enquiry.test/"}


def test_unknown_language_is_ignored(client: FlaskClient) -> None:
    client.get("/language/xx?next=/")
    assert 'lang="zh-Hans"' in client.get("/").get_data(as_text=True)


def test_error_pages_are_localised(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept-Language": "en"})
    assert response.status_code == 404
    assert "does not exist" in response.get_data(as_text=True)
    chinese = client.get("/no-such-page").get_data(as_text=True)
    assert "页面不存在" in chinese


def test_translations_follow_force_locale_inside_a_request(app: Flask) -> None:
    """The once-per-request lookup (i18n.BoundDomain) still follows force_locale both ways."""
    label = lazy_gettext("Question")
    with app.test_request_context("/ask", headers={"Accept-Language": "zh-CN"}):
        assert (gettext("Question"), str(label)) == ("咨询", "咨询")
        with force_locale("ug"):
            assert (gettext("Question"), str(label)) == ("سوئال", "سوئال")
            with force_locale("en"):
                assert render_template_string("{{ _('Question') }}") == "Question"
            assert render_template_string("{{ _('Question') }}") == "سوئال"
        assert (gettext("Question"), str(label)) == ("咨询", "咨询")
        assert render_template_string("{{ _('Question') }}") == "咨询"
    with app.test_request_context("/ask", headers={"Accept-Language": "ug-CN"}):
        assert gettext("Question") == "سوئال"  # a new request binds its own
        assert render_template_string("{{ _('Question') }}") == "سوئال"
    with app.test_request_context("/ask", headers={"Accept-Language": "zh-CN"}):
        # Templates' fast path (i18n.bound_translations), before anything else asked.
        assert render_template_string("{{ _('Question') }}") == "咨询"
        with force_locale("en"):
            assert render_template_string("{{ _('Question') }}") == "Question"
        assert render_template_string("{{ _('Question') }}") == "咨询"


def test_wtforms_own_messages_are_translated_from_a_catalog_read_once(app: Flask) -> None:
    from flask import request
    from flask_wtf.i18n import translations

    catalogs = []
    for language, expected in (("zh-CN", "不是有效的选择。"), ("en", "Not a valid choice.")) * 2:
        with app.test_request_context(headers={"Accept-Language": language}):
            assert translations.gettext("Not a valid choice.") == expected
            catalogs.append(request.wtforms_translations)
    assert catalogs[0] is catalogs[2] and catalogs[1] is catalogs[3]  # parsed once per locale
    assert catalogs[0] is not catalogs[1]


def test_template_gettext_escapes_variables_and_formats_like_jinja(app: Flask) -> None:
    with app.test_request_context(headers={"Accept-Language": "en"}):
        html = app.jinja_env.from_string(
            '{{ _("Select %(reference)s", reference=r) }}|{{ _("100%% sure") }}|'
            '{{ ngettext("%(num)d working day left", "%(num)d working days left", 2) }}'
        )
        assert html.render(r="<b>") == "Select &lt;b&gt;|100% sure|2 working days left"
        plain = app.jinja_env.from_string(
            '{% autoescape false %}{{ _("Select %(reference)s", reference=r) }}{% endautoescape %}'
        )
        assert plain.render(r="<b>") == "Select <b>"


@pytest.mark.parametrize("language", ["zh-CN", "en", "ug"])
def test_short_datetimes_write_what_flask_babel_writes(app: Flask, language: str) -> None:
    from datetime import UTC, datetime, timedelta

    from flask_babel import format_datetime

    from enquiry.templating import short_datetimes

    with app.test_request_context(headers={"Accept-Language": language}):
        formatted = short_datetimes()
        for hours in range(0, 24 * 400, 37):  # a year and more, across midnight in Beijing
            moment = datetime(2025, 12, 31, 15, 59) + timedelta(hours=hours, minutes=hours % 60)
            for value in (moment, moment.replace(tzinfo=UTC)):
                assert formatted(value) == format_datetime(value, "short")


@pytest.mark.parametrize("language", ["zh-CN", "en", "ug"])
def test_format_day_writes_what_flask_babel_writes(app: Flask, language: str) -> None:
    from datetime import date, datetime, timedelta

    from flask_babel import format_date

    from enquiry.templating import format_day

    with app.test_request_context(headers={"Accept-Language": language}):
        for days in range(0, 800, 7):
            day = date(2025, 12, 25) + timedelta(days=days)
            assert format_day(day) == format_date(day, "long")
            assert format_day(day) == format_day(day)  # kept, and still the same
        moment = datetime(2026, 11, 27, 17, 30)  # UTC: already the 28th in Beijing
        assert format_day(moment) == format_date(moment, "long")
        assert format_day(None) == ""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        english = format_day(date(2026, 11, 27))
    with app.test_request_context(headers={"Accept-Language": "zh-CN"}):
        assert format_day(date(2026, 11, 27)) != english  # kept per language
