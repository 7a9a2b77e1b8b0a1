"""Forms of the staff workspace: sign-in, account, security settings, inbox filters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp, ValidationError

from enquiry.domain.accounts.passwords import MIN_PASSWORD_LENGTH
from enquiry.domain.queries import inbox_views
from enquiry.domain.queries.inbox import (
    ASSIGNEE_MINE,
    ASSIGNEE_NONE,
    DUE_OVERDUE,
    DUE_SOON,
    DUE_SOON_DAYS,
    SORT_DUE,
    SORT_NEWEST,
    SORT_OLDEST,
)
from enquiry.labels import CHANNEL_LABELS, KIND_LABELS
from enquiry.models import Role, Status
from enquiry.staff.select_cache import CachedSelect

EMAIL_MAX = 254
PASSWORD_MAX = 1024  # Argon2 takes any length; this only bounds the work per request
CURSOR_MAX = 512
NEXT_MAX = 2048

STATUS_LABELS = {
    Status.RECEIVED: _l("Received"),
    Status.ROUTED: _l("Routed"),
    Status.ACKNOWLEDGED: _l("Acknowledged"),
    Status.IN_PROGRESS: _l("In progress"),
    Status.AWAITING_CITIZEN: _l("Awaiting the citizen"),
    Status.ANSWERED: _l("Answered"),
    Status.CLOSED: _l("Closed"),
    Status.REFUSED: _l("Refused"),
    Status.SPAM: _l("Spam"),
    Status.MERGED: _l("Merged"),
}
ROLE_LABELS = {Role.AGENT: _l("Agent"), Role.SUPERVISOR: _l("Supervisor"), Role.ADMIN: _l("Admin")}


def _six_digits(value: str | None) -> str | None:
    """Drop the spaces people type inside a code ("123 456")."""
    return "".join(value.split()) if value else value


def _any() -> SelectChoice:
    return SelectChoice("", _l("Any"))


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=EMAIL_MAX)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    next = HiddenField(validators=[Length(max=NEXT_MAX)])


class TotpForm(FlaskForm):
    code = StringField(
        _l("Six-digit code from your authenticator app"),
        filters=[_six_digits],
        validators=[DataRequired(), Regexp(r"^\d{6}$", message=_l("Enter the six digits."))],
        render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"},
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)]
    )
    new_password = PasswordField(
        _l("New password"),
        description=_l(
            "At least %(n)d characters. A few unrelated words make a good password.",
            n=MIN_PASSWORD_LENGTH,
        ),
        validators=[
            DataRequired(),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=PASSWORD_MAX,
                message=_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
            ),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(),
            EqualTo("new_password", message=_l("The two new passwords differ.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_new_password(self, field: PasswordField) -> None:
        if field.data and field.data == self.current_password.data:
            raise ValidationError(_l("Choose a password different from the current one."))


class SecuritySettingsForm(FlaskForm):
    require_totp_agent = BooleanField(_l("Agents must use a one-time password"))
    require_totp_supervisor = BooleanField(_l("Supervisors must use a one-time password"))
    require_totp_admin = BooleanField(_l("Admins must use a one-time password"))

    def role_fields(self) -> dict[Role, BooleanField]:
        """Return the checkbox of each role."""
        return {role: getattr(self, f"require_totp_{role.value}") for role in Role}


class InboxFilterForm(FlaskForm):
    """The inbox's filters, read from the query string (a GET form: no CSRF token)."""

    class Meta:
        csrf = False

    status = SelectField(
        _l("Status"),
        widget=CachedSelect(),
        default="",
        choices=[_any(), *(SelectChoice(s.value, label) for s, label in STATUS_LABELS.items())],
    )
    kind = SelectField(
        _l("Kind"),
        widget=CachedSelect(),
        default="",
        choices=[_any(), *(SelectChoice(k.value, label) for k, label in KIND_LABELS.items())],
    )
    department = SelectField(_l("Department"), default="", choices=[_any()], widget=CachedSelect())
    assignee = SelectField(_l("Assignee"), default="", choices=[_any()], widget=CachedSelect())
    channel = SelectField(
        _l("Channel"),
        widget=CachedSelect(),
        default="",
        choices=[_any(), *(SelectChoice(c.value, label) for c, label in CHANNEL_LABELS.items())],
    )
    received_from = DateField(_l("Received from"), validators=[Optional()])
    received_to = DateField(_l("Received until"), validators=[Optional()])
    due = SelectField(
        _l("Deadline"),
        widget=CachedSelect(),
        default="",
        choices=[
            _any(),
            SelectChoice(DUE_SOON, _l("Due within %(n)d days", n=DUE_SOON_DAYS)),
            SelectChoice(DUE_OVERDUE, _l("Overdue")),
        ],
    )
    sort = SelectField(
        _l("Sort"),
        widget=CachedSelect(),
        choices=[
            SelectChoice(SORT_NEWEST, _l("Newest first")),
            SelectChoice(SORT_OLDEST, _l("Oldest first")),
            SelectChoice(SORT_DUE, _l("Due date")),
        ],
        default=SORT_NEWEST,
    )
    after = HiddenField(validators=[Length(max=CURSOR_MAX)])
    view = SelectField(  # a saved view (enquiry.staff.inbox_views), kept by a hidden input
        default="", choices=[_any(), *(SelectChoice(v, v) for v in inbox_views.VIEWS)]
    )

    def set_choices(
        self, departments: list[tuple[str, str]], assignees: list[tuple[str, str]]
    ) -> None:
        """Fill the department and assignee lists with what the user may filter on."""
        self.department.choices = [_any(), *(SelectChoice(*pair) for pair in departments)]
        self.assignee.choices = [
            _any(),
            SelectChoice(ASSIGNEE_MINE, _l("Mine")),
            SelectChoice(ASSIGNEE_NONE, _l("Unassigned")),
            *(SelectChoice(*pair) for pair in assignees),
        ]

    def validate_received_to(self, field: DateField) -> None:
        start = self.received_from.data
        if start and field.data and field.data < start:
            raise ValidationError(_l("The end date is before the start date."))
