"""Forms of the retention pages: periods, legal holds."""

from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from enquiry.bounded import BoundedIntegerField
from enquiry.domain.retention import settings
from enquiry.models import Kind
from enquiry.models.privacy import HOLD_REASON_MAX
from enquiry.rules import outcomes
from enquiry.staff.admin.forms import strip_text

OVERRIDES_MAX = 5_000
HOLD_PREFIX = "hold"
OVERRIDE_LINE = re.compile(r"\s*([a-z_]+)/([a-z0-9_.]+)\s*[=:\s]\s*([0-9]{1,6})\s*")
RULE_LABELS = {
    Kind.QUESTION.value: _l("Questions: days after closing"),
    Kind.SUGGESTION.value: _l("Suggestions: days after closing"),
    Kind.COMPLAINT.value: _l("Complaints: days after closing"),
    Kind.OTHER.value: _l("Other enquiries: days after closing"),
    Kind.INFO_APPLICATION.value: _l("Information applications: days after closing"),
    Kind.PERSONAL_DATA.value: _l("Personal data requests: days after closing"),
    settings.SPAM: _l("Spam: days after receipt"),
    settings.MAIL: _l("Quarantined mail and mail that joined no ticket: days after receipt"),
}


def _days(key: str) -> BoundedIntegerField:
    return BoundedIntegerField(
        RULE_LABELS[key],
        low=settings.MIN_DAYS,
        high=settings.MAX_DAYS,
        validators=[DataRequired()],
    )


def parse_overrides(text: str) -> dict[str, int]:
    """Read `kind/outcome days` lines; ValueError naming the first line that is not one."""
    found: dict[str, int] = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        match = OVERRIDE_LINE.fullmatch(line)
        kinds = {kind.value for kind in Kind}
        if match is None or match.group(1) not in kinds or not outcomes.is_valid(match.group(2)):
            raise ValueError(line.strip())
        found[f"{match.group(1)}/{match.group(2)}"] = int(match.group(3))
    return found


class RetentionForm(FlaskForm):
    question = _days(Kind.QUESTION.value)
    suggestion = _days(Kind.SUGGESTION.value)
    complaint = _days(Kind.COMPLAINT.value)
    other = _days(Kind.OTHER.value)
    info_application = _days(Kind.INFO_APPLICATION.value)
    personal_data = _days(Kind.PERSONAL_DATA.value)
    spam = _days(settings.SPAM)
    mail = _days(settings.MAIL)
    overrides = TextAreaField(
        _l("Periods for one outcome"),
        validators=[Optional(), Length(max=OVERRIDES_MAX)],
        description=_l(
            "One per line: kind/outcome days, e.g. info_application/refused.state_secret 3650."
        ),
    )

    def validate_overrides(self, field: Any) -> None:
        try:
            parse_overrides(field.data or "")
        except ValueError as error:
            line = str(error)[:80]  # plain gettext: a lazy string would skip escaping
            raise ValidationError(
                _("Not a kind/outcome and a number of days: %(line)s", line=line)
            ) from error

    def periods(self) -> dict[str, int]:
        """Return the periods as entered."""
        days = {key: int(getattr(self, key).data) for key in settings.DEFAULT_DAYS}
        return days | parse_overrides(self.overrides.data or "")

    def fill(self, periods: settings.Periods) -> None:
        """Show the periods in force."""
        for key in settings.DEFAULT_DAYS:
            getattr(self, key).data = periods.days[key]
        self.overrides.data = "\n".join(f"{k} {v}" for k, v in sorted(periods.overrides.items()))


class HoldForm(FlaskForm):
    """A legal hold; build it with prefix=HOLD_PREFIX (it sits on the ticket page)."""

    reason = TextAreaField(
        _l("Reason for the hold"),
        filters=[strip_text],
        validators=[DataRequired(), Length(max=HOLD_REASON_MAX)],
    )
    until_on = DateField(
        _l("Hold until"),
        validators=[Optional()],
        description=_l("Leave empty to hold until the hold is lifted."),
    )
