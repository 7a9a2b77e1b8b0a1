"""Locale choice: an explicit choice kept in the session, else the browser's Accept-Language."""

from __future__ import annotations

import threading
from functools import cached_property
from typing import Any

from babel import support
from flask import Request, current_app, g, request, session
from flask_babel import Babel, Domain, get_locale, get_translations
from jinja2 import Environment, pass_context
from jinja2.runtime import Context
from markupsafe import Markup
from wtforms.i18n import messages_path

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


def current_locale() -> str:
    """Return the active locale as a catalog name (zh_Hans, en, ug)."""
    locale = get_locale()
    if locale is None:
        return str(current_app.config["BABEL_DEFAULT_LOCALE"])
    return "zh_Hans" if locale.language == "zh" else str(locale.language)


def page_basics() -> dict[str, Any]:
    """What every page and every mail shows: its language and direction, the office."""
    locale = current_locale()
    return {
        "locale": locale,
        "html_lang": html_lang(locale),
        "text_dir": "rtl" if is_rtl(locale) else "ltr",
        "office_name": current_app.config["OFFICE_NAME"],
        "office_email": current_app.config.get("OFFICE_EMAIL")
        or current_app.config["MAIL_DEFAULT_SENDER"],
    }


def label_colon(locale: str) -> str:
    """The colon after a label: full width in Chinese (收到日期：…), else ': '."""
    return "：" if locale.startswith("zh") else ": "


def colon() -> str:
    """The colon after a label in the active locale: `{{ colon() }}`, in macros too."""
    return label_colon(current_locale())


def is_rtl(locale: str) -> bool:
    """True for locales written right to left."""
    return locale.split("_")[0] in RTL_LOCALES


def html_lang(locale: str) -> str:
    """Return the BCP 47 tag for the html lang attribute."""
    return HTML_LANG.get(locale, locale.replace("_", "-"))


class BoundDomain(Domain):
    """Flask-Babel's message domain, its translations looked up once per request and locale.

    Flask-Babel resolves the context, the locale and the locale's name again for every string it
    translates, and a staff page translates some 300 (labels, badges, dates). The lookup is kept
    with the locale object it was made for, so force_locale (mail in the citizen's language
    inside a clerk's request) gets its own and the request's comes back after it.
    """

    def get_translations(self) -> Any:
        bound = _bound(_babel_state())
        if bound is not None:
            return bound
        translations = super().get_translations()
        state = _babel_state()
        if state is not None:
            state.enquiry_bound = (getattr(state, "babel_locale", None), translations)
        return translations


class BoundBabel(Babel):
    """Flask-Babel with the BoundDomain."""

    @cached_property
    def domain_instance(self) -> Domain:
        return BoundDomain(domain=self.domain)


def bound_translations() -> Any:
    """get_translations(), in one context lookup while the BoundDomain has them bound.

    What templates' `_()` asks some 300 times a page: Flask-Babel's own path resolves `g`
    five times through its proxy (the domain, the context, the state) for each string.
    """
    try:
        state = g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # outside an application context
        return get_translations()
    bound = _bound(state) if isinstance(getattr(state, "babel_domain", None), BoundDomain) else None
    return bound if bound is not None else get_translations()


def _bound(state: Any) -> Any:
    """The translations BoundDomain bound in this context, if still for its current locale."""
    bound = getattr(state, "enquiry_bound", None)
    if bound is not None and bound[0] is getattr(state, "babel_locale", None):
        return bound[1]
    return None


def _babel_state() -> Any:
    """Flask-Babel's per-context namespace (g._flask_babel), or None outside a context."""
    return g.get("_flask_babel") if g else None


_wtforms_catalogs: dict[str, support.NullTranslations] = {}
_wtforms_lock = threading.Lock()


def wtforms_catalog(locale: Any) -> support.NullTranslations:
    """WTForms' own messages ("This field is required.") in the locale, parsed once per process."""
    key = str(locale)
    catalog = _wtforms_catalogs.get(key)
    if catalog is None:
        catalog = support.Translations.load(messages_path(), [locale], domain="wtforms")
        with _wtforms_lock:
            _wtforms_catalogs[key] = catalog
    return catalog


class EnquiryRequest(Request):
    """Flask's request, with WTForms' catalog ready where Flask-WTF looks for it.

    Flask-WTF reads and parses the catalog file again on every request that shows a form (it
    keeps it on `request.wtforms_translations`); here the attribute comes from a per-process
    cache, in the request's locale, the first time it is asked for.
    """

    @cached_property
    def wtforms_translations(self) -> support.NullTranslations:
        return wtforms_catalog(get_locale())


@pass_context
def template_gettext(context: Context, string: str, **variables: Any) -> str:
    """`_()` and `gettext()` in templates: Jinja's newstyle gettext, without its generic call.

    Same result: the translation, marked safe under autoescape, formatted with the (escaped)
    variables; without variables it is formatted only if it holds a "%" ("%%" reads "%").
    A staff page calls it some 300 times.
    """
    text: str = bound_translations().ugettext(string)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our catalog's text, as in Jinja's own gettext)
    return text % variables if variables or "%" in text else text


@pass_context
def template_ngettext(
    context: Context, singular: str, plural: str, num: int, **variables: Any
) -> str:
    """`ngettext()` in templates, like template_gettext (`num` is always a variable)."""
    variables.setdefault("num", num)
    text: str = bound_translations().ungettext(singular, plural, num)
    if context.eval_ctx.autoescape:
        text = Markup(text)  # noqa: S704  (our catalog's text, as in Jinja's own gettext)
    return text % variables


def install_template_gettext(environment: Environment) -> None:
    """Put template_gettext and template_ngettext where Flask-Babel installed Jinja's."""
    environment.globals.update(
        _=template_gettext, gettext=template_gettext, ngettext=template_ngettext
    )
