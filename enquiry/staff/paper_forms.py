"""The staff form for an application received by post or in person (art. 31)."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional

from enquiry.labels import KIND_LABELS
from enquiry.models import Channel, DeliveryForm, Kind
from enquiry.models import tickets as limits
from enquiry.public.forms import (
    APPLICANT_LABELS,
    DELIVERY_LABELS,
    normalize_name_filter,
    strip_final_dot,
    strip_text,
    validate_gb18030,
    validate_phone,
    validate_sendable_address,
)

CHOOSE = SelectChoice("", _l("Choose…"))


class PaperApplicationForm(FlaskForm):
    """What the letter or the handed-in form says, and the date the office received it."""

    channel = RadioField(
        _l("How it arrived"),
        choices=[
            SelectChoice(Channel.POST.value, _l("by post (the date signed for)")),
            SelectChoice(Channel.IN_PERSON.value, _l("in person (the date handed in)")),
        ],
        default=Channel.POST.value,
        validators=[InputRequired(_l("Choose how it was received."))],
    )
    received_on = DateField(
        _l("Date of receipt"), validators=[InputRequired(_l("Enter the date of receipt."))]
    )
    kind = SelectField(
        _l("Type of enquiry"),
        choices=[SelectChoice(k.value, label) for k, label in KIND_LABELS.items()],
        default=Kind.INFO_APPLICATION.value,
        validators=[InputRequired()],
    )
    subject = StringField(
        _l("Subject"),
        filters=[strip_text],
        validators=[DataRequired(_l("Enter a subject.")), Length(max=limits.SUBJECT_MAX)],
    )
    message = TextAreaField(
        _l("Text of the application"),
        filters=[strip_text],
        validators=[DataRequired(_l("Enter your message.")), Length(max=limits.BODY_MAX)],
    )
    applicant_type = SelectField(
        _l("Applicant type"),
        choices=[CHOOSE, *(SelectChoice(a.value, label) for a, label in APPLICANT_LABELS.items())],
        default="",
    )
    info_description = TextAreaField(
        _l("Description of the information sought"),
        filters=[strip_text],
        validators=[Length(max=limits.INFO_DESCRIPTION_MAX)],
    )
    delivery_form = SelectField(
        _l("Form of delivery"),
        choices=[CHOOSE, *(SelectChoice(d.value, label) for d, label in DELIVERY_LABELS.items())],
        default="",
    )
    name = StringField(
        _l("Name (person or organisation)"),
        filters=[strip_text, normalize_name_filter],
        validators=[
            DataRequired(_l("Enter your name.")),
            Length(max=limits.NAME_MAX),
            validate_gb18030,
        ],
    )
    email = StringField(
        _l("Applicant's e-mail (optional: the acknowledgement and answer are sent there)"),
        filters=[strip_text, strip_final_dot],
        validators=[
            Optional(),
            Length(max=limits.EMAIL_MAX),
            Email(
                _l("Enter a valid e-mail address, e.g. name@example.com."),
                check_deliverability=False,
            ),
            validate_sendable_address,
        ],
    )
    address = TextAreaField(
        _l("Postal address (letters are posted there when there is no e-mail)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=limits.ADDRESS_MAX), validate_gb18030],
    )
    phone = StringField(
        _l("Phone (optional)"),
        filters=[strip_text],
        validators=[Optional(), Length(max=limits.PHONE_MAX), validate_phone],
    )

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        if not (self.email.data or self.address.data or self.phone.data):
            message = _l("Give an e-mail address, a postal address or a phone number.")
            self.address.errors = [*self.address.errors, message]
            ok = False
        if self.kind.data != Kind.INFO_APPLICATION.value:
            return ok
        if self.delivery_form.data == DeliveryForm.EMAIL.value and not self.email.data:
            message = _l("Delivery by e-mail needs an e-mail address; choose another form.")
            self.delivery_form.errors = [*self.delivery_form.errors, message]
            ok = False
        for field, message in (
            (self.applicant_type, _l("Choose the applicant type.")),
            (self.info_description, _l("Describe the information you seek.")),
            (self.delivery_form, _l("Choose how the information is delivered.")),
        ):
            if not field.data:
                field.errors = [*field.errors, message]
                ok = False
        return ok
