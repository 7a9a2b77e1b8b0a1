"""The API's request and response bodies, as pydantic models (also the OpenAPI schemas)."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Annotated, Any, Literal

from email_validator import EmailNotValidError, validate_email
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
)

from enquiry.models import ApplicantType, Channel, DeliveryForm, Kind, MessageKind, Status
from enquiry.models.tickets import (
    BODY_MAX,
    EMAIL_MAX,
    INFO_DESCRIPTION_MAX,
    NAME_MAX,
    PHONE_MAX,
    SUBJECT_MAX,
)

REASON_MAX = 2000
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


def email_address(value: str) -> str:
    """Accept an address as the public form does (syntax only, no DNS look-up)."""
    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise ValueError(str(error)) from error


EmailAddress = Annotated[
    str,
    StringConstraints(strip_whitespace=True, max_length=EMAIL_MAX),
    AfterValidator(email_address),
]


class Strict(BaseModel):
    """A request body: unknown fields are refused, not ignored; text is NFC, without NUL."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def clean_text(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if "\x00" in value:  # PostgreSQL cannot store it, and no one types it
            raise ValueError("NUL characters are not accepted")
        return unicodedata.normalize("NFC", value)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None


class ErrorBody(BaseModel):
    error: ErrorDetail


class TicketOut(BaseModel):
    id: int
    reference: str
    kind: Kind
    status: Status
    channel: Channel
    subject: str
    department_id: int
    assignee_id: int | None
    citizen_name: str
    citizen_email: str
    received_on: date
    due_on: date | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TicketPage(BaseModel):
    items: list[TicketOut]
    next_cursor: str | None = Field(description="Pass as `after` for the next page.")


class TicketQuery(Strict):
    """The inbox's filters, from the query string."""

    status: Status | None = None
    kind: Kind | None = None
    department_id: int | None = Field(None, ge=1)
    channel: Channel | None = None
    received_from: date | None = None
    received_to: date | None = None
    assignee: str | None = Field(
        None, pattern=r"^(mine|unassigned|[1-9][0-9]{0,17})$", description="mine, unassigned, an id"
    )
    due: Literal["soon", "overdue"] | None = None
    sort: Literal["newest", "oldest", "due"] = "newest"
    after: str | None = Field(None, max_length=512, description="A next_cursor from a page.")
    limit: int = Field(25, ge=1, le=100)


class TicketCreate(Strict):
    """An enquiry taken by another channel (the 12345 hotline, the city's portal ...)."""

    kind: Kind
    subject: Annotated[Text, StringConstraints(max_length=SUBJECT_MAX)]
    body: Annotated[Text, StringConstraints(max_length=BODY_MAX)]
    citizen_name: Annotated[Text, StringConstraints(max_length=NAME_MAX)]
    citizen_email: EmailAddress
    citizen_phone: Annotated[str, StringConstraints(max_length=PHONE_MAX)] | None = None
    locale: Literal["zh_Hans", "en", "ug"] = "zh_Hans"
    source: Annotated[Text, StringConstraints(max_length=40)] = Field(
        description="The system the enquiry came from, e.g. 12345; kept in the audit record."
    )
    applicant_type: ApplicantType | None = Field(
        None, description="Required for an information application, absent otherwise."
    )
    info_description: Annotated[Text, StringConstraints(max_length=INFO_DESCRIPTION_MAX)] | None = (
        Field(None, description="Required for an information application: what is sought.")
    )
    delivery_form: DeliveryForm | None = Field(
        None, description="Required for an information application: how it is delivered."
    )


class TicketCreated(BaseModel):
    ticket: TicketOut
    access_code: str = Field(description="The citizen's retrieval code; shown only this once.")


class MessageOut(BaseModel):
    id: int
    kind: MessageKind
    channel: Channel | None
    author_id: int | None
    body: str
    created_at: datetime
    attachments: list[str]


class MessageList(BaseModel):
    items: list[MessageOut]


class MessageIn(Strict):
    body: Annotated[Text, StringConstraints(max_length=BODY_MAX)]


class CorrectionIn(MessageIn):
    """补正: what the citizen must supply, and for an application the time limit (default 15
    working days); once, within 7 working days of receipt, else 409."""

    limit: date | None = None


class TransferIn(Strict):
    department_id: int = Field(ge=1)
    note: Annotated[Text, StringConstraints(max_length=REASON_MAX)]


class ReasonIn(Strict):
    reason: Annotated[Text, StringConstraints(max_length=REASON_MAX)]


class CloseIn(Strict):
    outcome: str | None = Field(None, max_length=40, description="Information applications only.")


class Empty(Strict):
    """No fields."""


class DepartmentOut(BaseModel):
    id: int
    code: str
    name_zh: str
    name_en: str
    name_ug: str
    is_default: bool
    is_active: bool


class DepartmentList(BaseModel):
    items: list[DepartmentOut]


class SectionOut(BaseModel):
    id: int
    year: int
    number: str
    heading: str
    level: int


class SectionList(BaseModel):
    items: list[SectionOut]


class FiguresQuery(Strict):
    year: int = Field(ge=2000, le=9999)
    department_id: int | None = Field(None, ge=1, description="Admins only; None: the office.")


class MailboxFiguresOut(BaseModel):
    year: int
    total: int
    total_by_month: list[int]
    by_kind: dict[str, list[int]]
    by_channel: dict[str, list[int]]
    by_department: dict[str, list[int]]
    median_first_response: float | None
    median_answer: float | None
    answered_on_time: int
    answered_late: int
    overdue_unanswered: int
    on_time_share: float | None
    satisfaction: dict[str, int]


class AnnualRowOut(BaseModel):
    key: str
    label: str
    cells: dict[str, int]


class AnnualTableOut(BaseModel):
    year: int
    columns: dict[str, str]
    rows: list[AnnualRowOut]
    problems: list[str]
