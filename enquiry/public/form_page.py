"""The blank enquiry form, rendered once per locale and address; each visit gets fresh tokens.

A blank form page differs between visits only in its two tokens: the CSRF token and the form
token (when it was shown). The first visit renders it whole; the page is kept with those two
values cut out, and later visits paste in their own. Everything else the page shows is in the
key: the locale, the path with its query (the language links and a preselected section), the
reference-data stamp (report sections) and the settings the page prints. A visit with a flashed
message, or any re-shown form, is rendered whole. At most MAX_PAGES pages are kept per app, the
least recently used dropped first: the query string comes from outside.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping

from flask import current_app, request, session

from enquiry.domain import reference_cache
from enquiry.extensions import db
from enquiry.templating import current_locale

MAX_PAGES = 32
SHOWN_SETTINGS = (
    "MAX_ATTACHMENTS",
    "MAX_ATTACHMENT_BYTES",
    "OFFICE_OPENS",
    "OFFICE_CLOSES",
    "OFFICE_NAME",
    "OFFICE_EMAIL",
    "MAIL_DEFAULT_SENDER",
    "LANGUAGES",
)
_EXTENSION = "enquiry.form_pages"
_lock = threading.Lock()

Tokens = Mapping[str, str]


def _slot(name: str) -> str:
    return f"\x00{name}\x00"  # a NUL never occurs in a rendered page (security.py refuses it)


def _pages() -> OrderedDict[Hashable, str]:
    with _lock:
        pages: OrderedDict[Hashable, str] = current_app.extensions.setdefault(
            _EXTENSION, OrderedDict()
        )
        return pages


def _key() -> Hashable:
    config = current_app.config
    shown = tuple(repr(config.get(name)) for name in SHOWN_SETTINGS)
    return (current_locale(), request.full_path, reference_cache.stamp(db.session), shown)


def blank_form(render: Callable[[], tuple[str, Tokens]], fresh: Callable[[], Tokens]) -> str:
    """Return the blank form page: render() gives a page and its tokens; fresh() new tokens."""
    if session.get("_flashes"):
        return render()[0]
    pages, key = _pages(), _key()
    with _lock:
        kept = pages.get(key)
        if kept is not None:
            pages.move_to_end(key)
    if kept is None:
        page, tokens = render()
        kept = page
        for name, value in tokens.items():
            if not value or page.count(value) == 0:
                return page  # a token the page does not show as-is: never keep it
            kept = kept.replace(value, _slot(name))
        with _lock:
            pages[key] = kept
            while len(pages) > MAX_PAGES:
                pages.popitem(last=False)
        return page
    for name, value in fresh().items():
        kept = kept.replace(_slot(name), value)
    return kept
