"""Values every template needs: locale, direction, language switcher, office name."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, request, session, url_for
from flask_babel import get_locale

from enquiry.i18n import LANGUAGE_NAMES, html_lang, is_rtl


def current_locale() -> str:
    """Return the active locale as a catalog name (zh_Hans, en, ug)."""
    locale = get_locale()
    if locale is None:
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    return "zh_Hans" if locale.language == "zh" else locale.language


def template_globals() -> dict[str, Any]:
    """Return what base.html needs on every page."""
    locale = current_locale()
    here = request.full_path.rstrip("?") if request else "/"
    return {
        "locale": locale,
        "html_lang": html_lang(locale),
        "text_dir": "rtl" if is_rtl(locale) else "ltr",
        "office_name": current_app.config["OFFICE_NAME"],
        "language_links": [
            {
                "code": code,
                "name": LANGUAGE_NAMES[code],
                "url": url_for("public.set_language", code=code, next=here),
                "is_current": code == locale,
            }
            for code in current_app.config["LANGUAGES"]
        ],
        "has_chosen_language": "locale" in session,
    }


def init_app(app: Flask) -> None:
    """Register the context processor."""
    app.context_processor(template_globals)
