"""The inbox's bulk form: the ticked tickets, each with the version the inbox showed, and one
action (assign, transfer, close) with only its own fields."""

from __future__ import annotations

import re
from typing import Any, NamedTuple

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectChoice, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from enquiry.bounded import coerce_id
from enquiry.domain.handling import REASON_MAX
from enquiry.staff.select_cache import CachedSelect
from enquiry.staff.ticket_forms import (
    _TOO_LONG,
    NEXT_MAX,
    VERSION_PATTERN,
    _at_most,
    _strip,
)

BULK_MAX = 100  # tickets in one bulk action


class Selected(NamedTuple):
    """A ticket ticked in the inbox: its id, and its version as the inbox showed it (if sent)."""

    id: int
    version: str | None


def coerce_selected(value: Any) -> Selected:
    """WTForms `coerce` for "id" or "id:version"; raise ValueError (a form error) if neither."""
    if isinstance(value, Selected):
        return value
    ident, sep, version = str(value).partition(":")
    if sep and not re.match(VERSION_PATTERN, version):
        raise ValueError("not a version")
    return Selected(coerce_id(ident), version if sep else None)


class BulkForm(FlaskForm):
    """Selected tickets and one action; each action reads only its own fields."""

    ticket_ids = SelectMultipleField(
        _l("Tickets"),
        coerce=coerce_selected,
        validate_choice=False,
        validators=[DataRequired(_l("Select at least one ticket.")), _at_most(BULK_MAX)],
    )
    action = SelectField(
        choices=[SelectChoice(action, action) for action in ("assign", "transfer", "close")],
        validators=[InputRequired()],
    )
    # Stripped: white space alone is "nothing chosen", not a value int() would choke on.
    assignee = SelectField(
        _l("Assign to"),
        choices=[],
        filters=[_strip],
        validators=[Optional()],
        widget=CachedSelect(),  # the same for every inbox page load
    )
    department = SelectField(
        _l("Transfer to"),
        choices=[],
        filters=[_strip],
        validators=[Optional()],
        widget=CachedSelect(),
    )
    note = TextAreaField(
        _l("Transfer note"),
        filters=[_strip],
        validators=[Length(max=REASON_MAX, message=_TOO_LONG)],
        render_kw={"rows": 1, "dir": "auto"},
    )
    next = HiddenField(validators=[Length(max=NEXT_MAX)])

    def set_choices(
        self, assignees: list[tuple[str, str]], departments: list[tuple[str, str]]
    ) -> None:
        """Fill the lists of assignees and departments the user may choose from."""
        self.assignee.choices = [SelectChoice("", "—"), *(SelectChoice(*c) for c in assignees)]
        self.department.choices = [SelectChoice("", "—"), *(SelectChoice(*c) for c in departments)]
