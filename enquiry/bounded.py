"""Integers from URLs, forms and query strings, bounded to what the database can hold.

Python's `int()` takes "  12 ", "１２" (full-width) and numbers of any size; SQLite and
PostgreSQL take 64-bit integers and raise OverflowError / DataError beyond, which was a 500.
Every id or count read from a request goes through `parse_int` (ASCII digits only, within
bounds), the `id` URL converter or the form helpers here, so a bad number is a 404 or a form
error, never a server error.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from werkzeug.routing import BaseConverter, ValidationError
from wtforms import IntegerField

MAX_ID = 2**63 - 1  # the largest BIGINT; ids are at most this on every database
T = TypeVar("T")
_INTEGER = re.compile(r"[+-]?[0-9]{1,19}")


def parse_int(value: object, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """Return the value as an int within [low, high], or None when it is not one.

    Only ASCII digits with an optional sign count, with white space around them allowed.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip(" \t")):
        number = int(value.strip(" \t"))
    else:
        return None
    return number if low <= number <= high else None


def parse_id(value: object) -> int | None:
    """Return the value as a row id (1 .. 2**63-1), or None."""
    return parse_int(value)


def coerce_id(value: Any) -> int:
    """WTForms `coerce` for id choices: raise ValueError (a form error) for a bad id."""
    number = parse_id(value)
    if number is None:
        raise ValueError("not an id")
    return number


class IdConverter(BaseConverter):
    """URL converter `<id:name>`: a positive 64-bit integer in ASCII digits, else a 404."""

    regex = r"[1-9][0-9]{0,18}"
    weight = 50

    def to_python(self, value: str) -> int:
        number = parse_id(value)
        if number is None:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class BoundedIntegerField(IntegerField):
    """An IntegerField that refuses what `parse_int` refuses (huge, full-width, blank)."""

    data: Any

    def __init__(self, *args: Any, low: int = 1, high: int = MAX_ID, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.low, self.high = low, high

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist or not str(valuelist[0]).strip():
            self.data = None
            return
        self.data = parse_int(valuelist[0], low=self.low, high=self.high)
        if self.data is None:
            raise ValueError(self.gettext("Not a valid integer value."))


def get_by_id(session: Any, model: type[T], value: object) -> T | None:
    """Return the row a submitted id names, or None when the id is missing or malformed."""
    number = parse_id(value)
    return session.get(model, number) if number is not None else None
