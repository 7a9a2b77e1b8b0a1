"""Values every template needs: locale, direction, language switcher, office name; filters."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from babel import dates
from flask import Flask, current_app, has_request_context, request, url_for
from flask_babel import format_date, format_datetime, format_decimal, get_locale, get_timezone
from flask_babel import gettext as _

from enquiry.i18n import LANGUAGE_NAMES, colon, install_template_gettext, page_basics
from enquiry.i18n import current_locale as current_locale  # where the front doors look for it


def template_globals() -> dict[str, Any]:
    """Return what base.html needs (mail templates get page_basics alone: enquiry.mail)."""
    values = page_basics()
    if has_request_context():
        values["language_links"] = language_links(values["locale"])
    return values


def language_links(locale: str) -> list[dict[str, Any]]:
    here = request.full_path.rstrip("?")
    return [
        {
            "code": code,
            "name": LANGUAGE_NAMES[code],
            "url": url_for("public.set_language", code=code, next=here),
            "is_current": code == locale,
        }
        for code in current_app.config["LANGUAGES"]
    ]


def short_datetimes() -> Callable[[datetime], str]:
    """A formatter of moments as flask_babel.format_datetime(value, "short") writes them, with
    Babel's patterns looked up once (a page of 25 rows formats 25 moments).

    Naive values are UTC, as Babel reads them; shown in the configured timezone.
    """
    locale, zone = get_locale(), get_timezone()
    date_pattern = dates.parse_pattern(dates.get_date_format("short", locale))
    time_pattern = dates.parse_pattern(dates.get_time_format("short", locale))
    joined = str(dates.get_datetime_format("short", locale)).replace("'", "")

    def formatted(value: datetime) -> str:
        moment = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
        time_text = time_pattern.apply(moment, locale)
        return joined.replace("{0}", time_text).replace(
            "{1}", date_pattern.apply(moment.date(), locale)
        )

    return formatted


def format_day(value: date | None) -> str:
    """A date in the reader's language, e.g. 2026年11月27日 (as flask_babel.format_date writes
    it in the "long" format; a page of 25 rows writes a few dates many times)."""
    if not value:
        return ""
    if type(value) is date:  # a datetime is moved to the configured timezone first: Babel's way
        return _long_day(value, str(get_locale()))
    return format_date(value, format="long")


@functools.lru_cache(maxsize=4096)
def _long_day(value: date, locale: str) -> str:
    return dates.format_date(value, "long", locale=locale)


def format_time(value: datetime | None) -> str:
    """A moment in Beijing time, in the reader's language."""
    return format_datetime(value, format="medium") if value else ""


def file_size(value: int | None) -> str:
    """A file's size in the reader's language (Jinja's filesizeformat says "Bytes" in English)."""
    size = int(value or 0)
    if size < 1024:
        return _("%(n)s bytes", n=format_decimal(size))
    if size < 1024 * 1024:
        return _("%(n)s KB", n=format_decimal(round(size / 1024, 1)))
    return _("%(n)s MB", n=format_decimal(round(size / (1024 * 1024), 1)))


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""
    app.context_processor(template_globals)
    install_template_gettext(app.jinja_env)
    app.jinja_env.globals["colon"] = colon  # a global, not a context value: macros see it too
    app.add_template_filter(format_day)
    app.add_template_filter(format_time)
    app.add_template_filter(file_size, "filesizeformat")
