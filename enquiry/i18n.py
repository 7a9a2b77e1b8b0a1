"""Locale choice: an explicit choice kept in the session, else the browser's Accept-Language."""

from __future__ import annotations

from flask import current_app, request, session

RTL_LOCALES = frozenset({"ug"})
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en", "ug": "ug"}
# Accept-Language tags a browser sends, mapped to the catalog that serves them.
ACCEPT_ALIASES = {
    "zh": "zh_Hans",
    "zh-CN": "zh_Hans",
    "zh-Hans": "zh_Hans",
    "zh-Hans-CN": "zh_Hans",
    "zh-SG": "zh_Hans",
    "en": "en",
    "ug": "ug",
    "ug-CN": "ug",
    "ug-Arab": "ug",
    "ug-Arab-CN": "ug",
}
LINK_PARAMETER = "lang"
LANGUAGE_NAMES = {"zh_Hans": "简体中文", "en": "English", "ug": "ئۇيغۇرچە"}


def select_locale() -> str:
    """Return the locale for this request: a link's ?lang=, the session's choice, the browser's."""
    languages: tuple[str, ...] = current_app.config["LANGUAGES"]
    linked = link_language(request.args.get(LINK_PARAMETER), languages)
    if linked is not None:  # links in our mails carry the enquiry's language
        return linked
    chosen = session.get("locale")
    if chosen in languages:
        return str(chosen)
    match = request.accept_languages.best_match(list(ACCEPT_ALIASES))
    if match and ACCEPT_ALIASES[match] in languages:
        return ACCEPT_ALIASES[match]
    return str(current_app.config["BABEL_DEFAULT_LOCALE"])


def link_language(value: str | None, languages: tuple[str, ...]) -> str | None:
    """Return the catalog a link's ?lang= names ("ug", "zh_Hans", "zh-CN"...), or None."""
    if not value:
        return None
    code = ACCEPT_ALIASES.get(value, value.replace("-", "_"))
    return code if code in languages else None


def is_rtl(locale: str) -> bool:
    """True for locales written right to left."""
    return locale.split("_")[0] in RTL_LOCALES


def html_lang(locale: str) -> str:
    """Return the BCP 47 tag for the html lang attribute."""
    return HTML_LANG.get(locale, locale.replace("_", "-"))
