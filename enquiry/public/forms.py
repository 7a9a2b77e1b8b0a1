"""Forms on the public side: the enquiry form, tracking look-up and follow-up."""

from __future__ import annotations

import unicodedata
from typing import Any

import phonenumbers
from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError

from enquiry.labels import KIND_LABELS
from enquiry.mail.header_values import is_address
from enquiry.models import ApplicantType, DeliveryForm, Kind
from enquiry.models import tickets as limits
from enquiry.rules.names import is_gb18030_encodable, normalize_name

APPLICANT_LABELS = {
    ApplicantType.CITIZEN: _l("Citizen (natural person)"),
    ApplicantType.BUSINESS: _l("Business"),
    ApplicantType.RESEARCH: _l("Research body"),
    ApplicantType.PUBLIC_INTEREST: _l("Public-interest organisation"),
    ApplicantType.LEGAL_SERVICES: _l("Legal-services body"),
    ApplicantType.OTHER_ORGANISATION: _l("Other organisation"),
}
DELIVERY_LABELS = {
    DeliveryForm.PAPER: _l("Paper copy"),
    DeliveryForm.EMAIL: _l("E-mail"),
    DeliveryForm.DISC: _l("CD or other disc"),
    DeliveryForm.ONSITE: _l("Read and copy on site"),
}
NAME_MIN = 1


def strip_text(value: Any) -> Any:
    """NFC-normalise and trim text input."""
    return unicodedata.normalize("NFC", value).strip() if isinstance(value, str) else value


def strip_final_dot(value: Any) -> Any:
    """Drop the final dot of an address: relays refuse "name@yahoo.com." with 553."""
    return value.rstrip(".").rstrip() if isinstance(value, str) else value


def validate_sendable_address(form: FlaskForm, field: StringField) -> None:
    """Refuse an address our mail cannot be written to (non-ASCII, quoted, an encoded word)."""
    if field.data and not is_address(field.data):
        raise ValidationError(
            _l(
                "We cannot send e-mail to this address. Please give an address written in Latin"
                " letters and digits, e.g. name@example.com."
            )
        )


def normalize_name_filter(value: Any) -> Any:
    return normalize_name(value) if isinstance(value, str) else value


def validate_phone(form: FlaskForm, field: StringField) -> None:
    """Accept Chinese mobile and landline numbers, and international ones with +."""
    if not field.data:
        return
    try:
        number = phonenumbers.parse(field.data, "CN")
    except phonenumbers.NumberParseException:
        raise ValidationError(_l("Enter a valid phone number, e.g. 13912345678.")) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_l("Enter a valid phone number, e.g. 13912345678."))
    field.data = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def at_most(limit: int) -> Any:
    """Refuse text over the limit with a message saying by how much; no maxlength cuts it."""

    def validate(form: FlaskForm, field: TextAreaField) -> None:
        length = len(field.data or "")
        if length > limit:
            raise ValidationError(
                _l(
                    "Your text has %(n)d characters, %(over)d more than the limit of %(max)d."
                    " Please shorten it: nothing has been cut.",
                    n=length,
                    over=length - limit,
                    max=limit,
                )
            )

    return validate


def validate_gb18030(form: FlaskForm, field: StringField) -> None:
    if field.data and not is_gb18030_encodable(field.data):
        raise ValidationError(_l("The name contains characters that cannot be recorded."))


class AttachmentsMixin:
    """Up to MAX_ATTACHMENTS files; size and type are checked by the view with the bytes."""

    attachments = MultipleFileField(_l("Attachments (optional)"))

    def chosen_files(self) -> list[FileStorage]:
        files = self.attachments.data or []
        return [f for f in files if isinstance(f, FileStorage) and f.filename]

    def validate_attachments(self, field: MultipleFileField) -> None:
        limit = int(current_app.config["MAX_ATTACHMENTS"])
        if len(self.chosen_files()) > limit:
            raise ValidationError(_l("You can attach at most %(n)d files.", n=limit))


class AskForm(AttachmentsMixin, FlaskForm):
    """The enquiry form at /ask."""

    kind = RadioField(
        _l("Type of enquiry"),
        choices=[
            SelectChoice(k.value, label)
            for k, label in KIND_LABELS.items()
            if k is not Kind.PERSONAL_DATA  # asked from the tracking page of one's enquiry
        ],
        default=Kind.QUESTION.value,
        validators=[InputRequired(_l("Choose the type of enquiry."))],
    )
    section = SelectField(_l("Part of the report (optional)"), choices=[], validate_choice=True)
    subject = StringField(
        _l("Subject"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Enter a subject.")),
            Length(max=limits.SUBJECT_MAX, message=_l("At most %(max)d characters.")),
        ],
    )
    # No Length(max=...): it would render maxlength, and browsers cut pasted text silently.
    message = TextAreaField(
        _l("Your message"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Enter your message.")),
            Length(min=5, message=_l("At least %(min)d characters.")),
            at_most(limits.BODY_MAX),
        ],
    )
    applicant_type = SelectField(
        _l("Applicant type"),
        choices=[
            SelectChoice("", _l("Choose…")),
            *(SelectChoice(a.value, label) for a, label in APPLICANT_LABELS.items()),
        ],
        default="",
    )
    info_description = TextAreaField(
        _l("Description of the information sought"),
        filters=[strip_text],
        validators=[
            Length(max=limits.INFO_DESCRIPTION_MAX, message=_l("At most %(max)d characters."))
        ],
    )
    delivery_form = SelectField(
        _l("Form of delivery"),
        choices=[
            SelectChoice("", _l("Choose…")),
            *(SelectChoice(d.value, label) for d, label in DELIVERY_LABELS.items()),
        ],
        default="",
    )
    name = StringField(
        _l("Name (person or organisation)"),
        filters=[strip_text, normalize_name_filter],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=limits.NAME_MAX, message=_l("At most %(max)d characters.")),
            validate_gb18030,
        ],
    )
    email = StringField(
        _l("E-mail"),
        filters=[strip_text, strip_final_dot],
        validators=[
            DataRequired(_l("Enter your e-mail address: the answer is sent there.")),
            Length(max=limits.EMAIL_MAX, message=_l("At most %(max)d characters.")),
            Email(
                _l("Enter a valid e-mail address, e.g. name@example.com."),
                check_deliverability=False,
            ),
            validate_sendable_address,
        ],
    )
    phone = StringField(
        _l("Phone (optional)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=limits.PHONE_MAX), validate_phone],
    )
    consent_publish = BooleanField(
        _l("I agree that my enquiry and its answer may be published, without my contact details.")
    )
    website = StringField(_l("Leave this field empty"))  # honeypot: people never see it
    form_token = HiddenField()

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if self.kind.data == Kind.INFO_APPLICATION.value:
            ok = self._require(self.applicant_type, _l("Choose the applicant type.")) and ok
            ok = (
                self._require(self.info_description, _l("Describe the information you seek."))
                and ok
            )
            ok = (
                self._require(self.delivery_form, _l("Choose how the information is delivered."))
                and ok
            )
        return ok

    @staticmethod
    def _require(field: Any, message: Any) -> bool:
        if field.data:
            return True
        field.errors = [*field.errors, message]
        return False


class TrackForm(FlaskForm):
    """Reference and retrieval code."""

    reference = StringField(
        _l("Reference number"),
        filters=[strip_text],
        validators=[DataRequired(_l("Enter the reference number.")), Length(max=40)],
    )
    code = StringField(
        _l("Retrieval code"),
        filters=[strip_text],
        validators=[DataRequired(_l("Enter the retrieval code.")), Length(max=60)],
    )


class FollowUpForm(AttachmentsMixin, FlaskForm):
    """A citizen's further message on an existing enquiry."""

    message = TextAreaField(
        _l("Your message"),
        filters=[strip_text],
        validators=[
            DataRequired(_l("Enter your message.")),
            Length(
                min=2, max=limits.BODY_MAX, message=_l("Between %(min)d and %(max)d characters.")
            ),
        ],
    )
