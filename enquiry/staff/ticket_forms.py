"""Forms of the ticket page and the bulk actions, their labels, and canned-reply placeholders."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    HiddenField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    Optional,
    Regexp,
    ValidationError,
)

from enquiry.domain.error_messages import HANDLING_MESSAGES
from enquiry.domain.handling import REASON_MAX, HandlingError
from enquiry.models.tickets import BODY_MAX
from enquiry.rules.workflow import Action, TransitionError
from enquiry.staff.forms import STATUS_LABELS
from enquiry.staff.select_cache import CachedSelect

REFERENCE_MAX = 40
SEARCH_QUERY_MAX = 500
VERSION_PATTERN = r"^\d{1,18}\.\d{1,18}$"  # a ticket's version: newest message . change
NEXT_MAX = 2048
OUTCOME_MAX = 40  # Ticket.outcome

ACTION_LABELS = {
    Action.ROUTE: _l("Route"),
    Action.ACKNOWLEDGE: _l("Acknowledge"),
    Action.START: _l("Start work"),
    Action.REQUEST_INFO: _l("Request information"),
    Action.ANSWER: _l("Reply"),
    Action.CLOSE: _l("Close"),
    Action.RETURN: _l("Return to the routing office"),
    Action.TRANSFER: _l("Transfer"),
    Action.CITIZEN_FOLLOW_UP: _l("Citizen follow-up"),
    Action.REOPEN: _l("Reopen"),
    Action.MERGE: _l("Merge"),
    Action.REFUSE: _l("Refuse"),
    Action.MARK_SPAM: _l("Mark as spam"),
}

# The domain's HandlingError messages (English, for logs), as staff read them.

_TEXT_REQUIRED = _l("This field is required.")
_TOO_LONG = _l("At most %(max)d characters.")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


def _at_most(limit: int) -> Callable[[FlaskForm, Field], None]:
    def check(form: FlaskForm, field: Field) -> None:
        if field.data and len(field.data) > limit:
            raise ValidationError(_l("Select at most %(n)d tickets at a time.", n=limit))

    return check


def _text(label: object, limit: int, rows: int = 3) -> TextAreaField:
    return TextAreaField(
        label,
        filters=[_strip],
        validators=[DataRequired(_TEXT_REQUIRED), Length(max=limit, message=_TOO_LONG)],
        render_kw={"rows": rows, "dir": "auto"},
    )


class VersionedForm(FlaskForm):
    """An action on the ticket page, stamped with the ticket's version the page was drawn at.

    Sent back, it lets the action be refused (409) when the ticket changed in the meantime;
    a client that sends no version (the API has its own ETag) is not checked.
    """

    version = HiddenField(filters=[_strip], validators=[Optional(), Regexp(VERSION_PATTERN)])


class ActionForm(VersionedForm):
    """An action without fields (acknowledge, start, close): the CSRF token and the version."""


class CloseForm(VersionedForm):
    """办结; an information application also posts its outcome (templates/staff/_outcome.html)."""

    outcome = StringField(validators=[Optional(), Length(max=OUTCOME_MAX)])


class ReplyForm(FlaskForm):
    """The composer: a reply or a request for information, optionally from a canned reply."""

    canned = SelectField(
        _l("Canned reply"),
        choices=[],
        filters=[_strip],
        validators=[Optional()],
        widget=CachedSelect(),  # the same on every page load of the ticket
    )
    body = _text(_l("Message to the citizen"), BODY_MAX, rows=8)
    limit = DateField(_l("Time limit for the 补正"), validators=[Optional()])
    seen = HiddenField(filters=[_strip], validators=[Optional(), Regexp(r"^\d{1,18}$")])

    def set_canned_choices(self, choices: list[tuple[str, str]]) -> None:
        self.canned.choices = [
            SelectChoice("", _l("Choose…")),
            *(SelectChoice(*c) for c in choices),
        ]


class CannedChoiceForm(FlaskForm):
    """The composer's "use" button: only the choice counts, the body may still be empty."""

    canned = SelectField(_l("Canned reply"), choices=[], validators=[InputRequired()])
    body = TextAreaField(validators=[Length(max=BODY_MAX, message=_TOO_LONG)])

    def set_canned_choices(self, choices: list[tuple[str, str]]) -> None:
        self.canned.choices = [SelectChoice(*c) for c in choices]


class DraftForm(FlaskForm):
    """The composer's text as it is typed, saved on the server (prefix "reply")."""

    body = TextAreaField(validators=[Length(max=BODY_MAX, message=_TOO_LONG)])
    seen = HiddenField(filters=[_strip], validators=[Optional(), Regexp(r"^\d{1,18}$")])


class NoteForm(FlaskForm):
    body = _text(_l("Internal note"), BODY_MAX, rows=3)


class TransferForm(VersionedForm):
    department = SelectField(
        _l("Department"), choices=[], validators=[InputRequired()], widget=CachedSelect()
    )
    note = _text(_l("Note for the department"), REASON_MAX)

    def set_departments(self, choices: list[tuple[str, str]]) -> None:
        """The departments, after an empty "choose" entry: nothing is preselected."""
        self.department.choices = [
            SelectChoice("", _l("Choose…")),
            *(SelectChoice(*c) for c in choices),
        ]


class ReturnForm(VersionedForm):
    reason = _text(_l("Reason for returning"), REASON_MAX)


class RefuseForm(VersionedForm):
    reason = _text(_l("Reason for refusing (sent to the citizen)"), REASON_MAX)


class SpamForm(VersionedForm):
    reason = _text(_l("Reason"), REASON_MAX, rows=2)


class MergeForm(VersionedForm):
    target = StringField(
        _l("Reference of the ticket to merge into"),
        filters=[_strip],
        validators=[DataRequired(_TEXT_REQUIRED), Length(max=REFERENCE_MAX, message=_TOO_LONG)],
        render_kw={"dir": "ltr", "autocomplete": "off"},
    )


class AssignForm(VersionedForm):
    assignee = SelectField(
        _l("Assignee"),
        choices=[],
        filters=[_strip],
        validators=[Optional()],
        widget=CachedSelect(),
    )

    def set_assignees(self, choices: list[tuple[str, str]], *, allow_nobody: bool) -> None:
        nobody = [SelectChoice("", _l("Nobody"))] if allow_nobody else []
        self.assignee.choices = [*nobody, *(SelectChoice(*c) for c in choices)]


class SearchForm(FlaskForm):
    """The search box (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search tickets"),
        validators=[Length(max=SEARCH_QUERY_MAX, message=_TOO_LONG)],
        render_kw={"type": "search", "dir": "auto"},
    )


def transition_message(error: TransitionError, label: object = None) -> str:
    """Say, in the reader's language, why the state does not allow the action."""
    return _(
        "“%(action)s” is not possible while the ticket is “%(status)s”. Nothing was changed.",
        action=label or ACTION_LABELS[error.action],
        status=STATUS_LABELS[error.status],
    )


def handling_message(error: HandlingError) -> str:
    """The domain's reason, in the reader's language when we know it."""
    known = HANDLING_MESSAGES.get(str(error))
    reason = str(known) if known is not None else str(error)
    return _("%(reason)s Nothing was changed.", reason=reason)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _escape_braces(text: str) -> str:
    return text.replace("{", "{{").replace("}", "}}")


def fill_placeholders(template: str, values: Mapping[str, str]) -> str:
    """Fill {name} placeholders from values; leave anything else, unknown ones too, as written.

    Only a plain {name} whose name is in values survives to str.format_map; every other brace
    is doubled first, so "{ticket.__class__}", "{0}" or "{reference:>999999}" can neither look
    up attributes nor build huge strings: they come out exactly as typed.
    """
    pieces: list[str] = []
    position = 0
    for match in _PLACEHOLDER.finditer(template):
        pieces.append(_escape_braces(template[position : match.start()]))
        name = match.group(1)
        pieces.append(match.group(0) if name in values else _escape_braces(match.group(0)))
        position = match.end()
    pieces.append(_escape_braces(template[position:]))
    return "".join(pieces).format_map(dict(values))
