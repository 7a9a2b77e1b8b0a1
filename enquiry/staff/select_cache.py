"""Select boxes rendered once per process for each set of choices, locale and selection.

The inbox's filter and bulk selects (status, kind, department, assignee, due, sort, channel)
are the same on every page load but for the chosen value: rendering each option through
WTForms and translating each lazy label took a fifth of the inbox's CPU. `CachedSelect`
keeps the HTML of a select by everything it depends on: the locale, the field's name and id,
the HTML attributes, the choices (plain text, or a lazy label's message and arguments) and the
selected value. Pure rendering, so the cache is never stale; it is bounded.
"""

from __future__ import annotations

import threading
from typing import Any

from markupsafe import Markup
from wtforms.widgets import Select

from enquiry.templating import current_locale

MAX_ENTRIES = 2048
_rendered: dict[tuple[Any, ...], Markup] = {}
_lock = threading.Lock()


class _Uncacheable(Exception):
    pass


def _label_key(label: Any) -> Any:
    """Plain text as itself; a Flask-Babel lazy string by its message and arguments."""
    if isinstance(label, str):
        return label
    func = getattr(label, "_func", None)
    if func is None:
        raise _Uncacheable
    kwargs = getattr(label, "_kwargs", {})
    return (func, getattr(label, "_args", ()), tuple(sorted(kwargs.items())))


def _choice_key(choice: Any) -> tuple[Any, ...]:
    value, label, render_kw, optgroup = choice
    if render_kw or optgroup is not None:
        raise _Uncacheable
    return (value, _label_key(label))


class CachedSelect(Select):
    """A single select whose HTML is reused while nothing it shows has changed."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        try:
            key = (
                current_locale(),
                field.name,
                field.id,
                self.multiple,
                tuple(sorted((name, str(value)) for name, value in kwargs.items())),
                tuple(_choice_key(choice) for choice in field.choices or ()),
                repr(field.data),
            )
            hash(key)
        except (_Uncacheable, TypeError, ValueError):
            return super().__call__(field, **kwargs)
        html = _rendered.get(key)
        if html is None:
            html = super().__call__(field, **kwargs)
            with _lock:
                if len(_rendered) >= MAX_ENTRIES:
                    _rendered.clear()
                _rendered[key] = html
        return html
