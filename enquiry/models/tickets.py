"""Tickets, their messages, attachments and the content-addressed blobs behind them."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from enquiry.models.base import Base, str_enum, utcnow
from enquiry.models.org import Department, User
from enquiry.models.report import ReportSection

SUBJECT_MAX = 200
BODY_MAX = 20_000
NAME_MAX = 100
EMAIL_MAX = 254
PHONE_MAX = 32
ADDRESS_MAX = 500
INFO_DESCRIPTION_MAX = 5_000
FILENAME_MAX = 255


class Kind(enum.StrEnum):
    QUESTION = "question"
    SUGGESTION = "suggestion"
    COMPLAINT = "complaint"
    INFO_APPLICATION = "info_application"
    OTHER = "other"
    PERSONAL_DATA = "personal_data"  # 个人信息请求: correct or delete one's data (PIPL 46, 47)


class Status(enum.StrEnum):
    RECEIVED = "received"  # 受理
    ROUTED = "routed"  # 转办 to a department
    ACKNOWLEDGED = "acknowledged"  # 签收
    IN_PROGRESS = "in_progress"  # 办理
    AWAITING_CITIZEN = "awaiting_citizen"  # 补正: waiting for the citizen
    ANSWERED = "answered"  # 答复
    CLOSED = "closed"  # 办结
    REFUSED = "refused"  # 不予受理
    SPAM = "spam"
    MERGED = "merged"


FINAL_STATUSES = frozenset({Status.CLOSED, Status.REFUSED, Status.SPAM, Status.MERGED})
# The others, in a fixed order: `status IN (these)` searches the status index where
# `status NOT IN (final)` scans it (most tickets are closed).
OPEN_STATUSES = tuple(status for status in Status if status not in FINAL_STATUSES)


class Channel(enum.StrEnum):
    WEB = "web"
    EMAIL = "email"
    # Recorded by staff (art. 31): the legal receipt date is the date signed for / handed in.
    POST = "post"
    IN_PERSON = "in_person"


class ApplicantType(enum.StrEnum):
    """The applicant columns of the national annual-report template."""

    CITIZEN = "citizen"  # 自然人
    BUSINESS = "business"  # 商业企业
    RESEARCH = "research"  # 科研机构
    PUBLIC_INTEREST = "public_interest"  # 社会公益组织
    LEGAL_SERVICES = "legal_services"  # 法律服务机构
    OTHER_ORGANISATION = "other_organisation"  # 其他


class DeliveryForm(enum.StrEnum):
    PAPER = "paper"  # 纸质文本
    EMAIL = "email"  # 电子邮件
    DISC = "disc"  # 光盘
    ONSITE = "onsite"  # 当场阅读、抄录


class PauseKind(enum.StrEnum):
    CORRECTION = "correction"  # 补正: a fresh period starts when the citizen answers
    CONSULTATION = "consultation"  # third-party consultation: the time is not counted


class Rating(enum.StrEnum):
    """The national 好差评 scale, best first; the last two are 差评 and open 整改."""

    VERY_SATISFIED = "very_satisfied"  # 非常满意
    SATISFIED = "satisfied"  # 满意
    BASICALLY_SATISFIED = "basically_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意
    VERY_DISSATISFIED = "very_dissatisfied"  # 非常不满意


POOR_RATINGS = frozenset({Rating.DISSATISFIED, Rating.VERY_DISSATISFIED})
FOLLOW_UP_BY_MAX = 100


class MessageKind(enum.StrEnum):
    CITIZEN = "citizen"
    REPLY = "reply"
    NOTE = "note"  # internal, never shown to the citizen
    EVENT = "event"  # system event, e.g. "transferred"


CITIZEN_VISIBLE_KINDS = frozenset({MessageKind.CITIZEN, MessageKind.REPLY})


class Ticket(Base):
    """One enquiry from one citizen, from any channel."""

    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(sa.String(32), unique=True)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind, "ticket_kind"))
    status: Mapped[Status] = mapped_column(
        str_enum(Status, "ticket_status"), default=Status.RECEIVED, index=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel, "ticket_channel"))
    department_id: Mapped[int] = mapped_column(sa.ForeignKey("departments.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    report_section_id: Mapped[int | None] = mapped_column(sa.ForeignKey("report_sections.id"))
    routing_rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("routing_rules.id"))
    merged_into_id: Mapped[int | None] = mapped_column(sa.ForeignKey("tickets.id"))

    subject: Mapped[str] = mapped_column(sa.String(SUBJECT_MAX))
    citizen_name: Mapped[str] = mapped_column(sa.String(NAME_MAX))
    citizen_email: Mapped[str] = mapped_column(sa.String(EMAIL_MAX))
    citizen_phone: Mapped[str | None] = mapped_column(sa.String(PHONE_MAX))
    # Paper applications only: where letters are posted ("" e-mail means letters go by post).
    citizen_address: Mapped[str | None] = mapped_column(sa.String(ADDRESS_MAX))
    locale: Mapped[str] = mapped_column(sa.String(16), default="zh_Hans")
    is_publication_consented: Mapped[bool] = mapped_column(default=False)

    # Open-government information applications only.
    applicant_type: Mapped[ApplicantType | None] = mapped_column(
        str_enum(ApplicantType, "applicant_type")
    )
    info_description: Mapped[str | None] = mapped_column(sa.Text)
    delivery_form: Mapped[DeliveryForm | None] = mapped_column(
        str_enum(DeliveryForm, "delivery_form")
    )

    access_code_hash: Mapped[str] = mapped_column(sa.String(64))
    received_on: Mapped[date]  # the legal date of receipt (Beijing time)
    due_on: Mapped[date | None]
    is_calendar_verified: Mapped[bool] = mapped_column(default=True)
    # The statutory clock (see enquiry/deadlines.py and the tracking issue).
    paused_on: Mapped[date | None]  # 补正 or third-party consultation under way since
    pause_kind: Mapped[PauseKind | None] = mapped_column(str_enum(PauseKind, "pause_kind"))
    # 补正 (art. 30): asked at most once, with the time limit the citizen was given.
    correction_requested_on: Mapped[date | None]
    correction_due_on: Mapped[date | None]
    extension_days: Mapped[int] = mapped_column(default=0)
    extension_reason: Mapped[str | None] = mapped_column(sa.Text)
    extension_approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    extended_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]  # 督办: overdue, raised to the supervisor
    first_response_at: Mapped[datetime | None]
    answered_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(sa.String(40))  # annual-report outcome code

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None]
    # Personal data removed under the retention policy (enquiry/domain/retention).
    anonymised_at: Mapped[datetime | None]

    department: Mapped[Department] = relationship()
    assignee: Mapped[User | None] = relationship(foreign_keys=[assignee_id])
    report_section: Mapped[ReportSection | None] = relationship()
    messages: Mapped[list[Message]] = relationship(
        back_populates="ticket", order_by="Message.id", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.CheckConstraint(
            "(status = 'closed') = (closed_at IS NOT NULL)", name="closed_iff_closed_at"
        ),
        sa.CheckConstraint(
            "(kind = 'info_application') = (applicant_type IS NOT NULL)",
            name="applicant_type_iff_application",
        ),
        # Keyset pagination of the inbox: newest first, for everyone and per department.
        sa.Index("ix_tickets_created_at_id", "created_at", "id"),
        sa.Index("ix_tickets_department_id_created_at_id", "department_id", "created_at", "id"),
        sa.Index("ix_tickets_due_on_id", "due_on", "id"),
        # The newest open tickets (similar tickets on every ticket page): a few hundred rows by
        # status, not every ticket by date.
        sa.Index("ix_tickets_status_created_at_id", "status", "created_at", "id"),
    )

    def __repr__(self) -> str:
        return f"<Ticket {self.reference} {self.status.value}>"


class Message(Base):
    """An entry in a ticket's thread."""

    __tablename__ = "messages"
    # Covers "a citizen message after the one last read" (unread markers, inbox counts).
    __table_args__ = (sa.Index("ix_messages_ticket_id_kind_id", "ticket_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind, "message_kind"))
    channel: Mapped[Channel | None] = mapped_column(str_enum(Channel, "message_channel"))
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    # Not unique: some clients reuse Message-IDs for different messages (enquiry.mail.dedupe).
    email_message_id: Mapped[str | None] = mapped_column(sa.String(998), index=True)
    inbound_email_id: Mapped[int | None] = mapped_column(sa.ForeignKey("inbound_emails.id"))
    is_flagged: Mapped[bool] = mapped_column(default=False)  # e.g. sent from another address
    flag_reason: Mapped[str | None] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket: Mapped[Ticket] = relationship(back_populates="messages")
    author: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id", cascade="all, delete-orphan"
    )

    @property
    def is_citizen_visible(self) -> bool:
        """True when the citizen may see this message on the tracking page."""
        return self.kind in CITIZEN_VISIBLE_KINDS

    def __repr__(self) -> str:
        return f"<Message {self.id} {self.kind.value} on ticket {self.ticket_id}>"


class Blob(Base):
    """File content, stored once and addressed by its SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    size: Mapped[int]
    data: Mapped[bytes] = mapped_column(sa.LargeBinary, deferred=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def __repr__(self) -> str:
        return f"<Blob {self.sha256[:12]} {self.size}B>"


class Attachment(Base):
    """A file attached to a message."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id"), index=True)
    blob_sha256: Mapped[str] = mapped_column(sa.ForeignKey("blobs.sha256"))
    filename: Mapped[str] = mapped_column(sa.String(FILENAME_MAX))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]

    message: Mapped[Message] = relationship(back_populates="attachments")
    blob: Mapped[Blob] = relationship()

    def __repr__(self) -> str:
        return f"<Attachment {self.filename!r} {self.content_type}>"


class SatisfactionRating(Base):
    """The citizen's rating of one answer (回访): one per answer, no login."""

    __tablename__ = "satisfaction_ratings"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("tickets.id"), index=True)
    message_id: Mapped[int] = mapped_column(sa.ForeignKey("messages.id"), unique=True)
    rating: Mapped[Rating] = mapped_column(str_enum(Rating, "satisfaction_rating"))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # 整改: a 差评 must be put right within 15 working days.
    rectification_due_on: Mapped[date | None]
    # 回访: staff call the citizen back and record when, who and what came of it.
    follow_up_on: Mapped[date | None]
    follow_up_by: Mapped[str | None] = mapped_column(sa.String(FOLLOW_UP_BY_MAX))
    follow_up_result: Mapped[str | None] = mapped_column(sa.Text)
    # 误评: a supervisor sets a rating aside (never deleted); figures leave it out.
    misrated_at: Mapped[datetime | None]
    misrated_reason: Mapped[str | None] = mapped_column(sa.Text)
    misrated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    ticket: Mapped[Ticket] = relationship()

    __table_args__ = (
        sa.CheckConstraint(
            "(misrated_at IS NULL) = (misrated_reason IS NULL)", name="misrated_has_reason"
        ),
    )

    def __repr__(self) -> str:
        return f"<SatisfactionRating {self.rating.value} on message {self.message_id}>"
