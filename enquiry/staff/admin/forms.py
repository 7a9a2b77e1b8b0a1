"""Forms of the administration pages, and the helpers that fill their choices and show errors.

The forms check shape and length (limits from the models); the domain (enquiry.admin) checks
everything else, and its errors are shown on the same form.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    Field,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from enquiry.bounded import MAX_ID, BoundedIntegerField, parse_id
from enquiry.domain import admin
from enquiry.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from enquiry.domain.admin.common import DOMAIN_MAX, EMAIL_MAX
from enquiry.domain.admin.users import DISPLAY_NAME_MAX
from enquiry.domain.queries import admin as admin_queries
from enquiry.extensions import db
from enquiry.i18n import LANGUAGE_NAMES
from enquiry.labels import KIND_LABELS
from enquiry.models.org import DEPARTMENT_CODE_MAX, DEPARTMENT_NAME_MAX
from enquiry.models.routing import CANNED_BODY_MAX, CANNED_TITLE_MAX, KEYWORDS_MAX, RULE_NAME_MAX
from enquiry.models.tickets import BODY_MAX
from enquiry.staff.forms import PASSWORD_MAX, ROLE_LABELS
from enquiry.templating import current_locale

FILTER_MAX = 254
AT_MOST = _l("At most %(max)d characters.")


def strip_text(value: Any) -> Any:
    """NFC-normalise and trim text input."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def _length(limit: int) -> Length:
    return Length(max=limit, message=AT_MOST)


def _kind_choices(any_label: Any) -> list[SelectChoice]:
    return [
        SelectChoice("", any_label),
        *(SelectChoice(k.value, v) for k, v in KIND_LABELS.items()),
    ]


class UserForm(FlaskForm):
    display_name = StringField(
        _l("Name"), filters=[strip_text], validators=[DataRequired(), _length(DISPLAY_NAME_MAX)]
    )
    role = SelectField(
        _l("Role"), choices=[SelectChoice(r.value, label) for r, label in ROLE_LABELS.items()]
    )
    department = SelectField(
        _l("Department"),
        choices=[],
        description=_l("Required for agents and supervisors; optional for admins."),
    )


class NewUserForm(UserForm):
    email = StringField(
        _l("E-mail address"), filters=[strip_text], validators=[DataRequired(), _length(EMAIL_MAX)]
    )
    password = PasswordField(
        _l("Initial password"),
        description=_l(
            "At least %(n)d characters. Leave empty to generate one, shown once after saving.",
            n=MIN_PASSWORD_LENGTH,
        ),
        validators=[
            Optional(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=PASSWORD_MAX,
                message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )


class DepartmentForm(FlaskForm):
    name_zh = StringField(
        _l("Name in Chinese"),
        filters=[strip_text],
        validators=[DataRequired(), _length(DEPARTMENT_NAME_MAX)],
    )
    name_en = StringField(
        _l("Name in English (optional)"),
        filters=[strip_text],
        validators=[_length(DEPARTMENT_NAME_MAX)],
    )
    name_ug = StringField(
        _l("Name in Uyghur (optional)"),
        filters=[strip_text],
        validators=[_length(DEPARTMENT_NAME_MAX)],
    )
    email = StringField(
        _l("E-mail address (optional)"), filters=[strip_text], validators=[_length(EMAIL_MAX)]
    )


class NewDepartmentForm(DepartmentForm):
    code = StringField(
        _l("Code"),
        filters=[strip_text],
        description=_l(
            "Lower-case letters, digits and hyphens, e.g. housing-bureau. It cannot be changed."
        ),
        validators=[DataRequired(), _length(DEPARTMENT_CODE_MAX)],
    )


class RuleForm(FlaskForm):
    name = StringField(
        _l("Name"), filters=[strip_text], validators=[DataRequired(), _length(RULE_NAME_MAX)]
    )
    priority = BoundedIntegerField(
        _l("Priority"),
        low=-MAX_ID - 1,
        default=100,
        description=_l(
            "From %(min)d to %(max)d. Rules are tried from the lowest number; the first that"
            " matches decides.",
            min=admin.PRIORITY_MIN,
            max=admin.PRIORITY_MAX,
        ),
        validators=[InputRequired()],
    )
    kind = SelectField(_l("Kind (optional)"), choices=_kind_choices(_l("Any kind")), default="")
    section = SelectField(_l("Part of a report (optional)"), choices=[], default="")
    keywords = TextAreaField(
        _l("Keywords (optional)"),
        description=_l("One per line. The rule matches when the text contains any of them."),
        validators=[_length(KEYWORDS_MAX)],
    )
    sender_domain = StringField(
        _l("Sender's e-mail domain (optional)"),
        filters=[strip_text],
        description=_l("For example xjwlmq.gov.cn or @xjwlmq.gov.cn; subdomains match too."),
        validators=[_length(DOMAIN_MAX + 1)],
    )
    department = SelectField(_l("Department"), choices=[], validators=[DataRequired()])
    is_active = BooleanField(_l("Active: applied to new tickets"), default=True)


class RuleTestForm(FlaskForm):
    """A trial enquiry to route, read from the query string (nothing is stored)."""

    class Meta:
        csrf = False

    kind = SelectField(
        _l("Kind"), choices=[SelectChoice(k.value, v) for k, v in KIND_LABELS.items()]
    )
    section = SelectField(_l("Part of a report"), choices=[], default="")
    text = TextAreaField(_l("Subject and message"), validators=[_length(BODY_MAX)])
    sender = StringField(
        _l("Sender's e-mail address"), filters=[strip_text], validators=[_length(EMAIL_MAX)]
    )


class ReplyForm(FlaskForm):
    title = StringField(
        _l("Title"), filters=[strip_text], validators=[DataRequired(), _length(CANNED_TITLE_MAX)]
    )
    body = TextAreaField(_l("Text"), validators=[DataRequired(), _length(CANNED_BODY_MAX)])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice(c, n) for c, n in LANGUAGE_NAMES.items()]
    )
    department = SelectField(_l("Department"), choices=[])


class AuditFilterForm(FlaskForm):
    """The audit record's filters, read from the query string."""

    class Meta:
        csrf = False

    action = StringField(
        _l("Action starts with"), filters=[strip_text], validators=[_length(FILTER_MAX)]
    )
    actor = StringField(
        _l("Actor's e-mail contains"), filters=[strip_text], validators=[_length(FILTER_MAX)]
    )
    reference = StringField(
        _l("Ticket reference"), filters=[strip_text], validators=[_length(FILTER_MAX)]
    )
    remote_addr = StringField(
        _l("Address starts with"), filters=[strip_text], validators=[_length(FILTER_MAX)]
    )
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("Until"), validators=[Optional()])
    before = BoundedIntegerField(validators=[Optional()])

    def validate_date_to(self, field: DateField) -> None:
        start = self.date_from.data
        if start and field.data and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))


# Choices and errors -----------------------------------------------------------------------------


def department_choices(
    *, keep: int | None = None, blank: Any = None, only: int | None = None
) -> list[SelectChoice]:
    """Active departments (plus `keep`, the current one even if inactive) for a select box."""
    locale = current_locale()
    choices = [SelectChoice("", blank)] if blank is not None else []
    for department in admin_queries.choosable_departments(db.session, keep=keep, only=only):
        label = department.name_for(locale)
        if not department.is_active:
            label = _("%(name)s (inactive)", name=label)
        choices.append(SelectChoice(str(department.id), label))
    return choices


def section_choices(blank: Any) -> list[SelectChoice]:
    """Report sections grouped by report, for a select box."""
    choices = [SelectChoice("", blank)]
    for year, section_id, number, heading in admin_queries.report_sections(db.session):
        group = _("%(year)d report", year=year)
        choices.append(SelectChoice(str(section_id), f"{number} {heading}".strip(), optgroup=group))
    return choices


def optional_id(field: Field) -> int | None:
    """Return a select box's value as an id, or None when nothing is chosen."""
    return parse_id(field.data)


def show_error(form: FlaskForm, error: admin.AdminError) -> str:
    """Put a domain error next to its field (or above the form); return it translated."""
    message = _(error.message, **error.params)
    target = getattr(form, error.field, None) if error.field else None
    if isinstance(target, Field):
        target.errors = [*target.errors, message]
    else:
        form.form_errors.append(message)
    return message


def error_status(error: admin.AdminError) -> int:
    """409 for a change the current state forbids, 400 for input the domain refuses."""
    return 409 if isinstance(error, admin.ConflictError) else 400
