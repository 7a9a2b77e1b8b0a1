"""Forms of the redaction editor and the approval steps."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.validators import DataRequired, Length

from enquiry.bounded import coerce_id
from enquiry.domain.publication_copy import EXTRA_LENGTH_MAX, EXTRA_MAX
from enquiry.labels import ADOPTION_LABELS
from enquiry.models.publication import ADOPTION_REASON_MAX
from enquiry.models.tickets import SUBJECT_MAX


class CheckboxList(SelectMultipleField):
    """Checkboxes, one per choice (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class EditorForm(FlaskForm):
    """The redaction editor: title, spans to hide, extra strings, attachments, adoption."""

    title = StringField(_l("Public title"), validators=[DataRequired(), Length(max=SUBJECT_MAX)])
    hide = CheckboxList(_l("Hidden personal data"), choices=[], validate_choice=True)
    extras = TextAreaField(
        _l("Also hide these exact words (one per line)"),
        validators=[Length(max=EXTRA_MAX * (EXTRA_LENGTH_MAX + 2))],
    )
    attachments = CheckboxList(_l("Publish these attachments"), choices=[], coerce=coerce_id)
    adoption = SelectField(
        _l("Outcome of the suggestion"),
        choices=[SelectChoice("", "—")]
        + [SelectChoice(a.value, label) for a, label in ADOPTION_LABELS.items()],
        validate_choice=False,  # absent unless the ticket is a suggestion; checked in the domain
    )
    adoption_reason = TextAreaField(_l("Reason"), validators=[Length(max=ADOPTION_REASON_MAX)])


class StepForm(FlaskForm):
    """A bare POST (prepare, submit, approve): only the CSRF token."""


class UnpublishForm(FlaskForm):
    """Take a public copy offline, with a reason for the audit trail."""

    reason = StringField(_l("Reason"), validators=[Length(max=200)])
